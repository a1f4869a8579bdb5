//! Where pods run and how their image is pulled: `node_selector`,
//! `tolerations`, `image_pull_secrets` and `working_dir` are planned from
//! site.toml, rendered into the pod template, and their mistakes are input
//! errors located in site.toml.

mod common;

use common::{MINIMAL, Scratch, stderr};

const REGCRED: &str = r#"[services.app.secrets.regcred]
type = "kubernetes.io/dockerconfigjson"
keys = { ".dockerconfigjson" = "placeholder" }
"#;

/// MINIMAL with `fields` added to workload `web`, and a pull secret.
fn site(fields: &str) -> String {
    let web = "image = \"nginx:1.27.0\"\n";
    format!(
        "{}{REGCRED}",
        MINIMAL.replacen(web, &format!("{web}{fields}\n"), 1)
    )
}

#[test]
fn placement_pull_secrets_and_working_dir_reach_the_pod() {
    let s = common::rendered(site(concat!(
        "node = \"pi1\"\n",
        "node_selector = { \"hearth.dev/disk\" = \"ssd\" }\n",
        "tolerations = [{ key = \"gpu\", value = \"yes\", effect = \"no-schedule\" }, { key = \"flaky\", effect = \"no-execute\", seconds = 60 }]\n",
        "image_pull_secrets = [\"regcred\"]\n",
        "working_dir = \"/srv/app\"",
    )));
    let text = s.read("rendered/apps/app/web.deployment.yaml");
    common::contains_all(
        "output",
        &text,
        [
            "      nodeSelector:\n        hearth.dev/disk: ssd\n        kubernetes.io/hostname: pi1\n",
            "      - effect: NoSchedule\n        key: gpu\n        operator: Equal\n        value: \"yes\"\n",
            "      - effect: NoExecute\n        key: flaky\n        operator: Exists\n        tolerationSeconds: 60\n",
            "      imagePullSecrets:\n      - name: regcred\n",
            "        workingDir: /srv/app\n",
        ],
    );
}

#[test]
fn control_plane_tolerations_come_before_the_sites_own() {
    let fields = "tolerate_control_plane = true\ntolerations = [{ key = \"gpu\" }]";
    let s = common::rendered(site(fields));
    let text = s.read("rendered/apps/app/web.deployment.yaml");
    let cp = text
        .find("key: node-role.kubernetes.io/control-plane")
        .unwrap();
    let master = text.find("key: node-role.kubernetes.io/master").unwrap();
    let gpu = text.find("key: gpu").unwrap();
    assert!(cp < master && master < gpu, "{text}");
}

/// `fields` on `web` is refused with `expect` at the line of `at`.
fn refused(fields: &str, at: &str, expect: &[&str]) {
    let text = site(fields);
    let err = common::refused(&text, expect);
    common::located(&err, &text, at);
    assert!(
        err.contains("help:") || err.contains("absolute path (start with `/`)"),
        "{err}"
    );
}

#[test]
fn placement_mistakes_are_input_errors() {
    let t = "tolerations = [{ key = \"gpu\", seconds = 30 }]";
    refused(
        t,
        t,
        &[
            "hearth::placement",
            "`seconds` applies to `no-execute` taints only",
        ],
    );
    let t = "tolerations = [{ key = \"\" }]";
    refused(t, t, &["hearth::placement", "needs the `key` of the taint"]);
    let t = "tolerations = [{ key = \"gpu\", effect = \"no-sched\" }]";
    refused(t, t, &["hearth::parse", "did you mean `no-schedule`?"]);
    let sel = "node_selector = { \"kubernetes.io/hostname\" = \"pi2\" }";
    refused(
        &format!("node = \"pi1\"\n{sel}"),
        sel,
        &[
            "hearth::placement",
            "selects host `pi2`, and the workload runs on node `pi1`",
        ],
    );
    refused(
        sel,
        sel,
        &[
            "hearth::placement",
            "`pi2`, which is not a node of the site",
        ],
    );
}

#[test]
fn pull_secrets_must_exist_and_hold_registry_credentials() {
    let p = "image_pull_secrets = [\"app-secret\"]";
    refused(
        p,
        p,
        &[
            "hearth::pull-secret",
            "secret `app-secret` is of type `Opaque`, not `kubernetes.io/dockerconfigjson`",
        ],
    );
    let no_key = site("image_pull_secrets = [\"regcred\"]").replace(
        "keys = { \".dockerconfigjson\" = \"placeholder\" }",
        "keys = { config = \"placeholder\" }",
    );
    let s = Scratch::with_site(&no_key);
    let err = stderr(&s.render());
    assert!(
        err.contains("hearth::pull-secret")
            && err.contains("secret `regcred` has no `.dockerconfigjson` key"),
        "{err}"
    );
    let p = "image_pull_secrets = [\"regcrd\"]";
    refused(p, p, &["hearth::dangling", "did you mean `regcred`?"]);
}

#[test]
fn working_dir_must_be_absolute() {
    let w = "working_dir = \"srv\"";
    // The value's own check says the fix in its message.
    refused(
        w,
        w,
        &["hearth::parse", "must be an absolute path (start with `/`)"],
    );
}

#[test]
fn run_as_user_and_group_reach_the_container() {
    let s = common::rendered(site(
        "security = { run_as_user = 1000, run_as_group = 1000 }",
    ));
    let text = s.read("rendered/apps/app/web.deployment.yaml");
    assert!(
        text.contains(
            "        securityContext:\n          runAsGroup: 1000\n          runAsUser: 1000\n"
        ),
        "{text}"
    );
}

/// What only the API server's rules know (label syntax, id ranges) is
/// refused there, located in site.toml (a string at itself, a number at its
/// workload).
#[test]
fn label_syntax_and_id_ranges_are_the_api_servers() {
    let cases = [
        (
            "node_selector = { \"bad key!\" = \"x\" }",
            "nodeSelector[bad key!]",
            "node_selector",
        ),
        (
            "affinity.required = [{ key = \"bad key!\", operator = \"exists\" }]",
            "matchExpressions[0].key",
            "affinity.required",
        ),
        (
            "topology_spread = [{ key = \"a zone\", max_skew = 1, when_unsatisfiable = \"schedule-anyway\" }]",
            "topologySpreadConstraints[0].topologyKey",
            "topology_spread",
        ),
        (
            "security = { run_as_user = -1 }",
            "securityContext.runAsUser",
            "[services.app.workloads.web]",
        ),
    ];
    for (fields, path, at) in cases {
        let text = site(fields);
        let err = common::refused(&text, &["hearth::apiserver", path]);
        common::located(&err, &text, at);
    }
}

#[test]
fn node_affinity_and_topology_spread_reach_the_pod() {
    let s = common::rendered(site(concat!(
        "affinity.required = [{ key = \"hearth.dev/disk\", operator = \"in\", values = [\"ssd\"] }, { key = \"hearth.dev/flaky\", operator = \"does-not-exist\" }]\n",
        "affinity.preferred = [{ key = \"hearth.dev/fast\", operator = \"exists\", weight = 50 }]\n",
        "topology_spread = [{ key = \"kubernetes.io/hostname\", max_skew = 1, when_unsatisfiable = \"schedule-anyway\" }]",
    )));
    let text = s.read("rendered/apps/app/web.deployment.yaml");
    common::contains_all(
        "output",
        &text,
        [
            // Required rules hold together: one term with both expressions.
            "          requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n            - matchExpressions:\n              - key: hearth.dev/disk\n                operator: In\n                values:\n                - ssd\n              - key: hearth.dev/flaky\n                operator: DoesNotExist\n",
            "          - preference:\n              matchExpressions:\n              - key: hearth.dev/fast\n                operator: Exists\n            weight: 50\n",
            // The spread counts the workload's own pods.
            "      topologySpreadConstraints:\n      - labelSelector:\n          matchLabels:\n            app.kubernetes.io/name: web\n            app.kubernetes.io/part-of: app\n        maxSkew: 1\n        topologyKey: kubernetes.io/hostname\n        whenUnsatisfiable: ScheduleAnyway\n",
        ],
    );
}

#[test]
fn affinity_and_spread_mistakes_are_input_errors() {
    for (fields, message) in [
        (
            "affinity.required = [{ key = \"disk\", operator = \"in\" }]",
            "`in` needs `values`",
        ),
        (
            "affinity.required = [{ key = \"disk\", operator = \"exists\", values = [\"x\"] }]",
            "`exists` takes no `values`",
        ),
        (
            "affinity.required = [{ key = \"disk\", operator = \"exists\", weight = 5 }]",
            "`weight` applies to `preferred` rules only",
        ),
        (
            "affinity.preferred = [{ key = \"disk\", operator = \"exists\", weight = 500 }]",
            "`weight` is from 1 to 100",
        ),
        (
            "topology_spread = [{ key = \"kubernetes.io/hostname\", max_skew = 0, when_unsatisfiable = \"do-not-schedule\" }]",
            "`max_skew` is at least 1",
        ),
    ] {
        refused(fields, fields, &["hearth::placement", message]);
    }
    let t = "topology_spread = [{ key = \"zone\", max_skew = 1, when_unsatisfiable = \"maybe\" }]";
    refused(t, t, &["hearth::parse", "maybe"]);
}
