//! Diagnostics a new user met growing a site from `hearth init`: each says
//! what is wrong once, at the line, with a help line that fits the case.

mod common;

use common::{MINIMAL, Scratch, stderr};

#[test]
fn an_ingress_of_a_chart_service_is_told_to_name_the_charts_service() {
    let site = format!("{MINIMAL}\n[services.longhorn.ingresses.ui]\npublic = true\n");
    let err = common::refused(
        &site,
        &[
            "hearth::ingress",
            "service `longhorn` has no workload for this ingress to route to",
            "route to a Service the chart creates: `backend = \"<its name>\"` and `port = <its port>`",
            "1 problem in",
        ],
    );
    common::located(&err, &site, "[services.longhorn.ingresses.ui]");
    assert!(!err.contains("0 workloads"), "{err}");
    // Doing what the help says renders.
    let fixed = site.replace(
        "[services.longhorn.ingresses.ui]\n",
        "[services.longhorn.ingresses.ui]\nbackend = \"longhorn-frontend\"\nport = 80\n",
    );
    common::rendered(&fixed);
}

#[test]
fn a_database_of_a_service_without_workloads_asks_for_one() {
    let site = format!("{MINIMAL}\n[services.longhorn.databases.x]\n");
    common::refused(
        &site,
        &[
            "hearth::dangling",
            "this database needs a workload, and the service has none",
            "declare the workload serving it under this service's `workloads`",
        ],
    );
}

#[test]
fn a_misspelt_probe_port_is_one_problem_with_the_closest_name() {
    let from = "ports.http = { port = 8080, service = 80 }\n";
    assert!(MINIMAL.contains(from));
    let site = MINIMAL.replacen(
        from,
        &format!("{from}probes.readiness = {{ http = \"/\", port = \"htp\" }}\n"),
        1,
    );
    let err = common::refused(
        &site,
        &[
            "probe port `htp` is not a port of `web`",
            "did you mean `http`?",
            "1 problem in",
        ],
    );
    assert!(!err.contains("needs a `port`"), "{err}");
}

#[test]
fn a_cron_shorthand_is_refused_with_its_five_fields() {
    let from = "schedule = \"0 3 * * *\"";
    assert!(MINIMAL.contains(from));
    for (short, five) in [
        ("@daily", "0 0 * * *"),
        ("@hourly", "0 * * * *"),
        ("@weekly", "0 0 * * 0"),
    ] {
        let site = MINIMAL.replacen(from, &format!("schedule = \"{short}\""), 1);
        let want =
            format!("`{short}` is a shorthand; hearth reads the five fields: write `{five}`");
        let err = common::refused(&site, &[&want]);
        common::located(&err, &site, short);
        // What it says to write is taken.
        common::rendered(MINIMAL.replacen(from, &format!("schedule = \"{five}\""), 1));
    }
    common::refused(
        &MINIMAL.replacen(from, "schedule = \"@every 1h\"", 1),
        &["counts from whenever the controller started"],
    );
    common::refused(
        &MINIMAL.replacen(from, "schedule = \"0\"", 1),
        &["`0` has 1 field; a schedule has five"],
    );
}

/// Every default the schema names (what an editor offers to complete) is a
/// value hearth accepts: a word of the key's vocabulary, as site.toml spells it.
#[test]
fn every_schema_default_of_a_vocabulary_is_one_of_its_words() {
    let out = common::hearth().arg("schema").output().unwrap();
    assert!(out.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let defs = schema["$defs"].as_object().unwrap();
    let mut checked = 0;
    for (name, def) in defs {
        let Some(props) = def["properties"].as_object() else {
            continue;
        };
        for (key, p) in props {
            let Some(default) = p.get("default") else {
                continue;
            };
            // The vocabulary inline, or behind a `$ref`.
            let target = match p["$ref"].as_str() {
                Some(r) => &defs[r.trim_start_matches("#/$defs/")],
                None => p,
            };
            let Some(words) = target["enum"].as_array() else {
                continue;
            };
            assert!(
                words.contains(default),
                "{name}.{key}: default {default} is not one of {words:?}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 4, "only {checked} defaults checked");
}

#[test]
fn an_ingress_says_which_port_to_name_or_to_give_a_service_port() {
    let from = "ports.http = { port = 8080, service = 80 }";
    assert!(MINIMAL.contains(from));
    // Two ports on the Service: which one?
    let two = MINIMAL.replacen(
        from,
        &format!("{from}\nports.admin = {{ port = 9090, service = 9090 }}"),
        1,
    );
    common::refused(
        &two,
        &[
            "this ingress must name the `port` of `web`",
            "set `port` to one of admin, http",
        ],
    );
    // No port on the Service at all (the port has no `service`).
    let none = MINIMAL.replacen(from, "ports.http = { port = 8080 }", 1);
    let err = common::refused(
        &none,
        &[
            "hearth::ingress",
            "`web` has no port on its Service for this ingress to route to",
            "give a port of `web` a Service port, e.g. `ports.http = { port = 8080, service = 80 }`",
        ],
    );
    common::located(&err, &none, "[services.app.ingresses.web]");
}

/// A volume made smaller, or a per-pod volume resized, is a change the API
/// server refuses: `hearth diff` says so before ArgoCD's sync fails on it.
#[test]
fn diff_warns_of_a_volume_resize_the_api_server_refuses() {
    let size = "[services.app.volumes.data]\nkind = \"longhorn\"\nsize = \"1Gi\"";
    assert!(MINIMAL.contains(size));
    let sized = |s: &str| MINIMAL.replacen(size, &size.replace("1Gi", s), 1);
    let text = |o: &std::process::Output| String::from_utf8_lossy(&o.stdout).into_owned();
    let out = Scratch::new().diff_between(&sized("2Gi"), &sized("1536Mi"));
    assert!(out.status.success(), "{}", stderr(&out));
    let want = "⚠ volume app/data: 2Gi → 1536Mi is refused by the API server (a claim only grows); ArgoCD's sync would fail";
    assert!(text(&out).contains(want), "{}", text(&out));
    // Growing is fine, and so is the same size spelt another way.
    for (a, b) in [("1Gi", "2Gi"), ("1Gi", "1024Mi")] {
        let out = Scratch::new().diff_between(&sized(a), &sized(b));
        assert!(
            !text(&out).contains("refused by the API server"),
            "{a} → {b}: {}",
            text(&out)
        );
    }
    // A per-pod volume's size is in the claim templates: any change is refused.
    let per_pod = |s: &str| {
        sized(s)
            .replacen("kind = \"deployment\"", "kind = \"stateful-set\"", 1)
            .replacen("size = \"", "per_pod = true\nsize = \"", 1)
    };
    assert!(
        per_pod("1Gi").contains("per_pod = true\nsize"),
        "{}",
        per_pod("1Gi")
    );
    let out = Scratch::new().diff_between(&per_pod("1Gi"), &per_pod("2Gi"));
    assert!(out.status.success(), "{}", stderr(&out));
    let want = "⚠ volume app/data: 1Gi → 2Gi is refused by the API server (a StatefulSet's claim templates cannot change)";
    assert!(text(&out).contains(want), "{}", text(&out));
}

#[test]
fn a_misspelt_backup_target_gets_the_closest_name() {
    let from = "target = \"nas\"";
    assert!(MINIMAL.contains(from));
    let site = MINIMAL.replacen(from, "target = \"nass\"", 1);
    let err = common::refused(
        &site,
        &[
            "hearth::dangling",
            "backup target `nass` is not declared",
            "did you mean `nas`?",
        ],
    );
    common::located(&err, &site, "target = \"nass\"");
    // Nothing close: the declared ones.
    common::refused(
        &MINIMAL.replacen(from, "target = \"offsite\"", 1),
        &["declare it under [backup_targets], or name one of nas"],
    );
}

/// `hearth dr` lists every backup of a volume, not only the first.
#[test]
fn dr_lists_every_backup_of_a_volume() {
    let site = format!(
        "{MINIMAL}\n[backups.files]\nkind = \"restic\"\nschedule = \"0 4 * * *\"\nrepository = \"s3:s3.example.com/bucket/lab\"\npassword = {{ secret = \"app-secret\", key = \"PASSWORD\" }}\nvolumes = [\"app/data\"]\nkeep = {{ daily = 7 }}\n"
    );
    let out = Scratch::with_site(&site).here(&["dr"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let row = text
        .lines()
        .find(|l| l.starts_with("app/data"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        row.ends_with("longhorn `daily` (0 3 * * * → nas), restic `files` (0 4 * * *)"),
        "{row}"
    );
}
