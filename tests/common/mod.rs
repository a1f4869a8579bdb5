//! Shared helpers of the integration tests: a small valid site, a scratch folder,
//! and the hearth binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod backups;
pub mod charts;

/// A small site that renders: one node, one service with a workload, a secret,
/// a Longhorn volume with a backup, and an ingress. Its platform (site, node,
/// issuer, rate limit, backup target and backup, Longhorn) is
/// tests/fixtures/platform.toml, which bench/gen_site.py builds on too.
pub const MINIMAL: &str = concat!(
    include_str!("../fixtures/platform.toml"),
    r#"
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
"#
);

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
    /// A scratch folder holding `text` as its site.toml.
    pub fn with_site(text: impl AsRef<[u8]>) -> Self {
        let s = Self::new();
        s.write("site.toml", text);
        s
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
    /// The text of the file at `rel` in this folder.
    #[track_caller]
    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }
    /// `hearth <args>` run inside this folder.
    pub fn here(&self, args: &[&str]) -> Output {
        hearth()
            .current_dir(self.path())
            .args(args)
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

/// What a run printed: stdout, then stderr.
pub fn printed(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), stderr(o))
}

/// Requires `text` (called `what` when one is missing) to contain each of
/// `wants`.
#[track_caller]
pub fn contains_all(what: &str, text: &str, wants: impl IntoIterator<Item = impl AsRef<str>>) {
    for want in wants {
        let want = want.as_ref();
        assert!(text.contains(want), "{what} lacks {want:?}:\n{text}");
    }
}

/// Requires `out` to be a refusal of bad input (exit 2) whose stderr holds
/// each of `wants`; returns that stderr.
#[track_caller]
pub fn refused_with(out: &Output, wants: &[&str]) -> String {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    contains_all("stderr", &err, wants);
    err
}

/// A scratch folder with `text` as its site, rendered (which must succeed).
#[track_caller]
pub fn rendered(text: impl AsRef<[u8]>) -> Scratch {
    let s = Scratch::with_site(text);
    let out = s.render();
    assert!(out.status.success(), "{}", stderr(&out));
    s
}

/// Render `text`; it must be refused, each of `wants` in the diagnostics and
/// nothing written. Returns stderr.
#[track_caller]
pub fn refused(text: &str, wants: &[&str]) -> String {
    refused_render(&Scratch::with_site(text), wants)
}

/// Render the site in `s`; it must be refused (exit 2, no panic) with each of
/// `wants` in stderr, and no rendered/ written. Returns stderr.
#[track_caller]
pub fn refused_render(s: &Scratch, wants: &[&str]) -> String {
    let err = refused_with(&s.render(), wants);
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        !s.path().join("rendered").exists(),
        "something was written:\n{err}"
    );
    err
}

/// Requires `err` to point at the line of `text` holding `at`.
#[track_caller]
pub fn located(err: &str, text: &str, at: &str) {
    let line = line_of(text, at);
    assert!(
        err.contains(&format!("site.toml:{line}:")),
        "not at line {line} ({at:?}):\n{err}"
    );
}

/// The number (from 1) of the line where `needle` (which may span lines)
/// first stands in `text`.
#[track_caller]
pub fn line_of(text: &str, needle: &str) -> usize {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in the site"));
    text[..at].matches('\n').count() + 1
}

/// MINIMAL with its first `from` (which must be there) replaced by `to`.
#[track_caller]
pub fn minimal_with(from: &str, to: &str) -> String {
    assert!(MINIMAL.contains(from), "MINIMAL lacks {from:?}");
    MINIMAL.replacen(from, to, 1)
}

/// `hearth lint` of `site`, run in its folder.
pub fn lint(site: &str) -> Output {
    Scratch::with_site(site).here(&["lint"])
}

/// `hearth lint --format json` of `site` (on a fixed day): the exit code and
/// the findings. Bad input fails the test.
pub fn lint_json(site: &str) -> (Option<i32>, Vec<serde_json::Value>) {
    let s = Scratch::with_site(site);
    let out = hearth()
        .current_dir(s.path())
        .env("HEARTH_TODAY", "2026-06-01")
        .args(["lint", "--format", "json"])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(2), "bad input: {}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = v["findings"].as_array().cloned().unwrap_or_default();
    (out.status.code(), findings)
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

/// The ingress-nginx chart as the ingress controller (hearth's preset for it
/// turns ModSecurity and the OWASP CRS on, `SecRequestBodyLimit` 300 MB).
pub const INGRESS_NGINX: &str = r#"
[services.ingress-nginx]
provides = ["ingress"]
[services.ingress-nginx.helm]
repo = "https://kubernetes.github.io/ingress-nginx"
chart = "ingress-nginx"
version = "4.11.0"
"#;

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
