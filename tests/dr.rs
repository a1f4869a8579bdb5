//! Disaster-recovery artefacts of the reference site: coverage.json, the
//! runbook, and the export scripts run against stub `kubectl`, `age` and
//! `argocd` that record their arguments: right commands, right names, a
//! private encrypted file, and no plaintext anywhere on disk.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

const MARKER: &str = "PLAINTEXT-SECRET-MARKER";

fn dr_dir() -> std::path::PathBuf {
    common::repo().join("rendered/dr")
}

/// Stubs on PATH: kubectl and argocd print data containing MARKER; age stores
/// only a digest of what it read in its --output file. All log their arguments.
fn stubs(dir: &Path) {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let write = |name: &str, body: &str| {
        let p = bin.join(name);
        std::fs::write(
            &p,
            format!("#!/bin/sh\necho \"{name} $*\" >> \"$STUB_LOG\"\n{body}"),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    write(
        "kubectl",
        &format!(
            "case \"$*\" in *'--output name'*) echo secret/sealed-secrets-key1 ;; *) printf 'apiVersion: v1\\nkind: Secret\\ndata:\\n  k: {MARKER}\\n' ;; esac\n"
        ),
    );
    write("argocd", &format!("echo 'argocd export {MARKER}'\n"));
    write(
        "age",
        "out=\nwhile [ $# -gt 0 ]; do case \"$1\" in --output) out=$2; shift 2 ;; *) shift ;; esac; done\nprintf 'age-encrypted %s\\n' \"$(wc -c | tr -d ' ')\" > \"$out\"\n",
    );
}

fn run(script: &str, dir: &Path, args: &[&str]) -> Output {
    run_from(&dr_dir(), script, dir, args)
}

/// The reference site with every `"placeholder"` replaced by a ciphertext of
/// the sealed shape, rendered into a scratch folder (the committed reference
/// site is unsealed, so its export script exports nothing).
fn sealed_reference() -> common::Scratch {
    let site = std::fs::read_to_string(common::repo().join("site.toml")).unwrap();
    let sealed = format!("\"Ag{}\"", "A".repeat(300));
    let s = common::Scratch::new();
    s.write("site.toml", site.replace("\"placeholder\"", &sealed));
    let out = s.render();
    assert!(out.status.success(), "{}", common::stderr(&out));
    s
}

fn run_from(dr: &Path, script: &str, dir: &Path, args: &[&str]) -> Output {
    let path = format!(
        "{}:{}",
        dir.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("bash")
        .arg(dr.join(script))
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env("STUB_LOG", dir.join("log"))
        .env_remove("HEARTH_AGE_RECIPIENT")
        .output()
        .unwrap()
}

fn no_plaintext_under(dir: &Path) {
    for e in walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
    {
        if e.path().starts_with(dir.join("bin")) || e.file_name() == "log" {
            continue;
        }
        let text = std::fs::read_to_string(e.path()).unwrap_or_default();
        assert!(
            !text.contains(MARKER),
            "plaintext written to {}",
            e.path().display()
        );
    }
}

#[test]
fn export_secrets_encrypts_every_exported_secret() {
    let sealed = sealed_reference();
    let dr = sealed.path().join("rendered/dr");
    let s = common::Scratch::new();
    stubs(s.path());
    let out = run_from(
        &dr,
        "export-secrets.sh",
        s.path(),
        &["--recipient", "age1test", "--out", "secrets.age"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = std::fs::read_to_string(s.path().join("log")).unwrap();
    let coverage: Value =
        serde_json::from_str(&std::fs::read_to_string(dr.join("coverage.json")).unwrap()).unwrap();
    let exported: Vec<&str> = coverage["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["exported"] == true)
        .map(|x| x["secret"].as_str().unwrap())
        .collect();
    assert_eq!(exported.len(), 11);
    for secret in &exported {
        let (ns, name) = secret.split_once('/').unwrap();
        assert!(
            log.contains(&format!(
                "kubectl get secret --namespace {ns} {name} --output yaml"
            )),
            "{secret} not exported:\n{log}"
        );
    }
    assert!(
        log.contains("age --encrypt --recipient age1test --output secrets.age.partial"),
        "{log}"
    );
    let file = s.path().join("secrets.age");
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .starts_with("age-encrypted")
    );
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o077,
        0,
        "the export must be private (umask 077)"
    );
    assert!(!s.path().join("secrets.age.partial").exists());
    no_plaintext_under(s.path());
}

#[test]
fn unsealed_placeholders_are_not_exported_and_are_listed() {
    // The committed reference site holds only placeholders: nothing to export.
    let coverage: Value =
        serde_json::from_str(&std::fs::read_to_string(dr_dir().join("coverage.json")).unwrap())
            .unwrap();
    let secrets = coverage["secrets"].as_array().unwrap();
    assert_eq!(secrets.len(), 11);
    assert!(secrets.iter().all(|x| x["exported"] == false));
    let pihole = secrets
        .iter()
        .find(|x| x["secret"] == "pihole/pihole-secret")
        .unwrap();
    assert_eq!(pihole["placeholders"], serde_json::json!(["WEBPASSWORD"]));
    let runbook = std::fs::read_to_string(dr_dir().join("RUNBOOK.md")).unwrap();
    assert!(runbook.contains("Not sealed yet"), "{runbook}");
    assert!(
        runbook.contains("- `pihole/pihole-secret`: WEBPASSWORD"),
        "{runbook}"
    );
    // `hearth dr` and `hearth lint` count and name them.
    for cmd in ["dr", "lint"] {
        let out = common::hearth()
            .current_dir(common::repo())
            .env("HEARTH_TODAY", "2026-06-01")
            .arg(cmd)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            common::stderr(&out)
        );
        assert!(
            text.contains("21 secret value(s) in 11 secret(s) still \"placeholder\""),
            "{cmd}: {text}"
        );
        assert!(
            text.contains("  pihole/pihole-secret: WEBPASSWORD\n"),
            "{cmd}: {text}"
        );
    }
    let out = common::hearth()
        .current_dir(common::repo())
        .env("HEARTH_TODAY", "2026-06-01")
        .args(["lint", "--format", "json"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed = json["placeholders"].as_array().unwrap();
    assert_eq!(listed.len(), 11);
    assert!(listed.contains(&serde_json::json!({
        "secret": "pihole/pihole-secret", "keys": ["WEBPASSWORD"]
    })));
    let out = common::hearth()
        .current_dir(common::repo())
        .arg("dr")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("secrets: 0 in the encrypted DR export, 0 regenerable, 11 not sealed yet"),
        "{text}"
    );
}

#[test]
fn sealed_secrets_key_and_argocd_exports() {
    let s = common::Scratch::new();
    stubs(s.path());
    let out = run(
        "backup-sealed-secrets-key.sh",
        s.path(),
        &["--recipient", "age1test"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run("export-argocd.sh", s.path(), &["--recipient", "age1test"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = std::fs::read_to_string(s.path().join("log")).unwrap();
    assert!(log.contains("kubectl get secret --namespace kube-system --selector sealedsecrets.bitnami.com/sealed-secrets-key --output yaml"), "{log}");
    assert!(
        log.contains("argocd admin export --namespace argocd"),
        "{log}"
    );
    assert!(
        s.path().join("main.key.age").exists() && s.path().join("argocd-export.yaml.age").exists()
    );
    no_plaintext_under(s.path());
}

#[test]
fn scripts_have_help_and_refuse_to_run_without_a_recipient() {
    let s = common::Scratch::new();
    stubs(s.path());
    for script in [
        "export-secrets.sh",
        "backup-sealed-secrets-key.sh",
        "export-argocd.sh",
    ] {
        let help = run(script, s.path(), &["--help"]);
        assert!(
            help.status.success() && String::from_utf8_lossy(&help.stdout).contains("Usage:"),
            "{script}"
        );
        let none = run(script, s.path(), &[]);
        assert_eq!(
            none.status.code(),
            Some(2),
            "{script} ran without a recipient"
        );
        assert!(String::from_utf8_lossy(&none.stderr).contains("no age recipient"));
        assert_eq!(run(script, s.path(), &["--bogus"]).status.code(), Some(2));
        let text = std::fs::read_to_string(dr_dir().join(script)).unwrap();
        assert!(
            text.starts_with("#!/usr/bin/env bash\n")
                && text.contains("set -euo pipefail")
                && text.contains("umask 077"),
            "{script}"
        );
    }
    assert!(
        !s.path().join("log").exists()
            || std::fs::read_to_string(s.path().join("log"))
                .unwrap()
                .is_empty(),
        "nothing may run without a recipient"
    );
}

#[test]
fn coverage_and_runbook_describe_the_reference_site() {
    let coverage: Value =
        serde_json::from_str(&std::fs::read_to_string(dr_dir().join("coverage.json")).unwrap())
            .unwrap();
    let volumes = coverage["volumes"].as_array().unwrap();
    assert!(
        volumes.iter().all(|v| v["recovery"] != "unrecoverable"),
        "{volumes:?}"
    );
    let find = |name: &str| {
        volumes
            .iter()
            .find(|v| v["volume"] == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    assert_eq!(find("postgres/data")["recovery"], "pg-backup");
    assert_eq!(find("immich/immich-data")["recovery"], "rclone");
    assert_eq!(find("vaultwarden/data")["backups"][0]["target"], "azure");
    assert_eq!(find("loki/chunks")["recovery"], "none");
    let runbook = std::fs::read_to_string(dr_dir().join("RUNBOOK.md")).unwrap();
    let order = [
        "## 1. Install ArgoCD",
        "## 2. Import ArgoCD",
        "## 3. Restore the Sealed Secrets keys",
        "## 4. Sync Sealed Secrets",
        "## 5. Sync Longhorn",
        "## 6. Restore databases",
        "## 8. Sync the remaining",
    ];
    let positions: Vec<usize> = order
        .iter()
        .map(|h| runbook.find(h).unwrap_or_else(|| panic!("{h}")))
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "the runbook follows the restore order"
    );
    assert!(runbook.contains("helm install argocd argo/argo-cd --version 7.3.7"));
    // installed with hearth's values, so the Application health check is there
    assert!(runbook.contains(
        "yq '.spec.sources[0].helm.valuesObject' rendered/argocd/argocd.application.yaml \\\n  | helm install"
    ));
    assert!(runbook.contains("psql -U grafana -d grafana"));
    let out = common::hearth()
        .current_dir(common::repo())
        .arg("dr")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("postgres/data") && text.contains("wave 2: longhorn"),
        "{text}"
    );
}

#[test]
fn runbook_commands_fit_the_workloads_and_empty_sections_are_left_out() {
    // A database served by a StatefulSet, dumped by pg-backup; no rclone
    // backup and no volume left out on purpose.
    let site = common::MINIMAL.replace(
        "volumes = [\"app/data\"]",
        "volumes = [\"app/data\", \"dumps/dumps\", \"db/data\"]",
    ) + r#"
[backups.db-dump]
kind = "pg-backup"
schedule = "0 2 * * *"
retain = 7
runs_in = "dumps"
image = "example/pg-backup:1.0.0"
databases = ["db/shop"]
user = "admin"
password = { secret = "dumps-secret", key = "PASSWORD" }
volume = "dumps/dumps"

[services.db]
[services.db.workloads.postgres]
kind = "stateful-set"
image = "postgres:16.2"
ports.postgres = { port = 5432, service = 5432 }
mounts = [{ path = "/var/lib/postgresql/data", volume = "data" }]
[services.db.volumes.data]
kind = "longhorn"
size = "1Gi"
[services.db.databases.shop]
workload = "postgres"
owner = "shop"

[services.dumps]
[services.dumps.volumes.dumps]
kind = "longhorn"
size = "1Gi"
[services.dumps.secrets.dumps-secret]
keys = { PASSWORD = "placeholder" }
"#;
    let s = common::Scratch::new();
    s.write("site.toml", &site);
    let out = s.render();
    assert!(out.status.success(), "{}", common::stderr(&out));
    let runbook = std::fs::read_to_string(s.path().join("rendered/dr/RUNBOOK.md")).unwrap();
    assert!(
        runbook.contains(
            "kubectl exec -i --namespace db statefulset/postgres -- psql -U shop -d shop"
        ),
        "{runbook}"
    );
    assert!(runbook.contains("kubectl exec --namespace dumps deployment/db-dump --"));
    assert!(!runbook.contains("deploy/"), "{runbook}");
    // Longhorn claims named with their namespace: `data` is in two namespaces.
    assert!(
        runbook.contains("| `app` | `data` | `app-data` |"),
        "{runbook}"
    );
    assert!(
        runbook.contains("| `db` | `data` | `db-data` |"),
        "{runbook}"
    );
    // Nothing to say, no section.
    assert!(!runbook.contains("## 7."), "{runbook}");
    assert!(!runbook.contains("Not backed up, on purpose"), "{runbook}");
    // Every section has a body.
    let sections: Vec<&str> = runbook.split("\n## ").skip(1).collect();
    assert!(sections.len() >= 6, "{runbook}");
    for sec in sections {
        let body = sec.split_once('\n').map_or("", |(_, b)| b);
        assert!(!body.trim().is_empty(), "empty section `{sec}`");
    }
}
