//! Disaster-recovery artefacts of the reference site: coverage.json, the
//! runbook, and the export script `dr.sh` (one subcommand per export) run
//! against stub `kubectl`, `age` and `argocd` that record their arguments:
//! right commands, right names, a private encrypted file, and no plaintext
//! anywhere on disk.

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

/// The subcommands of `dr.sh`, each with its default file and what its file
/// is decrypted into on restore.
const SUBCOMMANDS: [(&str, &str, &str); 3] = [
    (
        "export-secrets",
        "hearth-secrets-<UTC time>.yaml.age",
        "| kubectl apply -f -",
    ),
    (
        "backup-sealed-secrets-key",
        "main.key.age",
        "| kubectl apply -f -",
    ),
    (
        "export-argocd",
        "argocd-export.yaml.age",
        "| argocd admin import --namespace argocd -",
    ),
];

/// The reference site's `dr.sh` with `args`, in `dir` with its stubs.
fn run(dir: &Path, args: &[&str]) -> Output {
    run_from(&dr_dir(), dir, args)
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

fn run_from(dr: &Path, dir: &Path, args: &[&str]) -> Output {
    command(dr, dir, args)
        .env_remove("HEARTH_AGE_RECIPIENT")
        .output()
        .unwrap()
}

/// `bash <dr>/dr.sh args` in `dir`, its stubs first on PATH.
fn command(dr: &Path, dir: &Path, args: &[&str]) -> Command {
    let path = format!(
        "{}:{}",
        dir.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("bash");
    cmd.arg(dr.join("dr.sh"))
        .args(args)
        .current_dir(dir)
        .env("PATH", path)
        .env("STUB_LOG", dir.join("log"));
    cmd
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
        s.path(),
        &[
            "export-secrets",
            "--recipient",
            "age1test",
            "--out",
            "secrets.age",
        ],
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
        s.path(),
        &["backup-sealed-secrets-key", "--recipient", "age1test"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(s.path(), &["export-argocd", "--recipient", "age1test"]);
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
    // export-secrets names its file by the UTC time unless told otherwise
    let out = run(s.path(), &["export-secrets", "--recipient", "age1test"]);
    let said = String::from_utf8_lossy(&out.stdout);
    let name = said
        .strip_prefix("exported 0 secrets to ")
        .and_then(|x| x.strip_suffix(" (encrypted for age1test)\n"))
        .unwrap_or_else(|| panic!("{said}{}", common::stderr(&out)));
    let time = name
        .strip_prefix("hearth-secrets-")
        .and_then(|x| x.strip_suffix("Z.yaml.age"))
        .unwrap_or_else(|| panic!("{name}"));
    assert!(
        time.len() == 15
            && time.chars().enumerate().all(|(i, c)| if i == 8 {
                c == 'T'
            } else {
                c.is_ascii_digit()
            }),
        "{name}"
    );
    assert!(s.path().join(name).exists());
    no_plaintext_under(s.path());
}

#[test]
fn subcommands_have_help_and_refuse_to_run_without_a_recipient() {
    let s = common::Scratch::new();
    stubs(s.path());
    for (sub, default_out, restore) in SUBCOMMANDS {
        let help = run(s.path(), &[sub, "--help"]);
        let text = String::from_utf8_lossy(&help.stdout);
        assert!(help.status.success(), "{sub}: {}", common::stderr(&help));
        assert!(
            text.starts_with(&format!(
                "Usage: dr.sh {sub} [--recipient AGE_PUBLIC_KEY] [--out FILE]\n"
            )),
            "{text}"
        );
        let client = if sub == "export-argocd" {
            "argocd"
        } else {
            "kubectl"
        };
        for part in [
            format!("(default: {default_out})"),
            format!("Restore: age --decrypt --identity KEY FILE {restore}\n"),
            format!("Needs: {client} (with access to the cluster), age."),
            "$HEARTH_AGE_RECIPIENT, then to [dr] age_recipient".into(),
        ] {
            assert!(text.contains(&part), "{sub}: no `{part}` in\n{text}");
        }
        // only its own help
        for (other, ..) in SUBCOMMANDS {
            assert_eq!(text.contains(&format!("dr.sh {other} ")), other == sub);
        }
        let none = run(s.path(), &[sub]);
        assert_eq!(none.status.code(), Some(2), "{sub} ran without a recipient");
        assert!(String::from_utf8_lossy(&none.stderr).contains("no age recipient"));
        let bogus = run(s.path(), &[sub, "--recipient", "age1test", "--bogus"]);
        assert_eq!(bogus.status.code(), Some(2));
        let err = common::stderr(&bogus);
        assert!(
            err.starts_with("unknown argument: --bogus\nUsage: dr.sh ")
                && err.contains(default_out),
            "{sub}: {err}"
        );
    }
    let text = std::fs::read_to_string(dr_dir().join("dr.sh")).unwrap();
    assert!(
        text.starts_with("#!/usr/bin/env bash\n")
            && text.contains("set -euo pipefail")
            && text.contains("umask 077")
    );
    assert!(
        !s.path().join("log").exists()
            || std::fs::read_to_string(s.path().join("log"))
                .unwrap()
                .is_empty(),
        "nothing may run without a recipient"
    );
}

#[test]
fn dr_sh_needs_a_known_subcommand() {
    let s = common::Scratch::new();
    stubs(s.path());
    let usage = "Usage: dr.sh SUBCOMMAND [--recipient AGE_PUBLIC_KEY] [--out FILE]\n";
    // no subcommand: the usage, on stderr
    let none = run(s.path(), &[]);
    assert_eq!(none.status.code(), Some(2));
    assert!(none.stdout.is_empty());
    assert!(
        common::stderr(&none).starts_with(usage),
        "{}",
        common::stderr(&none)
    );
    // an unknown one, or an option where the subcommand goes: named, then the usage
    for bogus in ["bogus", "--recipient"] {
        let out = run(s.path(), &[bogus, "age1test"]);
        assert_eq!(out.status.code(), Some(2), "{bogus}");
        assert!(out.stdout.is_empty());
        let err = common::stderr(&out);
        assert!(
            err.starts_with(&format!("unknown subcommand: {bogus}\n{usage}")),
            "{err}"
        );
    }
    // --help and -h: every subcommand with its default file, on stdout
    for flag in ["--help", "-h"] {
        let help = run(s.path(), &[flag]);
        assert!(help.status.success(), "{flag}");
        let text = String::from_utf8_lossy(&help.stdout);
        assert!(text.starts_with(usage), "{text}");
        for (sub, default_out, restore) in SUBCOMMANDS {
            let at = text.find(&format!("\ndr.sh {sub} [--recipient")).unwrap();
            let section = text[at + 1..].split("\n\n").next().unwrap();
            assert!(
                section.contains(default_out) && section.contains(restore),
                "{sub}: {section}"
            );
        }
    }
    assert!(!s.path().join("log").exists(), "nothing may run");
}

#[test]
fn the_recipient_comes_from_the_flag_then_the_environment_then_site_toml() {
    let site = format!("{}\n[dr]\nage_recipient = \"age1site\"\n", common::MINIMAL);
    let rendered = common::Scratch::new();
    rendered.write("site.toml", &site);
    let out = rendered.render();
    assert!(out.status.success(), "{}", common::stderr(&out));
    // the script alone, as carried to an offline machine
    let s = common::Scratch::new();
    stubs(s.path());
    let alone = s.path().join("alone");
    std::fs::create_dir(&alone).unwrap();
    std::fs::copy(
        rendered.path().join("rendered/dr/dr.sh"),
        alone.join("dr.sh"),
    )
    .unwrap();
    let export = |env: Option<&str>, args: &[&str]| {
        let mut cmd = command(&alone, s.path(), &[&["export-argocd"], args].concat());
        match env {
            Some(r) => cmd.env("HEARTH_AGE_RECIPIENT", r),
            None => cmd.env_remove("HEARTH_AGE_RECIPIENT"),
        };
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", common::stderr(&out));
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let log = std::fs::read_to_string(s.path().join("log")).unwrap();
        std::fs::remove_file(s.path().join("log")).unwrap();
        (stdout, log)
    };
    let (said, log) = export(None, &[]);
    assert!(
        log.contains("age --encrypt --recipient age1site --output argocd-export.yaml.age.partial"),
        "{log}"
    );
    assert_eq!(
        said,
        "ArgoCD configuration saved to argocd-export.yaml.age (encrypted for age1site)\n"
    );
    let (_, log) = export(Some("age1env"), &["--out", "a.age"]);
    assert!(
        log.contains("age --encrypt --recipient age1env --output a.age.partial"),
        "{log}"
    );
    let (_, log) = export(Some("age1env"), &["--recipient", "age1flag"]);
    assert!(log.contains("--recipient age1flag "), "{log}");
    assert!(s.path().join("a.age").exists() && s.path().join("argocd-export.yaml.age").exists());
}

#[test]
#[cfg_attr(no_age, ignore = "no age: run scripts/test (CI=true fails)")]
fn every_export_decrypts_with_real_age_to_what_the_cluster_printed() {
    let (Some(age), Some(keygen)) = (common::tool("age", &[]), common::tool("age-keygen", &[]))
    else {
        return;
    };
    let sealed = sealed_reference();
    let dr = sealed.path().join("rendered/dr");
    let s = common::Scratch::new();
    stubs(s.path());
    // the real age instead of the stub
    std::fs::remove_file(s.path().join("bin/age")).unwrap();
    let key = s.path().join("bin/identity.txt");
    common::succeeds(Command::new(&keygen).arg("--output").arg(&key));
    let recipient = common::succeeds(Command::new(&keygen).arg("-y").arg(&key)).stdout;
    let recipient = String::from_utf8(recipient).unwrap().trim().to_owned();
    let secret = format!("apiVersion: v1\nkind: Secret\ndata:\n  k: {MARKER}\n");
    let wanted = [
        (
            "export-secrets",
            "secrets.age",
            format!("---\n{secret}").repeat(11),
        ),
        ("backup-sealed-secrets-key", "main.key.age", secret.clone()),
        (
            "export-argocd",
            "argocd.age",
            format!("argocd export {MARKER}\n"),
        ),
    ];
    for (sub, file, plain) in wanted {
        let out = run_from(
            &dr,
            s.path(),
            &[sub, "--recipient", &recipient, "--out", file],
        );
        assert!(out.status.success(), "{sub}: {}", common::stderr(&out));
        let encrypted = std::fs::read(s.path().join(file)).unwrap();
        assert!(encrypted.starts_with(b"age-encryption.org/v1\n"), "{sub}");
        let decrypted = common::succeeds(
            Command::new(&age)
                .args(["--decrypt", "--identity"])
                .arg(&key)
                .arg(s.path().join(file)),
        );
        assert_eq!(String::from_utf8_lossy(&decrypted.stdout), plain, "{sub}");
    }
    no_plaintext_under(s.path());
}

#[test]
fn a_failed_export_leaves_only_the_partial_file() {
    let s = common::Scratch::new();
    stubs(s.path());
    // argocd prints something, then fails
    s.write("bin/argocd", "#!/bin/sh\necho half\nexit 3\n");
    let out = run(s.path(), &["export-argocd", "--recipient", "age1test"]);
    assert_eq!(out.status.code(), Some(3), "{}", common::stderr(&out));
    assert!(out.stdout.is_empty(), "no success message");
    assert!(s.path().join("argocd-export.yaml.age.partial").exists());
    assert!(!s.path().join("argocd-export.yaml.age").exists());
    // no sealed-secrets key in the cluster: nothing encrypted at all
    std::fs::remove_file(s.path().join("log")).unwrap();
    s.write(
        "bin/kubectl",
        "#!/bin/sh\necho \"kubectl $*\" >> \"$STUB_LOG\"\n",
    );
    let out = run(
        s.path(),
        &["backup-sealed-secrets-key", "--recipient", "age1test"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        common::stderr(&out),
        "no sealed-secrets key in namespace kube-system: is the controller installed?\n"
    );
    let log = std::fs::read_to_string(s.path().join("log")).unwrap();
    assert!(!log.contains("age "), "{log}");
    assert!(!s.path().join("main.key.age.partial").exists());
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
        "## 7. Restore databases",
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
    assert!(!runbook.contains("## 6."), "{runbook}");
    assert!(!runbook.contains("Not backed up, on purpose"), "{runbook}");
    // Every section has a body.
    let sections: Vec<&str> = runbook.split("\n## ").skip(1).collect();
    assert!(sections.len() >= 6, "{runbook}");
    for sec in sections {
        let body = sec.split_once('\n').map_or("", |(_, b)| b);
        assert!(!body.trim().is_empty(), "empty section `{sec}`");
    }
}
