//! Secrets hygiene and cross-object lint rules of issue #16: each with a small
//! site that breaks it (rule id, message, line, exit code) and a clean case.

mod common;

use common::{MINIMAL, Scratch, hearth, stderr};
use serde_json::Value;

/// `hearth lint --format json` of `site`: exit code and findings.
fn lint(site: &str) -> (Option<i32>, Vec<Value>) {
    let s = Scratch::new();
    s.write("site.toml", site);
    let out = hearth()
        .current_dir(s.path())
        .env("HEARTH_TODAY", "2026-06-01")
        .args(["lint", "--format", "json"])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(2), "bad input: {}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = v["findings"].as_array().cloned().unwrap_or_default();
    (out.status.code(), findings)
}

/// The findings of `rule`.
fn of(findings: &[Value], rule: &str) -> Vec<Value> {
    findings
        .iter()
        .filter(|f| f["rule"] == rule)
        .cloned()
        .collect()
}

fn line_of(site: &str, needle: &str) -> u64 {
    site.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not in site")) as u64
        + 1
}

fn with(from: &str, to: &str) -> String {
    assert!(MINIMAL.contains(from), "MINIMAL lacks {from:?}");
    MINIMAL.replacen(from, to, 1)
}

const PORTS: &str = "ports.http = { port = 8080, service = 80 }\n";

#[test]
fn hl108_secret_named_env_with_a_literal_value() {
    let site = with(
        PORTS,
        &format!("{PORTS}env.DB_PASSWORD = \"hunter2\"\nenv.GITHUB_TOKEN = \"abc\"\n"),
    );
    let (code, findings) = lint(&site);
    let hits = of(&findings, "HL108");
    assert_eq!(hits.len(), 2, "{findings:#?}");
    assert_eq!(code, Some(1), "HL108 is an error");
    let f = &hits[0];
    assert_eq!(f["line"], line_of(&site, "env.DB_PASSWORD"));
    assert_eq!(
        f["message"],
        "env `DB_PASSWORD` of workload `app/web` is named like a secret but has a literal value"
    );
    assert_eq!(hits[1]["line"], line_of(&site, "env.GITHUB_TOKEN"));
}

#[test]
fn hl108_quiet_on_paths_empty_values_and_secret_references() {
    let site = with(
        PORTS,
        &format!(
            "{PORTS}env.DB_PASSWORD_FILE = \"/run/secrets/db\"\nenv.ADMIN_TOKEN = \"\"\nenv.USERNAME = \"admin\"\nenv.PASS_ALIAS = \"$(PASSWORD)\"\n"
        ),
    );
    let (_, findings) = lint(&site);
    assert!(of(&findings, "HL108").is_empty(), "{findings:#?}");
    // MINIMAL's `PASSWORD` comes from a secret.
    assert!(of(&lint(MINIMAL).1, "HL108").is_empty());
}
