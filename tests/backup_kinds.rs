//! Databases with an engine and the dump, restic and job backup kinds: the
//! objects they render, how lint and the DR coverage count them, the runbook
//! text per engine and kind, their alerts, and the input errors.

mod common;

use common::backups::{kinds as site, plan_of, workload};
use common::{MONITORING, Scratch};
use hearth::plan::{EnvValue, Workload};

/// The shell script a `/bin/sh -c` CronJob runs.
fn script(w: &Workload) -> &str {
    assert_eq!(w.container.command[..2], ["/bin/sh", "-c"]);
    &w.container.command[2]
}

fn env(w: &Workload) -> Vec<(String, String)> {
    w.container
        .env
        .iter()
        .map(|e| {
            let v = match &e.value {
                EnvValue::Literal(v) => v.clone(),
                EnvValue::SecretKey { secret, key } => format!("secret {secret}/{key}"),
                other => format!("{other:?}"),
            };
            (e.name.clone(), v)
        })
        .collect()
}

#[test]
fn dumps_run_the_engines_own_tools_from_its_official_image_pinned_to_the_server() {
    let plan = plan_of(&site());
    let db = plan.service("db").unwrap();
    let engines: Vec<_> = db
        .databases
        .iter()
        .map(|d| (d.name.as_str(), d.engine.as_str(), d.at.describe(), d.major))
        .collect();
    assert_eq!(
        engines,
        [
            ("app", "postgres", "postgres.db.svc:5432".into(), Some(16)),
            ("shop", "mariadb", "mariadb.db.svc:3306".into(), Some(11))
        ]
    );
    let pg = workload(&plan, "db", "pg-dump");
    assert_eq!(pg.kind.as_str(), "CronJob");
    assert_eq!(pg.container.image, "postgres:16");
    let s = script(pg);
    common::contains_all(
        "script",
        s,
        [
            "pg_dump --format=custom --dbname=app > /backups/app/app-$stamp.dump.partial",
            "mv /backups/app/app-$stamp.dump.partial /backups/app/app-$stamp.dump",
        ],
    );
    // retain = 3: everything after the third newest goes.
    assert!(
        s.contains("sort -r | tail -n +4 | xargs -r rm -f --"),
        "{s}"
    );
    // The server's roles, kept the same way and in a folder no database can have.
    assert!(
        s.contains(
            "pg_dumpall --globals-only > /backups/_globals/_globals-$stamp.sql.partial\nmv /backups/_globals/_globals-$stamp.sql.partial /backups/_globals/_globals-$stamp.sql\nls -1 /backups/_globals/_globals-*.sql | sort -r | tail -n +4"
        ),
        "{s}"
    );
    assert_eq!(
        env(pg),
        [
            ("PGHOST".into(), "postgres.db.svc".into()),
            ("PGPORT".into(), "5432".into()),
            ("PGUSER".into(), "backup".into()),
            ("PGPASSWORD".into(), "secret db-secret/PG".into()),
        ]
    );
    let my = workload(&plan, "db", "shop-dump");
    assert_eq!(my.container.image, "mariadb:11");
    let s = script(my);
    assert!(
        s.contains("mariadb-dump --host=\"$DB_HOST\" --port=\"$DB_PORT\" --user=\"$DB_USER\" --single-transaction --routines --events --triggers --databases shop > /backups/shop/shop-$stamp.sql.partial"),
        "{s}"
    );
    // retain defaults to 7; roles are PostgreSQL's globals only.
    assert!(s.contains("tail -n +8"), "{s}");
    assert!(!s.contains("_globals"), "{s}");
    assert!(env(my).contains(&("MYSQL_PWD".into(), "secret db-secret/MY".into())));
    assert_eq!(my.container.mounts[0].path, "/backups");
}

#[test]
fn restic_snapshots_forgets_by_policy_and_checks_on_its_own_schedule() {
    let plan = plan_of(&site());
    let r = workload(&plan, "files", "files");
    assert_eq!(r.container.image, "restic/restic:0.17.3");
    let s = script(r);
    common::contains_all(
        "script",
        s,
        [
            "restic cat config >/dev/null 2>&1 || restic init",
            "restic backup --host files /data/files/media\n",
        ],
    );
    assert!(
        s.contains(
            "restic forget --prune --host files --keep-daily 7 --keep-weekly 4 --keep-monthly 6"
        ),
        "{s}"
    );
    assert_eq!(
        env(r),
        [
            (
                "RESTIC_REPOSITORY".into(),
                "s3:s3.example.com/bucket/lab".into()
            ),
            (
                "RESTIC_PASSWORD".into(),
                "secret files-secret/RESTIC_PASSWORD".into()
            ),
        ]
    );
    assert_eq!(r.container.env_from.len(), 1);
    let m = &r.container.mounts[0];
    assert_eq!((m.path.as_str(), m.read_only), ("/data/files/media", true));
    let check = workload(&plan, "files", "files-check");
    assert_eq!(script(check), "exec restic check");
    assert_eq!(
        check.cron.as_ref().unwrap().schedule.to_string(),
        "0 5 * * 0"
    );
    assert!(check.container.mounts.is_empty());
}

#[test]
fn an_own_job_runs_your_command_with_the_volumes_read_only() {
    let plan = plan_of(&site());
    let j = workload(&plan, "files", "docs");
    assert_eq!(j.kind.as_str(), "CronJob");
    assert_eq!(
        j.container.image,
        "ghcr.io/borgmatic-collective/borgmatic:1.8.13"
    );
    assert_eq!(j.container.command, ["borgmatic", "--verbosity", "1"]);
    let m = &j.container.mounts[0];
    assert_eq!((m.path.as_str(), m.read_only), ("/data/files/docs", true));
    let b = plan
        .backups
        .iter()
        .find(|b| b.name.as_str() == "docs")
        .unwrap();
    assert_eq!(b.volumes, ["files/docs"]);
    assert_eq!(
        b.restore.as_deref(),
        Some("borgmatic extract --archive latest --destination /")
    );
}

#[test]
fn coverage_and_lint_count_dumps_restic_and_jobs_as_recovery_paths() {
    let plan = plan_of(&site());
    let cov = hearth::dr::coverage(&plan, None);
    let how = |v: &str| {
        cov.volumes
            .iter()
            .find(|x| x.volume == v)
            .map(|x| x.recovery.to_string())
            .unwrap_or_else(|| panic!("no volume {v}"))
    };
    assert_eq!(how("db/pgdata"), "dump");
    assert_eq!(how("db/mydata"), "dump");
    assert_eq!(how("files/media"), "restic");
    assert_eq!(how("files/docs"), "job");
    let s = Scratch::with_site(site());
    let out = common::hearth()
        .args(["lint", "--site"])
        .arg(s.site())
        .output()
        .unwrap();
    let text = common::printed(&out);
    for code in ["HL001", "HL004"] {
        assert!(!text.contains(code), "{code} reported:\n{text}");
    }
}

#[test]
fn the_runbook_restores_each_engine_with_its_own_client_into_the_real_workload() {
    let s = common::rendered(site());
    let rb = s.read("rendered/dr/RUNBOOK.md");
    common::contains_all(
        "RUNBOOK.md",
        &rb,
        [
            "## 7b. Restore databases from engine dumps",
            "kubectl run restore-pg-dump --namespace db --image postgres:16",
            "\"claimName\":\"pg-dumps\"",
            "ls -1 /backups/app/app-*.dump | sort | tail -n 1",
            "| kubectl exec -i --namespace db statefulset/postgres -- sh -c 'exec pg_restore --clean --if-exists --username=\"${POSTGRES_USER:-postgres}\" --dbname=app'",
            "ls -1 /backups/_globals/_globals-*.sql | sort | tail -n 1",
            "| kubectl exec -i --namespace db statefulset/postgres -- sh -c 'exec psql --username=\"${POSTGRES_USER:-postgres}\" --dbname=postgres'",
            "ls -1 /backups/shop/shop-*.sql | sort | tail -n 1",
            "| kubectl exec -i --namespace db statefulset/mariadb -- sh -c 'export MYSQL_PWD=\"${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}\"; exec mariadb --user=root'",
            "## 6b. Restore volumes from restic",
            "repository `s3:s3.example.com/bucket/lab`",
            "`files/media` (claim `media`) at `/data/files/media`",
            "restic restore latest --host files --target /",
            "## 6c. Restore volumes from your own backup jobs",
            "`files/docs` (claim `docs`) at `/data/files/docs`",
            "borgmatic extract --archive latest --destination /",
        ],
    );
    // pg-backup's section stays for pg-backup only.
    assert!(!rb.contains("## 7. Restore databases from pg-backup dumps"));
    let cov = s.read("rendered/dr/coverage.json");
    assert!(cov.contains("\"recovery\": \"restic\""), "{cov}");
    // `hearth dr` names each database's engine and restore command.
    let out = s.here(&["dr"]);
    let text = String::from_utf8_lossy(&out.stdout);
    common::contains_all(
        "hearth dr",
        &text,
        [
            "kubectl exec -i -n db statefulset/postgres -- sh -c 'exec pg_restore --clean --if-exists --username=\"${POSTGRES_USER:-postgres}\" --dbname=app'",
            "(roles, first)",
            "kubectl exec -i -n db statefulset/mariadb -- sh -c 'export MYSQL_PWD=\"${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}\"; exec mariadb --user=root'",
        ],
    );
    assert!(
        text.contains("db/shop") && text.contains("mariadb") && text.contains("shop-dump"),
        "{text}"
    );
}

#[test]
fn each_new_kind_is_watched_by_cronjob_alerts() {
    let s = common::rendered(site() + MONITORING);
    let dir = s.path().join("rendered/monitoring");
    let rules = std::fs::read_to_string(dir.join("alerts.rules.yaml")).unwrap();
    for name in [
        "DumpBackupFailedPgDump",
        "DumpBackupStalePgDump",
        "DumpBackupStaleShopDump",
        "ResticBackupFailedFiles",
        "ResticBackupStaleFiles",
        "ResticCheckFailedFilesCheck",
        "ResticCheckStaleFilesCheck",
        "JobBackupFailedDocs",
        "JobBackupStaleDocs",
    ] {
        assert!(
            rules.contains(&format!("alert: {name}")),
            "no {name}:\n{rules}"
        );
    }
    assert!(rules.contains(
        "kube_cronjob_status_last_successful_time{namespace=\"db\", cronjob=\"pg-dump\"}"
    ));
    assert!(rules.contains("#6b-restore-databases-from-engine-dumps"));
    // The check is stale past its own weekly period (7 d + 7 d / 4), not the
    // daily backup's; promtool below runs its cases that fire and stay quiet.
    assert!(
        rules.contains(
            "time() - kube_cronjob_status_last_successful_time{namespace=\"files\", cronjob=\"files-check\"} > 756000"
        ),
        "{rules}"
    );
    let tests = std::fs::read_to_string(dir.join("alerts.test.yaml")).unwrap();
    assert!(
        tests
            .matches("alertname: ResticCheckStaleFilesCheck")
            .count()
            >= 4,
        "{tests}"
    );
    let Some(promtool) = common::tool("promtool", &[]) else {
        return;
    };
    for args in [
        ["check", "rules", "alerts.rules.yaml"],
        ["test", "rules", "alerts.test.yaml"],
    ] {
        common::succeeds(
            std::process::Command::new(&promtool)
                .current_dir(&dir)
                .args(args),
        );
    }
}

#[test]
fn a_mysql_server_is_dumped_with_mysqldump_from_the_mysql_image() {
    let text = site()
        .replace("image = \"mariadb:11.4.2\"", "image = \"mysql:8.0.39\"")
        .replace(
            "ports.mysql = { port = 3306 }",
            "ports.mysql = { port = 3307 }",
        )
        .replace(
            "workload = \"mariadb\"",
            "workload = \"mariadb\"\nport = 3307",
        );
    let plan = plan_of(&text);
    let my = workload(&plan, "db", "shop-dump");
    assert_eq!(my.container.image, "mysql:8");
    assert!(
        script(my).contains("mysqldump --host=\"$DB_HOST\""),
        "{}",
        script(my)
    );
    assert!(env(my).contains(&("DB_PORT".into(), "3307".into())));
    let r = hearth::dr::dump_restores(&plan);
    let shop = r.iter().find(|b| b.backup == "shop-dump").unwrap();
    assert_eq!(
        shop.databases[0].restore,
        "sh -c 'export MYSQL_PWD=\"${MYSQL_ROOT_PASSWORD:-}\"; exec mysql --user=root'"
    );
}
