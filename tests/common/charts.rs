//! Helpers of the chart tests: the fixture charts, a stand-in `helm pull`,
//! a site with its chart cache pulled, and Helm's engine (a `helm` on PATH,
//! else helm-python-sdk in the test venv).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::{Scratch, hearth, stderr};

/// A site of three fixture charts: values through `tpl` (`greeting`, a
/// template Helm expands), a chart with CRDs, and one with a subchart.
pub fn site(greeting: &str) -> String {
    format!("{HEADER}{}", SITE.replace("GREETING", greeting))
}

/// The site and its one node, for a site of chart services.
pub const HEADER: &str = r#"[site]
name = "lab"
domain = "lab.example"
repo_url = "https://git.example/lab.git"

[nodes.pi1]
arch = "arm64"
roles = ["server"]
"#;

const SITE: &str = r#"
[services.greeter.helm]
repo = "https://charts.example"
chart = "tpl-values"
version = "0.1.0"
values = { greeting = "GREETING", config = { kube = "{{ .Capabilities.KubeVersion.Minor }}" } }

[services.toys.helm]
repo = "https://charts.example"
chart = "widgets"
version = "0.1.0"
values.widget = { size = 3, color = "blue" }

[services.umbrella.helm]
repo = "https://charts.example"
chart = "umbrella"
version = "0.1.0"
values.greeting = { message = "from site.toml" }
"#;

/// A fixture chart that refuses to render.
pub const BROKEN: &str = r#"
[services.vault.helm]
repo = "https://charts.example"
chart = "broken"
version = "0.1.0"
"#;

/// hearth's own fixture charts (a second version of a chart under
/// `v<version>/`).
pub fn fixtures() -> PathBuf {
    super::repo().join("tests/fixtures/charts")
}

/// A stand-in for `helm pull` (no network in tests): packs the fixture chart
/// of that version (`v<version>/<chart>`, else `<chart>`) as Helm names its
/// archives, `<chart>-<version>.tgz`, into `--destination`.
const FAKE_HELM: &str = "#!/bin/sh\n[ \"$1\" = pull ] || exit 64\nd=\"$FIXTURES\"\n[ -d \"$FIXTURES/v$6/$2\" ] && d=\"$FIXTURES/v$6\"\nexec tar czf \"$8/$2-$6.tgz\" -C \"$d\" \"$2\"\n";

/// The stand-in `helm`, written into the scratch folder.
pub fn fake_helm(s: &Scratch) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let p = s.write("bin/helm", FAKE_HELM);
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    p
}

/// `hearth charts pull` through the stand-in, with extra arguments.
pub fn pull(s: &Scratch, extra: &[&str]) -> Output {
    hearth()
        .current_dir(s.path())
        .args(["charts", "pull", "--site"])
        .arg(s.site())
        .args(extra)
        .env("FIXTURES", fixtures())
        .env("HEARTH_HELM", fake_helm(s))
        .output()
        .unwrap()
}

/// A site with its chart cache pulled (through the stand-in).
pub fn pulled(site: &str) -> Scratch {
    let s = Scratch::new();
    s.write("site.toml", site);
    let out = pull(&s, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    s
}

/// Whether Helm's engine is here for the tests: a `helm` on PATH, else the
/// venv's helm-python-sdk. Missing: a failure under CI, else a visible SKIP.
pub fn engine_ready() -> bool {
    if hearth::charts::engine::helm_binary().is_some() {
        return true;
    }
    let ok = sdk_python().is_some();
    if !ok {
        assert!(
            !super::in_ci(),
            "Helm's engine is required in CI: helm on PATH, or helm-python-sdk in the venv (scripts/test installs it)"
        );
        eprintln!("SKIP: no Helm engine (no helm on PATH, no helm-python-sdk in the venv)");
    }
    ok
}

/// The test venv's python3, when helm-python-sdk imports in it.
pub fn sdk_python() -> Option<PathBuf> {
    let python = super::venv_bin("python3");
    Command::new(&python)
        .args(["-c", "import helm_python"])
        .output()
        .is_ok_and(|o| o.status.success())
        .then_some(python)
}

/// The test venv (where helm-python-sdk is installed).
pub fn venv() -> PathBuf {
    super::venv_bin("python3")
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .to_path_buf()
}

/// hearth in the scratch folder with the engine and a memo folder of the
/// scratch's own (and a fixed date for expiring exceptions).
pub fn with_engine(s: &Scratch, args: &[&str]) -> Output {
    hearth()
        .current_dir(s.path())
        .args(args)
        .arg("--site")
        .arg(s.site())
        .env("HEARTH_VENV", venv())
        .env("HEARTH_CACHE_DIR", s.path().join("cache"))
        .env("HEARTH_TODAY", "2026-12-01")
        .output()
        .unwrap()
}

/// `hearth validate --charts` with the engine.
pub fn validate_charts(s: &Scratch) -> Output {
    with_engine(s, &["validate", "--charts"])
}
