//! Site-local templates may emit any stored core Kubernetes kind: each is
//! validated against k8s-openapi's schema for it. Unknown kinds and custom
//! resources without a CRD schema are refused, saying which.

mod common;

use common::{MINIMAL, Scratch, stderr, tree};

/// A site-local namespace template that also prints `objects` into service
/// `app`'s folder.
fn with_objects(objects: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{{{ service.namespace|tojson }}}}\n  labels:\n    app.kubernetes.io/managed-by: hearth\n{{%- if service.name == \"app\" %}}\n---\n{objects}\n{{%- endif %}}\n"
    )
}

const POLICIES: &str = r#"apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-ingress-only, namespace: app}
spec:
  podSelector: {matchLabels: {app.kubernetes.io/name: web}}
  policyTypes: [Ingress]
  ingress:
    - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}}]
      ports: [{port: 8080, protocol: TCP}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: app}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app.kubernetes.io/name: web}}"#;

/// MINIMAL with `objects` in a site-local template.
fn site_with(objects: &str) -> Scratch {
    let s = Scratch::with_site(MINIMAL);
    s.write("templates/k8s/namespace.yaml", with_objects(objects));
    s
}

fn refused(objects: &str, expect: &[&str]) {
    let err = common::refused_render(&site_with(objects), expect);
    assert!(err.contains("help:"), "{err}");
}

#[test]
fn network_policy_and_pod_disruption_budget_render_and_validate() {
    let s = site_with(POLICIES);
    let out = s.render();
    assert!(out.status.success(), "{}", stderr(&out));
    let files = tree(&s.path().join("rendered"));
    for f in [
        "apps/app/web-ingress-only.networkpolicy.yaml",
        "apps/app/web.poddisruptionbudget.yaml",
    ] {
        assert!(files.contains_key(f), "{f} not written: {:?}", files.keys());
    }
}

#[test]
fn a_wrong_field_type_is_refused_with_object_and_path() {
    let bad = POLICIES.replace("maxUnavailable: 1", "maxUnavailable: [1]");
    let bad = bad.replace("policyTypes: [Ingress]", "policyTypes: Ingress");
    refused(
        &bad,
        &[
            "PodDisruptionBudget `web` in `apps/app/web.poddisruptionbudget.yaml`",
            "at `/spec/maxUnavailable`",
            "NetworkPolicy `web-ingress-only`",
            "at `/spec/policyTypes`",
            "site-local template `templates/k8s/namespace.yaml`",
        ],
    );
}

#[test]
fn a_core_kind_under_the_wrong_api_version_names_the_right_one() {
    let bad = POLICIES.replace("apiVersion: policy/v1", "apiVersion: policy/v1beta1");
    refused(
        &bad,
        &[
            "kind `PodDisruptionBudget` is not served as `policy/v1beta1`",
            "set `apiVersion: policy/v1`",
        ],
    );
}

#[test]
fn custom_resources_and_unknown_kinds_are_refused() {
    let crd = "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: web, namespace: app}\nspec: {}";
    refused(
        crd,
        &[
            "`ServiceMonitor` of `monitoring.coreos.com/v1` is a custom resource hearth has no CRD schema for",
        ],
    );
    let odd = "apiVersion: v1\nkind: Widget\nmetadata: {name: web, namespace: app}";
    refused(
        odd,
        &[
            "no schema for apiVersion `v1` kind `Widget`",
            "--list-kinds",
        ],
    );
}
