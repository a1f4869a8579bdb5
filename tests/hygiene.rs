//! Secrets hygiene and cross-object lint rules of issue #16: each with a small
//! site that breaks it (rule id, message, line, exit code) and a clean case.

mod common;

use common::{MINIMAL, Scratch, stderr};
use serde_json::Value;

/// The findings of `rule`.
fn of(findings: &[Value], rule: &str) -> Vec<Value> {
    findings
        .iter()
        .filter(|f| f["rule"] == rule)
        .cloned()
        .collect()
}

const PORTS: &str = "ports.http = { port = 8080, service = 80 }\n";

#[test]
fn hl108_secret_named_env_with_a_literal_value() {
    let site = common::minimal_with(
        PORTS,
        &format!("{PORTS}env.DB_PASSWORD = \"hunter2\"\nenv.GITHUB_TOKEN = \"abc\"\n"),
    );
    let (code, findings) = common::lint_json(&site);
    let hits = of(&findings, "HL108");
    assert_eq!(hits.len(), 2, "{findings:#?}");
    assert_eq!(code, Some(1), "HL108 is an error");
    let f = &hits[0];
    assert_eq!(f["line"], common::line_of(&site, "env.DB_PASSWORD"));
    assert_eq!(
        f["message"],
        "env `DB_PASSWORD` of workload `app/web` is named like a secret but has a literal value"
    );
    assert_eq!(hits[1]["line"], common::line_of(&site, "env.GITHUB_TOKEN"));
}

#[test]
fn hl108_quiet_on_paths_empty_values_and_secret_references() {
    let site = common::minimal_with(
        PORTS,
        &format!(
            "{PORTS}env.DB_PASSWORD_FILE = \"/run/secrets/db\"\nenv.ADMIN_TOKEN = \"\"\nenv.USERNAME = \"admin\"\nenv.PASS_ALIAS = \"$(PASSWORD)\"\n"
        ),
    );
    let (_, findings) = common::lint_json(&site);
    assert!(of(&findings, "HL108").is_empty(), "{findings:#?}");
    // MINIMAL's `PASSWORD` comes from a secret.
    assert!(of(&common::lint_json(MINIMAL).1, "HL108").is_empty());
}

/// Render `site`: exit 2, stderr.
fn refused(site: &str) -> String {
    let err = common::refused(site, &[]);
    assert!(err.contains("nothing was written"), "{err}");
    err
}

/// A second service whose ingress serves `host`.
fn other_ingress(host: &str) -> String {
    format!(
        "\n[services.other]\n[services.other.workloads.web]\nkind = \"deployment\"\nimage = \"nginx:1.27.0\"\nports.http = {{ port = 8080, service = 80 }}\n[services.other.ingresses.web]\npublic = true\nhost = \"{host}\"\n"
    )
}

#[test]
fn one_host_and_path_claimed_by_two_ingresses_is_refused_at_both() {
    let site = MINIMAL.replacen(
        "public = true\n",
        "public = true\nextra_hosts = [\"shared.lab.example\"]\n",
        1,
    ) + &other_ingress("shared.lab.example");
    let err = refused(&site);
    common::contains_all(
        "stderr",
        &err,
        [
            "hearth::host-path",
            "ingress-nginx's admission webhook would refuse Ingress `other/web`",
            "host \"shared.lab.example\" and path \"/\" is already defined in ingress app/web",
            "[checkOverlap]",
            "ingress `web` of service `app`: claimed here first",
            "ingress `web` of service `other`: and claimed again here",
            "help: serve `shared.lab.example` from one ingress only",
        ],
    );
    // Both places, at the host as written.
    let first = common::line_of(&site, "extra_hosts = [\"shared");
    let col = site.lines().nth(first - 1).unwrap().find("shared").unwrap() + 1;
    assert!(err.contains(&format!("site.toml:{first}:{col}")), "{err}");
    // The second label is in the same snippet (miette heads it with the first).
    let second = common::line_of(&site, "host = \"shared");
    assert!(
        err.contains(&format!("{second} │ host = \"shared.lab.example\"")),
        "{err}"
    );
    // Different hosts are fine.
    let s = Scratch::with_site(MINIMAL.to_string() + &other_ingress("other.lab.example"));
    let out = s.render();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// MINIMAL with a second workload of `app` mounting its Longhorn volume `data`
/// (ReadWriteOnce by default); `web_node`/`sync_node` pin them.
fn shared_volume(web_node: &str, sync_node: &str) -> String {
    common::minimal_with(
        "mounts = [{ path = \"/data\", volume = \"data\" }]\n",
        &format!(
            "mounts = [{{ path = \"/data\", volume = \"data\" }}]\n{web_node}[services.app.workloads.sync]\nkind = \"cron-job\"\nschedule = \"0 4 * * *\"\nimage = \"rclone/rclone:1.67.0\"\nmounts = [{{ path = \"/data\", volume = \"data\" }}]\n{sync_node}"
        ),
    )
    .replace("[nodes.pi1]", "[nodes.pi2]\narch = \"arm64\"\nroles = [\"agent\"]\n\n[nodes.pi1]")
    .replace("public = true\n", "public = true\nworkload = \"web\"\n")
}

#[test]
fn hl207_rwo_volume_mounted_by_workloads_on_any_node() {
    // (web's pin, sync's pin, the workload reported): the one off the first
    // pinned workload's node (`sync` comes first), else every one after the first.
    let pi1 = "node = \"pi1\"\n";
    let pi2 = "node = \"pi2\"\n";
    for (web, sync, at) in [("", "", "web"), (pi1, "", "sync"), (pi1, pi2, "web")] {
        let site = shared_volume(web, sync);
        let (code, findings) = common::lint_json(&site);
        let hits = of(&findings, "HL207");
        assert_eq!(hits.len(), 1, "{web}/{sync}: {findings:#?}");
        let header = format!("[services.app.workloads.{at}]");
        assert_eq!(
            hits[0]["line"],
            common::line_of(&site, &header),
            "{web}/{sync}"
        );
        assert_eq!(
            hits[0]["message"],
            "ReadWriteOnce volume `data` (namespace `app`) is mounted by `app/sync`, `app/web` without pinning them to one node"
        );
        assert_eq!(hits[0]["severity"], "warning");
        assert_eq!(code, Some(0), "a warning");
    }
    // Both on one node, or the volume shared read-write-many: quiet.
    let (_, findings) = common::lint_json(&shared_volume("node = \"pi1\"\n", "node = \"pi1\"\n"));
    assert!(of(&findings, "HL207").is_empty(), "{findings:#?}");
    let rwx = shared_volume("", "").replace(
        "kind = \"longhorn\"\nsize = \"1Gi\"",
        "kind = \"longhorn\"\nsize = \"1Gi\"\naccess = \"read-write-many\"",
    );
    assert!(of(&common::lint_json(&rwx).1, "HL207").is_empty());
}

/// One workload alone, but with replicas that may run on different nodes.
#[test]
fn hl207_rwo_volume_mounted_by_several_replicas() {
    let site = common::minimal_with(
        "kind = \"deployment\"\n",
        "kind = \"deployment\"\nreplicas = 2\n",
    );
    let (_, findings) = common::lint_json(&site);
    let hits = of(&findings, "HL207");
    assert_eq!(hits.len(), 1, "{findings:#?}");
    assert_eq!(
        hits[0]["message"],
        "workload `app/web` mounts ReadWriteOnce volume `data` (namespace `app`) from 2 replicas without pinning them to one node"
    );
    assert_eq!(
        hits[0]["line"],
        common::line_of(&site, "[services.app.workloads.web]")
    );
    // Pinned to one node, the replicas share the volume's attachment.
    let pinned = site.replace("replicas = 2\n", "replicas = 2\nnode = \"pi1\"\n");
    assert!(of(&common::lint_json(&pinned).1, "HL207").is_empty());
    // One replica: nothing to share.
    assert!(of(&common::lint_json(MINIMAL).1, "HL207").is_empty());
}

/// References that name nothing were already refused by the plan (issue #16
/// asked for them "if not already checked"): pinned here, each at its line.
#[test]
fn keys_and_ports_that_name_nothing_are_refused_at_the_reference() {
    let cases = [
        (
            common::minimal_with("key = \"PASSWORD\" }", "key = \"PASWORD\" }"),
            "key = \"PASWORD\"",
            "secret `app-secret` has no key `PASWORD`",
            "did you mean `PASSWORD`?",
        ),
        (
            common::minimal_with(
                "mounts = [{ path = \"/data\", volume = \"data\" }]",
                "mounts = [{ path = \"/data\", volume = \"data\" }, { path = \"/etc/pw\", secret = \"app-secret\", key = \"PASSWORDS\" }]",
            ),
            "key = \"PASSWORDS\"",
            "secret `app-secret` has no key `PASSWORDS`",
            "did you mean `PASSWORD`?",
        ),
        (
            common::minimal_with(
                PORTS,
                &format!("{PORTS}probes.readiness = {{ http = \"/\", port = \"htp\" }}\n"),
            ),
            "probes.readiness",
            "probe port `htp` is not a port of `web`",
            "did you mean `http`?",
        ),
        (
            common::minimal_with("public = true\n", "public = true\nport = \"htp\"\n"),
            "port = \"htp\"",
            "`web` exposes no port `htp` on its Service",
            "did you mean `http`?",
        ),
    ];
    for (site, at, message, help) in cases {
        let err = refused(&site);
        assert!(err.contains("hearth::dangling"), "{err}");
        assert!(err.contains(message), "lacks {message:?}:\n{err}");
        assert!(err.contains(help), "lacks {help:?}:\n{err}");
        let line = common::line_of(&site, at);
        assert!(
            err.contains(&format!("site.toml:{line}:")),
            "not at line {line}:\n{err}"
        );
    }
}
