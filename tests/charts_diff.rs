//! Charts expanded, beyond validation: `hearth render --charts` (the chart
//! objects written beside `rendered/`, never into it), `hearth diff --charts`
//! (both sides' chart objects compared, a chart version bump or a values
//! change per object with one intent line per chart), every chart's problems
//! reported when one fails, and render errors located at the value Helm names.
//! Helm's real engine (a `helm` on PATH, else helm-python-sdk in the test
//! venv) renders hearth's fixture charts (tests/fixtures/charts; a second
//! version of `tpl-values` under `v0.2.0/`).

mod common;

use std::path::Path;
use std::process::Output;

use common::charts::{BROKEN, engine_ready, pull, pulled, with_engine};

fn charts_site() -> String {
    common::charts::site("hello from {{ .Release.Name }}")
}
use common::{Scratch, git_ok, hearth, stderr};
use serde_json::Value;

/// The diagnostic as a person reads it, the scratch folder's path replaced.
fn shown(text: &str, s: &Scratch) -> String {
    text.replace(&s.path().display().to_string(), "<scratch>")
}

#[test]
#[cfg_attr(no_helm_engine, ignore = "no helm-python-sdk: run scripts/test (CI=true fails)")]
fn render_charts_writes_chart_objects_beside_rendered_never_into_it() {
    if !engine_ready() {
        return;
    }
    let s = pulled(&charts_site());
    let plain = with_engine(&s, &["render"]);
    assert!(plain.status.success(), "{}", stderr(&plain));
    let before = common::tree(&s.path().join("rendered"));

    let out = with_engine(&s, &["render", "--charts"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("wrote 6 chart objects (3 charts) into"),
        "{said}"
    );
    // rendered/ is exactly what it is without --charts.
    assert_eq!(before, common::tree(&s.path().join("rendered")));
    let charts = common::tree(&s.path().join("rendered-charts"));
    let names: Vec<&str> = charts.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "greeter/greeter-tpl.configmap.yaml",
            "greeter/greeter-tpl.service.yaml",
            "index.yaml",
            "toys/toys.widget.yaml",
            "toys/widgets.toys.example.com.customresourcedefinition.yaml",
            "umbrella/umbrella-greeting.configmap.yaml",
            "umbrella/umbrella-umbrella.configmap.yaml",
        ]
    );
    let cm = String::from_utf8(charts["greeter/greeter-tpl.configmap.yaml"].clone()).unwrap();
    assert!(cm.starts_with("# Rendered by hearth"), "{cm}");
    common::contains_all(
        "cm",
        &cm,
        [
            "# Source: tpl-values/templates/configmap.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: greeter-tpl\n",
            "greeting: hello from greeter",
        ],
    );
    let index: Value =
        serde_saphyr::from_str(std::str::from_utf8(&charts["index.yaml"]).unwrap()).unwrap();
    assert_eq!(index["charts"][1]["chart"], "widgets");
    assert_eq!(index["charts"][1]["namespace"], "toys");
    assert_eq!(
        index["charts"][1]["objects"][0],
        "toys/widgets.toys.example.com.customresourcedefinition.yaml"
    );

    // A second render replaces the folder (a removed chart's files go).
    let all = charts_site();
    let without_umbrella = all.split("[services.umbrella.helm]").next().unwrap();
    s.write("site.toml", without_umbrella);
    let again = with_engine(&s, &["render", "--charts"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(!s.path().join("rendered-charts/umbrella").exists());
    // Another folder on request; a folder hearth did not write is refused.
    let other = s.path().join("view");
    let into = |dir: &Path| {
        with_engine(
            &s,
            &["render", "--charts", "--charts-out", dir.to_str().unwrap()],
        )
    };
    let out = into(&other);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(other.join("toys/toys.widget.yaml").is_file());
    // Never inside the output folder (it is committed).
    let inside = s.path().join("rendered/charts");
    common::refused_with(&into(&inside), &["overlaps the output folder"]);
    assert!(!inside.exists());
    s.write("mine/notes.txt", "mine");
    let mine = s.path().join("mine");
    common::refused_with(&into(&mine), &["holds files hearth did not write"]);
    assert!(mine.join("notes.txt").is_file());
}

#[test]
fn the_scaffolded_gitignore_keeps_chart_objects_out_of_git() {
    let s = Scratch::new();
    let out = hearth().arg("init").arg(s.path()).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let ignore = s.read(".gitignore");
    assert!(ignore.lines().any(|l| l == "rendered-charts/"), "{ignore}");
}

#[test]
#[cfg_attr(no_helm_engine, ignore = "no helm-python-sdk: run scripts/test (CI=true fails)")]
fn one_chart_that_fails_hides_no_other_finding() {
    if !engine_ready() {
        return;
    }
    // vault's chart does not render; toys' prints an invalid Widget.
    let site = charts_site().replace("color = \"blue\"", "color = \"purple\"") + BROKEN;
    let s = pulled(&site);
    // And one chart is not in the cache at all.
    s.write(
        "site.toml",
        site + "\n[services.extra.helm]\nrepo = \"https://charts.example\"\nchart = \"widgets\"\nversion = \"0.3.0\"\n",
    );
    let out = with_engine(&s, &["validate", "--charts"]);
    common::refused_with(
        &out,
        &[
            "hearth::chart-cache",
            "chart `widgets` 0.3.0 of service `extra`: not in",
            "hearth::chart-render",
            "chart `broken` 0.1.0 of service `vault` does not render",
            "hearth::chart-object",
            "chart `widgets` 0.1.0 of service `toys`, template `widgets/templates/widget.yaml`: Widget `toys` is invalid",
            // The refused value is the site's own: the label is on it.
            "`widget.color` prints the refused value",
            "error: 3 problems",
        ],
    );
    // Nothing is written by a render that fails.
    let out = with_engine(&s, &["render", "--charts"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!s.path().join("rendered-charts").exists());
    assert!(!s.path().join("rendered").exists());
}

#[test]
#[cfg_attr(no_helm_engine, ignore = "no helm-python-sdk: run scripts/test (CI=true fails)")]
fn a_render_error_points_at_the_value_helm_names() {
    if !engine_ready() {
        return;
    }
    // `hosts` must be a list: Helm fails `at <.Values.hosts>`.
    let site = charts_site()
        + BROKEN
        + "[services.vault.helm.values]\npassword = \"s3cret\"\nhosts = \"vault.lab.example\"\n";
    let s = pulled(&site);
    let out = with_engine(&s, &["validate", "--charts"]);
    let err = common::refused_with(
        &out,
        &[
            "at <.Values.hosts>",
            "`hosts`, the value the chart fails on",
        ],
    );
    insta::assert_snapshot!("render_error_at_value", shown(&err, &s));
    // A value the site does not set: the label stays on the chart's table,
    // saying which value to set.
    s.write("site.toml", charts_site() + BROKEN);
    let out = with_engine(&s, &["validate", "--charts"]);
    let err = stderr(&out);
    common::contains_all(
        "stderr",
        &err,
        [
            "the chart needs `password` from these values",
            "set `password` in `[services.vault.helm.values]`",
        ],
    );
}

/// A Git repository holding `base` committed on branch `base`, the work
/// tree then holding `head`; the cache pulled for the head only.
fn repo_with(base: &str, head: &str) -> Scratch {
    let s = Scratch::new();
    s.write(".gitignore", "charts/\ncache/\nbin/\n");
    s.write("site.toml", base);
    git_ok(s.path(), &["init", "-q", "-b", "base"]);
    git_ok(s.path(), &["add", "."]);
    git_ok(s.path(), &["commit", "-q", "-m", "base"]);
    s.write("site.toml", head);
    let out = pull(&s, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    s
}

fn diff(s: &Scratch, format: &str) -> Output {
    with_engine(
        s,
        &["diff", "--charts", "--base", "base", "--format", format],
    )
}

#[test]
#[cfg_attr(no_helm_engine, ignore = "no helm-python-sdk: run scripts/test (CI=true fails)")]
fn a_chart_version_bump_shows_per_object_with_its_intent_line() {
    if !engine_ready() {
        return;
    }
    let head = charts_site().replace(
        "chart = \"tpl-values\"\nversion = \"0.1.0\"",
        "chart = \"tpl-values\"\nversion = \"0.2.0\"",
    );
    let s = repo_with(&charts_site(), &head);
    // The base's 0.1.0 is not in the cache yet: located at the base's table,
    // with the command that pulls it.
    let out = diff(&s, "text");
    common::refused_with(
        &out,
        &[
            "hearth::chart-cache",
            "chart `tpl-values` 0.1.0 of service `greeter`: not in",
            "base:site.toml",
            "[services.greeter.helm]",
            "run `hearth charts pull --ref base`",
            "error: 1 problem at base `base`",
        ],
    );
    let out = pull(&s, &["--ref", "base"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lock = s.read("charts/charts.lock");
    assert!(lock.contains("version = \"0.1.0\"") && lock.contains("version = \"0.2.0\""));

    let text = diff(&s, "text");
    assert!(text.status.success(), "{}", stderr(&text));
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains(
            "tpl-values chart 0.1.0 → 0.2.0 (service greeter): 1 object changed, 1 added, 1 removed"
        ),
        "{text}"
    );
    insta::assert_snapshot!("version_bump_text", text);
    let md = diff(&s, "markdown");
    assert!(md.status.success(), "{}", stderr(&md));
    insta::assert_snapshot!(
        "version_bump_markdown",
        String::from_utf8(md.stdout).unwrap()
    );

    let json = diff(&s, "json");
    assert!(json.status.success(), "{}", stderr(&json));
    let r: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        r["intent"]["charts"],
        serde_json::json!([{
            "service": "greeter", "chart": "tpl-values", "before": "0.1.0", "after": "0.2.0",
            "added": 1, "removed": 1, "changed": 1
        }])
    );
    let objects = r["objects"].as_array().unwrap();
    let sa = objects
        .iter()
        .find(|o| o["key"]["kind"] == "ServiceAccount")
        .unwrap();
    assert_eq!(sa["change"], "added");
    assert_eq!(
        sa["file"],
        "rendered-charts/greeter/greeter-tpl.serviceaccount.yaml"
    );
    assert_eq!(
        sa["chart"],
        serde_json::json!({
            "service": "greeter", "chart": "tpl-values", "version": "0.2.0",
            "template": "tpl-values/templates/serviceaccount.yaml"
        })
    );
    assert_eq!(sa["key"]["namespace"], "greeter");
    let svc = objects
        .iter()
        .find(|o| o["key"]["kind"] == "Service")
        .unwrap();
    assert_eq!(svc["change"], "removed");
    assert_eq!(svc["chart"]["version"], "0.1.0");
    // hearth's own objects have no `chart`.
    let app = objects
        .iter()
        .find(|o| o["key"]["kind"] == "Application")
        .unwrap();
    assert!(app.get("chart").is_none());
}

#[test]
#[cfg_attr(no_helm_engine, ignore = "no helm-python-sdk: run scripts/test (CI=true fails)")]
fn a_values_change_shows_the_object_it_changes() {
    if !engine_ready() {
        return;
    }
    let head = charts_site().replace("color = \"blue\"", "color = \"green\"");
    let s = repo_with(&charts_site(), &head);
    let out = diff(&s, "text");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", stderr(&out));
    common::contains_all(
        "diff",
        &text,
        [
            "widgets chart 0.1.0 (service toys): 1 object changed",
            "~ Widget toys/toys  (rendered-charts/toys/toys.widget.yaml, chart widgets 0.1.0: widgets/templates/widget.yaml)",
            ".spec.color: \"blue\" → \"green\"",
            // The Application's valuesObject changes too.
            "~ Application argocd/toys",
        ],
    );
    assert!(!text.contains("tpl-values chart"), "{text}");
    // Without --charts the chart's objects are not compared.
    let plain = with_engine(&s, &["diff", "--base", "base"]);
    let plain = String::from_utf8_lossy(&plain.stdout);
    assert!(!plain.contains("Widget toys/toys"), "{plain}");
}
