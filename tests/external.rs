//! Independent checks of the committed output with real tools: `kubectl kustomize`
//! on every folder, `kubernetes-validate --strict` (PyPI, bundled upstream schemas)
//! on every core-kind document, and PyYAML (YAML 1.1) reading back every scalar
//! with the type hearth meant. Each check also runs a negative control, so it
//! cannot pass by checking nothing.
//!
//! `scripts/test` installs the tools. Outside CI a missing tool skips the check
//! with a message; with `CI=true` it fails.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn rendered() -> PathBuf {
    common::repo().join("rendered")
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    v.sort();
    v
}

#[test]
#[cfg_attr(no_kubectl, ignore = "no kubectl: run scripts/test (CI=true fails)")]
fn kubectl_kustomize_builds_every_folder() {
    let Some(kubectl) = common::tool("kubectl", &[]) else {
        return;
    };
    let mut folders: Vec<PathBuf> = files_under(&rendered())
        .into_iter()
        .filter(|p| p.ends_with("kustomization.yaml"))
        .map(|p| p.parent().unwrap().to_path_buf())
        .collect();
    folders.dedup();
    assert!(
        folders.len() >= 20,
        "expected a folder per service, found {}",
        folders.len()
    );
    for dir in &folders {
        let out = Command::new(&kubectl)
            .arg("kustomize")
            .arg(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "kubectl kustomize {} failed:\n{}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let docs = String::from_utf8_lossy(&out.stdout)
            .matches("\napiVersion:")
            .count()
            + 1;
        let files = std::fs::read_dir(dir).unwrap().count() - 1;
        assert_eq!(
            docs,
            files,
            "kustomize output of {} has {docs} objects, the folder {files} files",
            dir.display()
        );
    }
    // Negative control: a kustomization naming a missing file must fail.
    let s = common::Scratch::new();
    s.write("kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [missing.yaml]\n");
    assert!(
        !Command::new(&kubectl)
            .arg("kustomize")
            .arg(s.path())
            .output()
            .unwrap()
            .status
            .success()
    );
}

const CORE_GROUPS: [&str; 5] = [
    "v1",
    "apps/v1",
    "batch/v1",
    "networking.k8s.io/v1",
    "rbac.authorization.k8s.io/v1",
];

#[test]
#[cfg_attr(
    no_kubernetes_validate,
    ignore = "no kubernetes-validate: run scripts/test (CI=true fails)"
)]
fn kubernetes_validate_strict_accepts_every_core_document() {
    let Some(kv) = common::tool(
        "kubernetes-validate",
        &[common::venv_bin("kubernetes-validate")],
    ) else {
        return;
    };
    let core: Vec<PathBuf> = files_under(&rendered())
        .into_iter()
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            text.lines()
                .find_map(|l| l.strip_prefix("apiVersion: "))
                .is_some_and(|v| CORE_GROUPS.contains(&v))
        })
        .collect();
    assert!(
        core.len() >= 80,
        "expected the reference site's core objects, found {}",
        core.len()
    );
    // k3s v1.30 is what the reference cluster runs.
    common::succeeds(
        Command::new(&kv)
            .args(["--strict", "-k", "1.30.0", "--quiet"])
            .args(&core),
    );

    // Negative control: an unknown field must be rejected in strict mode.
    let s = common::Scratch::new();
    let bad = std::fs::read_to_string(rendered().join("apps/whoami/whoami.deployment.yaml"))
        .unwrap()
        .replace("  replicas: 1", "  replicas: 1\n  replicaz: 2");
    let p = s.write("bad.yaml", bad);
    assert!(
        !Command::new(&kv)
            .args(["--strict", "-k", "1.30.0", "--quiet"])
            .arg(p)
            .output()
            .unwrap()
            .status
            .success(),
        "negative control passed"
    );
}

#[test]
#[cfg_attr(no_venv_python, ignore = "no venv python3: run scripts/test (CI=true fails)")]
fn a_yaml_1_1_reader_sees_every_scalar_with_its_type() {
    let Some(python) = common::tool("python3", &[common::venv_bin("python3")]) else {
        return;
    };
    let script = common::repo().join("tests/yaml11.py");
    let files: Vec<PathBuf> = files_under(&rendered())
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    let out = Command::new(&python)
        .arg(&script)
        .args(&files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "PyYAML failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let by_path: serde_json::Map<String, Value> = serde_json::from_slice(&out.stdout).unwrap();

    let loaded = hearth::site::load(&common::repo().join("site.toml")).unwrap();
    let templates = hearth::render::Templates::load(None).unwrap();
    let built = hearth::pipeline::build_from(
        loaded,
        &templates,
        Default::default(),
        &hearth::validate::Schemas::load(),
    )
    .unwrap();
    // Objects, and the YAML files of rendered/monitoring (read by Promtail,
    // Grafana and promtool, Go YAML readers): the same data either way.
    let monitoring: Vec<&PathBuf> = files
        .iter()
        .filter(|p| p.starts_with(rendered().join("monitoring")))
        .collect();
    assert!(monitoring.len() >= 8, "{monitoring:?}");
    for p in &monitoring {
        let meant: Value = serde_saphyr::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        assert_eq!(
            by_path[&p.display().to_string()],
            meant,
            "a YAML 1.1 reader reads {} differently",
            p.display()
        );
    }
    assert_eq!(
        by_path.len(),
        built.rendered.objects.len() + monitoring.len()
    );
    for o in &built.rendered.objects {
        let key = rendered().join(&o.path).display().to_string();
        let seen = &by_path[&key];
        assert!(
            seen == &o.value,
            "a YAML 1.1 reader reads {} differently than hearth meant it:\n{}\nvs\n{}",
            o.path,
            seen,
            o.value
        );
    }

    // Negative control: unquoted YAML 1.1 booleans, octals and dates change type.
    let s = common::Scratch::new();
    let p = s.write("traps.yaml", "a: on\nb: 0755\nc: 2024-01-01\nd: yes\n");
    let out = Command::new(&python).arg(&script).arg(&p).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let doc = &v[p.display().to_string()];
    assert_eq!(
        doc["a"],
        Value::Bool(true),
        "PyYAML must read `on` as a boolean (YAML 1.1)"
    );
    assert_eq!(doc["b"], Value::from(493));
    assert!(doc["c"].get("__not_json__").is_some());
}
