//! The CI recipes and shell scripts shipped with hearth: the GitHub workflow is
//! valid (check-jsonschema's vendored schema), every shell script is clean under
//! shellcheck, and the generic recipe runs end to end in a temporary repository.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

#[test]
#[cfg_attr(no_check_jsonschema, ignore = "no check-jsonschema: run scripts/test (CI=true fails)")]
fn the_github_workflow_is_valid() {
    let Some(cj) = common::tool("check-jsonschema", &[common::venv_bin("check-jsonschema")]) else {
        return;
    };
    let wf = common::repo().join("examples/github-actions/hearth.yml");
    common::succeeds(
        Command::new(&cj)
            .args(["--builtin-schema", "vendor.github-workflows"])
            .arg(&wf),
    );
    let text = std::fs::read_to_string(&wf).unwrap();
    assert!(
        text.contains("hearth check")
            && text.contains("hearth diff --charts --base")
            && text.contains("--format markdown")
            && text.contains("gh pr comment")
    );
    // The chart cache is restored, and both sides' charts pulled, before the diff.
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("the workflow lacks {needle:?}"))
    };
    assert!(at("actions/cache@") < at("hearth charts pull --ref \"$BASE\""));
    assert!(at("hearth charts pull --ref \"$BASE\"") < at("hearth diff --charts --base"));
    // negative control
    let s = common::Scratch::new();
    let bad = s.write(
        "bad.yml",
        text.replace("runs-on: ubuntu-latest", "runs_on: ubuntu-latest"),
    );
    assert!(
        !Command::new(&cj)
            .args(["--builtin-schema", "vendor.github-workflows"])
            .arg(bad)
            .output()
            .unwrap()
            .status
            .success()
    );
}

fn shell_scripts() -> Vec<PathBuf> {
    let root = common::repo();
    let mut out = vec![
        root.join("scripts/test"),
        root.join("scripts/regen"),
        root.join(".ci/run"),
    ];
    for dir in ["bench", "examples/ci", "rendered/dr"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "sh") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
#[cfg_attr(no_shellcheck, ignore = "no shellcheck: run scripts/test (CI=true fails)")]
fn every_shell_script_is_clean_under_shellcheck() {
    let Some(sc) = common::tool("shellcheck", &[]) else {
        return;
    };
    let scripts = shell_scripts();
    assert!(scripts.len() >= 4);
    common::succeeds(Command::new(&sc).args(&scripts));
    let s = common::Scratch::new();
    let bad = s.write("bad.sh", "#!/bin/sh\nrm -rf $1/*\n");
    assert!(
        !Command::new(&sc)
            .arg(bad)
            .output()
            .unwrap()
            .status
            .success(),
        "negative control passed"
    );
}

fn git(dir: &Path, args: &[&str]) {
    let out = common::git_cmd(dir, args);
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_generic_ci_recipe_runs() {
    let s = common::Scratch::new();
    git(s.path(), &["init", "-q", "-b", "main"]);
    s.write("site.toml", common::MINIMAL);
    assert!(s.render().status.success());
    git(s.path(), &["add", "-A"]);
    git(s.path(), &["commit", "-q", "-m", "one"]);
    git(s.path(), &["checkout", "-q", "-b", "change"]);
    s.write(
        "site.toml",
        common::MINIMAL.replace("nginx:1.27.0", "nginx:1.27.3"),
    );
    assert!(s.render().status.success());
    git(s.path(), &["commit", "-q", "-am", "bump"]);
    let path = common::path_with_hearth();
    common::succeeds(
        Command::new("bash")
            .arg(common::repo().join("examples/ci/hearth-ci.sh"))
            .arg("main")
            .current_dir(s.path())
            .env("PATH", &path),
    );
    let md = s.read("hearth-ci/diff.md");
    assert!(md.contains("nginx:1.27.0 → nginx:1.27.3"), "{md}");
    let json: serde_json::Value = serde_json::from_str(&s.read("hearth-ci/diff.json")).unwrap();
    assert_eq!(json["objects"].as_array().unwrap().len(), 1);
    // stale output fails the recipe with exit 1
    s.write(
        "site.toml",
        common::MINIMAL.replace("nginx:1.27.0", "nginx:1.27.4"),
    );
    let out = Command::new("bash")
        .arg(common::repo().join("examples/ci/hearth-ci.sh"))
        .arg("main")
        .current_dir(s.path())
        .env("PATH", &path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}
