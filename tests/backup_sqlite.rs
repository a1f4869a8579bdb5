//! SQLite databases (a file in a volume) and their `dump` backups: the
//! CronJob (sqlite's online backup from a pinned image, beside the pod using
//! the file), the runbook's restore, the alerts, and the input errors.

mod common;

use common::backups::{plan_of, with_fixture, workload};
use common::refused;
use common::{MONITORING, stderr};

/// MINIMAL with a service keeping a SQLite file and its dump backup
/// (tests/fixtures/backup-sqlite.toml); Longhorn backs the dump volume up.
fn site() -> String {
    with_fixture("backup-sqlite.toml", &["notes/dumps"])
}
use hearth::plan::{DatabaseAt, PodVolumeSource};

#[test]
fn a_sqlite_file_is_dumped_with_online_backup_beside_the_pod_using_it() {
    let plan = plan_of(&site());
    let db = &plan.service("notes").unwrap().databases[0];
    assert_eq!(db.engine.as_str(), "sqlite");
    assert_eq!(
        db.at,
        DatabaseAt::File {
            volume: hearth::site::names::VolumeName::new("data").unwrap(),
            path: "db/notes.sqlite3".into()
        }
    );
    let job = workload(&plan, "notes", "notes-db");
    assert_eq!(job.kind.as_str(), "CronJob");
    assert_eq!(job.container.image, "keinos/sqlite3:3.52.0");
    assert!(job.container.env.is_empty());
    let script = &job.container.command[2];
    common::contains_all(
        "script",
        script,
        [
            "mkdir -p /backups/notes\n",
            "test -f /data/notes/data/db/notes.sqlite3\n",
            "sqlite3 /data/notes/data/db/notes.sqlite3 \".backup '/backups/notes/notes-$stamp.sqlite3.partial'\"\n",
            "mv /backups/notes/notes-$stamp.sqlite3.partial /backups/notes/notes-$stamp.sqlite3\n",
            "ls -1 /backups/notes/notes-*.sqlite3 | sort -r | tail -n +3 | xargs -r rm -f --",
        ],
    );
    // The file's volume read-write (SQLite locks beside the file), the dump
    // volume at /backups.
    let mounts: Vec<_> = job
        .container
        .mounts
        .iter()
        .map(|m| (m.path.as_str(), m.read_only))
        .collect();
    assert_eq!(mounts, [("/backups", false), ("/data/notes/data", false)]);
    assert!(job.volumes.iter().any(|v| matches!(
        &v.source,
        PodVolumeSource::Claim { volume, read_only: false } if volume.as_str() == "data"
    )));
    let sec = job.container.security.as_ref().unwrap();
    assert_eq!(sec.run_as_user, Some(0));
    // On the node of the web pod: the same labels the Deployment selects.
    let web = workload(&plan, "notes", "web");
    let aff = job.placement.affinity.as_ref().expect("pod affinity");
    assert_eq!(aff.beside, web.selector);
    assert!(aff.required.is_empty());
}

#[test]
fn the_rendered_cronjob_has_pod_affinity_on_the_host_and_the_runbook_swaps_the_file() {
    let s = common::rendered(site() + MONITORING);
    let r = s.path().join("rendered");
    let cron = std::fs::read_to_string(r.join("apps/notes/notes-db.cronjob.yaml")).unwrap();
    common::contains_all(
        "CronJob",
        &cron,
        [
            "podAffinity:",
            "requiredDuringSchedulingIgnoredDuringExecution:",
            "topologyKey: kubernetes.io/hostname",
            "app.kubernetes.io/name: web",
            "runAsUser: 0",
            "claimName: data",
            "claimName: dumps",
        ],
    );
    assert!(!cron.contains("nodeAffinity"), "{cron}");
    let rb = std::fs::read_to_string(r.join("dr/RUNBOOK.md")).unwrap();
    common::contains_all(
        "RUNBOOK.md",
        &rb,
        [
            "- backup `notes-db` (sqlite, 15 2 * * *), dump claim `dumps` in `notes`:",
            "kubectl scale --namespace notes deployment/web --replicas 0",
            "kubectl wait --namespace notes --for delete pod --selector app.kubernetes.io/name=web,app.kubernetes.io/part-of=notes --timeout 5m",
            "{\"name\":\"data\",\"persistentVolumeClaim\":{\"claimName\":\"data\"}}",
            "\"securityContext\":{\"runAsUser\":0}",
            "{\"name\":\"data\",\"mountPath\":\"/data/notes/data\"}",
            "ls -1 /backups/notes/notes-*.sqlite3 | sort | tail -n 1",
            "| kubectl exec -i --namespace notes restore-notes-db -- sh -c 'rm -f \"$0-wal\" \"$0-shm\" \"$0-journal\" && cat > \"$0\"' /data/notes/data/db/notes.sqlite3",
            "kubectl scale --namespace notes deployment/web --replicas 1",
        ],
    );
    // The dump brings back the file, not the volume holding it: the volume
    // needs a backup of its own (or a `no_backup` reason).
    let cov = std::fs::read_to_string(r.join("dr/coverage.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&cov).unwrap();
    let data = v["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["volume"] == "notes/data")
        .unwrap();
    assert_eq!(data["recovery"], "unrecoverable", "{data}");
    // Watched like every dump.
    let rules = std::fs::read_to_string(r.join("monitoring/alerts.rules.yaml")).unwrap();
    for name in ["DumpBackupFailedNotesDb", "DumpBackupStaleNotesDb"] {
        assert!(rules.contains(&format!("alert: {name}")), "no {name}");
    }
    if let Some(promtool) = common::tool("promtool", &[]) {
        common::succeeds(
            std::process::Command::new(promtool)
                .current_dir(r.join("monitoring"))
                .args(["test", "rules", "alerts.test.yaml"]),
        );
    }
    let out = s.here(&["dr"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "with deployment/web scaled to 0, in a pod mounting its volume: sh -c 'rm -f"
        ),
        "{text}"
    );
}

#[test]
fn sqlite_input_errors_point_at_the_key() {
    let with = |from: &str, to: &str| {
        let s = site();
        assert!(s.contains(from), "{from}");
        s.replacen(from, to, 1)
    };
    refused(
        &with(
            "path = \"db/notes.sqlite3\"",
            "path = \"db/notes.sqlite3\"\nport = 5432",
        ),
        &[
            "hearth::database",
            "a sqlite database has no server, so no port",
            "remove `port`",
        ],
    );
    for bad in [
        "../other/x.db",
        "/var/lib/notes/x.db",
        "db/../../x.db",
        "db/$(id).db",
    ] {
        refused(
            &with("path = \"db/notes.sqlite3\"", &format!("path = \"{bad}\"")),
            &[
                "hearth::database",
                &format!("path `{bad}`"),
                "site.toml:",
                "relative to the volume",
            ],
        );
    }
    refused(
        &with("volume = \"data\"\npath", "volume = \"nope\"\npath"),
        &[
            "hearth::dangling",
            "this service has no volume `nope`",
            "volumes of this service: data, dumps",
        ],
    );
    refused(
        &with("volume = \"data\"\npath", "volume = \"dumps\"\npath"),
        &[
            "hearth::database",
            "workload `web` does not mount volume `dumps`",
        ],
    );
    refused(
        &with("volume = \"data\"\npath = \"db/notes.sqlite3\"\n", ""),
        &[
            "hearth::database",
            "a sqlite database needs `volume` and `path`",
        ],
    );
    refused(
        &with("engine = \"sqlite\"\n", "engine = \"postgres\"\n"),
        &[
            "hearth::database",
            "a postgres database is served by its workload, not read from a file",
        ],
    );
    // One file per pod: which one would the job dump?
    refused(
        &with(
            "kind = \"deployment\"\nimage = \"ghcr.io/example/notes",
            "kind = \"stateful-set\"\nimage = \"ghcr.io/example/notes",
        )
        .replacen(
            "[services.notes.volumes.data]\n",
            "[services.notes.volumes.data]\nper_pod = true\n",
            1,
        ),
        &["hearth::backup", "volume `notes/data` is per pod"],
    );
    // A sqlite dump has no login.
    refused(
        &with(
            "volume = \"notes/dumps\"",
            "volume = \"notes/dumps\"\nuser = \"x\"",
        ),
        &[
            "hearth::backup",
            "`user` does not apply to a backup of kind `dump`",
        ],
    );
}

#[test]
fn lint_counts_the_job_beside_the_pod_as_on_its_node() {
    let text = site();
    let out = common::lint(&text);
    let err = stderr(&out);
    assert!(
        err.contains("workload `notes/notes-db` lacks CPU/memory"),
        "{err}"
    );
    assert!(!err.contains("rwo-volume-shared"), "{err}");
    assert!(!err.contains("database-unrecoverable"), "{err}");
}

/// `hearth lint --format json` of `text`: the findings.
fn findings(text: &str) -> Vec<serde_json::Value> {
    common::lint_json(text).1
}

/// Messages of `rule`'s findings.
fn messages(all: &[serde_json::Value], rule: &str) -> Vec<String> {
    all.iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_sqlite_dump_recovers_its_file_not_the_volume_around_it() {
    // The dump alone: the app's other files on the volume are lost.
    let all = findings(&site());
    assert_eq!(
        messages(&all, "HL001"),
        [
            "volume `notes/data` (longhorn) has no recovery path (a dump of SQLite database `notes/notes` brings back that file, not the volume)"
        ]
    );
    // A volume holding nothing else says so.
    let only = site().replacen(
        "[services.notes.volumes.data]\n",
        "[services.notes.volumes.data]\nno_backup = \"holds only the SQLite file, dumped by notes-db\"\n",
        1,
    );
    let all = findings(&only);
    assert!(messages(&all, "HL001").is_empty(), "{all:#?}");
    assert!(messages(&all, "HL002").is_empty(), "{all:#?}");
    // A Gitea-like volume (repositories beside the database) backed up as a
    // whole and its database dumped: one recovery path each, no ambiguity.
    let both = with_fixture("backup-sqlite.toml", &["notes/dumps", "notes/data"]);
    let all = findings(&both);
    assert!(messages(&all, "HL001").is_empty(), "{all:#?}");
    assert!(messages(&all, "HL002").is_empty(), "{all:#?}");
    assert!(messages(&all, "HL004").is_empty(), "{all:#?}");
    let plan = plan_of(&both);
    let cov = hearth::dr::coverage(&plan, None);
    let data = cov
        .volumes
        .iter()
        .find(|v| v.volume == "notes/data")
        .unwrap();
    assert_eq!(data.recovery.as_str(), "longhorn");
    assert_eq!(data.backups.len(), 1);
}

/// A volume restored from restic comes back before the SQLite dump is copied
/// over its file: the other way round, restic's copy of the file (taken
/// while the app wrote it) would replace the consistent dump.
#[test]
fn the_runbook_restores_the_volume_before_the_sqlite_file_in_it() {
    let text = site()
        + "\n[services.notes.secrets.notes-restic]\nkeys = { RESTIC_PASSWORD = \"placeholder\" }\n\n[backups.notes-files]\nkind = \"restic\"\nschedule = \"0 4 * * *\"\nrepository = \"s3:s3.example.com/bucket/notes\"\npassword = { secret = \"notes-restic\", key = \"RESTIC_PASSWORD\" }\nvolumes = [\"notes/data\"]\nkeep = { daily = 7 }\n";
    let rb = common::rendered(&text).read("rendered/dr/RUNBOOK.md");
    let at = |h: &str| rb.find(h).unwrap_or_else(|| panic!("no {h:?}:\n{rb}"));
    let order = [
        "## 5. Sync Longhorn and restore volumes",
        "## 6b. Restore volumes from restic",
        "- `notes/data` (claim `data`) at `/data/notes/data`",
        "## 7b. Restore databases from engine dumps",
        "/data/notes/data/db/notes.sqlite3",
        "## 8. Sync the remaining applications",
    ];
    let positions: Vec<usize> = order.iter().map(|h| at(h)).collect();
    assert!(positions.is_sorted(), "{order:?} out of order:\n{rb}");
}
