//! What the kubelet and the workload controllers do with the pods hearth
//! renders: pods roll when (and only when) the data they read changes, and a
//! host path says what must be there and pins its pods to its node.

mod common;

use common::{MINIMAL, Scratch, stderr};

/// MINIMAL plus a second workload and a config map read by `web` only.
fn site(config_value: &str, worker_replicas: u32) -> String {
    let base = MINIMAL
        .replace(
            "mounts = [{ path = \"/data\", volume = \"data\" }]",
            "mounts = [{ path = \"/data\", volume = \"data\" }, { path = \"/etc/app/app.conf\", config_map = \"app-config\", key = \"app.conf\" }]",
        )
        .replace("public = true", "public = true\nworkload = \"web\"");
    format!(
        r#"{base}[services.app.config_maps.app-config]
data = {{ "app.conf" = "{config_value}" }}
[services.app.workloads.worker]
kind = "deployment"
image = "busybox:1.36.1"
replicas = {worker_replicas}
env.MODE = "batch"
"#
    )
}

/// The `checksum/config` annotation of a rendered Deployment's pods.
fn checksum(s: &Scratch, workload: &str) -> Option<String> {
    let text = std::fs::read_to_string(
        s.path()
            .join(format!("rendered/apps/app/{workload}.deployment.yaml")),
    )
    .unwrap();
    text.lines()
        .find_map(|l| l.trim().strip_prefix("checksum/config: "))
        .map(str::to_string)
}

#[test]
fn pods_roll_when_and_only_when_the_data_they_read_changes() {
    let base = common::rendered(site("level = info", 1));
    let web = checksum(&base, "web").expect("web reads a config map and a secret");
    assert_eq!(web.len(), 64, "a sha256 in hex: {web}");
    assert_eq!(checksum(&base, "worker"), None, "worker reads no config");

    // The config map's data changes: web's pods roll.
    let changed = common::rendered(site("level = debug", 1));
    assert_ne!(checksum(&changed, "web").unwrap(), web);

    // Anything else changes: web's pod template stays as it was.
    let other = common::rendered(site("level = info", 3));
    assert_eq!(checksum(&other, "web").unwrap(), web);

    // The secret (its sealed value) changes: web's pods roll too.
    let sealed = format!("Ag{}", "B".repeat(400));
    let resealed = common::rendered(site("level = info", 1).replace(
        "keys = { PASSWORD = \"placeholder\" }",
        &format!("keys = {{ PASSWORD = \"{sealed}\" }}"),
    ));
    assert_ne!(checksum(&resealed, "web").unwrap(), web);
}

/// MINIMAL plus a host-path volume on node `pi1` mounted by an unpinned workload.
fn host_path_site(volume: &str, mount: &str) -> String {
    format!(
        r#"{MINIMAL}[nodes.pi2]
arch = "arm64"
roles = ["agent"]
[services.media]
[services.media.workloads.player]
kind = "deployment"
image = "jellyfin/jellyfin:10.9.7"
mounts = [{mount}]
[services.media.volumes.library]
kind = "host-path"
node = "pi1"
path = "/mnt/media"
{volume}
"#
    )
}

fn player(s: &Scratch) -> String {
    s.read("rendered/apps/media/player.deployment.yaml")
}

#[test]
fn host_paths_say_what_must_be_there_and_pin_their_pods() {
    // Read-only: the folder must exist; the pod follows the volume's node.
    let ro = common::rendered(host_path_site(
        "",
        r#"{ path = "/media", volume = "library", read_only = true }"#,
    ));
    let text = player(&ro);
    common::contains_all(
        "output",
        &text,
        ["type: Directory\n", "kubernetes.io/hostname: pi1"],
    );

    // Written to, holding nothing that must survive: created when missing.
    let rw = common::rendered(host_path_site(
        "",
        r#"{ path = "/media", volume = "library" }"#,
    ));
    assert!(player(&rw).contains("type: DirectoryOrCreate\n"));

    // Holding data: must exist even when written to.
    let data = common::rendered(host_path_site(
        "holds_data = true\nno_backup = \"a test\"",
        r#"{ path = "/media", volume = "library" }"#,
    ));
    assert!(player(&data).contains("type: Directory\n"));

    // A device, said outright.
    let dev = common::rendered(host_path_site(
        "type = \"char-device\"",
        r#"{ path = "/dev/ttyUSB0", volume = "library" }"#,
    ));
    assert!(player(&dev).contains("type: CharDevice\n"));
}

#[test]
fn host_path_mistakes_are_input_errors() {
    // `type` on a volume that is not a host path.
    let s = Scratch::with_site(
        MINIMAL.replace("size = \"1Gi\"", "size = \"1Gi\"\ntype = \"directory\""),
    );
    let out = s.render();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("`type` applies to host-path volumes"),
        "{}",
        stderr(&out)
    );

    // Pinned to one node, mounting a host path of another.
    s.write(
        "site.toml",
        host_path_site("", r#"{ path = "/media", volume = "library" }"#).replace(
            "image = \"jellyfin/jellyfin:10.9.7\"",
            "image = \"jellyfin/jellyfin:10.9.7\"\nnode = \"pi2\"",
        ),
    );
    let out = s.render();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is pinned to `pi2` but volume `library` lives on `pi1`"),
        "{}",
        stderr(&out)
    );
}

/// MINIMAL plus a two-pod stateful set with a per-pod volume in the daily
/// Longhorn backup.
fn per_pod_site(kind: &str) -> String {
    format!(
        r#"{}[services.db]
[services.db.workloads.pg]
kind = "{kind}"
image = "postgres:16.3"
replicas = 2
mounts = [{{ path = "/var/lib/postgresql/data", volume = "pgdata" }}]
[services.db.volumes.pgdata]
kind = "longhorn"
size = "5Gi"
per_pod = true
"#,
        MINIMAL.replace(
            "volumes = [\"app/data\"]",
            "volumes = [\"app/data\", \"db/pgdata\"]"
        )
    )
}

#[test]
fn per_pod_volumes_are_claim_templates_every_pod_backed_up() {
    let s = common::rendered(per_pod_site("stateful-set"));
    let db = s.path().join("rendered/apps/db");
    assert!(
        !db.join("pgdata.persistentvolumeclaim.yaml").exists(),
        "the StatefulSet makes the claims"
    );
    let sts = std::fs::read_to_string(db.join("pg.statefulset.yaml")).unwrap();
    common::contains_all(
        "output",
        &sts,
        [
            "        - name: pgdata\n          mountPath: /var/lib/postgresql/data\n",
            // The backup's group labels sit on the template: every pod's claim
            // carries them, so the RecurringJob backs each one up.
            "  volumeClaimTemplates:\n  - metadata:\n      name: pgdata\n      labels:\n        app.kubernetes.io/managed-by: hearth\n        app.kubernetes.io/part-of: db\n        recurring-job-group.longhorn.io/daily: enabled\n        recurring-job.longhorn.io/source: enabled\n",
            "          storage: 5Gi\n      storageClassName: longhorn\n",
        ],
    );
    assert!(!sts.contains("claimName"), "not a pod volume:\n{sts}");
    // Lint sees it as a volume: without the backup it is unrecoverable; its
    // pods never share a claim.
    let unbacked = Scratch::with_site(per_pod_site("stateful-set").replace(
        "volumes = [\"app/data\", \"db/pgdata\"]",
        "volumes = [\"app/data\"]",
    ));
    let out = unbacked.here(&["lint", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["message"].as_str().unwrap().contains("pgdata"))
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["HL001"], "{v:#}");
    // DR restores each pod's claim.
    let runbook = s.read("rendered/dr/RUNBOOK.md");
    for claim in ["pgdata-pg-0", "pgdata-pg-1"] {
        assert!(
            runbook.contains(&format!(
                "| `db` | `{claim}` | `db-{claim}` | 5Gi | `daily`"
            )),
            "{runbook}"
        );
    }
}

#[test]
fn per_pod_volume_mistakes_are_input_errors() {
    let refused = |site: &str, needle: &str, expect: &str| {
        let err = common::refused_with(&Scratch::with_site(site).render(), &[expect]);
        common::located(&err, site, needle);
    };
    refused(
        &per_pod_site("deployment"),
        "volume = \"pgdata\"",
        "volume `pgdata` is per pod, and only a stateful set has a claim per pod",
    );
    refused(
        &per_pod_site("stateful-set").replace(
            "kind = \"longhorn\"\nsize = \"5Gi\"\nper_pod",
            "kind = \"host-path\"\nnode = \"pi1\"\npath = \"/srv/pg\"\nper_pod",
        ),
        "[services.db.volumes.pgdata]",
        "`per_pod` applies to longhorn volumes",
    );
    let two = format!(
        "{}[services.db.workloads.pg2]\nkind = \"stateful-set\"\nimage = \"postgres:16.3\"\nmounts = [{{ path = \"/data\", volume = \"pgdata\" }}]\n",
        per_pod_site("stateful-set")
    );
    refused(
        &two,
        "[services.db.workloads.pg2]",
        "per-pod volume `pgdata` is already the claim template of `pg`",
    );
}
