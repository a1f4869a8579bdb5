//! Git: reading a site (site.toml and its `templates/`) at any ref straight from
//! the object database, with no checkout and no change to the worktree, so it
//! works in a bare clone and with a dirty tree; and committing rendered output.

pub mod commit;

use std::path::{Path, PathBuf};

use git2::{ObjectType, Repository, Tree};

use crate::diag::{Code, InputError};
use crate::site::folder::{SiteFile, SiteFolder};

pub(crate) fn git_err(what: &str, e: git2::Error) -> InputError {
    InputError::new(Code::Git, format!("{what}: {}", e.message()))
}

/// The repository containing `start` (a file or folder).
pub fn open(start: &Path) -> Result<Repository, InputError> {
    let dir = if start.is_dir() {
        start.to_path_buf()
    } else {
        start
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    };
    Repository::discover(&dir).map_err(|e| {
        InputError::new(
            Code::Git,
            format!(
                "`{}` is not inside a Git repository: {}",
                dir.display(),
                e.message()
            ),
        )
        .help("run hearth inside the repository that holds the site, or `git init` one")
    })
}

/// `site` as a path relative to the repository root (`/`-separated). In a bare
/// repository the path given is taken as relative already.
pub fn repo_relative(repo: &Repository, site: &Path) -> Result<String, InputError> {
    let Some(workdir) = repo.workdir() else {
        return Ok(site
            .to_string_lossy()
            .trim_start_matches("./")
            .replace('\\', "/"));
    };
    let abs = if site.is_absolute() {
        site.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| InputError::new(Code::Io, e.to_string()))?
            .join(site)
    };
    let parent = abs.parent().unwrap_or(&abs);
    let parent = parent
        .canonicalize()
        .unwrap_or_else(|_| parent.to_path_buf());
    let workdir = workdir
        .canonicalize()
        .unwrap_or_else(|_| workdir.to_path_buf());
    let rel_dir = parent.strip_prefix(&workdir).map_err(|_| {
        InputError::new(
            Code::Git,
            format!(
                "`{}` is not inside the repository at `{}`",
                site.display(),
                workdir.display()
            ),
        )
    })?;
    let file = abs
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let rel = rel_dir.join(file);
    Ok(rel.to_string_lossy().replace('\\', "/"))
}

/// The tree of a ref (branch, tag, commit, `HEAD~2`, …).
pub fn tree_at<'r>(repo: &'r Repository, rev: &str) -> Result<Tree<'r>, InputError> {
    let obj = repo.revparse_single(rev).map_err(|e| {
        InputError::new(
            Code::Git,
            format!(
                "ref `{rev}` does not exist in this repository ({})",
                e.message()
            ),
        )
        .help("name a branch, tag or commit that exists: `git branch -a`, `git log --oneline`")
    })?;
    obj.peel_to_tree()
        .map_err(|e| git_err(&format!("`{rev}` does not name a commit"), e))
}

/// The site at `rev`: site.toml, `templates/` and `policies/` beside it, read
/// from the object database (no checkout). None when `site_rel` is not there.
pub fn site_at(
    repo: &Repository,
    rev: &str,
    site_rel: &str,
) -> Result<Option<SiteFolder>, InputError> {
    let tree = tree_at(repo, rev)?;
    let entry = match tree.get_path(Path::new(site_rel)) {
        Ok(e) => e,
        Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
        Err(e) => return Err(git_err(&format!("cannot read `{site_rel}` at `{rev}`"), e)),
    };
    let blob = entry
        .to_object(repo)
        .and_then(|o| o.peel_to_blob())
        .map_err(|e| git_err(&format!("`{site_rel}` at `{rev}` is not a file"), e))?;
    let loaded = crate::site::parse(&format!("{rev}:{site_rel}"), blob.content().to_vec())?;

    let dir = Path::new(site_rel)
        .parent()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    let beside = |name: &str| {
        if dir.is_empty() {
            name.to_string()
        } else {
            format!("{dir}/{name}")
        }
    };
    let templates = text_files(repo, &tree, rev, &beside("templates"))?;
    let mut policies = text_files(repo, &tree, rev, &beside("policies"))?;
    // Only the policies folder's own files, as on disk.
    policies.retain(|f| !f.rel.contains('/'));
    Ok(Some(SiteFolder {
        loaded,
        templates,
        policies,
    }))
}

/// Every file under `folder` of `tree`, shown as `rev:path`. A missing folder
/// has no files.
fn text_files(
    repo: &Repository,
    tree: &Tree<'_>,
    rev: &str,
    folder: &str,
) -> Result<Vec<SiteFile>, InputError> {
    let mut files = Vec::new();
    let Ok(t) = tree.get_path(Path::new(folder)) else {
        return Ok(files);
    };
    if t.kind() != Some(ObjectType::Tree) {
        return Ok(files);
    }
    let sub = t
        .to_object(repo)
        .and_then(|o| o.peel_to_tree())
        .map_err(|e| git_err(&format!("cannot read `{folder}`"), e))?;
    let mut err = None;
    sub.walk(git2::TreeWalkMode::PreOrder, |root, e| {
        if e.kind() == Some(ObjectType::Blob) {
            let rel = format!("{root}{}", e.name().unwrap_or_default());
            match e.to_object(repo).and_then(|o| o.peel_to_blob()) {
                Ok(b) => match std::str::from_utf8(b.content()) {
                    Ok(text) => files.push(SiteFile {
                        shown: format!("{rev}:{folder}/{rel}"),
                        rel: rel.clone(),
                        text: text.to_string(),
                    }),
                    Err(_) => {
                        err = Some(InputError::new(
                            Code::Utf8,
                            format!("`{rev}:{folder}/{rel}` is not valid UTF-8"),
                        ))
                    }
                },
                Err(e) => err = Some(git_err(&format!("cannot read `{folder}/{rel}`"), e)),
            }
        }
        git2::TreeWalkResult::Ok
    })
    .map_err(|e| git_err(&format!("cannot walk `{folder}`"), e))?;
    match err {
        Some(e) => Err(e),
        None => Ok(files),
    }
}
