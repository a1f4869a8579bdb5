//! What each chart rendered, remembered by everything that decides it: the
//! chart's SHA-256, release, namespace, Kubernetes version and values. A
//! second `--charts` run with nothing changed starts no engine. The folder is
//! `HEARTH_CACHE_DIR`, else `$XDG_CACHE_HOME/hearth`, else `~/.cache/hearth`
//! (`charts/<key>.yaml`); it is a cache: a file that cannot be written is
//! simply rendered again next time.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::ChartApp;

/// Bumped when the stored form or what decides it changes.
const VERSION: &str = "hearth-chart-output-1";

/// The default folder (None: no home to put it in).
pub fn folder() -> Option<PathBuf> {
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = env("HEARTH_CACHE_DIR")
        .or_else(|| env("XDG_CACHE_HOME").map(|p| p.join("hearth")))
        .or_else(|| env("HOME").map(|p| p.join(".cache/hearth")))?;
    Some(base.join("charts"))
}

/// The key of one rendering.
pub(super) fn key(chart_sha256: &str, app: &ChartApp, kube: &str) -> String {
    let mut h = Sha256::new();
    let values = serde_json::to_string(&app.values).expect("values serialise");
    for part in [
        VERSION,
        chart_sha256,
        &app.release,
        &app.namespace,
        kube,
        &values,
    ] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The manifest rendered before under `key`.
pub(super) fn get(dir: Option<&Path>, key: &str) -> Option<String> {
    std::fs::read_to_string(dir?.join(format!("{key}.yaml"))).ok()
}

/// Remember a manifest (atomically: a temporary sibling, then a rename).
pub(super) fn put(dir: Option<&Path>, key: &str, manifest: &str) {
    let Some(dir) = dir else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let tmp = dir.join(format!("{key}.{}.tmp", std::process::id()));
    if std::fs::write(&tmp, manifest).is_ok() {
        let _ = std::fs::rename(&tmp, dir.join(format!("{key}.yaml")));
    }
}
