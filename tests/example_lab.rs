//! The second example site, `examples/lab/`: a three-node mixed-architecture
//! lab on Traefik. Its committed `rendered/` is exactly what it renders to; it
//! validates and lints clean; every folder builds with `kubectl kustomize`;
//! promtool checks and unit-tests its alert rules.

mod common;

use std::path::PathBuf;
use std::process::Command;

fn lab() -> PathBuf {
    common::repo().join("examples/lab")
}

fn lab_site() -> String {
    std::fs::read_to_string(lab().join("site.toml")).unwrap()
}

#[test]
fn committed_lab_rendered_matches_its_site_toml() {
    let files = common::render_text("examples/lab/site.toml", &lab_site());
    let drift = common::drift(&files, &lab().join("rendered"));
    assert!(
        drift.is_empty(),
        "examples/lab/rendered/ is stale; run `scripts/regen`\n{drift}"
    );
}

#[test]
fn the_lab_uses_what_it_is_an_example_of() {
    let files = common::render_text("examples/lab/site.toml", &lab_site());
    let has = |path: &str, needle: &str| files.get(path).is_some_and(|text| text.contains(needle));
    // Traefik: LAN-only and forward-auth ingresses as Middlewares.
    assert!(has(
        "apps/jellyfin/jellyfin-networks.middleware.yaml",
        "ipAllowList"
    ));
    assert!(has(
        "apps/uptime/status-auth.middleware.yaml",
        "forwardAuth"
    ));
    // Traefik publishes its address into the Ingresses' status, which
    // ArgoCD waits for before an ingress is Healthy.
    assert!(has(
        "argocd/traefik.application.yaml",
        "publishedService:\n              enabled: true"
    ));
    // A LoadBalancer Service on a MetalLB address.
    assert!(has(
        "apps/mosquitto/mosquitto-lan.service.yaml",
        "type: LoadBalancer"
    ));
    // The GPU as an extended resource, on the GPU node.
    assert!(has(
        "apps/jellyfin/jellyfin.deployment.yaml",
        "gpu.intel.com/i915"
    ));
    // A claim template, an init container and a native sidecar.
    assert!(has(
        "apps/postgres/postgres.statefulset.yaml",
        "volumeClaimTemplates"
    ));
    assert!(has(
        "apps/nextcloud/nextcloud.deployment.yaml",
        "initContainers"
    ));
    assert!(has(
        "apps/nextcloud/nextcloud.deployment.yaml",
        "restartPolicy: Always"
    ));
    // One shared secret, one SealedSecret per namespace.
    for ns in ["postgres", "paperless", "authelia"] {
        assert!(files.contains_key(&format!("apps/{ns}/lab-db.sealedsecret.yaml")));
    }
    // A MariaDB dump and a restic snapshot.
    assert!(has(
        "apps/nextcloud/nextcloud-mariadb.cronjob.yaml",
        "mariadb-dump"
    ));
    assert!(has("apps/nextcloud/nextcloud-files.cronjob.yaml", "restic"));
}

#[test]
fn the_lab_validates_and_lints_clean() {
    let site = lab().join("site.toml");
    let out = common::succeeds(common::hearth().arg("validate").arg("--site").arg(&site));
    assert!(String::from_utf8_lossy(&out.stdout).contains("objects valid"));
    let out = common::succeeds(common::hearth().current_dir(common::repo()).args([
        "lint",
        "--deny",
        "warnings",
        "--site",
        "examples/lab/site.toml",
    ]));
    insta::assert_snapshot!(common::stderr(&out));
}

#[test]
#[cfg_attr(no_kubectl, ignore = "no kubectl: run scripts/test (CI=true fails)")]
fn kubectl_kustomize_builds_every_lab_folder() {
    let Some(kubectl) = common::tool("kubectl", &[]) else {
        return;
    };
    let rendered = lab().join("rendered");
    let mut folders = vec![rendered.join("argocd")];
    for e in std::fs::read_dir(rendered.join("apps")).unwrap() {
        folders.push(e.unwrap().path());
    }
    assert!(folders.len() >= 15, "{folders:?}");
    for dir in &folders {
        let out = common::succeeds(Command::new(&kubectl).arg("kustomize").arg(dir));
        let docs = String::from_utf8_lossy(&out.stdout)
            .matches("\napiVersion:")
            .count()
            + 1;
        let files = std::fs::read_dir(dir).unwrap().count() - 1;
        assert_eq!(docs, files, "kustomize output of {}", dir.display());
    }
}

#[test]
#[cfg_attr(no_promtool, ignore = "no promtool: run scripts/test (CI=true fails)")]
fn promtool_checks_and_tests_the_lab_alert_rules() {
    let Some(promtool) = common::tool("promtool", &[]) else {
        return;
    };
    let monitoring = lab().join("rendered/monitoring");
    common::succeeds(Command::new(&promtool).current_dir(&monitoring).args([
        "check",
        "rules",
        "alerts.rules.yaml",
    ]));
    common::succeeds(Command::new(&promtool).current_dir(&monitoring).args([
        "test",
        "rules",
        "alerts.test.yaml",
    ]));
}
