//! One snapshot of everything that must survive a restart: the counters and
//! the read position of every file, taken together, so a restart neither
//! loses nor double-counts a line. Written to a temporary file, fsynced and
//! renamed over the old one (then the folder fsynced): a crash at any moment
//! leaves either the old snapshot or the new one.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::metrics::Series;
use crate::pipeline::Processor;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FilePos {
    pub path: PathBuf,
    pub dev: u64,
    pub ino: u64,
    /// Bytes fully counted: the start of the first record not yet complete.
    pub offset: u64,
}

/// A saved series: key, value, seq, seconds, GeoIP index.
pub type SavedSeries = (String, u64, u64, u32, u32);
/// A saved family: name, series, evicted count.
pub type SavedFamily = (String, Vec<SavedSeries>, u64);

#[derive(Debug, Serialize, Deserialize)]
pub struct Snapshot {
    pub version: u32,
    pub files: Vec<FilePos>,
    /// (family name, [(key, value, seq, sec, geo)], evicted)
    pub families: Vec<SavedFamily>,
    pub geo: Vec<String>,
    pub errors: [u64; 6],
    pub lines: u64,
    pub bytes: u64,
    pub ignored: u64,
    pub waf_lines: u64,
    #[serde(default)]
    pub requests: u64,
}

pub const VERSION: u32 = 1;

impl Snapshot {
    pub fn take(p: &Processor, files: Vec<FilePos>) -> Snapshot {
        Snapshot {
            version: VERSION,
            files,
            families: p
                .families
                .iter()
                .map(|f| {
                    let mut s: Vec<SavedSeries> = f
                        .series
                        .iter()
                        .map(|(k, s)| {
                            let k = String::from_utf8_lossy(k).into_owned();
                            (k, s.value, s.seq, s.sec, s.geo)
                        })
                        .collect();
                    s.sort_unstable();
                    (f.name.clone(), s, f.evicted)
                })
                .collect(),
            geo: p.geo.table.iter().map(|g| g.to_string()).collect(),
            errors: p.errors,
            lines: p.lines,
            bytes: p.bytes,
            ignored: p.ignored,
            waf_lines: p.waf_lines,
            requests: p.requests,
        }
    }

    /// Put the counters back into a fresh processor (families by name; a
    /// family the config no longer has is dropped).
    pub fn restore(self, p: &mut Processor) -> Vec<FilePos> {
        // Geo indexes are re-interned: the new table may already hold entries.
        let map: Vec<u32> = self.geo.into_iter().map(|g| p.geo.intern(g)).collect();
        for (name, series, evicted) in self.families {
            if let Some(f) = p.families.iter_mut().find(|f| f.name == name) {
                f.evicted = evicted;
                for (k, value, seq, sec, geo) in series {
                    let geo = map.get(geo as usize).copied().unwrap_or(0);
                    f.series.insert(
                        k.as_bytes(),
                        Series {
                            value,
                            seq,
                            sec,
                            geo,
                        },
                    );
                }
            }
        }
        p.errors = self.errors;
        p.lines = self.lines;
        p.bytes = self.bytes;
        p.ignored = self.ignored;
        p.waf_lines = self.waf_lines;
        p.requests = self.requests;
        self.files
    }
}

/// Write `snap` to `path` atomically and durably.
pub fn save(path: &Path, snap: &Snapshot) -> Result<(), String> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    let tmp = path.with_extension("tmp");
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        let mut w = std::io::BufWriter::new(&mut f);
        serde_json::to_writer(&mut w, snap)?;
        w.flush()?;
        drop(w);
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        std::fs::File::open(dir)?.sync_all()
    };
    write().map_err(|e| format!("cannot save state to `{}`: {e}", path.display()))
}

/// Read a snapshot. Missing: Ok(None). Unreadable or corrupt: Err with why.
pub fn load(path: &Path) -> Result<Option<Snapshot>, String> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read state `{}`: {e}", path.display())),
    };
    let snap: Snapshot = serde_json::from_slice(&bytes)
        .map_err(|e| format!("state `{}` is corrupt: {e}", path.display()))?;
    if snap.version != VERSION {
        return Err(format!(
            "state `{}` has version {}, this exporter reads {VERSION}",
            path.display(),
            snap.version
        ));
    }
    Ok(Some(snap))
}
