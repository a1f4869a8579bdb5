//! `hearth init` (a new site from nothing) and `hearth hook install` (a plain
//! Git pre-commit hook for people without the pre-commit framework).

use std::path::Path;

use crate::diag::{Code, InputError};

const SITE: &str = r#"#:schema ./schema/site.schema.json
# A new hearth site. Edit, then `hearth render`; commit site.toml and rendered/.
# Reference of every key: `hearth schema --markdown`.

[site]
name = "home"                                  # also the ArgoCD project name
domain = "home.example"                        # ingresses default to <service>.<domain>
repo_url = "https://git.example/you/home.git"  # where ArgoCD reads rendered/ from
revision = "main"
default_issuer = "letsencrypt"

[nodes.node1]            # the hostname, as `kubectl get nodes` shows it
arch = "arm64"
roles = ["server"]

[issuers.letsencrypt]
acme_server = "https://acme-v02.api.letsencrypt.org/directory"
email = "you@home.example"

[rate_limits.standard]
rps = 20
rpm = 200
burst = 2

# The GitOps engine: install it by hand once, then it manages itself.
[services.argocd]
provides = ["gitops"]
[services.argocd.helm]
repo = "https://argoproj.github.io/argo-helm"
chart = "argo-cd"
version = "7.3.7"

# Secrets in Git are SealedSecrets: this controller decrypts them.
[services.sealed-secrets]
namespace = "kube-system"
provides = ["sealed-secrets"]
[services.sealed-secrets.helm]
repo = "https://bitnami-labs.github.io/sealed-secrets"
chart = "sealed-secrets"
version = "2.16.0"

[services.cert-manager]
provides = ["cert-manager"]
[services.cert-manager.helm]
repo = "https://charts.jetstack.io"
chart = "cert-manager"
version = "1.15.1"

[services.ingress-nginx]
provides = ["ingress"]
[services.ingress-nginx.helm]
repo = "https://kubernetes.github.io/ingress-nginx"
chart = "ingress-nginx"
version = "4.11.0"

# A first app: replace it with yours.
[services.whoami]
[services.whoami.workloads.whoami]
kind = "deployment"
image = "traefik/whoami:v1.10"
ports.http = { port = 80, service = 80 }
resources = { requests = { cpu = "10m", memory = "32Mi" }, limits = { cpu = "100m", memory = "64Mi" } }
probes.readiness = { http = "/health", port = "http" }
[services.whoami.ingresses.whoami]
public = true
rate_limit = "standard"
"#;

const PRE_COMMIT: &str =
    "# pre-commit (https://pre-commit.com): `pre-commit install` once, then every
# commit checks that rendered/ matches site.toml. Uses the hearth on your PATH;
# to let pre-commit build hearth itself, point `repo:` at hearth's repository
# and use the hook ids of its .pre-commit-hooks.yaml instead.
repos:
  - repo: local
    hooks:
      - id: hearth-check
        name: hearth check (rendered/ matches site.toml)
        entry: hearth check
        language: system
        pass_filenames: false
        always_run: true
";

const GITIGNORE: &str = "# hearth's temporary folders while it swaps rendered/ in\n.rendered.tmp-*\n.rendered.old-*\n# `hearth render --charts`: chart objects as ArgoCD will render them, a view\n# rebuilt from charts/ (never committed: ArgoCD renders the charts itself)\nrendered-charts/\n.rendered-charts.tmp-*\n.rendered-charts.old-*\n";

/// The reference site's policies/README.md documents the format for every site.
const POLICIES: &str = include_str!("../policies/README.md");

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
