//! Charts expanded (`--charts`): the chart cache (`hearth charts pull` and
//! `verify`), and every chart rendered by Helm's real engine (a `helm` on PATH,
//! else helm-python-sdk in the test venv) from hearth's own fixture charts
//! (tests/fixtures/charts): values through `tpl`, a CRD in `crds/` serving the
//! site's own custom resources, a vendored subchart, a chart that refuses to
//! render. Objects validated, errors located at `[services.x.helm]`.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::charts::{BROKEN, fake_helm, fixtures, pulled, validate_charts};

fn charts_site() -> String {
    common::charts::site("hello from {{ .Release.Name }} in {{ .Release.Namespace }}")
}
use common::{Scratch, hearth, stderr};
use hearth::charts::engine::Engine;
use hearth::render::Manifest;
use serde_json::{Value, json};

/// A site-local template printing `widget` (a custom resource of the widgets
/// chart's CRD) into service `umbrella`'s folder.
fn site_widget(spec: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{{{ service.namespace|tojson }}}}\n  labels:\n    app.kubernetes.io/managed-by: hearth\n{{%- if service.name == \"umbrella\" %}}\n---\napiVersion: toys.example.com/v1\nkind: Widget\nmetadata: {{name: site-widget, namespace: umbrella}}\nspec: {spec}\n{{%- endif %}}\n"
    )
}

fn charts_cmd(s: &Scratch, action: &str) -> Command {
    let mut c = hearth();
    c.args(["charts", action, "--site"])
        .arg(s.site())
        .env("FIXTURES", fixtures());
    c
}

fn sha256sum(p: &Path) -> String {
    let out = Command::new("sha256sum").arg(p).output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..64].to_string()
}

#[test]
fn pull_writes_the_lock_and_verify_checks_every_archive() {
    let s = pulled(&charts_site());
    let lock: toml::Value = toml::from_str(&s.read("charts/charts.lock")).unwrap();
    let entries = lock["chart"].as_array().unwrap();
    let names: Vec<&str> = entries
        .iter()
        .map(|e| e["chart"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["tpl-values", "umbrella", "widgets"]);
    for e in entries {
        let archive = s
            .path()
            .join(format!("charts/{}-0.1.0.tgz", e["chart"].as_str().unwrap()));
        assert_eq!(e["sha256"].as_str().unwrap(), sha256sum(&archive));
        assert_eq!(e["repo"].as_str().unwrap(), "https://charts.example");
    }
    let ok = charts_cmd(&s, "verify").output().unwrap();
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("3 charts match"));

    // A second pull finds everything current.
    let again = charts_cmd(&s, "pull")
        .env("HEARTH_HELM", fake_helm(&s))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&again.stdout)
            .matches("up to date")
            .count(),
        3
    );

    // A changed archive, a chart missing from the lock, another repository.
    let archive = s.path().join("charts/widgets-0.1.0.tgz");
    let mut bytes = std::fs::read(&archive).unwrap();
    bytes.push(0);
    std::fs::write(&archive, bytes).unwrap();
    let site = charts_site().replace(
        "repo = \"https://charts.example\"\nchart = \"umbrella\"",
        "repo = \"https://other.example\"\nchart = \"umbrella\"",
    ) + BROKEN;
    s.write("site.toml", site);
    let bad = charts_cmd(&s, "verify").output().unwrap();
    common::refused_with(
        &bad,
        &[
            "hearth::chart-cache",
            "chart `widgets` 0.1.0 of service `toys`: `",
            "the lock says",
            "chart `umbrella` 0.1.0 of service `umbrella`: locked from `https://charts.example`, but site.toml says `https://other.example`",
            "chart `broken` 0.1.0 of service `vault`: not in",
            "[services.vault.helm]",
            "error: 3 problems",
        ],
    );
}

#[test]
fn unpacked_charts_are_locked_by_their_tree() {
    use hearth::charts::cache::{Lock, Locked, digest};
    let s = Scratch::new();
    let dir = s.path().join("charts/widgets-0.1.0");
    for f in [
        "Chart.yaml",
        "values.yaml",
        "crds/widgets.yaml",
        "templates/widget.yaml",
    ] {
        let text = std::fs::read(fixtures().join("widgets").join(f)).unwrap();
        s.write(&format!("charts/widgets-0.1.0/{f}"), text);
    }
    let before = digest(&dir).unwrap();
    let mut lock = Lock::default();
    lock.set(Locked {
        chart: "widgets".into(),
        version: "0.1.0".into(),
        repo: "https://charts.example".into(),
        sha256: before.clone(),
    });
    lock.write(&s.path().join("charts")).unwrap();
    assert_eq!(Lock::read(&s.path().join("charts")).unwrap(), lock);
    s.write("charts/widgets-0.1.0/templates/extra.yaml", "");
    assert_ne!(
        digest(&dir).unwrap(),
        before,
        "an added file changes the digest"
    );
}

#[test]
fn pull_without_helm_says_what_to_install() {
    let s = Scratch::with_site(charts_site());
    let empty = s.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = charts_cmd(&s, "pull")
        .env_remove("HEARTH_HELM")
        .env("PATH", &empty)
        .output()
        .unwrap();
    common::refused_with(
        &out,
        &[
            "needs a `helm` binary: none in HEARTH_HELM or on PATH",
            "https://helm.sh/docs/intro/install/",
        ],
    );
    assert!(!s.path().join("charts/charts.lock").exists());
}

/// The engine tests use: a `helm` on PATH, else the test venv's Python with
/// helm-python-sdk. Missing: a failure under CI, else a visible SKIP.
fn engine() -> Option<Engine> {
    if let Some(helm) = hearth::charts::engine::helm_binary() {
        return Some(Engine::Helm(helm));
    }
    common::charts::engine_ready().then(|| Engine::Python(common::venv_bin("python3")))
}

/// Every object the charts printed, by (template file, name).
fn expanded(s: &Scratch, engine: &Engine) -> Vec<(String, String, Value)> {
    let opts = hearth::charts::Options {
        engine: Some(engine),
        memo: None,
        git_ref: None,
    };
    let built = hearth::pipeline::build_charts(&s.site(), &opts)
        .unwrap_or_else(|e| panic!("{:?}", e.0.iter().map(|e| &e.message).collect::<Vec<_>>()));
    built
        .charts
        .iter()
        .flat_map(|c| &c.docs)
        .map(|d| (d.source.clone(), d.name().to_string(), d.value.clone()))
        .collect()
}

fn doc<'a>(docs: &'a [(String, String, Value)], source: &str) -> &'a Value {
    &docs
        .iter()
        .find(|d| d.0 == source)
        .unwrap_or_else(|| {
            panic!(
                "no document from {source}: {:?}",
                docs.iter().map(|d| &d.0).collect::<Vec<_>>()
            )
        })
        .2
}

#[test]
#[cfg_attr(no_helm_engine, ignore = "no helm-python-sdk: run scripts/test (CI=true fails)")]
fn charts_render_as_argocd_would_and_validate() {
    let Some(engine) = engine() else { return };
    let s = pulled(&charts_site().replace("[nodes.pi1]", "kubernetes = \"1.31\"\n\n[nodes.pi1]"));
    s.write(
        "templates/k8s/namespace.yaml",
        site_widget("{size: 2, color: green, extra: {any: thing}}"),
    );
    let docs = expanded(&s, &engine);
    // Values through `tpl`, with the release, namespace and Kubernetes version ArgoCD gives.
    let cm = doc(&docs, "tpl-values/templates/configmap.yaml");
    assert_eq!(cm["metadata"]["name"], "greeter-tpl");
    assert_eq!(cm["data"]["greeting"], "hello from greeter in greeter");
    assert_eq!(cm["data"]["kube"], "31");
    // The CRD of crds/ (as --include-crds prints it) and the chart's own CR.
    let crd = doc(&docs, "widgets/crds/widgets.yaml");
    assert_eq!(crd["kind"], "CustomResourceDefinition");
    let w = doc(&docs, "widgets/templates/widget.yaml");
    assert_eq!(w["spec"], json!({ "size": 3, "color": "blue" }));
    // The vendored subchart gets the parent's values for it, the site's winning.
    let sub = doc(&docs, "umbrella/charts/greeting/templates/configmap.yaml");
    assert_eq!(sub["data"]["message"], "from site.toml");
    let parent = doc(&docs, "umbrella/templates/configmap.yaml");
    assert_eq!(parent["data"]["sub-says"], "from site.toml");
    assert_eq!(docs.len(), 6);

    let out = validate_charts(&s);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("and 6 chart objects (3 charts) valid"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
#[cfg_attr(no_helm_engine, ignore = "no helm-python-sdk: run scripts/test (CI=true fails)")]
fn a_chart_that_does_not_render_is_an_error_at_its_helm_table() {
    let Some(_) = engine() else { return };
    let s = pulled(&(charts_site() + BROKEN));
    let out = validate_charts(&s);
    common::refused_with(
        &out,
        &[
            "hearth::chart-render",
            "chart `broken` 0.1.0 of service `vault` does not render:",
            "broken/templates/secret.yaml",
            "broken needs .Values.password",
            // The site does not set it: the label stays on the chart's table.
            "[services.vault.helm]",
            "the chart needs `password` from these values",
            "error: 1 problem",
        ],
    );
    // The same chart renders once the site gives the value.
    s.write(
        "site.toml",
        charts_site() + BROKEN + "values = { password = \"s3cret\" }\n",
    );
    let out = validate_charts(&s);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
#[cfg_attr(no_helm_engine, ignore = "no helm-python-sdk: run scripts/test (CI=true fails)")]
fn a_value_helm_cannot_tpl_names_the_template() {
    // grafana's failure: a Grafana template in a value the chart passes through `tpl`.
    let Some(_) = engine() else { return };
    let s = pulled(&charts_site().replace(
        "greeting = \"hello from {{ .Release.Name }} in {{ .Release.Namespace }}\"",
        "greeting = \"{{ $labels.client_ip }}\"",
    ));
    let out = validate_charts(&s);
    let err = common::refused_with(
        &out,
        &[
            "chart `tpl-values` 0.1.0 of service `greeter` does not render",
            "undefined variable \"$labels\"",
        ],
    );
    // Helm names `.Values.greeting`: the label is on the site's key.
    assert!(
        err.contains("`greeting`, the value the chart fails on"),
        "{err}"
    );
}

#[test]
#[cfg_attr(no_helm_engine, ignore = "no helm-python-sdk: run scripts/test (CI=true fails)")]
fn chart_objects_meet_their_crd_and_the_api_server() {
    let Some(_) = engine() else { return };
    let site = charts_site()
        .replace("color = \"blue\"", "color = \"purple\"")
        .replace(
            "config = {",
            "port = { name = \"Web_Port\", number = 80 }, config = {",
        );
    let s = pulled(&site);
    s.write(
        "templates/k8s/namespace.yaml",
        site_widget("{size: 0, colour: green}"),
    );
    let out = validate_charts(&s);
    common::refused_with(
        &out,
        &[
            // The chart's CR against the CRD the chart ships.
            "hearth::chart-object",
            "chart `widgets` 0.1.0 of service `toys`, template `widgets/templates/widget.yaml`: Widget `toys` is invalid",
            "at `/spec/color`: \"purple\" is not one of",
            // The refused value is the site's, verbatim: the label is on it.
            "`widget.color` prints the refused value",
            "`port.name` prints the refused value",
            // The API server's rules on a chart's Service.
            "chart `tpl-values` 0.1.0 of service `greeter`, template `tpl-values/templates/service.yaml`: Service `greeter-tpl` is invalid",
            "at `spec.ports[0].name`: `Web_Port`",
            "[validateServicePort",
            // The site's own CR against the chart's CRD.
            "Widget `site-widget` in `apps/umbrella/site-widget.widget.yaml` (from site-local template `templates/k8s/namespace.yaml`) is invalid",
            "at `/spec/size`: 0 is less than the minimum of 1",
            "'colour' was unexpected",
            "error: 3 problems",
        ],
    );
}

#[test]
#[cfg_attr(
    no_helm_engine,
    ignore = "helm-python-sdk (in the test venv) is not installed (scripts/test installs it; under CI=true this test fails instead)"
)]
fn a_chart_pod_may_name_two_ports_alike_as_the_api_server_allows() {
    // MetalLB 0.14.5's speaker: ports named `monitoring` in two containers.
    // The API server checks port names per container; hearth's one-name-per-
    // pod rule is for its own workloads, not a chart's (tests/apiserver.rs).
    let Some(_) = engine() else { return };
    let site = format!(
        "{}\n[services.metallb.helm]\nrepo = \"https://charts.example\"\nchart = \"speaker\"\nversion = \"0.1.0\"\n",
        charts_site()
    );
    let s = pulled(&site);
    let out = validate_charts(&s);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("and 7 chart objects (4 charts) valid"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn without_charts_a_site_custom_resource_has_no_schema() {
    // The CRD comes from the chart: only `--charts` knows it.
    let s = Scratch::with_site(charts_site());
    s.write("templates/k8s/namespace.yaml", site_widget("{size: 2}"));
    let out = hearth()
        .args(["validate", "--site"])
        .arg(s.site())
        .output()
        .unwrap();
    common::refused_with(
        &out,
        &["`Widget` of `toys.example.com/v1` is a custom resource hearth has no CRD schema for"],
    );
}

/// `validate --charts` with neither helm nor the venv's helm-python-sdk
/// (an empty PATH), remembering chart output in the scratch's own folder.
fn validate_without_engine(s: &Scratch) -> Output {
    let empty = s.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    hearth()
        .args(["validate", "--charts", "--site"])
        .arg(s.site())
        .env_remove("HEARTH_HELM")
        .env_remove("HEARTH_VENV")
        .env("HEARTH_CACHE_DIR", s.path().join("cache"))
        .env("PATH", &empty)
        .output()
        .unwrap()
}

#[test]
fn charts_without_a_cache_or_engine_are_refused() {
    // No cache: located errors before any engine runs.
    let s = Scratch::with_site(charts_site());
    let out = validate_charts(&s);
    common::refused_with(&out, &["hearth::chart-cache", "[services.greeter.helm]"]);
    // A cache but no engine: what to install.
    let s = pulled(&charts_site());
    let out = validate_without_engine(&s);
    common::refused_with(
        &out,
        &["`--charts` needs Helm's template engine", "helm-python-sdk"],
    );
}

#[test]
#[cfg_attr(no_helm_engine, ignore = "no helm-python-sdk: run scripts/test (CI=true fails)")]
fn a_chart_rendered_before_needs_no_engine() {
    let Some(_) = engine() else { return };
    let s = pulled(&charts_site());
    let first = validate_charts(&s);
    assert!(first.status.success(), "{}", stderr(&first));
    let remembered = std::fs::read_dir(s.path().join("cache/charts"))
        .unwrap()
        .count();
    assert_eq!(remembered, 3, "one output per chart");
    // Same chart, values, release, namespace, version: no engine started.
    let second = validate_without_engine(&s);
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(
        String::from_utf8_lossy(&second.stdout).contains("and 6 chart objects (3 charts) valid")
    );
    // Other values: the engine is needed again.
    s.write("site.toml", charts_site().replace("size = 3", "size = 4"));
    let third = validate_without_engine(&s);
    assert_eq!(third.status.code(), Some(2), "{}", stderr(&third));
    assert!(stderr(&third).contains("`--charts` needs Helm's template engine"));
}
