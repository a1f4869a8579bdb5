//! Helm's template engine, run out of process: a `helm` binary when there is
//! one (`HEARTH_HELM`, else `helm` on PATH), else Helm's engine as a Python
//! library (PyPI `helm-python-sdk`) in the venv `HEARTH_VENV` names, through
//! the script `scripts/helm-template.py` built into hearth. Both print the
//! manifest `helm template --include-crds` prints.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The script the Python engine runs (`python3 -c`).
const SCRIPT: &str = include_str!("../../scripts/helm-template.py");

/// What to tell a user who has no engine.
pub const INSTALL: &str = "install Helm (https://helm.sh/docs/intro/install/) or point HEARTH_HELM at it; or `python3 -m venv .venv && .venv/bin/pip install helm-python-sdk==0.2.2` and set HEARTH_VENV=.venv";

#[derive(Debug, Clone)]
pub enum Engine {
    /// A `helm` binary.
    Helm(PathBuf),
    /// A Python that imports `helm_python`.
    Python(PathBuf),
}

/// One chart to render, as ArgoCD would render it.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub chart: &'a Path,
    pub release: &'a str,
    pub namespace: &'a str,
    /// `1.<minor>.0`, the site's Kubernetes version.
    pub kube_version: &'a str,
    pub values: &'a serde_json::Value,
}

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// A `helm` binary: `HEARTH_HELM`, else on PATH.
pub fn helm_binary() -> Option<PathBuf> {
    match std::env::var_os("HEARTH_HELM") {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ => on_path("helm"),
    }
}

/// Whether the venv has helm-python-sdk installed: its package folder in
/// the venv's `lib/python3.*/site-packages` (looked up on disk: starting
/// Python to import it costs ~0.2 s, most of a run whose charts are all
/// remembered).
fn has_sdk(venv: &Path) -> bool {
    let Ok(libs) = std::fs::read_dir(venv.join("lib")) else {
        return false;
    };
    libs.flatten().any(|d| {
        d.file_name().to_string_lossy().starts_with("python")
            && d.path()
                .join("site-packages/helm_python/__init__.py")
                .is_file()
    })
}

impl Engine {
    /// The engine this machine has, or None.
    pub fn find() -> Option<Engine> {
        if let Some(helm) = helm_binary() {
            return Some(Engine::Helm(helm));
        }
        let venv = std::env::var_os("HEARTH_VENV").filter(|v| !v.is_empty())?;
        let python = Path::new(&venv).join("bin").join("python3");
        (python.is_file() && has_sdk(Path::new(&venv))).then_some(Engine::Python(python))
    }

    /// Render one chart: the manifest, or the engine's error text.
    pub fn template(&self, r: &Request) -> Result<String, String> {
        let values = serde_json::to_string(r.values).expect("values serialise");
        let mut cmd = match self {
            Engine::Helm(helm) => {
                let mut c = Command::new(helm);
                c.arg("template")
                    .arg(r.release)
                    .arg(r.chart)
                    .args(["--namespace", r.namespace])
                    .args(["--kube-version", r.kube_version])
                    .args(["--include-crds", "--values", "-"]);
                c
            }
            Engine::Python(python) => {
                let mut c = Command::new(python);
                c.arg("-c")
                    .arg(SCRIPT)
                    .arg(r.chart)
                    .args([r.release, r.namespace, r.kube_version]);
                c
            }
        };
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run the Helm engine: {e}"))?;
        // Values are JSON, which is YAML too (`helm --values -` reads either).
        let mut stdin = child.stdin.take().expect("piped");
        let wrote = stdin.write_all(values.as_bytes());
        drop(stdin);
        let out = child
            .wait_with_output()
            .map_err(|e| format!("the Helm engine failed: {e}"))?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            let err = err.trim();
            return Err(if err.is_empty() {
                format!("the Helm engine exited with {}", out.status)
            } else {
                err.to_string()
            });
        }
        wrote.map_err(|e| format!("cannot pass the values to the Helm engine: {e}"))?;
        String::from_utf8(out.stdout).map_err(|_| "the manifest is not UTF-8".to_string())
    }
}

/// `helm pull` of one chart into `dir`.
pub fn pull(helm: &Path, chart: &str, repo: &str, version: &str, dir: &Path) -> Result<(), String> {
    // An OCI chart is named by its reference; a repository's by name and URL.
    let mut cmd = Command::new(helm);
    if repo.starts_with("oci://") {
        let reference = format!("{}/{chart}", repo.trim_end_matches('/'));
        cmd.args(["pull", &reference]);
    } else {
        cmd.args(["pull", chart, "--repo", repo]);
    }
    let out = cmd
        .args(["--version", version, "--destination"])
        .arg(dir)
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", helm.display()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_venv_has_the_sdk_when_its_package_is_installed() {
        let venv = tempfile::tempdir().unwrap();
        assert!(!super::has_sdk(venv.path()), "no lib folder");
        let site = venv.path().join("lib/python3.11/site-packages");
        std::fs::create_dir_all(site.join("yaml")).unwrap();
        assert!(!super::has_sdk(venv.path()), "another package only");
        std::fs::create_dir_all(site.join("helm_python")).unwrap();
        std::fs::write(site.join("helm_python/__init__.py"), "").unwrap();
        assert!(super::has_sdk(venv.path()));
    }
}
