//! The chart cache: `charts/` next to site.toml holds every chart at its pinned
//! version, as the archive `helm pull` wrote (`<chart>-<version>.tgz`) or
//! unpacked (`<chart>-<version>/`), and `charts/charts.lock` records where each
//! came from and its SHA-256. Expansion reads charts from here only, so nothing
//! but `hearth charts pull` needs the network, and a changed archive is noticed.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::diag::{Code, Errors, InputError};
use crate::site::Loaded;

/// The cache folder's name, next to site.toml.
pub const FOLDER: &str = "charts";
/// The lock file's name inside it.
pub const LOCK: &str = "charts.lock";

/// One locked chart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Locked {
    pub chart: String,
    pub version: String,
    pub repo: String,
    /// Hex SHA-256 of the archive (of the tree, for an unpacked chart: see `digest`).
    pub sha256: String,
}

/// `charts.lock`: every chart of the cache, sorted by chart and version.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    #[serde(default, rename = "chart")]
    pub charts: Vec<Locked>,
}

/// A chart Application of the site, as site.toml pins it.
#[derive(Debug, Clone)]
pub struct Pin {
    pub service: String,
    pub chart: String,
    pub version: String,
    pub repo: String,
    /// `[services.x.helm]` in site.toml.
    pub span: std::ops::Range<usize>,
}

impl Pin {
    /// A cache error at this chart's `[services.x.helm]`.
    pub fn error(&self, loaded: &Loaded, msg: String, help: impl Into<String>) -> InputError {
        InputError::new(Code::ChartCache, msg)
            .in_file(&loaded.source)
            .label(self.span.clone(), "this chart")
            .help(help)
    }
}

/// Every chart the site deploys, in service order.
pub fn pins(loaded: &Loaded) -> Vec<Pin> {
    let mut out = Vec::new();
    for (name, svc) in &loaded.raw.services {
        if let Some(h) = &svc.get_ref().helm {
            let helm = h.get_ref();
            out.push(Pin {
                service: name.to_string(),
                chart: helm.chart.clone(),
                version: helm.version.get_ref().clone(),
                repo: helm.repo.clone(),
                span: h.span(),
            });
        }
    }
    out
}

impl Lock {
    /// The lock of `dir` (`charts/`); no file is an empty lock.
    pub fn read(dir: &Path) -> Result<Lock, InputError> {
        let path = dir.join(LOCK);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Lock::default()),
            Err(e) => {
                return Err(InputError::new(
                    Code::ChartCache,
                    format!("cannot read `{}`: {e}", path.display()),
                ));
            }
        };
        toml::from_str(&text).map_err(|e| {
            InputError::new(
                Code::ChartCache,
                format!("`{}` is not a chart lock: {e}", path.display()),
            )
            .help("delete it and run `hearth charts pull` to write it again")
        })
    }

    /// Write the lock (sorted, with a header saying who wrote it).
    pub fn write(&mut self, dir: &Path) -> std::io::Result<()> {
        self.charts
            .sort_by(|a, b| (&a.chart, &a.version).cmp(&(&b.chart, &b.version)));
        self.charts.dedup();
        let body = toml::to_string(self).expect("the lock serialises");
        let text = format!(
            "# Written by `hearth charts pull`; checked by `hearth charts verify`.\n\n{body}"
        );
        let tmp = dir.join(format!("{LOCK}.tmp"));
        std::fs::write(&tmp, text)?;
        std::fs::rename(tmp, dir.join(LOCK))
    }

    pub fn find(&self, chart: &str, version: &str) -> Option<&Locked> {
        self.charts
            .iter()
            .find(|l| l.chart == chart && l.version == version)
    }

    /// Record (or replace) one chart's entry.
    pub fn set(&mut self, entry: Locked) {
        self.charts
            .retain(|l| !(l.chart == entry.chart && l.version == entry.version));
        self.charts.push(entry);
    }
}

/// Where a chart of the cache is: the archive, else the unpacked folder.
pub fn locate(dir: &Path, chart: &str, version: &str) -> Option<PathBuf> {
    let archive = dir.join(format!("{chart}-{version}.tgz"));
    let unpacked = dir.join(format!("{chart}-{version}"));
    [archive, unpacked].into_iter().find(|p| p.exists())
}

/// Hex SHA-256 of an archive's bytes; of an unpacked chart, of every file's
/// relative path, length and bytes in path order (so a changed, added or
/// removed file changes it).
pub fn digest(path: &Path) -> std::io::Result<String> {
    let mut h = Sha256::new();
    if path.is_dir() {
        let mut files = Vec::new();
        for e in walkdir::WalkDir::new(path).sort_by_file_name() {
            let e = e.map_err(std::io::Error::other)?;
            if e.file_type().is_file() {
                files.push(e.into_path());
            }
        }
        for f in files {
            let rel = f.strip_prefix(path).expect("under the chart");
            let bytes = std::fs::read(&f)?;
            h.update(rel.to_string_lossy().replace('\\', "/").as_bytes());
            h.update([0]);
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(&bytes);
        }
    } else {
        h.update(std::fs::read(path)?);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// A verified chart of the cache.
#[derive(Debug, Clone)]
pub struct Cached {
    pub path: PathBuf,
    /// Its locked (and checked) SHA-256.
    pub sha256: String,
}

/// Check every pinned chart against the cache: in the lock with the same
/// repository, present, and with the locked digest. Returns each chart (in
/// `pins` order), or every problem located at its `[services.x.helm]`.
pub fn verify(loaded: &Loaded, dir: &Path) -> Result<Vec<Cached>, Errors> {
    let each = verify_each(loaded, dir, None).map_err(|e| Errors(vec![e]))?;
    let mut errs = Errors::default();
    let mut out = Vec::new();
    for r in each {
        match r {
            Ok(c) => out.push(c),
            Err(e) => errs.push(e),
        }
    }
    errs.into_result(out)
}

/// The same, one result per pin (in `pins` order), so the charts that are
/// there can be expanded beside those that are not. `git_ref`: the site was
/// read at that ref, and the help says how to pull its charts
/// (`hearth charts pull --ref`). Err: the lock itself cannot be read.
pub fn verify_each(
    loaded: &Loaded,
    dir: &Path,
    git_ref: Option<&str>,
) -> Result<Vec<Result<Cached, InputError>>, InputError> {
    let lock = Lock::read(dir)?;
    let pull = match git_ref {
        Some(r) => format!("run `hearth charts pull --ref {r}` (it needs Helm and the network)"),
        None => "run `hearth charts pull` (it needs Helm and the network)".to_string(),
    };
    Ok(pins(loaded)
        .into_iter()
        .map(|pin| {
            verify_one(&lock, dir, &pin, &pull).map_err(|(message, help)| {
                let what = format!(
                    "chart `{}` {} of service `{}`: {message}",
                    pin.chart, pin.version, pin.service
                );
                pin.error(loaded, what, help)
            })
        })
        .collect())
}

fn verify_one(lock: &Lock, dir: &Path, pin: &Pin, pull: &str) -> Result<Cached, (String, String)> {
    let pull = pull.to_string();
    let Some(locked) = lock.find(&pin.chart, &pin.version) else {
        return Err((format!("not in `{}/{LOCK}`", dir.display()), pull));
    };
    if locked.repo != pin.repo {
        return Err((
            format!(
                "locked from `{}`, but site.toml says `{}`",
                locked.repo, pin.repo
            ),
            pull,
        ));
    }
    let Some(path) = locate(dir, &pin.chart, &pin.version) else {
        return Err((
            format!(
                "neither `{0}-{1}.tgz` nor `{0}-{1}/` is in `{2}`",
                pin.chart,
                pin.version,
                dir.display()
            ),
            pull,
        ));
    };
    let actual = digest(&path).map_err(|e| {
        (
            format!("cannot read `{}`: {e}", path.display()),
            pull.clone(),
        )
    })?;
    if actual != locked.sha256 {
        return Err((
            format!(
                "`{}` has SHA-256 {actual}, the lock says {}",
                path.display(),
                locked.sha256
            ),
            format!("the cached chart changed since it was locked: check why, then {pull}"),
        ));
    }
    Ok(Cached {
        path,
        sha256: actual,
    })
}
