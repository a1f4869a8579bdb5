//! `hearth init` (a new site from nothing) and `hearth hook install` (a plain
//! Git pre-commit hook for people without the pre-commit framework).

use std::path::Path;

use crate::diag::{Code, InputError};

// The starter files are kept as files, so they read (and lint) as what they are.
const SITE: &str = include_str!("site.toml");

const PRE_COMMIT: &str = include_str!("pre-commit-config.yaml");

const GITIGNORE: &str = include_str!("gitignore");

/// The reference site's policies/README.md documents the format for every site.
const POLICIES: &str = include_str!("../../policies/README.md");

fn io(what: &str, path: &Path, e: std::io::Error) -> InputError {
    InputError::new(Code::Io, format!("cannot {what} `{}`: {e}", path.display()))
}

/// Scaffold a site in `dir`. Refuses to overwrite an existing site.toml.
pub fn init(dir: &Path) -> Result<String, InputError> {
    let site = dir.join("site.toml");
    if site.exists() {
        return Err(
            InputError::new(Code::Init, format!("`{}` already exists", site.display()))
                .help("hearth init starts a new site; edit the existing one instead"),
        );
    }
    std::fs::create_dir_all(dir.join("policies")).map_err(|e| io("create", dir, e))?;
    let mut written = Vec::new();
    std::fs::create_dir_all(dir.join("schema")).map_err(|e| io("create", dir, e))?;
    let schema = crate::site::schema_json() + "\n";
    for (name, text) in [
        ("site.toml", SITE),
        ("schema/site.schema.json", schema.as_str()),
        (".pre-commit-config.yaml", PRE_COMMIT),
        (".gitignore", GITIGNORE),
        ("policies/README.md", POLICIES),
    ] {
        let path = dir.join(name);
        if path.exists() {
            continue; // never clobber the user's own files
        }
        std::fs::write(&path, text).map_err(|e| io("write", &path, e))?;
        written.push(name);
    }
    Ok(format!(
        "created {} in {}\nnext: edit site.toml, then `hearth render`",
        written.join(", "),
        dir.display()
    ))
}

const HOOK_MARK: &str = "# installed by `hearth hook install`";

/// Write `.git/hooks/pre-commit` running `hearth check` for `site`.
pub fn install_hook(site: &Path, force: bool) -> Result<String, InputError> {
    let repo = crate::git::open(site)?;
    let rel = crate::git::repo_relative(&repo, site)?;
    let hooks = match repo
        .config()
        .ok()
        .and_then(|c| c.get_path("core.hooksPath").ok())
    {
        Some(p) if p.is_absolute() => p,
        Some(p) => repo.workdir().unwrap_or(repo.path()).join(p),
        None => repo.path().join("hooks"),
    };
    std::fs::create_dir_all(&hooks).map_err(|e| io("create", &hooks, e))?;
    let hook = hooks.join("pre-commit");
    let mut note = String::new();
    if let Ok(existing) = std::fs::read_to_string(&hook)
        && !existing.contains(HOOK_MARK)
    {
        if !force {
            return Err(InputError::new(Code::Hook, format!("`{}` exists and was not written by hearth", hook.display()))
                    .help("add `hearth check` to it yourself, or pass --force to replace it (it is kept as pre-commit.bak)"));
        }
        let bak = hooks.join("pre-commit.bak");
        std::fs::rename(&hook, &bak).map_err(|e| io("back up", &hook, e))?;
        note = format!(" (the previous hook is kept as {})", bak.display());
    }
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "hearth".into());
    // The check runs on a copy of the index, not the work tree: what is
    // staged is what gets committed (a fresh rendered/ left unstaged must not
    // pass). `git checkout-index` honours GIT_INDEX_FILE, which git sets for
    // `commit -a` and `commit <paths>`.
    let script = format!(
        "#!/bin/sh\n{HOOK_MARK}: refuses a commit whose rendered output is stale.\n\
         # Checks what is staged (the index), not the work tree.\n\
         # Uses `hearth` from PATH, else the binary that installed this hook.\n\
         if command -v hearth >/dev/null 2>&1; then HEARTH=hearth; else HEARTH='{}'; fi\n\
         cd \"$(git rev-parse --show-toplevel)\" || exit 1\n\
         staged=$(mktemp -d) || exit 1\n\
         trap 'rm -rf \"$staged\"' EXIT\n\
         git checkout-index --all --prefix=\"$staged/\" || exit 1\n\
         cd \"$staged\" || exit 1\n\
         \"$HEARTH\" check --site '{}'\n",
        exe.replace('\'', "'\\''"),
        rel.replace('\'', "'\\''")
    );
    std::fs::write(&hook, script).map_err(|e| io("write", &hook, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| io("make executable", &hook, e))?;
    }
    Ok(format!("installed {}{note}", hook.display()))
}
