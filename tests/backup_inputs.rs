//! Bad backup input around engines and the dump, restic and job kinds: each
//! refused with exit code 2 and a diagnostic at the line that caused it.

mod common;

use common::backups::kinds as site;
use common::refused;
use common::stderr;

#[test]
fn a_mariadb_database_in_a_postgres_dump_is_an_input_error_at_its_reference() {
    refused(
        &site().replace(
            "databases = [\"db/app\"]",
            "databases = [\"db/app\", \"db/shop\"]",
        ),
        &[
            "database `db/shop` is a mariadb database, but this dump runs postgres tools (for `db/app`)",
            "site.toml:",
            "databases = [\"db/app\", \"db/shop\"]",
            "dump it in a backup of its own",
        ],
    );
    // pg-backup dumps only PostgreSQL.
    let pg_backup = "\n[backups.legacy]\nkind = \"pg-backup\"\nschedule = \"0 2 * * *\"\nretain = 7\nruns_in = \"db\"\nimage = \"bunetz/pg-backup:1.0.0\"\ndatabases = [\"db/shop\"]\nuser = \"u\"\npassword = { secret = \"db-secret\", key = \"PG\" }\nvolume = \"db/pg-dumps\"\n";
    refused(
        &(site() + pg_backup),
        &[
            "database `db/shop` is a mariadb database; pg-backup dumps only postgres",
            "kind `dump`",
        ],
    );
}

#[test]
fn an_explicit_engine_wins_over_the_image_and_an_unknown_version_asks_for_the_image() {
    let custom = site().replace(
        "image = \"mariadb:11.4.2\"",
        "image = \"example/shop-db:2.1\"",
    );
    refused(
        &custom,
        &[
            "cannot tell the postgres version of `db/shop`",
            "set `image = \"postgres:<major version of the server>\"`",
        ],
    );
    // Said outright, the engine is MariaDB; the dump then needs its image.
    let said = custom.replace(
        "workload = \"mariadb\"",
        "workload = \"mariadb\"\nengine = \"mariadb\"",
    );
    refused(&said, &["cannot tell the mariadb version of `db/shop`"]);
    let fixed = said.replace(
        "user = \"backup\"\npassword = { secret = \"db-secret\", key = \"MY\" }",
        "user = \"backup\"\npassword = { secret = \"db-secret\", key = \"MY\" }\nimage = \"mariadb:10.11\"",
    );
    let loaded = hearth::site::parse("site.toml", fixed.into_bytes()).unwrap();
    let plan = hearth::plan::plan(&loaded).expect("plans");
    let db = plan.service("db").unwrap();
    let job = db
        .workloads
        .iter()
        .find(|w| w.name.as_str() == "shop-dump")
        .unwrap();
    assert_eq!(job.container.image, "mariadb:10.11");
    assert_eq!(db.databases[1].engine.as_str(), "mariadb");
}

#[test]
fn restic_refuses_a_missing_password_secret_an_empty_policy_and_a_local_repository() {
    refused(
        &site().replace(
            "key = \"RESTIC_PASSWORD\" }\ncredentials",
            "key = \"RESTIC_PASWORD\" }\ncredentials",
        ),
        &[
            "secret `files-secret` has no key `RESTIC_PASWORD`",
            "did you mean `RESTIC_PASSWORD`?",
        ],
    );
    refused(
        &site().replace(
            "credentials = \"files-s3\"\nvolumes = [\"files/media\"]",
            "credentials = \"files-s4\"\nvolumes = [\"files/media\"]",
        ),
        &["secret `files-s4` does not exist in namespace `files`"],
    );
    refused(
        &site().replace("keep = { daily = 7, weekly = 4, monthly = 6 }", "keep = {}"),
        &["`keep` keeps nothing"],
    );
    refused(
        &site().replace(
            "repository = \"s3:s3.example.com/bucket/lab\"",
            "repository = \"/srv/restic\"",
        ),
        &["repository `/srv/restic` is not a remote restic repository"],
    );
    refused(
        &site().replace(
            "restore = \"borgmatic extract --archive latest --destination /\"\n",
            "",
        ),
        &["a backup of kind `job` needs `restore`"],
    );
    refused(
        &site().replace(
            "retain = 3\ndatabases",
            "retain = 3\nremote = \"x:\"\ndatabases",
        ),
        &["`remote` does not apply to a backup of kind `dump`"],
    );
}

#[test]
fn a_backup_named_like_a_workload_of_its_namespace_is_refused_not_read_as_the_server() {
    // `postgres` is the server's workload in service `db`, where the dump runs:
    // its CronJob would carry the same labels (the server's Service and
    // policies would select the job's pods) and, matched by name, count the
    // dump volume as the database's (a false HL002 on `db/pg-dumps`).
    let text = site().replace("[backups.pg-dump]", "[backups.postgres]");
    let out = common::lint(&text);
    let err = stderr(&out);
    assert!(!err.contains("HL002"), "{err}");
    assert_eq!(out.status.code(), Some(2), "{err}");
    let line = text
        .lines()
        .position(|l| l == "[backups.postgres]")
        .unwrap()
        + 1;
    common::contains_all(
        "stderr",
        &err,
        [
            "hearth::duplicate",
            "backup `postgres` runs a job named `postgres`, like workload `postgres` of service `db` in namespace `db`",
            &format!("site.toml:{line}:1"),
            "the backup",
            "the workload",
            "rename the backup (its job takes its name), for instance `postgres-backup`",
        ],
    );
}

#[test]
fn a_finding_on_a_backups_job_points_at_the_backup() {
    let text = site();
    let out = common::lint(&text);
    let err = stderr(&out);
    let line = text.lines().position(|l| l == "[backups.pg-dump]").unwrap() + 1;
    let finding = "workload `db/pg-dump` lacks CPU/memory requests and limits (missing-resources)";
    let at = err.find(finding).unwrap_or_else(|| panic!("{err}"));
    let next: String = err[at..].lines().take(2).collect::<Vec<_>>().join("\n");
    assert!(next.contains(&format!("[site.toml:{line}:1]")), "{next}");
    assert!(!err.contains("site.toml:1:1"), "{err}");
}
