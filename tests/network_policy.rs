//! Network policy: `[site] network_policy = "default-deny"` gives each
//! namespace of a service with workloads a default-deny NetworkPolicy, DNS,
//! traffic inside the namespace, and the allows the site implies (ingress
//! controller → routed ports, Prometheus → metrics ports, dependencies →
//! Service ports, backups → database servers, LAN ports from anyone, the API
//! server for RBAC, `egress = ["internet"]`). Each allow is checked against
//! the labels and ports of the rendered workload it names.

mod common;

use std::collections::BTreeMap;

use hearth::render::Manifest;
use hearth::render::Templates;
use hearth::validate::Schemas;
use serde_json::{Value, json};

/// MINIMAL, default-deny, with ingress-nginx, Prometheus, a Postgres
/// server the app depends on (dumped by a backup), a LAN-exposed DNS server,
/// a workload that calls out, and a service that opts out.
fn site(policy: &str) -> String {
    let base = common::MINIMAL.replace(
        "[site]\n",
        &format!("[site]\nnetwork_policy = \"{policy}\"\n"),
    );
    let app = base.replace(
        "[services.app]\n",
        "[services.app]\ndepends_on = [\"postgres\"]\n",
    );
    let web = app.replace(
        "ports.http = { port = 8080, service = 80 }\n",
        "ports.http = { port = 8080, service = 80 }\nports.metrics = { port = 9100 }\nmetrics = { port = \"metrics\" }\n",
    );
    format!("{web}{}{EXTRA}", common::INGRESS_NGINX)
}

const EXTRA: &str = r#"
[services.prometheus]
provides = ["metrics"]
[services.prometheus.helm]
repo = "https://prometheus-community.github.io/helm-charts"
chart = "prometheus"
version = "25.27.0"

[services.postgres]
provides = ["database"]
[services.postgres.workloads.postgres]
kind = "stateful-set"
image = "postgres:16.2"
ports.postgres = { port = 5432, service = 5432 }
[services.postgres.databases.app]

[services.postgres.volumes.dumps]
kind = "longhorn"
size = "1Gi"
no_backup = "a test site"
[services.postgres.secrets.pg-secret]
keys = { PG = "placeholder" }

[backups.pgdump]
kind = "dump"
schedule = "0 2 * * *"
retain = 7
databases = ["postgres/app"]
volume = "postgres/dumps"
user = "backup"
password = { secret = "pg-secret", key = "PG" }

[services.dns]
[services.dns.workloads.dns]
kind = "deployment"
image = "coredns/coredns:1.11.1"
ports.dns = { port = 53, protocol = "udp", service = 53, expose = "load-balancer", expose_reason = "the LAN's resolver" }
egress = ["internet"]

[services.legacy]
network_policy = "none"
[services.legacy.workloads.legacy]
kind = "deployment"
image = "nginx:1.27.0"
"#;

fn build(text: &str) -> hearth::pipeline::Built {
    let loaded = hearth::site::parse("site.toml", text.as_bytes().to_vec()).expect("site parses");
    let templates = Templates::load(None).unwrap();
    match hearth::pipeline::build_from(loaded, &templates, Default::default(), &Schemas::load()) {
        Ok(b) => b,
        Err(e) => panic!("{e:?}"),
    }
}

/// Every NetworkPolicy as `namespace/name` → its spec.
fn policies(b: &hearth::pipeline::Built) -> BTreeMap<String, Value> {
    b.rendered
        .objects
        .iter()
        .filter(|o| o.kind() == "NetworkPolicy")
        .map(|o| {
            let key = format!("{}/{}", o.namespace().unwrap_or(""), o.name());
            (key, o.value["spec"].clone())
        })
        .collect()
}

fn object<'b>(b: &'b hearth::pipeline::Built, kind: &str, name: &str) -> &'b Value {
    &b.rendered
        .objects
        .iter()
        .find(|o| o.kind() == kind && o.name() == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
        .value
}

fn ns(name: &str) -> Value {
    json!({ "matchLabels": { "kubernetes.io/metadata.name": name } })
}

#[test]
fn default_deny_renders_the_namespace_policies_and_every_implied_allow() {
    let b = build(&site("default-deny"));
    let p = policies(&b);
    let names: Vec<&str> = p.keys().map(String::as_str).collect();
    // Charts' namespaces (ingress-nginx, prometheus, longhorn-system) and the
    // opted-out `legacy` get nothing: hearth cannot know their traffic.
    assert_eq!(
        names,
        [
            "app/allow-dns",
            "app/allow-same-namespace",
            "app/allow-web-pods",
            "app/default-deny",
            "dns/allow-dns",
            "dns/allow-dns-pods",
            "dns/allow-same-namespace",
            "dns/default-deny",
            "postgres/allow-dns",
            "postgres/allow-postgres-pods",
            "postgres/allow-same-namespace",
            "postgres/default-deny",
        ]
    );
    assert_eq!(
        p["app/default-deny"],
        json!({ "podSelector": {}, "policyTypes": ["Ingress", "Egress"] })
    );
    assert_eq!(
        p["app/allow-dns"],
        json!({
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [{
                "to": [{ "namespaceSelector": ns("kube-system"), "podSelector": { "matchLabels": { "k8s-app": "kube-dns" } } }],
                "ports": [{ "port": 53, "protocol": "UDP" }, { "port": 53, "protocol": "TCP" }],
            }],
        })
    );
    assert_eq!(
        p["app/allow-same-namespace"],
        json!({
            "podSelector": {},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{ "from": [{ "podSelector": {} }] }],
            "egress": [{ "to": [{ "podSelector": {} }] }],
        })
    );
    let web_pods = object(&b, "Deployment", "web")["spec"]["selector"]["matchLabels"].clone();
    let pg_pods = object(&b, "StatefulSet", "postgres")["spec"]["selector"]["matchLabels"].clone();
    assert_eq!(
        p["app/allow-web-pods"],
        json!({
            "podSelector": { "matchLabels": web_pods },
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [
                { "from": [{ "namespaceSelector": ns("ingress-nginx"), "podSelector": {} }],
                  "ports": [{ "port": "http", "protocol": "TCP" }] },
                { "from": [{ "namespaceSelector": ns("prometheus"), "podSelector": {} }],
                  "ports": [{ "port": 9100, "protocol": "TCP" }] },
            ],
            "egress": [
                { "to": [{ "namespaceSelector": ns("postgres"), "podSelector": { "matchLabels": pg_pods } }],
                  "ports": [{ "port": "postgres", "protocol": "TCP" }] },
            ],
        })
    );
    assert_eq!(
        p["postgres/allow-postgres-pods"]["ingress"][0],
        json!({ "from": [{ "namespaceSelector": ns("app"), "podSelector": { "matchLabels": web_pods } }],
                "ports": [{ "port": "postgres", "protocol": "TCP" }] })
    );
    let dns_pods = object(&b, "Deployment", "dns")["spec"]["selector"]["matchLabels"].clone();
    let any = json!([{ "ipBlock": { "cidr": "0.0.0.0/0" } }, { "ipBlock": { "cidr": "::/0" } }]);
    assert_eq!(
        p["dns/allow-dns-pods"],
        json!({
            "podSelector": { "matchLabels": dns_pods },
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{ "ports": [{ "port": "dns", "protocol": "UDP" }] }],
            "egress": [{ "to": any }],
        })
    );
}

#[test]
fn no_network_policy_by_default() {
    let b = build(&site("none"));
    assert!(policies(&b).is_empty(), "{:?}", policies(&b).keys());
    let b = build(common::MINIMAL);
    assert!(policies(&b).is_empty());
}

#[test]
fn a_chart_service_may_opt_in_and_its_whole_namespace_gets_the_egress() {
    let text = site("default-deny").replace(
        "[services.prometheus]\n",
        "[services.prometheus]\nnetwork_policy = \"default-deny\"\n",
    );
    let b = build(&text);
    let p = policies(&b);
    assert!(p.contains_key("prometheus/default-deny"), "{:?}", p.keys());
    let web_pods = object(&b, "Deployment", "web")["spec"]["selector"]["matchLabels"].clone();
    assert_eq!(
        p["prometheus/allow-prometheus-service"],
        json!({
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [{
                "to": [{ "namespaceSelector": ns("app"), "podSelector": { "matchLabels": web_pods } }],
                "ports": [{ "port": 9100, "protocol": "TCP" }],
            }],
        })
    );
}

#[test]
fn a_service_saying_none_keeps_a_shared_namespace_open() {
    // `legacy` moves into `app`'s namespace: its `none` wins over the site's.
    let text = site("default-deny").replace(
        "[services.legacy]\n",
        "[services.legacy]\nnamespace = \"app\"\n",
    );
    let p = policies(&build(&text));
    assert!(!p.keys().any(|k| k.starts_with("app/")), "{:?}", p.keys());
    assert!(p.contains_key("postgres/default-deny"));
}

#[test]
#[cfg_attr(no_kubectl, ignore = "no kubectl: run scripts/test (CI=true fails)")]
fn kubectl_kustomize_builds_the_folders_with_policies() {
    let Some(kubectl) = common::tool("kubectl", &[]) else {
        return;
    };
    let s = common::rendered(site("default-deny"));
    for (folder, count) in [("app", 4), ("postgres", 4), ("dns", 4)] {
        let dir = s.path().join("rendered/apps").join(folder);
        let out = common::succeeds(
            std::process::Command::new(&kubectl)
                .arg("kustomize")
                .arg(&dir),
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            text.matches("kind: NetworkPolicy").count(),
            count,
            "{folder}:\n{text}"
        );
    }
}

#[test]
fn diff_says_which_namespaces_a_change_isolates_and_what_it_allows() {
    let s = common::Scratch::new();
    let text =
        String::from_utf8_lossy(&s.diff_between(&site("none"), &site("default-deny")).stdout)
            .to_string();
    common::contains_all(
        "diff",
        &text,
        [
            "namespace app is now default-deny",
            "namespace postgres is now default-deny",
            "network policy app/allow-web-pods: ingress `web` routes to it (allowed)",
            "network policy postgres/allow-postgres-pods: service `app` depends on `postgres` (allowed)",
        ],
    );
    assert!(!text.contains("namespace legacy"), "{text}");
    let back = s.here(&["diff", "--base", "HEAD", "--head", "HEAD~1"]);
    let back = String::from_utf8_lossy(&back.stdout);
    assert!(
        back.contains("⚠ namespace app is no longer default-deny"),
        "{back}"
    );
}
