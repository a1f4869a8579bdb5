//! Sync waves: a service with no role that a platform service depends on
//! syncs with the platform, just before it, instead of with the apps (where
//! it would push the platform service behind the apps that need it).

mod common;

use common::MINIMAL;

fn waves(extra: &str) -> Vec<(String, u32)> {
    let text = format!("{MINIMAL}{extra}");
    let loaded = hearth::site::parse("site.toml", text.into_bytes()).expect("parses");
    let plan = hearth::plan::plan(&loaded).expect("plans");
    plan.services
        .iter()
        .map(|s| (s.name.to_string(), s.wave))
        .collect()
}

fn wave(all: &[(String, u32)], name: &str) -> u32 {
    all.iter().find(|(n, _)| n == name).unwrap().1
}

const EDGE: &str = r#"
[services.edge]
provides = ["ingress"]
depends_on = ["metallb"]
[services.edge.helm]
repo = "https://traefik.github.io/charts"
chart = "traefik"
version = "28.3.0"

[services.metallb]
namespace = "metallb-system"
depends_on = ["metallb-crds"]
[services.metallb.helm]
repo = "https://metallb.github.io/metallb"
chart = "metallb"
version = "0.14.5"

[services.metallb-crds]
[services.metallb-crds.helm]
repo = "https://metallb.github.io/metallb"
chart = "metallb"
version = "0.14.5"
"#;

#[test]
fn the_ingress_controllers_roleless_dependencies_sync_before_it_not_after_the_apps() {
    let all = waves(EDGE);
    // Before: metallb-crds 5, metallb 6, edge 7 — after `app` (5), whose
    // ingress edge serves.
    assert_eq!(wave(&all, "metallb-crds"), 1);
    assert_eq!(wave(&all, "metallb"), 2);
    assert_eq!(wave(&all, "edge"), 3);
    assert_eq!(wave(&all, "app"), 5);
    assert!(wave(&all, "edge") < wave(&all, "app"));
}

#[test]
fn an_apps_roleless_dependency_keeps_the_apps_wave() {
    let extra = r#"
[services.cache]
[services.cache.workloads.redis]
kind = "deployment"
image = "redis:7.2.5"

[services.other]
depends_on = ["cache"]
[services.other.workloads.web]
kind = "deployment"
image = "nginx:1.27.0"
"#;
    let all = waves(extra);
    assert_eq!(wave(&all, "cache"), 5);
    assert_eq!(wave(&all, "other"), 6);
}
