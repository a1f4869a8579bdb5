//! Finding and reading container log files under `/var/log/pods`:
//! `<namespace>_<pod>_<uid>/<container>/<n>.log`, selected by the config's
//! globs (the namespace comes from the path: no API server). Files are read
//! with positioned reads from an open descriptor, so a file the kubelet
//! renames (rotation) or deletes (pod gone) is still read to its end. Polling,
//! not inotify: see bench/README.md for the measurement.

use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::config::{Source, glob};
use crate::frame::Framer;
use crate::lines::{CHUNK, Lines};
use crate::pipeline::Processor;
use crate::state::FilePos;

pub struct Tracked {
    pub path: PathBuf,
    file: File,
    pub dev: u64,
    pub ino: u64,
    /// Where reading stands (the next byte to read is `lines.pos`).
    lines: Lines,
    /// Bytes fully counted (what a snapshot saves).
    pub commit: u64,
    frames: Framer,
    /// The path now names another file (rotated) or none (renamed or
    /// deleted): read this one to its end, then let it go.
    pub draining: bool,
    /// The writer has moved on (the path names a new file, or ours has no
    /// name left): once a later rescan finds it read to its end, it is done.
    /// Between the kubelet's rename and the runtime's reopen the runtime
    /// still appends to the renamed file, so "at its end" alone is not enough.
    settled: bool,
    done: bool,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct TailStats {
    pub truncations: u64,
    pub rotations: u64,
    /// Rotated files gone (compressed or deleted) before their end was read.
    pub rotations_missed: u64,
    /// Bytes known to be lost: the unfinished record of a file let go (its
    /// writer never ended it) or truncated under the reader.
    pub bytes_lost: u64,
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
            lines: Lines::at(pos),
            commit: pos,
            frames: Framer::default(),
            draining: false,
            settled: false,
            done: false,
        })
    }

    /// Whether the file has no name left (deleted, pod gone).
    fn unlinked(&self) -> bool {
        self.file.metadata().map_or(true, |m| m.nlink() == 0)
    }

    /// Whether another name in the same folder holds this file (renamed).
    fn renamed_beside(&self) -> bool {
        let Some(dir) = self.path.parent() else {
            return false;
        };
        std::fs::read_dir(dir).is_ok_and(|entries| {
            entries.flatten().any(|e| {
                identity(&e.path()).is_some_and(|(d, i, _)| d == self.dev && i == self.ino)
            })
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
        if self.len() < self.lines.pos {
            stats.truncations += 1;
            stats.bytes_lost += self.lines.pos - self.commit;
            self.lines = Lines::at(0);
            self.commit = 0;
            self.frames = Framer::default();
        }
        let Tracked {
            file,
            lines,
            frames,
            commit,
            ..
        } = self;
        // A read error is "nothing yet": the next poll tries again.
        lines
            .read(file, buf, budget, false, &mut |line, end| {
                p.line(line, frames);
                if frames.is_idle() {
                    *commit = end;
                }
            })
            .unwrap_or(0)
    }

    /// The next byte to read.
    pub fn pos(&self) -> u64 {
        self.lines.pos
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
                            // Rotated while we were down: the writer is elsewhere.
                            t.settled = true;
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
        for t in self.files.iter_mut() {
            let now = identity(&t.path).map(|(dev, ino, _)| (dev, ino));
            let same = now == Some((t.dev, t.ino));
            let named_other = now.is_some() && !same;
            let moved_on = named_other || (now.is_none() && t.unlinked());
            if !t.draining && !same {
                t.draining = true;
                // A rename without a new file yet is a rotation too: the
                // kubelet renames first, the runtime reopens later.
                if named_other || t.renamed_beside() {
                    self.stats.rotations += 1;
                }
            }
            if t.draining {
                t.done = t.settled && t.pos() >= t.len();
                t.settled |= moved_on;
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

    /// One pass over every file; bytes consumed. Files done draining are
    /// dropped (after this last read).
    pub fn poll(&mut self, p: &mut Processor, budget: usize) -> u64 {
        let mut total = 0;
        let Tailer {
            files, stats, buf, ..
        } = self;
        for t in files.iter_mut() {
            total += t.read(p, buf, budget, stats);
        }
        files.retain(|t| {
            if t.done {
                stats.bytes_lost += t.len().saturating_sub(t.commit);
            }
            !t.done
        });
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
            .map(|t| {
                (
                    t.path.display().to_string(),
                    t.len().saturating_sub(t.pos()),
                )
            })
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
