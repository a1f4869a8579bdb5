//! examples/renovate.json: Renovate's regex managers for site.toml, applied
//! as Renovate applies them (every `matchStrings` regex over the whole file,
//! each match one dependency; `…Template` fields filled from the named
//! groups) to site text covering images with a registry, a port and a
//! digest, chart tables in every key order, and an OCI chart.

mod common;

use std::collections::BTreeMap;

use regex::Regex;
use serde_json::Value;

/// One dependency as Renovate would extract it.
type Dep = BTreeMap<String, String>;

fn config() -> Value {
    let text = std::fs::read_to_string(common::repo().join("examples/renovate.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// `{{{name}}}` / `{{name}}` replaced by the named group's text.
fn fill(template: &str, groups: &Dep) -> String {
    let re = Regex::new(r"\{\{\{?\s*(\w+)\s*\}?\}\}").unwrap();
    re.replace_all(template, |c: &regex::Captures| {
        groups.get(&c[1]).cloned().unwrap_or_default()
    })
    .into_owned()
}

/// Renovate's fields: a named group, else the `<field>Template`.
const FIELDS: [&str; 6] = [
    "depName",
    "packageName",
    "currentValue",
    "currentDigest",
    "datasource",
    "registryUrl",
];

fn extract(path: &str, text: &str) -> Vec<Dep> {
    let mut deps = Vec::new();
    for m in config()["customManagers"].as_array().unwrap() {
        assert_eq!(m["customType"], "regex");
        // `/regex/` patterns (globs are not used here).
        let applies = m["managerFilePatterns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .any(|p| {
                let inner = p
                    .strip_prefix('/')
                    .and_then(|p| p.strip_suffix('/'))
                    .unwrap();
                Regex::new(inner).unwrap().is_match(path)
            });
        if !applies {
            continue;
        }
        for s in m["matchStrings"].as_array().unwrap() {
            // JavaScript's `(?<name>…)` is also the regex crate's syntax.
            let re = Regex::new(s.as_str().unwrap()).unwrap();
            for c in re.captures_iter(text) {
                let groups: Dep = re
                    .capture_names()
                    .flatten()
                    .filter_map(|n| Some((n.to_string(), c.name(n)?.as_str().to_string())))
                    .collect();
                let mut dep = Dep::new();
                for f in FIELDS {
                    let v = groups
                        .get(f)
                        .cloned()
                        .or_else(|| m[format!("{f}Template")].as_str().map(|t| fill(t, &groups)));
                    if let Some(v) = v {
                        dep.insert(f.to_string(), v);
                    }
                }
                deps.push(dep);
            }
        }
    }
    deps
}

fn dep(fields: &[(&str, &str)]) -> Dep {
    fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn sample() -> String {
    format!(
        r#"[services.app.workloads.web]
kind = "deployment"
image = "nginx:1.27.0"
[services.app.workloads.worker]
image = "registry.lab.example:5000/team/worker:2.1.0-rc.1@{DIGEST}"
sidecars.proxy = {{ image = "ghcr.io/example/proxy@{DIGEST}", port = 80 }}
[backups.photos]
rclone_image = "not/an-image:1"
image = "rclone/rclone:1.65.2"

[services.grafana.helm]
repo = "https://grafana.github.io/helm-charts"
chart = "grafana"
version = "8.3.4"
[services.grafana.helm.values]
chart = "not a chart"

[services.argocd.helm]
# chart first, a release between
chart = "argo-cd"
release = "argocd"

version = "7.3.7"
repo = "https://argoproj.github.io/argo-helm"

[services.cache.helm]
version = "19.6.4"
chart = "redis"
repo = "oci://registry-1.docker.io/bitnamicharts"
"#
    )
}

#[test]
fn the_regex_managers_find_every_image_and_chart_of_site_toml() {
    let deps = extract("site.toml", &sample());
    let want = vec![
        dep(&[
            ("depName", "nginx"),
            ("currentValue", "1.27.0"),
            ("datasource", "docker"),
        ]),
        dep(&[
            ("depName", "registry.lab.example:5000/team/worker"),
            ("currentValue", "2.1.0-rc.1"),
            ("currentDigest", DIGEST),
            ("datasource", "docker"),
        ]),
        dep(&[
            ("depName", "ghcr.io/example/proxy"),
            ("currentDigest", DIGEST),
            ("datasource", "docker"),
        ]),
        dep(&[
            ("depName", "rclone/rclone"),
            ("currentValue", "1.65.2"),
            ("datasource", "docker"),
        ]),
        dep(&[
            ("depName", "grafana"),
            ("currentValue", "8.3.4"),
            ("datasource", "helm"),
            ("registryUrl", "https://grafana.github.io/helm-charts"),
        ]),
        dep(&[
            ("depName", "argo-cd"),
            ("currentValue", "7.3.7"),
            ("datasource", "helm"),
            ("registryUrl", "https://argoproj.github.io/argo-helm"),
        ]),
        dep(&[
            ("depName", "redis"),
            ("packageName", "registry-1.docker.io/bitnamicharts/redis"),
            ("currentValue", "19.6.4"),
            ("datasource", "docker"),
        ]),
    ];
    assert_eq!(deps, want);
}

#[test]
fn every_key_order_of_a_chart_table_is_found_once() {
    let keys = [
        "repo = \"https://charts.example\"\n",
        "chart = \"app\"\n",
        "version = \"1.2.3\"\n",
    ];
    for order in [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ] {
        let table: String = order.iter().map(|&i| keys[i]).collect();
        let text = format!("[services.app.helm]\n{table}values = {{ a = 1 }}\n");
        let deps = extract("clusters/home/site.toml", &text);
        assert_eq!(
            deps,
            vec![dep(&[
                ("depName", "app"),
                ("currentValue", "1.2.3"),
                ("datasource", "helm"),
                ("registryUrl", "https://charts.example"),
            ])],
            "{text}"
        );
    }
    // Other files are not read.
    assert!(extract("values.toml", "image = \"nginx:1.27.0\"\n").is_empty());
}

#[test]
fn the_reference_site_yields_each_of_its_images_and_charts() {
    let text = std::fs::read_to_string(common::repo().join("site.toml")).unwrap();
    let deps = extract("site.toml", &text);
    let charts: Vec<(&str, &str)> = deps
        .iter()
        .filter(|d| d["datasource"] == "helm")
        .map(|d| (d["depName"].as_str(), d["currentValue"].as_str()))
        .collect();
    assert_eq!(
        charts,
        [
            ("argo-cd", "7.3.7"),
            ("sealed-secrets", "2.16.0"),
            ("longhorn", "1.6.2"),
            ("cert-manager", "1.15.1"),
            ("ingress-nginx", "4.11.0"),
            ("prometheus", "25.24.0"),
            ("grafana", "8.3.4"),
        ]
    );
    let images = deps.iter().filter(|d| d["datasource"] == "docker").count();
    let lines = text
        .lines()
        .filter(|l| l.contains("image = \"") && !l.trim_start().starts_with('#'))
        .count();
    assert_eq!(images, lines, "{deps:#?}");
}
