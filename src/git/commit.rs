//! Committing rendered output: onto the current branch (only `rendered/`, and
//! the site file when asked), or onto another branch without touching the
//! worktree or the index (the rendered-manifests pattern).

use std::collections::{BTreeMap, BTreeSet};

use git2::{ObjectType, Oid, Repository, Tree};

use super::git_err;
use crate::diag::{Code, InputError};
use crate::write::Files;

/// What a commit did.
pub struct Committed {
    /// None when nothing changed (no commit was made).
    pub oid: Option<Oid>,
    /// `+ path`, `~ path`, `- path` of every changed rendered file.
    pub changes: Vec<String>,
    pub message: String,
}

/// Every blob under `prefix` of `tree`, path (relative to prefix) → blob id.
fn blobs_under(repo: &Repository, tree: Option<&Tree>, prefix: &str) -> BTreeMap<String, Oid> {
    let mut out = BTreeMap::new();
    let Some(tree) = tree else { return out };
    let Ok(entry) = tree.get_path(std::path::Path::new(prefix)) else {
        return out;
    };
    let Ok(sub) = entry.to_object(repo).and_then(|o| o.peel_to_tree()) else {
        return out;
    };
    let _ = sub.walk(git2::TreeWalkMode::PreOrder, |root, e| {
        if e.kind() == Some(ObjectType::Blob) {
            out.insert(format!("{root}{}", e.name().unwrap_or_default()), e.id());
        }
        git2::TreeWalkResult::Ok
    });
    out
}

fn changes(
    repo: &Repository,
    old: Option<&Tree>,
    prefix: &str,
    files: &Files,
) -> Result<Vec<String>, InputError> {
    let before = blobs_under(repo, old, prefix);
    let mut out = Vec::new();
    for (path, text) in files {
        let id = Oid::hash_object(ObjectType::Blob, text.as_bytes())
            .map_err(|e| git_err("cannot hash a file", e))?;
        match before.get(path) {
            None => out.push(format!("+ {prefix}/{path}")),
            Some(old) if *old != id => out.push(format!("~ {prefix}/{path}")),
            _ => {}
        }
    }
    out.extend(
        before
            .keys()
            .filter(|p| !files.contains_key(*p))
            .map(|p| format!("- {prefix}/{p}")),
    );
    Ok(out)
}

fn message(subject: Option<&str>, site_name: &str, changes: &[String]) -> String {
    let subject = subject.map_or_else(
        || {
            format!(
                "hearth: render site {site_name} ({} files changed)",
                changes.len()
            )
        },
        str::to_string,
    );
    let mut body: Vec<String> = changes.iter().take(200).cloned().collect();
    if changes.len() > 200 {
        body.push(format!("… and {} more", changes.len() - 200));
    }
    format!("{subject}\n\n{}\n", body.join("\n"))
}

fn signature(repo: &Repository) -> Result<git2::Signature<'static>, InputError> {
    repo.signature().map_err(|e| {
        InputError::new(
            Code::Git,
            format!("no author for the commit: {}", e.message()),
        )
        .help("set `git config user.name` and `git config user.email`")
    })
}

/// Stage `<prefix>/` exactly as `files` (already written to the worktree), plus
/// `site_rel` when given, and commit on the current branch. Refuses when the
/// index holds staged changes to anything else.
pub fn commit_worktree(
    repo: &Repository,
    prefix: &str,
    site_rel: Option<&str>,
    files: &Files,
    site_name: &str,
    subject: Option<&str>,
) -> Result<Committed, InputError> {
    if repo.is_bare() {
        return Err(InputError::new(
            Code::Git,
            "a bare repository has no worktree to commit from",
        )
        .help("use `--branch NAME` to commit rendered output onto a branch"));
    }
    let head_tree = match repo.head() {
        Ok(h) => Some(
            h.peel_to_tree()
                .map_err(|e| git_err("cannot read HEAD", e))?,
        ),
        Err(_) => None, // no commit yet
    };
    let mut index = repo
        .index()
        .map_err(|e| git_err("cannot open the index", e))?;
    let staged = repo
        .diff_tree_to_index(head_tree.as_ref(), Some(&index), None)
        .map_err(|e| git_err("cannot compare the index with HEAD", e))?;
    let allowed = |p: &str| p.starts_with(&format!("{prefix}/")) || Some(p) == site_rel;
    let foreign: BTreeSet<String> = staged
        .deltas()
        .filter_map(|d| {
            d.new_file()
                .path()
                .or(d.old_file().path())
                .map(|p| p.to_string_lossy().replace('\\', "/"))
        })
        .filter(|p| !allowed(p))
        .collect();
    if !foreign.is_empty() {
        let list: Vec<String> = foreign.into_iter().collect();
        return Err(InputError::new(Code::Git, format!("the index holds staged changes unrelated to the render: {}", list.join(", ")))
            .help("commit or unstage them first (`git restore --staged <path>`), then run `hearth render --commit` again"));
    }
    let changes = changes(repo, head_tree.as_ref(), prefix, files)?;
    index
        .remove_dir(std::path::Path::new(prefix), 0)
        .map_err(|e| git_err("cannot update the index", e))?;
    for path in files.keys() {
        index
            .add_path(std::path::Path::new(&format!("{prefix}/{path}")))
            .map_err(|e| git_err(&format!("cannot stage `{prefix}/{path}`"), e))?;
    }
    if let Some(site) = site_rel {
        index
            .add_path(std::path::Path::new(site))
            .map_err(|e| git_err(&format!("cannot stage `{site}`"), e))?;
    }
    index
        .write()
        .map_err(|e| git_err("cannot write the index", e))?;
    let tree_id = index
        .write_tree()
        .map_err(|e| git_err("cannot write the tree", e))?;
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    finish(
        repo,
        "HEAD",
        tree_id,
        parent.as_ref(),
        changes,
        subject,
        site_name,
    )
}

/// Commit `tree_id` on `refname` over `parent`, unless the tree is the parent's.
fn finish(
    repo: &Repository,
    refname: &str,
    tree_id: Oid,
    parent: Option<&git2::Commit>,
    changes: Vec<String>,
    subject: Option<&str>,
    site_name: &str,
) -> Result<Committed, InputError> {
    if parent.is_some_and(|p| p.tree_id() == tree_id) {
        return Ok(Committed {
            oid: None,
            changes,
            message: String::new(),
        });
    }
    let tree = repo
        .find_tree(tree_id)
        .map_err(|e| git_err("cannot read the new tree", e))?;
    let sig = signature(repo)?;
    let msg = message(subject, site_name, &changes);
    let parents: Vec<&git2::Commit> = parent.into_iter().collect();
    let oid = repo
        .commit(Some(refname), &sig, &sig, &msg, &tree, &parents)
        .map_err(|e| git_err("cannot commit", e))?;
    Ok(Committed {
        oid: Some(oid),
        changes,
        message: msg,
    })
}

/// Build a tree holding `files` under `prefix`, from blobs written to the
/// object database.
fn build_tree(repo: &Repository, files: &BTreeMap<String, &[u8]>) -> Result<Oid, InputError> {
    let mut here: BTreeMap<String, Oid> = BTreeMap::new();
    let mut dirs: BTreeMap<String, BTreeMap<String, &[u8]>> = BTreeMap::new();
    for (path, bytes) in files {
        match path.split_once('/') {
            Some((dir, rest)) => {
                dirs.entry(dir.to_string())
                    .or_default()
                    .insert(rest.to_string(), *bytes);
            }
            None => {
                here.insert(
                    path.clone(),
                    repo.blob(bytes)
                        .map_err(|e| git_err("cannot write a blob", e))?,
                );
            }
        }
    }
    let mut tb = repo
        .treebuilder(None)
        .map_err(|e| git_err("cannot build a tree", e))?;
    for (name, oid) in here {
        let mode = if name.ends_with(".sh") {
            0o100755
        } else {
            0o100644
        };
        tb.insert(&name, oid, mode)
            .map_err(|e| git_err("cannot build a tree", e))?;
    }
    for (name, sub) in dirs {
        let oid = build_tree(repo, &sub)?;
        tb.insert(&name, oid, 0o040000)
            .map_err(|e| git_err("cannot build a tree", e))?;
    }
    tb.write().map_err(|e| git_err("cannot write a tree", e))
}

/// Commit `files` as `<prefix>/` onto branch `branch` (created if missing),
/// leaving HEAD, the index and the worktree as they are.
pub fn commit_branch(
    repo: &Repository,
    branch: &str,
    prefix: &str,
    files: &Files,
    site_name: &str,
    subject: Option<&str>,
) -> Result<Committed, InputError> {
    let refname = format!("refs/heads/{branch}");
    if !git2::Reference::is_valid_name(&refname) {
        return Err(InputError::new(
            Code::Git,
            format!("`{branch}` is not a valid branch name"),
        ));
    }
    let checked_out = repo
        .find_reference("HEAD")
        .ok()
        .and_then(|r| r.symbolic_target().ok().flatten().map(str::to_string));
    if checked_out.as_deref() == Some(refname.as_str()) {
        return Err(InputError::new(Code::Git, format!("`{branch}` is the checked-out branch"))
            .help("`--branch` writes to another branch without touching the worktree; use `--commit` for the current one"));
    }
    let parent = repo
        .find_reference(&refname)
        .ok()
        .and_then(|r| r.peel_to_commit().ok());
    let parent_tree = parent
        .as_ref()
        .map(|c| c.tree())
        .transpose()
        .map_err(|e| git_err("cannot read the branch", e))?;
    let changes = changes(repo, parent_tree.as_ref(), prefix, files)?;
    let nested: BTreeMap<String, &[u8]> = files
        .iter()
        .map(|(p, t)| (format!("{prefix}/{p}"), t.as_bytes()))
        .collect();
    let tree_id = build_tree(repo, &nested)?;
    finish(
        repo,
        &refname,
        tree_id,
        parent.as_ref(),
        changes,
        subject,
        site_name,
    )
}
