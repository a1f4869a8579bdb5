//! Finding and reading container log files under `/var/log/pods`:
//! `<namespace>_<pod>_<uid>/<container>/<n>.log`, selected by the config's
//! globs (the namespace comes from the path: no API server). Files are read
//! with positioned reads from an open descriptor, so a file the kubelet
//! renames (rotation) or deletes (pod gone) is still read to its end. Polling,
//! not inotify: see bench/README.md for the measurement.

use std::fs::File;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};

use memchr::memchr_iter;

use crate::config::{Source, glob};
use crate::pipeline::{Partial, Processor};
use crate::state::FilePos;

/// Bytes read per call: small enough that the copy stays in cache for the
/// parser. A physical CRI line is at most 16 KiB (containerd splits longer
/// writes into `P` records), so a line without a newline in a whole chunk is
/// garbage, skipped and counted.
const CHUNK: usize = 64 * 1024;

pub struct Tracked {
    pub path: PathBuf,
    file: File,
    pub dev: u64,
    pub ino: u64,
    /// Next byte to read.
    pub pos: u64,
    /// Bytes fully counted (what a snapshot saves).
    pub commit: u64,
    partial: Partial,
    /// Inside a line longer than CHUNK: skip to its end.
    skipping: bool,
    /// The path now names another file (rotated) or none (deleted): read
    /// this one to its end, then let it go.
    pub draining: bool,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct TailStats {
    pub truncations: u64,
    pub rotations: u64,
    /// Rotated files gone (compressed or deleted) before their end was read.
    pub rotations_missed: u64,
}

/// `<namespace>_<pod>_<uid>` → (namespace, pod).
fn pod_dir(name: &str) -> Option<(&str, &str)> {
    let (ns, rest) = name.split_once('_')?;
    let (pod, _uid) = rest.rsplit_once('_')?;
    Some((ns, pod))
}

/// Every `*.log` file under `root` that a source selects, sorted.
pub fn discover(root: &Path, sources: &[Source]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(pods) = std::fs::read_dir(root) else {
        return out;
    };
    for pod in pods.flatten() {
        let name = pod.file_name().to_string_lossy().to_string();
        let Some((ns, pod_name)) = pod_dir(&name) else {
            continue;
        };
        let Ok(containers) = std::fs::read_dir(pod.path()) else {
            continue;
        };
        for c in containers.flatten() {
            let cname = c.file_name().to_string_lossy().to_string();
            let selected = sources.iter().any(|s| {
                glob(&s.namespace, ns) && glob(&s.pod, pod_name) && glob(&s.container, &cname)
            });
            if !selected {
                continue;
            }
            let Ok(files) = std::fs::read_dir(c.path()) else {
                continue;
            };
            for f in files.flatten() {
                if f.file_name().to_string_lossy().ends_with(".log") {
                    out.push(f.path());
                }
            }
        }
    }
    out.sort();
    out
}

fn identity(path: &Path) -> Option<(u64, u64, u64)> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.dev(), m.ino(), m.len()))
}

impl Tracked {
    pub fn open(path: &Path, pos: u64) -> Option<Tracked> {
        let file = File::open(path).ok()?;
        let m = file.metadata().ok()?;
        Some(Tracked {
            path: path.to_path_buf(),
            file,
            dev: m.dev(),
            ino: m.ino(),
            pos,
            commit: pos,
            partial: Partial::default(),
            skipping: false,
            draining: false,
        })
    }

    pub fn position(&self) -> FilePos {
        FilePos {
            path: self.path.clone(),
            dev: self.dev,
            ino: self.ino,
            offset: self.commit,
        }
    }

    /// Size of the open file (for bytes behind).
    pub fn len(&self) -> u64 {
        self.file.metadata().map(|m| m.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Read what is there (up to `budget` chunks); bytes consumed.
    pub fn read(
        &mut self,
        p: &mut Processor,
        buf: &mut Vec<u8>,
        budget: usize,
        stats: &mut TailStats,
    ) -> u64 {
        // Copy-truncate: the file shrank under us; start over.
        let len = self.len();
        if len < self.pos {
            stats.truncations += 1;
            self.pos = 0;
            self.commit = 0;
            self.partial = Partial::default();
            self.skipping = false;
        }
        let mut consumed = 0;
        for _ in 0..budget {
            buf.resize(CHUNK, 0);
            let n = match self.file.read_at(buf, self.pos) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let data = &buf[..n];
            let mut start = 0;
            for nl in memchr_iter(b'\n', data) {
                let line = &data[start..nl];
                if self.skipping {
                    self.skipping = false;
                    p.errors[crate::parse::ErrorKind::TooLong.index()] += 1;
                    p.lines += 1;
                    p.bytes += line.len() as u64 + 1;
                } else {
                    p.cri_line(line, &mut self.partial);
                }
                start = nl + 1;
                let at = self.pos + start as u64;
                if self.partial.buf.is_empty() && !self.partial.too_long {
                    self.commit = at;
                }
            }
            if start == 0 && n == CHUNK {
                // No newline in a whole chunk: a line past every limit.
                self.skipping = true;
                start = n;
                p.bytes += n as u64;
            }
            self.pos += start as u64;
            consumed += start as u64;
            if n < CHUNK {
                break;
            }
        }
        consumed
    }
}

/// All files being read, keyed by path.
pub struct Tailer {
    pub root: PathBuf,
    pub sources: Vec<Source>,
    pub files: Vec<Tracked>,
    pub stats: TailStats,
    buf: Vec<u8>,
}

impl Tailer {
    pub fn new(root: PathBuf, sources: Vec<Source>) -> Self {
        Tailer {
            root,
            sources,
            files: Vec::new(),
            stats: TailStats::default(),
            buf: Vec::with_capacity(CHUNK),
        }
    }

    /// First start: take saved positions; files without one start at the end
    /// (`from_end`) or the beginning. A saved file whose path now names
    /// another file was rotated while we were down: its rest is read from the
    /// renamed file when that is still there.
    pub fn start(&mut self, saved: Option<Vec<FilePos>>, from_end: bool) {
        let found = discover(&self.root, &self.sources);
        let saved_some = saved.is_some();
        let saved = saved.unwrap_or_default();
        for fp in &saved {
            match identity(&fp.path) {
                Some((dev, ino, _)) if dev == fp.dev && ino == fp.ino => {
                    if let Some(t) = Tracked::open(&fp.path, fp.offset) {
                        self.files.push(t);
                    }
                }
                _ => {
                    // Look for the rotated file (same inode) beside it.
                    let rotated = fp
                        .path
                        .parent()
                        .and_then(|d| std::fs::read_dir(d).ok())
                        .and_then(|entries| {
                            entries.flatten().map(|e| e.path()).find(|p| {
                                identity(p).is_some_and(|(d, i, _)| d == fp.dev && i == fp.ino)
                            })
                        });
                    match rotated.and_then(|r| Tracked::open(&r, fp.offset)) {
                        Some(mut t) => {
                            t.draining = true;
                            self.stats.rotations += 1;
                            self.files.push(t);
                        }
                        None => self.stats.rotations_missed += 1,
                    }
                }
            }
        }
        for path in found {
            if self.files.iter().any(|t| t.path == path && !t.draining) {
                continue;
            }
            // Unknown at a restart: it appeared while we were down.
            let start_at_end = from_end && !saved_some;
            let pos = if start_at_end {
                identity(&path).map_or(0, |x| x.2)
            } else {
                0
            };
            if let Some(t) = Tracked::open(&path, pos) {
                self.files.push(t);
            }
        }
    }

    /// Notice new files, rotations and deletions (between reads).
    pub fn rescan(&mut self) {
        for t in self.files.iter_mut().filter(|t| !t.draining) {
            match identity(&t.path) {
                Some((dev, ino, _)) if dev == t.dev && ino == t.ino => {}
                Some(_) => {
                    t.draining = true;
                    self.stats.rotations += 1;
                }
                None => t.draining = true,
            }
        }
        for path in discover(&self.root, &self.sources) {
            if !self.files.iter().any(|t| t.path == path && !t.draining)
                && let Some(t) = Tracked::open(&path, 0)
            {
                self.files.push(t);
            }
        }
    }

    /// One pass over every file; bytes consumed. Drained files are dropped.
    pub fn poll(&mut self, p: &mut Processor, budget: usize) -> u64 {
        let mut total = 0;
        let Tailer {
            files, stats, buf, ..
        } = self;
        for t in files.iter_mut() {
            total += t.read(p, buf, budget, stats);
        }
        // A draining file is done when nothing more was there to read.
        files.retain(|t| !(t.draining && t.pos >= t.len()));
        total
    }

    pub fn positions(&self) -> Vec<FilePos> {
        self.files
            .iter()
            .filter(|t| !t.draining || t.commit < t.len())
            .map(Tracked::position)
            .collect()
    }

    pub fn bytes_behind(&self) -> Vec<(String, u64)> {
        self.files
            .iter()
            .map(|t| (t.path.display().to_string(), t.len().saturating_sub(t.pos)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pod_folders() {
        assert_eq!(
            pod_dir("ingress-nginx_ingress-nginx-controller-7d9f_0f1e2d3c-aaaa"),
            Some(("ingress-nginx", "ingress-nginx-controller-7d9f"))
        );
        assert_eq!(pod_dir("nounderscore"), None);
    }
}
