//! `hearth lint`: one trigger and one clean case per rule (id, line, exit code),
//! the reference site lints clean, a model of the original published repository
//! is caught, and removing any single backup entry is caught.

mod common;

use common::{MINIMAL, Scratch, hearth, stderr};
use hearth::render::Manifest;
use serde_json::Value;

/// MINIMAL with everything a clean site has: resources, a probe, and
/// monitoring (whose alerts watch its backup).
fn clean() -> String {
    MINIMAL.replace(
        "mounts = [{ path = \"/data\", volume = \"data\" }]",
        "mounts = [{ path = \"/data\", volume = \"data\" }]\nresources = { requests = { cpu = \"10m\", memory = \"32Mi\" }, limits = { cpu = \"100m\", memory = \"64Mi\" } }\nprobes.readiness = { http = \"/\", port = \"http\" }",
    ) + common::MONITORING
}

struct Run {
    code: Option<i32>,
    findings: Vec<Value>,
}

fn lint_text(site: &str, extra: &[&str]) -> Run {
    lint_with(site, &[], extra)
}

/// Lint `site` with more files beside it (policies).
fn lint_with(site: &str, files: &[(&str, &str)], extra: &[&str]) -> Run {
    let s = Scratch::with_site(site);
    for (rel, text) in files {
        s.write(rel, text);
    }
    let out = hearth()
        .current_dir(s.path())
        .env("HEARTH_TODAY", "2026-06-01")
        .args(["lint", "--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(2), "bad input: {}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    Run {
        code: out.status.code(),
        findings: v["findings"].as_array().cloned().unwrap_or_default(),
    }
}

fn rules(r: &Run) -> Vec<String> {
    r.findings
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

/// The site triggers `rule` (at `line` when given), with the exit code its severity implies.
fn triggers(site: &str, rule: &str, line: Option<usize>) {
    let r = lint_text(site, &[]);
    let f = r
        .findings
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("{rule} not reported; got {:?}", rules(&r)));
    if let Some(l) = line {
        assert_eq!(f["line"], l, "{rule} at the wrong line: {f}");
    }
    let expect = if f["severity"] == "error" { 1 } else { 0 };
    assert_eq!(r.code, Some(expect), "{rule}: exit code");
    if expect == 0 {
        assert_eq!(
            lint_text(site, &["--deny", "warnings"]).code,
            Some(1),
            "--deny warnings fails on {rule}"
        );
    }
}

fn quiet(site: &str, rule: &str) {
    let r = lint_text(site, &[]);
    assert!(
        !rules(&r).contains(&rule.to_string()),
        "{rule} reported on a clean site: {:?}",
        r.findings
    );
}

#[test]
fn the_clean_site_and_the_reference_site_lint_clean() {
    let r = lint_text(&clean(), &["--deny", "warnings"]);
    assert_eq!(r.code, Some(0), "{:?}", r.findings);
    let reference = std::fs::read_to_string(common::repo().join("site.toml")).unwrap();
    let r = lint_text(&reference, &["--deny", "warnings"]);
    assert_eq!(
        r.code,
        Some(0),
        "the reference site must lint clean: {:?}",
        r.findings
    );
}

/// Capabilities count as privilege too (the table's row uses the host network).
#[test]
fn hl104_capabilities_need_a_reason() {
    let site = clean().replace(
        "kind = \"deployment\"",
        "kind = \"deployment\"\nsecurity.capabilities = [\"NET_ADMIN\"]",
    );
    triggers(&site, "HL104", None);
    quiet(
        &site.replace(
            "security.capabilities",
            "security.reason = \"VPN\"\nsecurity.capabilities",
        ),
        "HL104",
    );
}
#[test]
fn hl107_high_entropy_string() {
    let token = "ghp_Zx81kQ2mVb7LpT4wRy9NcH3sFd6GjA0eUo5I";
    let site = clean()
        + &format!(
            "[services.app.config_maps.settings.data]\n\"api.env\" = \"API_TOKEN={token}\"\n"
        );
    triggers(&site, "HL107", Some(common::line_of(&site, "API_TOKEN")));
    // The token is never printed whole.
    let r = lint_text(&site, &[]);
    assert!(!serde_json::to_string(&r.findings).unwrap().contains(token));
    // In a comment too: history keeps it.
    let commented = clean() + &format!("# old token {token}\n");
    triggers(
        &commented,
        "HL107",
        Some(common::line_of(&commented, "old token")),
    );
    quiet(&clean(), "HL107");
    // Not a secret after all: an exception on the service excuses it.
    let excused = site.replace(
        "[services.app]\n",
        "[services.app]\nallow = [{ rule = \"HL107\", reason = \"public test fixture\" }]\n",
    );
    quiet(&excused, "HL107");
    // A literal in a site-local template is found in what it renders.
    let template = std::fs::read_to_string(common::repo().join("templates/k8s/namespace.yaml"))
        .unwrap()
        .replace(
            "metadata:",
            &format!("metadata:\n  annotations:\n    token: {token}"),
        );
    let template = [("templates/k8s/namespace.yaml", template.as_str())];
    reported_in_file(
        &lint_with(&clean(), &template, &[]),
        "HL107",
        "namespace.yaml",
    );
}

/// A finding of `rule` about a rendered file (no line of site.toml wrote it)
/// whose path ends with `file`, and exit code 1.
fn reported_in_file(r: &Run, rule: &str, file: &str) {
    assert_eq!(r.code, Some(1), "{:?}", r.findings);
    let f = r
        .findings
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("{rule} not reported: {:?}", rules(r)));
    assert!(f["file"].as_str().unwrap().ends_with(file), "{f}");
}

#[test]
fn hl106_secret_in_git() {
    // only a site-local template can render a plain Secret
    let template = [(
        "templates/sealed-secrets/sealedsecret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ secret.name|tojson }}\n  namespace: {{ service.namespace|tojson }}\ndata:\n  PASSWORD: aHVudGVyMg==\n",
    )];
    reported_in_file(
        &lint_with(&clean(), &template, &[]),
        "HL106",
        "app-secret.secret.yaml",
    );
    quiet(&clean(), "HL106");
}

#[test]
fn exceptions_excuse_expire_and_must_be_used() {
    let site = clean().replace("probes.readiness = { http = \"/\", port = \"http\" }\n", "");
    let excused = site.replace(
        "kind = \"deployment\"",
        "kind = \"deployment\"\nallow = [{ rule = \"HL202\", reason = \"no endpoint\" }]",
    );
    quiet(&excused, "HL202");
    assert_eq!(lint_text(&excused, &["--deny", "warnings"]).code, Some(0));
    let expired = site.replace("kind = \"deployment\"", "kind = \"deployment\"\nallow = [{ rule = \"HL202\", reason = \"later\", until = \"2026-01-31\" }]");
    triggers(
        &expired,
        "HL901",
        Some(common::line_of(&expired, "allow = [")),
    );
    assert!(
        rules(&lint_text(&expired, &[])).contains(&"HL202".to_string()),
        "an expired exception excuses nothing"
    );
    let still = expired.replace("2026-01-31", "2026-12-31");
    quiet(&still, "HL202");
    let unused = clean().replace(
        "kind = \"deployment\"",
        "kind = \"deployment\"\nallow = [{ rule = \"HL103\", reason = \"old\" }]",
    );
    triggers(
        &unused,
        "HL902",
        Some(common::line_of(&unused, "allow = [")),
    );
    let unknown = clean().replace(
        "kind = \"deployment\"",
        "kind = \"deployment\"\nallow = [{ rule = \"HL999\", reason = \"typo\" }]",
    );
    triggers(&unknown, "HL903", None);
    // a reason is mandatory: it is a parse error without one
    let s = Scratch::with_site(clean().replace(
        "kind = \"deployment\"",
        "kind = \"deployment\"\nallow = [{ rule = \"HL202\" }]",
    ));
    assert_eq!(s.here(&["lint"]).status.code(), Some(2));
}

#[test]
fn the_original_published_repository_is_caught() {
    let site =
        std::fs::read_to_string(common::repo().join("tests/fixtures/original-home-k8s.toml"))
            .unwrap();
    let r = lint_text(&site, &[]);
    assert_eq!(r.code, Some(1));
    let unrecoverable: Vec<String> = r
        .findings
        .iter()
        .filter(|f| f["rule"] == "HL001")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    for needle in [
        "volume `postgres/data`",
        "volume `immich/immich-postgres`",
        "volume `vaultwarden/data`",
    ] {
        assert!(
            unrecoverable.iter().any(|m| m.contains(needle)),
            "{needle} not reported unrecoverable: {unrecoverable:#?}"
        );
    }
    let databases: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f["rule"] == "HL004")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    for db in ["postgres/grafana", "postgres/vaultwarden", "immich/immich"] {
        assert!(
            databases.iter().any(|m| m.contains(&format!("`{db}`"))),
            "database {db} not reported: {databases:?}"
        );
    }
    // the photos are synced by rclone: not reported
    assert!(
        !unrecoverable
            .iter()
            .any(|m| m.contains("immich/immich-data"))
    );
}

#[test]
fn removing_any_single_backup_entry_is_caught() {
    let reference = std::fs::read_to_string(common::repo().join("site.toml")).unwrap();
    let loaded = hearth::site::parse("site.toml", reference.clone().into_bytes()).unwrap();
    let mut entries: Vec<String> = Vec::new();
    for b in loaded.raw.backups.values() {
        entries.extend(b.get_ref().volumes.iter().map(|v| v.get_ref().clone()));
        entries.extend(b.get_ref().databases.iter().map(|d| d.get_ref().clone()));
    }
    assert!(entries.len() >= 8);
    for entry in &entries {
        let quoted = format!("\"{entry}\"");
        let text = if reference.contains(&format!("  {quoted},\n")) {
            reference.replacen(&format!("  {quoted},\n"), "", 1)
        } else {
            reference
                .replacen(&format!("{quoted}, "), "", 1)
                .replacen(&format!(", {quoted}"), "", 1)
                .replacen(&format!("[{quoted}]"), "[]", 1)
        };
        assert_ne!(text, reference, "could not remove {entry}");
        let s = Scratch::with_site(&text);
        let out = s.here(&["lint", "--format", "json"]);
        if out.status.code() == Some(2) {
            // an empty `databases`/`volumes` list is itself refused by the plan: also caught
            assert!(stderr(&out).contains("needs"), "{entry}: {}", stderr(&out));
            continue;
        }
        assert_eq!(
            out.status.code(),
            Some(1),
            "removing {entry} went unnoticed"
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let named = v["findings"].as_array().unwrap().iter().any(|f| {
            (f["rule"] == "HL001" || f["rule"] == "HL004")
                && f["message"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("`{entry}`"))
        });
        assert!(
            named,
            "removing {entry}: no finding names it: {}",
            v["findings"]
        );
    }
}

#[test]
fn formats_and_rule_listing() {
    let site = MINIMAL.to_string();
    let s = Scratch::with_site(&site);
    let sarif = s.here(&["lint", "--format", "sarif"]);
    let v: Value = serde_json::from_slice(&sarif.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let driver = &v["runs"][0]["tool"]["driver"];
    assert_eq!(
        driver["rules"].as_array().unwrap().len(),
        hearth::lint::Code::ALL.len()
    );
    let res = &v["runs"][0]["results"][0];
    assert!(res["ruleId"].as_str().unwrap().starts_with("HL"));
    assert!(
        res["locations"][0]["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .unwrap()
            > 1
    );
    let gh = s.here(&["lint", "--format", "github"]);
    let text = String::from_utf8_lossy(&gh.stdout);
    assert!(
        text.lines()
            .all(|l| l.starts_with("::warning file=site.toml,line=")
                || l.starts_with("::error file=")),
        "{text}"
    );
    let human = s.here(&["lint"]);
    assert!(stderr(&human).contains("site.toml:") && stderr(&human).contains("HL201"));
    let list = s.here(&["lint", "--list-rules"]);
    assert_eq!(
        String::from_utf8_lossy(&list.stdout).lines().count(),
        hearth::lint::Code::ALL.len()
    );
    let ex = hearth().args(["explain", "HL001"]).output().unwrap();
    assert!(String::from_utf8_lossy(&ex.stdout).contains("Why:"));
    assert_eq!(
        hearth()
            .args(["explain", "HL000"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );
}

const TWO_REPLICAS: &str = "id: two-replicas\nseverity: error\nmessage: a Deployment runs two replicas\nselect:\n  kinds: [Deployment]\nschema:\n  properties:\n    spec:\n      properties:\n        replicas: { minimum: 2 }\n";

#[test]
fn a_policy_finding_names_the_object_and_points_at_its_service() {
    let site = clean();
    let files = [("policies/two-replicas.yaml", TWO_REPLICAS)];
    let r = lint_with(&site, &files, &[]);
    assert_eq!(r.code, Some(1), "{:?}", r.findings);
    let f = r
        .findings
        .iter()
        .find(|f| f["rule"] == "two-replicas")
        .unwrap_or_else(|| panic!("policy not applied: {:?}", r.findings));
    assert_eq!(f["line"], common::line_of(&site, "[services.app]"), "{f}");
    let msg = f["message"].as_str().unwrap();
    assert!(
        msg.contains("Deployment app/web") && msg.contains("apps/app/web.deployment.yaml"),
        "{msg}"
    );
    assert!(msg.contains("`spec.replicas`"), "{msg}");
    // Selection: another namespace, a label the object lacks, another kind.
    for (from, to) in [
        (
            "kinds: [Deployment]",
            "kinds: [Deployment]\n  namespaces: [other]",
        ),
        (
            "kinds: [Deployment]",
            "kinds: [Deployment]\n  labels: { tier: gold }",
        ),
        ("kinds: [Deployment]", "kinds: [StatefulSet]"),
        ("minimum: 2", "minimum: 1"),
    ] {
        let p = TWO_REPLICAS.replace(from, to);
        let r = lint_with(&site, &[("policies/two-replicas.yaml", &p)], &[]);
        assert_eq!(r.code, Some(0), "{to}: {:?}", r.findings);
    }
    let labelled = TWO_REPLICAS.replace(
        "kinds: [Deployment]",
        "kinds: [Deployment]\n  namespaces: [app]\n  labels: { app.kubernetes.io/part-of: app }",
    );
    let r = lint_with(&site, &[("policies/two-replicas.yaml", &labelled)], &[]);
    assert_eq!(rules(&r), ["two-replicas"]);
    // A warning policy fails only under --deny warnings.
    let warn = TWO_REPLICAS.replace("severity: error", "severity: warning");
    let files = [("policies/two-replicas.yaml", warn.as_str())];
    assert_eq!(lint_with(&site, &files, &[]).code, Some(0));
    assert_eq!(
        lint_with(&site, &files, &["--deny", "warnings"]).code,
        Some(1)
    );
}

#[test]
fn an_exception_in_site_toml_excuses_a_policy() {
    let site = clean().replace(
        "[services.app]\n",
        "[services.app]\nallow = [{ rule = \"two-replicas\", reason = \"one node\" }]\n",
    );
    let files = [("policies/two-replicas.yaml", TWO_REPLICAS)];
    let r = lint_with(&site, &files, &[]);
    assert_eq!(r.code, Some(0), "{:?}", r.findings);
    // Without the policy the exception names an unknown rule.
    triggers(&site, "HL903", Some(common::line_of(&site, "allow = [")));
}

#[test]
fn sarif_describes_policies_beside_the_built_in_rules() {
    // MINIMAL has built-in findings too, before and after the policy's.
    let s = Scratch::with_site(MINIMAL);
    s.write("policies/two-replicas.yaml", TWO_REPLICAS);
    let out = s.here(&["lint", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = &v["runs"][0];
    assert!(
        run["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["ruleId"] == "two-replicas")
    );
    // Every result's ruleIndex names the descriptor of its own rule.
    let results = run["results"].as_array().unwrap();
    assert!(results.len() > 1, "{results:?}");
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(run["tool"]["driver"]["rules"][i]["id"], r["ruleId"], "{r}");
    }
    let explain = s.here(&["explain", "two-replicas"]);
    let text = String::from_utf8_lossy(&explain.stdout);
    assert!(text.contains("policies/two-replicas.yaml"), "{text}");
}

#[test]
fn a_malformed_policy_is_bad_input_with_its_location() {
    for (policy, at) in [
        (
            TWO_REPLICAS.replace("message:", "mesage:"),
            "two-replicas.yaml:3:1",
        ),
        (
            TWO_REPLICAS.replace("[Deployment]", "[Deploymnet]"),
            "two-replicas.yaml:5:11",
        ),
        (
            TWO_REPLICAS.replace("{ minimum: 2 }", "{ minimum: two }"),
            "two-replicas.yaml:10:21",
        ),
        ("id: [unclosed\n".to_string(), "two-replicas.yaml:"),
    ] {
        let s = Scratch::with_site(clean());
        s.write("policies/two-replicas.yaml", &policy);
        for cmd in [&["lint"][..], &["render"], &["lint", "--list-rules"]] {
            let out = hearth().current_dir(s.path()).args(cmd).output().unwrap();
            assert_eq!(out.status.code(), Some(2), "{cmd:?} {policy}");
            let err = stderr(&out);
            assert!(err.contains(at), "{cmd:?}: expected {at} in {err}");
        }
        assert!(!s.path().join("rendered").exists(), "render wrote output");
    }
}

#[test]
fn the_reference_policies_each_catch_what_they_describe() {
    let reference = std::fs::read_to_string(common::repo().join("site.toml")).unwrap();
    let policies: Vec<(String, String)> = ["pvc-storage-class", "memory-limits", "ingress-tls"]
        .iter()
        .map(|id| {
            let rel = format!("policies/{id}.yaml");
            (
                rel.clone(),
                std::fs::read_to_string(common::repo().join(&rel)).unwrap(),
            )
        })
        .collect();
    let files: Vec<(&str, &str)> = policies
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let r = lint_with(&reference, &files, &["--deny", "warnings"]);
    assert_eq!(r.code, Some(0), "{:?}", r.findings);
    // Each one fires on a real rendered object broken the way it describes
    // (site.toml cannot express these breaks; a site-local template can).
    let schemas = hearth::validate::Schemas::load();
    let built = hearth::pipeline::build(&common::repo().join("site.toml"), &schemas).unwrap();
    let broken: [(&str, &str, &str); 3] = [
        (
            "pvc-storage-class",
            "PersistentVolumeClaim",
            "/spec/storageClassName",
        ),
        (
            "memory-limits",
            "Deployment",
            "/spec/template/spec/containers/0/resources/limits/memory",
        ),
        ("ingress-tls", "Ingress", "/spec/tls"),
    ];
    for (id, kind, pointer) in broken {
        let p = built.policies.get(id).unwrap();
        let mut o = built
            .rendered
            .objects
            .iter()
            .find(|o| o.kind() == kind && o.value.pointer(pointer).is_some())
            .unwrap()
            .clone();
        assert!(p.selects(&o) && p.violations(&o).is_empty(), "{id}");
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        o.value
            .pointer_mut(parent)
            .and_then(|v| v.as_object_mut())
            .unwrap()
            .remove(key);
        let why = p.violations(&o);
        assert!(!why.is_empty(), "{id} misses an object without {pointer}");
    }
}

/// One row per built-in rule: a small change to the clean site that fires it
/// (with files beside the site when only a site-local template can), the
/// line it must point at, and, where the clean site is not the natural fix,
/// the same site with the rule's fix applied. The match is exhaustive, so a
/// new rule without a row does not compile.
struct Row {
    site: String,
    files: Vec<(&'static str, String)>,
    /// A text on the line the finding points at; None for findings about a
    /// rendered file or a whole table.
    at: Option<&'static str>,
    /// The site with the fix the rule's doc proposes: the rule is quiet there.
    fixed: Option<String>,
}

fn row(code: hearth::lint::Code) -> Row {
    use hearth::lint::Code::*;
    let mut files = Vec::new();
    let mut fixed = None;
    let c = clean();
    let (site, at) = match code {
        VolumeUnrecoverable => {
            let (site, at) = (
            c.replace("volumes = [\"app/data\"]", "volumes = [\"app/logs\"]")
                + "\n[services.app.volumes.logs]\nkind = \"longhorn\"\nsize = \"1Gi\"\n",
            Some("[services.app.volumes.data]"),
            );
            fixed = Some(site.replace("[services.app.volumes.data]\n", "[services.app.volumes.data]\nno_backup = \"scratch\"\n"));
            (site, at)
        }
        VolumeRecoveryAmbiguous => (
            c.replace(
                "[services.app.volumes.data]\n",
                "[services.app.volumes.data]\nno_backup = \"stale\"\n",
            ),
            Some("[services.app.volumes.data]"),
        ),
        BackupCredentialsNotExported => {
            let (site, at) = (
            c.replace(
                "nas = { kind = \"nfs\", server = \"nas.lab.example\", path = \"/backups\" }",
                "nas = { kind = \"cifs\", server = \"nas.lab.example\", share = \"backups\", credentials = \"longhorn/nas-secret\" }",
            )
            .replace(
                "version = \"1.6.2\"\n",
                "version = \"1.6.2\"\n[services.longhorn.secrets.nas-secret]\nkeys = { CIFS_USERNAME = \"placeholder\", CIFS_PASSWORD = \"placeholder\" }\nregenerable = \"reset\"\n",
            ),
            Some("[services.longhorn.secrets.nas-secret]"),
            );
            fixed = Some(site.replace("\nregenerable = \"reset\"", ""));
            (site, at)
        }
        DatabaseUnrecoverable => {
            let (site, at) = (
            c.replace("volumes = [\"app/data\"]", "volumes = [\"app/logs\"]")
                .replace(
                    "[services.app.volumes.data]\n",
                    "[services.app.volumes.data]\nno_backup = \"dumps only\"\n",
                )
                + "\n[services.app.volumes.logs]\nkind = \"longhorn\"\nsize = \"1Gi\"\n[services.app.databases.main]\n",
            Some("[services.app.databases.main]"),
            );
            fixed = Some(clean() + "\n[services.app.databases.main]\n");
            (site, at)
        }
        BackupUnwatched => (
            c + "[monitoring.alerts]\nbackups = { enabled = false }\n",
            Some("[backups.daily]"),
        ),
        IngressExposureUnstated => (
            c.replace("public = true\n", ""),
            Some("[services.app.ingresses.web]"),
        ),
        AdminUiWithoutAuth => {
            let (site, at) = (
            c.replace("[services.app]\n", "[services.app]\nprovides = [\"metrics\"]\n"),
            Some("[services.app.ingresses.web]"),
            );
            fixed = Some(site.replace("public = true\n", "auth = \"basic\"\nauth_secret = \"app-secret\"\n"));
            (site, at)
        }
        ImageLatest => (
            c.replace("nginx:1.27.0", "nginx:latest"),
            Some("[services.app.workloads.web]"),
        ),
        PrivilegeWithoutReason => {
            let (site, at) = (
            c.replace("kind = \"deployment\"", "kind = \"deployment\"\nhost_network = true"),
            Some("[services.app.workloads.web]"),
            );
            fixed = Some(site.replace("host_network = true", "host_network = true\nsecurity.reason = \"mDNS\""));
            (site, at)
        }
        MetricsThroughIngress => {
            let (site, at) = (
            c.replace(
                "ports.http = { port = 8080, service = 80 }",
                "ports.http = { port = 8080, service = 80 }\nmetrics = { port = \"http\" }",
            )
            .replace("public = true\n", "public = true\ndeny_paths = []\n"),
            Some("[services.app.ingresses.web]"),
            );
            fixed = Some(site.replace("deny_paths = []\n", ""));
            (site, at)
        }
        SecretInGit => {
            files.push((
                "templates/sealed-secrets/sealedsecret.yaml",
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ secret.name|tojson }}\n  namespace: {{ service.namespace|tojson }}\ndata:\n  PASSWORD: aHVudGVyMg==\n".to_string(),
            ));
            (c, None)
        }
        HighEntropyString => (
            c + "# old token ghp_Zx81kQ2mVb7LpT4wRy9NcH3sFd6GjA0eUo5I\n",
            Some("old token"),
        ),
        SecretEnvLiteral => (
            c.replace(
                "ports.http = { port = 8080, service = 80 }",
                "ports.http = { port = 8080, service = 80 }\nenv.API_KEY = \"k-123\"",
            ),
            Some("env.API_KEY"),
        ),
        BackupTargetCleartext => {
            let target = |endpoint: &str| {
                c.replace(
                    "nas = { kind = \"nfs\", server = \"nas.lab.example\", path = \"/backups\" }",
                    &format!("nas = {{ kind = \"s3\", bucket = \"lab\", region = \"us-east-1\", endpoint = \"{endpoint}\", credentials = \"longhorn/s3-secret\" }}"),
                )
                .replace(
                    "version = \"1.6.2\"\n",
                    "version = \"1.6.2\"\n[services.longhorn.secrets.s3-secret]\nkeys = { AWS_ACCESS_KEY_ID = \"placeholder\", AWS_SECRET_ACCESS_KEY = \"placeholder\", AWS_ENDPOINTS = \"placeholder\" }\n",
                )
            };
            fixed = Some(target("http://minio.lan:9000"));
            (target("http://s3.example.net:9000"), Some("endpoint = \"http://s3"))
        }
        SnippetAnnotation => {
            let site = c.replace(
                "public = true\n",
                "public = true\nannotations = { \"nginx.ingress.kubernetes.io/configuration-snippet\" = \"more_set_headers \\\"X: y\\\";\" }\n",
            );
            fixed = Some(clean());
            (site, Some("[services.app.ingresses.web]"))
        }
        LanExposureUnstated => {
            let site = c
                .replace(
                    "ports.http = { port = 8080, service = 80 }",
                    "ports.http = { port = 8080, service = 80 }\nports.mqtt = { port = 1883, service = 1883, expose = \"load-balancer\", address = \"192.168.1.240\" }",
                )
                .replace("public = true\n", "public = true\nport = \"http\"\n");
            fixed = Some(site.replace(
                "address = \"192.168.1.240\" }",
                "address = \"192.168.1.240\", expose_reason = \"sensors speak MQTT only\" }",
            ));
            (site, Some("ports.mqtt"))
        }
        MissingResources => (
            MINIMAL.to_string() + common::MONITORING,
            Some("[services.app.workloads.web]"),
        ),
        MissingProbes => (
            c.replace("probes.readiness = { http = \"/\", port = \"http\" }\n", ""),
            Some("[services.app.workloads.web]"),
        ),
        LocalVolumeNotPinned => {
            let (site, at) = (
            c.replace(
                "[services.app.volumes.data]\nkind = \"longhorn\"",
                "[services.app.volumes.data]\nkind = \"local\"\nnode = \"pi1\"\npath = \"/srv/data\"\nno_backup = \"test\"",
            )
            .replace(
                "[backups.daily]\nkind = \"longhorn\"\ntarget = \"nas\"\nschedule = \"0 3 * * *\"\nretain = 7\nvolumes = [\"app/data\"]\n",
                "",
            ),
            Some("[services.app.workloads.web]"),
            );
            fixed = Some(site.replace("kind = \"deployment\"", "kind = \"deployment\"\nnode = \"pi1\""));
            (site, at)
        }
        SingleReplicaLonghorn => (
            c.replace(
                "default_issuer = \"le\"",
                "default_issuer = \"le\"\nlonghorn_replicas = 1",
            ),
            None,
        ),
        BodyAboveWafLimit => (
            c.replace("public = true\n", "public = true\nbody_size = \"2g\"\n") + common::INGRESS_NGINX,
            Some("[services.app.ingresses.web]"),
        ),
        WebdavBehindWaf => (
            c.replace("nginx:1.27.0", "nextcloud:29.0.3") + common::INGRESS_NGINX,
            Some("[services.app.ingresses.web]"),
        ),
        RwoVolumeShared => (
            c.replace("public = true\n", "public = true\nworkload = \"web\"\n") + "[services.app.workloads.sync]\nkind = \"cron-job\"\nschedule = \"0 4 * * *\"\nimage = \"rclone/rclone:1.67.0\"\nmounts = [{ path = \"/data\", volume = \"data\" }]\n",
            Some("[services.app.workloads.web]"),
        ),
        UnknownMetric => (
            c + "[alerts.AppSlow]\nexpr = \"rate(app_request_seconds_count[5m]) > 1\"\nsummary = \"slow\"\n",
            Some("expr = \"rate(app_request"),
        ),
        PipelineCardinality => (
            c + "[monitoring.logs]\ngeoip = \"/etc/maxmind/GeoLite2-City.mmdb\"\nfields = { client_ip = \"remote_address\", path = \"path\" }\ncounters = [{ name = \"http_requests_total_ip_path\", labels = [\"client_ip\", \"path\"] }]\n[monitoring.alerts]\nclient_ip_requests = { enabled = false }\nwaf_blocks = { enabled = false }\n",
            None,
        ),
        DatasourceUnresolved => (
            c.replace("prometheus-server.prometheus.svc", "prometheus-server.nowhere.svc"),
            Some("[monitoring.datasources.prometheus]"),
        ),
        ExceptionExpired => (
            c.replace(
                "kind = \"deployment\"",
                "kind = \"deployment\"\nallow = [{ rule = \"HL103\", reason = \"later\", until = \"2026-01-31\" }]",
            ),
            Some("allow = ["),
        ),
        ExceptionUnused => (
            c.replace(
                "kind = \"deployment\"",
                "kind = \"deployment\"\nallow = [{ rule = \"HL103\", reason = \"old\" }]",
            ),
            Some("allow = ["),
        ),
        ExceptionUnknownRule => (
            c.replace(
                "kind = \"deployment\"",
                "kind = \"deployment\"\nallow = [{ rule = \"HL999\", reason = \"typo\" }]",
            ),
            Some("allow = ["),
        ),
    };
    Row {
        site,
        files,
        at,
        fixed,
    }
}

#[test]
fn every_rule_fires_on_its_row_and_the_reference_site_is_clean() {
    use hearth::lint::{Code, Rule};
    let mut failures = Vec::new();
    for code in Code::ALL {
        let Row {
            site,
            files,
            at,
            fixed,
        } = row(*code);
        if let Some(fixed) = fixed {
            let r = lint_with(&fixed, &[], &[]);
            if r.findings.iter().any(|f| f["rule"] == code.id()) {
                failures.push(format!("{}: still reported once fixed", code.id()));
            }
        }
        let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
        let r = lint_with(&site, &files, &[]);
        let Some(f) = r.findings.iter().find(|f| f["rule"] == code.id()) else {
            failures.push(format!("{}: not reported; got {:?}", code.id(), rules(&r)));
            continue;
        };
        if let Some(needle) = at
            && f["line"] != common::line_of(&site, needle)
        {
            failures.push(format!(
                "{}: at line {}, not at `{needle}`",
                code.id(),
                f["line"]
            ));
        }
        let expect = if code.severity() == hearth::lint::Severity::Error {
            Some(1)
        } else {
            Some(0)
        };
        if r.code != expect && !r.findings.iter().any(|f| f["severity"] == "error") {
            failures.push(format!("{}: exit code {:?}", code.id(), r.code));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    let reference = std::fs::read_to_string(common::repo().join("site.toml")).unwrap();
    let r = lint_text(&reference, &["--deny", "warnings"]);
    assert_eq!(r.code, Some(0), "{:?}", r.findings);
}

/// A small site with findings of both severities, one from a policy and one
/// about a rendered file only.
fn report_site() -> Scratch {
    let s = Scratch::with_site(MINIMAL.replace("nginx:1.27.0", "nginx:latest"));
    s.write("policies/two-replicas.yaml", TWO_REPLICAS);
    s.write(
        "templates/sealed-secrets/sealedsecret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ secret.name|tojson }}\n  namespace: {{ service.namespace|tojson }}\ndata:\n  PASSWORD: aHVudGVyMg==\n",
    );
    s
}

#[test]
fn every_report_format_is_pinned() {
    let s = report_site();
    for format in ["human", "json", "sarif", "github"] {
        let out = hearth()
            .current_dir(s.path())
            .env("HEARTH_TODAY", "2026-06-01")
            .args(["lint", "--format", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        // Human findings go to stderr (they are diagnostics); the rest is data.
        let text = if format == "human" {
            stderr(&out)
        } else {
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        insta::assert_snapshot!(format!("report_{format}"), text);
    }
}

#[test]
fn the_rule_list_and_an_explanation_are_pinned() {
    let s = Scratch::new();
    let list = s.here(&["lint", "--list-rules"]);
    assert_eq!(list.status.code(), Some(0), "{}", stderr(&list));
    insta::assert_snapshot!("list_rules", String::from_utf8_lossy(&list.stdout));
    let explain = hearth().args(["explain", "HL001"]).output().unwrap();
    insta::assert_snapshot!("explain_hl001", String::from_utf8_lossy(&explain.stdout));
}
