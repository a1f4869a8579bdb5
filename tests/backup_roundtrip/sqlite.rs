//! SQLite: the `dump` job's `.backup` of a file in WAL mode with rows still
//! in its WAL (the CronJob's `/data` and `/backups` mounts moved under a
//! scratch folder), then the runbook's copy over the file after the data is
//! lost, a stale WAL of the lost database left beside it.

use super::*;

fn sqlite_plan() -> Plan {
    let extra = std::fs::read_to_string(common::repo().join("tests/fixtures/backup-sqlite.toml"))
        .expect("fixture");
    let text = common::MINIMAL.replacen(
        "volumes = [\"app/data\"]",
        "volumes = [\"app/data\", \"notes/dumps\"]",
        1,
    ) + &extra;
    let loaded = hearth::site::parse("site.toml", text.into_bytes()).expect("parses");
    hearth::plan::plan(&loaded).expect("plans")
}

fn sql(sqlite: &Path, db: &Path, sql: &str) -> String {
    stdout(&common::succeeds(Command::new(sqlite).arg(db).arg(sql)))
}

#[test]
fn sqlite_backup_copies_a_live_wal_database_and_the_runbook_puts_it_back() {
    let Some(sqlite) = common::tool("sqlite3", &[]) else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    let root = scratch.path().to_path_buf();
    let dir = root.join("data/notes/data/db");
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("notes.sqlite3");
    // WAL mode with automatic checkpoints off: the last rows live only in the
    // WAL, as they do while the app runs.
    sql(
        &sqlite,
        &db,
        "PRAGMA journal_mode=WAL; CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT); \
         INSERT INTO note VALUES (1, 'één'), (2, 'two'); CREATE INDEX by_body ON note(body);",
    );
    // The app: a connection kept open, its last row not checkpointed.
    let mut app = Command::new(&sqlite)
        .arg(&db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut app_in = app.stdin.take().unwrap();
    {
        use std::io::{BufRead, Write};
        app_in
            .write_all(
                b"PRAGMA wal_autocheckpoint=0;\nINSERT INTO note VALUES (3, NULL);\n.print ready\n",
            )
            .unwrap();
        app_in.flush().unwrap();
        // The pragma prints its value first; the insert is done at `ready`.
        let out = std::io::BufReader::new(app.stdout.take().unwrap());
        let lines: Vec<String> = out
            .lines()
            .map(Result::unwrap)
            .take_while(|l| l != "ready")
            .collect();
        assert_eq!(lines, ["0"]);
    }
    let wal = dir.join("notes.sqlite3-wal");
    assert!(std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0));
    let query =
        "SELECT id, body FROM note ORDER BY id; SELECT name FROM sqlite_master ORDER BY name;";
    let before = sql(&sqlite, &db, query);
    assert!(before.contains("3|"), "{before}");

    let plan = sqlite_plan();
    let job = workload(&plan, "notes", "notes-db");
    let backups = root.join("backups");
    std::fs::create_dir_all(backups.join("notes")).unwrap();
    for day in ["01", "02"] {
        std::fs::write(
            backups.join(format!("notes/notes-202001{day}T000000Z.sqlite3")),
            "old",
        )
        .unwrap();
    }
    let run = script(job, "/backups", &backups).replace(
        "/data/notes/data",
        &root.join("data/notes/data").display().to_string(),
    );
    let path = path_with(sqlite.parent().unwrap());
    sh(&run, &[], &path, None);
    // retain = 2: the newest old one and the new dump.
    let files = dumps(&backups.join("notes"));
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert_eq!(names[0], "notes-20200102T000000Z.sqlite3");
    let newest = files.last().unwrap();
    assert_eq!(sql(&sqlite, newest, "PRAGMA integrity_check"), "ok\n");
    assert_eq!(sql(&sqlite, newest, query), before);
    drop(app_in);
    assert!(app.wait().unwrap().success());

    // Lose the data (with a WAL of the lost database left behind), restore.
    sql(
        &sqlite,
        &db,
        "DROP TABLE note; PRAGMA wal_autocheckpoint=0; CREATE TABLE other (x);",
    );
    std::fs::write(
        dir.join("notes.sqlite3-wal"),
        b"stale wal of the lost database",
    )
    .unwrap();
    let restores = hearth::dr::dump_restores(&plan);
    let d = &restores
        .iter()
        .find(|r| r.backup == "notes-db")
        .unwrap()
        .databases[0];
    assert!(d.file.is_some());
    let restore = d.restore.replace(
        "/data/notes/data",
        &root.join("data/notes/data").display().to_string(),
    );
    sh(&restore, &[], &path, Some(newest));
    assert!(!dir.join("notes.sqlite3-wal").exists());
    assert_eq!(sql(&sqlite, &db, query), before);
    assert_eq!(sql(&sqlite, &db, "PRAGMA integrity_check"), "ok\n");

    // A missing file fails the job instead of backing up an empty database.
    std::fs::remove_file(&db).unwrap();
    let mut c = Command::new("/bin/sh");
    c.args(["-c", &run]).env("PATH", &path);
    assert!(!c.output().unwrap().status.success());
    assert!(!db.exists());
}
