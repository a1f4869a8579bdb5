//! A subchart used under an alias (`dependencies[].alias` in the parent's
//! Chart.yaml), through Helm's real engine. Helm renames the aliased copy of
//! the chart (helm v4 pkg/chart/v2/util/dependencies.go, getAliasDependency:
//! `Metadata.Name = dep.Alias`), so its values sit under the alias and its
//! templates are named `<parent>/charts/<alias>/templates/…`: hearth reads the
//! alias from the template name to find the value a failure names.

mod common;

use common::charts::{HEADER, engine_ready, pulled, with_engine};
use common::stderr;

const ALIASED: &str = r#"
[services.aliased.helm]
repo = "https://charts.example"
chart = "aliased"
version = "0.1.0"

[services.aliased.helm.values.hello.message]
text = "TEXT"
"#;

fn site(text: &str) -> String {
    format!("{HEADER}{}", ALIASED.replace("TEXT", text))
}

#[test]
#[cfg_attr(no_helm_engine, ignore = "no helm-python-sdk: run scripts/test (CI=true fails)")]
fn an_aliased_subchart_takes_its_values_under_the_alias() {
    if !engine_ready() {
        return;
    }
    let s = pulled(&site("from site.toml"));
    let out = with_engine(&s, &["render", "--charts"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let charts = common::tree(&s.path().join("rendered-charts"));
    // The subchart's `.Chart.Name` is the alias, and so is its values key.
    let sub = String::from_utf8(charts["aliased/aliased-hello.configmap.yaml"].clone()).unwrap();
    assert!(sub.contains("message: from site.toml"), "{sub}");
    let parent =
        String::from_utf8(charts["aliased/aliased-aliased.configmap.yaml"].clone()).unwrap();
    assert!(parent.contains("sub-says: from site.toml"), "{parent}");
}

#[test]
#[cfg_attr(no_helm_engine, ignore = "no helm-python-sdk: run scripts/test (CI=true fails)")]
fn a_failure_in_an_aliased_subchart_points_at_the_value_under_the_alias() {
    if !engine_ready() {
        return;
    }
    // `required` refuses the empty string: Helm names the template under
    // `charts/hello/` and the value as the subchart sees it.
    let s = pulled(&site(""));
    let out = with_engine(&s, &["validate", "--charts"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("chart `aliased` 0.1.0 of service `aliased` does not render"),
        "{err}"
    );
    assert!(err.contains("aliased/charts/hello/templates/"), "{err}");
    assert!(
        err.contains("`hello.message.text`, the value the chart fails on"),
        "{err}"
    );
    // The label sits on the site's `text` key of that table.
    let text = site("");
    let line = text[..text.find("text = ").unwrap()].lines().count() + 1;
    assert!(err.contains(&format!("site.toml:{line}:1")), "{err}");
}
