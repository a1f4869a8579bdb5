//! Shared helpers of the integration tests: a small valid site, a scratch folder,
//! and the hearth binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod backups;
pub mod charts;

/// A small site that renders: one node, one service with a workload, a secret,
/// a Longhorn volume with a backup, and an ingress.
pub const MINIMAL: &str = r#"[site]
name = "lab"
domain = "lab.example"
repo_url = "https://git.example/lab.git"
default_issuer = "le"

[nodes.pi1]
arch = "arm64"
roles = ["server"]

[issuers.le]
acme_server = "https://acme-v02.api.letsencrypt.org/directory"
email = "ops@lab.example"

[rate_limits.standard]
rps = 10
rpm = 100
burst = 2

[backup_targets]
nas = { kind = "nfs", server = "nas.lab.example", path = "/backups" }
# An NFS export takes no credentials.

[backups.daily]
kind = "longhorn"
target = "nas"
schedule = "0 3 * * *"
retain = 7
volumes = ["app/data"]

[services.longhorn]
namespace = "longhorn-system"
provides = ["longhorn"]
[services.longhorn.helm]
repo = "https://charts.longhorn.io"
chart = "longhorn"
version = "1.6.2"

[services.app]
[services.app.workloads.web]
kind = "deployment"
image = "nginx:1.27.0"
ports.http = { port = 8080, service = 80 }
env.PASSWORD = { secret = "app-secret", key = "PASSWORD" }
mounts = [{ path = "/data", volume = "data" }]
[services.app.secrets.app-secret]
keys = { PASSWORD = "placeholder" }
[services.app.volumes.data]
kind = "longhorn"
size = "1Gi"
[services.app.ingresses.web]
public = true
rate_limit = "standard"
"#;

pub fn hearth() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hearth"));
    c.env("NO_COLOR", "1").env_remove("CLICOLOR_FORCE");
    c
}

pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
    pub fn site(&self) -> PathBuf {
        self.path().join("site.toml")
    }
    pub fn write(&self, rel: &str, text: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }
    pub fn render(&self) -> Output {
        self.run("render")
    }
    pub fn validate(&self) -> Output {
        self.run("validate")
    }
    /// `hearth diff` between two commits of this folder: site.toml as `base`,
    /// then as `head`.
    pub fn diff_between(&self, base: &str, head: &str) -> Output {
        let git = |args: &[&str]| git_ok(self.path(), args);
        self.write("site.toml", base);
        git(&["init", "-q"]);
        git(&["add", "-A"]);
        git(&["commit", "-q", "-m", "base"]);
        self.write("site.toml", head);
        git(&["commit", "-q", "-am", "head"]);
        hearth()
            .current_dir(self.path())
            .args(["diff", "--base", "HEAD~1", "--head", "HEAD"])
            .output()
            .expect("run hearth")
    }
    /// `hearth <command> --site <this site>`.
    pub fn run(&self, command: &str) -> Output {
        hearth()
            .arg(command)
            .arg("--site")
            .arg(self.site())
            .output()
            .expect("run hearth")
    }
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file under `dir`, path → bytes.
pub fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    if dir.exists() {
        for e in walkdir::WalkDir::new(dir) {
            let e = e.unwrap();
            if e.file_type().is_file() {
                out.insert(
                    e.path().strip_prefix(dir).unwrap().display().to_string(),
                    std::fs::read(e.path()).unwrap(),
                );
            }
        }
    }
    out
}

/// The repository root (where the reference site lives).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// True when running under CI, where a missing external tool is a failure.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// A tool from `candidates` or PATH. Missing: a failure under CI, else None
/// (the caller skips its check with a message).
pub fn tool(name: &str, candidates: &[PathBuf]) -> Option<PathBuf> {
    let found = candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .or_else(|| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|d| d.join(name))
                    .find(|p| p.is_file())
            })
        });
    if found.is_none() {
        assert!(
            !in_ci(),
            "{name} is required in CI; scripts/test installs it"
        );
        eprintln!("SKIP: {name} not found (scripts/test installs it)");
    }
    found
}

/// A program of the test venv that scripts/test sets up.
pub fn venv_bin(name: &str) -> PathBuf {
    std::env::var_os("HEARTH_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join(".venv"))
        .join("bin")
        .join(name)
}

/// `git` with a fixed identity, in `dir`.
pub fn git_cmd(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .expect("git runs")
}

/// `git <args>` in `dir`, required to succeed.
pub fn git_ok(dir: &Path, args: &[&str]) {
    let out = git_cmd(dir, args);
    assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
}

/// `PATH` with the hearth binary under test first.
pub fn path_with_hearth() -> String {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_hearth"))
        .parent()
        .expect("binary has a folder")
        .to_path_buf();
    format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// Monitoring for MINIMAL: Grafana and Prometheus charts, a Telegram contact
/// point, and the built-in alerts and dashboards.
pub const MONITORING: &str = r#"
[services.prometheus.helm]
repo = "https://prometheus-community.github.io/helm-charts"
chart = "prometheus"
version = "25.24.0"

[services.grafana.helm]
repo = "https://grafana.github.io/helm-charts"
chart = "grafana"
version = "8.3.4"
[services.grafana.secrets.grafana-secret]
keys = { TELEGRAM = "placeholder" }

[monitoring]
grafana = "grafana"
notify = "ops"
[monitoring.datasources.prometheus]
kind = "prometheus"
url = "http://prometheus-server.prometheus.svc"
[monitoring.contact_points.ops]
kind = "telegram"
bot_token = { secret = "grafana-secret", key = "TELEGRAM" }
chat_id = "-100123"
"#;

/// Runs `cmd` (a `Command` or the `&mut Command` a builder chain ends with)
/// and requires it to succeed, showing its output when it does not.
pub fn succeeds(mut cmd: impl std::borrow::BorrowMut<Command>) -> Output {
    let cmd = cmd.borrow_mut();
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The files a site renders to, rendered in memory.
pub fn render_text(name: &str, text: &str) -> hearth::write::Files {
    let loaded = hearth::site::parse(name, text.as_bytes().to_vec()).expect("site parses");
    let templates = hearth::render::Templates::load(None).unwrap();
    let schemas = hearth::validate::Schemas::load();
    hearth::pipeline::build_from(loaded, &templates, Default::default(), &schemas)
        .expect("site renders")
        .files
}

/// How the folder `dir` differs from `files`: the missing, extra and stale
/// files, one line each; empty when identical.
pub fn drift(files: &hearth::write::Files, dir: &Path) -> String {
    let on_disk = hearth::write::read_tree(dir).unwrap();
    let missing = files.keys().filter(|k| !on_disk.contains_key(*k));
    let extra = on_disk.keys().filter(|k| !files.contains_key(*k));
    let stale = files
        .iter()
        .filter(|(k, v)| on_disk.get(*k).is_some_and(|d| d != *v))
        .map(|(k, _)| k);
    let mut out = String::new();
    for (what, list) in [
        ("missing", missing.collect::<Vec<_>>()),
        ("extra", extra.collect()),
        ("stale", stale.collect()),
    ] {
        for k in list {
            out.push_str(&format!("{what}: {k}\n"));
        }
    }
    out
}
