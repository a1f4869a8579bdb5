//! A site folder as hearth reads it: `site.toml`, the template overrides under
//! `templates/` and the policies under `policies/`, from disk or from a Git
//! tree. Both sources give the same `SiteFolder`; the pipeline takes it from
//! there, so a site at a ref and a site in the work tree build alike.

use std::path::Path;

use super::Loaded;
use crate::diag::{Code, InputError};

/// One file beside the site: its path inside its folder (`k8s/pod.yaml`), the
/// name diagnostics show (a path on disk, or `rev:path`), and its text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SiteFile {
    pub rel: String,
    pub shown: String,
    pub text: String,
}

/// A site as read, before anything is checked beyond site.toml's syntax.
pub struct SiteFolder {
    pub loaded: Loaded,
    /// Every file under `templates/`.
    pub templates: Vec<SiteFile>,
    /// The files directly under `policies/`.
    pub policies: Vec<SiteFile>,
}

impl SiteFolder {
    /// The site at `site` (a site.toml path) and the folders beside it.
    pub fn from_disk(site: &Path) -> Result<Self, InputError> {
        let dir = crate::pipeline::site_dir(site);
        Ok(Self {
            loaded: super::load(site)?,
            templates: files_on_disk(&dir.join("templates"), true)?,
            policies: files_on_disk(&dir.join("policies"), false)?,
        })
    }
}

/// Every file of `dir` (and, when `deep`, of its subfolders), sorted by path.
/// A missing folder has no files.
pub fn files_on_disk(dir: &Path, deep: bool) -> Result<Vec<SiteFile>, InputError> {
    let mut files = Vec::new();
    if !dir.is_dir() {
        return Ok(files);
    }
    let walk = walkdir::WalkDir::new(dir)
        .max_depth(if deep { usize::MAX } else { 1 })
        .sort_by_file_name();
    for entry in walk {
        let entry = entry.map_err(|e| {
            InputError::new(
                Code::Io,
                format!("cannot read folder `{}`: {e}", dir.display()),
            )
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(dir)
            .expect("walkdir stays under its root")
            .to_string_lossy()
            .replace('\\', "/");
        let shown = entry.path().display().to_string();
        let shown = shown.strip_prefix("./").unwrap_or(&shown).to_string();
        let bytes = std::fs::read(entry.path())
            .map_err(|e| InputError::new(Code::Io, format!("cannot read `{shown}`: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|_| {
            InputError::new(Code::Utf8, format!("`{shown}` is not valid UTF-8"))
                .help("save the file as UTF-8")
        })?;
        files.push(SiteFile { rel, shown, text });
    }
    Ok(files)
}
