//! The containers of a workload's pod beyond the main one: init containers
//! and native sidecars are planned from site.toml with the main container's
//! parts, rendered into the pod template, refused (located) when they clash,
//! and seen by every lint rule that looks at containers.

mod common;

use common::{MINIMAL, Scratch, git_ok, stderr};
use serde_json::Value;

/// A permission fixer and a cron runner with an exporter port, for `web`.
const SIDE: &str = r#"[[services.app.workloads.web.init]]
name = "fix-perms"
image = "busybox:1.36.1"
command = ["chown", "-R", "33:33", "/data"]
security = { run_as_user = 0 }
mounts = [{ path = "/data", volume = "data" }]
[[services.app.workloads.web.sidecars]]
name = "cron"
image = "nextcloud:29.0.4"
command = ["/cron.sh"]
env.CRON_KEY = { secret = "cron-secret", key = "KEY" }
mounts = [{ path = "/data", volume = "data" }, { path = "/tmp", empty_dir = true }]
ports.exporter = { port = 9100, service = 9100 }
probes.readiness = { http = "/metrics" }
[services.app.secrets.cron-secret]
keys = { KEY = "placeholder" }
"#;

fn rendered(s: &Scratch, file: &str) -> String {
    std::fs::read_to_string(s.path().join("rendered/apps/app").join(file)).unwrap()
}

#[test]
fn init_containers_then_native_sidecars_share_the_pods_volumes() {
    let s = common::rendered(format!("{MINIMAL}{SIDE}"));
    let text = rendered(&s, "web.deployment.yaml");
    let init = text
        .find("      initContainers:\n")
        .expect("initContainers");
    let fix = text.find("      - name: fix-perms\n").unwrap();
    let cron = text.find("      - name: cron\n").unwrap();
    assert!(init < fix && fix < cron, "init containers first:\n{text}");
    // Only the sidecar keeps running.
    assert_eq!(text.matches("restartPolicy: Always").count(), 1, "{text}");
    assert!(
        text[cron..].contains("        restartPolicy: Always\n"),
        "{text}"
    );
    common::contains_all(
        "output",
        &text,
        [
            "        command:\n        - chown\n",
            "        securityContext:\n          runAsUser: 0\n",
            "        readinessProbe:\n          httpGet:\n            path: /metrics\n            port: exporter\n",
            "        - name: exporter\n          containerPort: 9100\n",
            "              name: cron-secret\n              key: KEY\n",
        ],
    );
    // One claim volume for the three mounts of `data`; the sidecar's scratch
    // folder is its own.
    assert_eq!(text.matches("claimName: data").count(), 1, "{text}");
    assert_eq!(text.matches("emptyDir: {}").count(), 1, "{text}");
    // The sidecar's port is on the Service; its secret rolls the pods.
    let svc = rendered(&s, "web.service.yaml");
    assert!(
        svc.contains("  - name: exporter\n    port: 9100\n"),
        "{svc}"
    );
    assert!(text.contains("checksum/config: "), "{text}");
}

#[test]
fn a_sidecar_port_can_carry_the_metrics() {
    let site = format!("{MINIMAL}{SIDE}").replace(
        "ports.http = { port = 8080, service = 80 }\n",
        "ports.http = { port = 8080, service = 80 }\nmetrics = { port = \"exporter\" }\n",
    );
    let s = common::rendered(site);
    let text = rendered(&s, "web.deployment.yaml");
    assert!(text.contains("prometheus.io/port: \"9100\""), "{text}");
}

/// `site` is refused with `expect` at the line of `at`, writing nothing.
fn refused(site: &str, at: &str, expect: &[&str]) {
    let err = common::refused(site, expect);
    common::located(&err, site, at);
    // A value's own check says the fix in its message.
    assert!(err.contains("help:") || err.contains("write e.g."), "{err}");
}

#[test]
fn container_mistakes_are_located_input_errors() {
    // A sidecar named like the workload (its main container).
    let site = format!("{MINIMAL}{SIDE}").replace("name = \"cron\"", "name = \"web\"");
    refused(
        &site,
        "name = \"web\"",
        &[
            "hearth::container",
            "container name `web` is used twice in the pod of `web`",
        ],
    );
    // Two init containers of one name.
    let twice = format!(
        "{MINIMAL}{SIDE}[[services.app.workloads.web.init]]\nname = \"fix-perms\"\nimage = \"busybox:1.36.1\"\n"
    );
    let at = twice.rfind("name = \"fix-perms\"").unwrap();
    let line = twice[..at].lines().count() + 1;
    let s = Scratch::with_site(&twice);
    let err = stderr(&s.render());
    assert!(
        err.contains("container name `fix-perms` is used twice")
            && err.contains(&format!("site.toml:{line}:")),
        "{err}"
    );
    // An init container with a probe.
    let probe = format!("{MINIMAL}{SIDE}").replacen(
        "security = { run_as_user = 0 }",
        "security = { run_as_user = 0 }\nprobes.liveness = { exec = [\"true\"] }",
        1,
    );
    refused(
        &probe,
        "[[services.app.workloads.web.init]]",
        &[
            "hearth::container",
            "init container `fix-perms` has `ports`, `probes` or `lifecycle`",
        ],
    );
    // A mount of a volume that does not exist, as for the main container.
    let dangling = format!("{MINIMAL}{SIDE}").replace(
        "mounts = [{ path = \"/data\", volume = \"data\" }]\n[[services.app.workloads.web.sidecars]]",
        "mounts = [{ path = \"/data\", volume = \"dta\" }]\n[[services.app.workloads.web.sidecars]]",
    );
    refused(
        &dangling,
        "volume = \"dta\"",
        &["hearth::dangling", "volume `dta` does not exist"],
    );
}

/// `hearth lint --format json` findings of `site`.
fn lint(site: &str) -> Vec<Value> {
    common::lint_json(site).1
}

fn messages(findings: &[Value], rule: &str) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn lint_rules_see_every_container() {
    let site = format!("{MINIMAL}{SIDE}")
        .replace("image = \"busybox:1.36.1\"", "image = \"busybox:latest\"")
        .replace(
            "command = [\"/cron.sh\"]",
            "command = [\"/cron.sh\"]\nenv.ADMIN_PASSWORD = \"hunter2\"\nsecurity = { privileged = true }",
        );
    let f = lint(&site);
    assert_eq!(
        messages(&f, "HL103"),
        ["workload `app/web` container `fix-perms` runs `busybox:latest`"]
    );
    assert_eq!(
        messages(&f, "HL104"),
        ["workload `app/web` uses privileged without a reason"]
    );
    let hl108 = messages(&f, "HL108");
    assert_eq!(hl108.len(), 1, "{f:#?}");
    assert!(hl108[0].contains("env `ADMIN_PASSWORD`"), "{hl108:?}");
    let hl201 = messages(&f, "HL201");
    for c in ["", "container `fix-perms` ", "container `cron` "] {
        let want = format!("workload `app/web` {c}lacks CPU/memory requests and limits");
        assert!(hl201.contains(&want), "lacks {want:?}: {hl201:?}");
    }
}

#[test]
fn diff_intent_names_a_sidecars_new_image() {
    let site = format!("{MINIMAL}{SIDE}");
    let s = Scratch::with_site(&site);
    git_ok(s.path(), &["init", "-q", "-b", "main"]);
    git_ok(s.path(), &["add", "-A"]);
    git_ok(s.path(), &["commit", "-q", "-m", "one"]);
    s.write(
        "site.toml",
        site.replace("nextcloud:29.0.4", "nextcloud:29.0.5"),
    );
    let out = s.here(&["diff", "--base", "HEAD", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["intent"]["images_changed"],
        serde_json::json!([["app/web/cron", "nextcloud:29.0.4", "nextcloud:29.0.5"]])
    );
}

#[test]
fn run_as_and_fs_group_reach_the_pod_and_each_container() {
    let site = format!("{MINIMAL}{SIDE}").replacen(
        "ports.http = { port = 8080, service = 80 }\n",
        "ports.http = { port = 8080, service = 80 }\nsecurity = { run_as_user = 33, run_as_group = 33, fs_group = 33, fs_group_change = \"on-root-mismatch\" }\n",
        1,
    );
    let s = common::rendered(&site);
    let text = rendered(&s, "web.deployment.yaml");
    common::contains_all(
        "output",
        &text,
        [
            // The pod's: the group owning the volumes.
            "      securityContext:\n        fsGroup: 33\n        fsGroupChangePolicy: OnRootMismatch\n",
            // The main container's user and group; the init container's own.
            "        securityContext:\n          runAsGroup: 33\n          runAsUser: 33\n",
            "        securityContext:\n          runAsUser: 0\n",
        ],
    );

    let alone = "security = { fs_group_change = \"always\" }";
    let site = MINIMAL.replacen(
        "image = \"nginx:1.27.0\"\n",
        &format!("image = \"nginx:1.27.0\"\n{alone}\n"),
        1,
    );
    refused(&site, alone, &["hearth::security", "and there is none"]);
}

/// MINIMAL with `resources` on `web`.
fn with_resources(resources: &str) -> String {
    MINIMAL.replacen(
        "image = \"nginx:1.27.0\"\n",
        &format!("image = \"nginx:1.27.0\"\n{resources}\n"),
        1,
    )
}

#[test]
fn extended_resources_reach_the_container() {
    let s = common::rendered(with_resources(
        "resources = { requests = { cpu = \"100m\" }, limits = { memory = \"1Gi\", \"gpu.intel.com/i915\" = 1 } }",
    ));
    let text = rendered(&s, "web.deployment.yaml");
    let want =
        "          limits:\n            gpu.intel.com/i915: \"1\"\n            memory: 1Gi\n";
    assert!(text.contains(want), "lacks {want:?}:\n{text}");
}

#[test]
fn extended_resource_mistakes_are_located_input_errors() {
    let cases = [
        (
            "resources = { requests = { \"gpu.intel.com/i915\" = 1 }, limits = { \"gpu.intel.com/i915\" = 2 } }",
            "requested 1 and limited to 2; the API server wants them equal",
        ),
        (
            "resources = { requests = { \"gpu.intel.com/i915\" = 1 } }",
            "`gpu.intel.com/i915` is requested without a limit",
        ),
        (
            "resources = { limits = { \"kubernetes.io/gpu\" = 1 } }",
            "is in the `kubernetes.io` domain",
        ),
        (
            "resources = { limits = { \"gpu.intel.com/i 915\" = 1 } }",
            "is not a qualified name",
        ),
    ];
    for (fields, message) in cases {
        refused(
            &with_resources(fields),
            fields,
            &["hearth::resources", message],
        );
    }
    // A misspelt standard resource is a parse error naming the right ones.
    let typo = "resources = { limits = { memroy = \"1Gi\" } }";
    refused(
        &with_resources(typo),
        typo,
        &[
            "hearth::parse",
            "unknown key `memroy`",
            "did you mean `memory`?",
        ],
    );
}

#[test]
fn lifecycle_hooks_and_termination_grace_reach_the_pod() {
    let site = format!("{MINIMAL}{SIDE}")
        .replacen(
            "ports.http = { port = 8080, service = 80 }\n",
            "ports.http = { port = 8080, service = 80 }\ntermination_grace = \"1m30s\"\nlifecycle.pre_stop = { sleep = 5 }\nlifecycle.post_start = { exec = [\"/warm.sh\"] }\n",
            1,
        )
        .replace(
            "probes.readiness = { http = \"/metrics\" }",
            "probes.readiness = { http = \"/metrics\" }\nlifecycle.pre_stop = { http = \"/drain\" }",
        );
    let s = common::rendered(&site);
    let text = rendered(&s, "web.deployment.yaml");
    common::contains_all(
        "output",
        &text,
        [
            "      terminationGracePeriodSeconds: 90\n",
            "        lifecycle:\n          postStart:\n            exec:\n              command:\n              - /warm.sh\n          preStop:\n            sleep:\n              seconds: 5\n",
            "        lifecycle:\n          preStop:\n            httpGet:\n              path: /drain\n              port: exporter\n",
        ],
    );
}

#[test]
fn lifecycle_mistakes_are_located_input_errors() {
    let both = "lifecycle.pre_stop = { sleep = 5, exec = [\"true\"] }";
    refused(
        &with_resources(both),
        both,
        &[
            "hearth::lifecycle",
            "exactly one of `exec`, `http` or `sleep`",
        ],
    );
    let port = "lifecycle.pre_stop = { http = \"/drain\", port = \"admin\" }";
    refused(
        &with_resources(port),
        port,
        &[
            "hearth::lifecycle",
            "hook port `admin` is not a port of `web`",
        ],
    );
    let grace = "termination_grace = \"90\"";
    refused(
        &with_resources(grace),
        grace,
        &["hearth::parse", "`90` is not a duration"],
    );
}
