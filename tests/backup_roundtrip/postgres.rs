//! PostgreSQL: the `dump` job's pg_dump against a server on loopback (password
//! over TCP, as from the CronJob), restored with the runbook's pg_restore
//! through the server's socket (as `kubectl exec` into the server does).

use super::*;

/// The folder holding initdb, pg_ctl, pg_dump, pg_restore and psql of one version.
fn bin_dir() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("bin/initdb"))
        .collect();
    candidates.sort();
    candidates.reverse();
    common::tool("initdb", &candidates).and_then(|p| {
        std::fs::canonicalize(p)
            .ok()?
            .parent()
            .map(Path::to_path_buf)
    })
}

/// A server in `dir`, stopped on drop.
struct Server {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

impl Server {
    fn cmd(&self, tool: &str) -> Command {
        let exe = self.bin.join(tool);
        let mut c = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(exe);
            c
        } else {
            Command::new(exe)
        };
        c.env("PGHOST", &self.dir)
            .env("PGPORT", self.port.to_string());
        c
    }

    fn start(bin: PathBuf, dir: PathBuf) -> Self {
        std::fs::create_dir_all(&dir).unwrap();
        if is_root() {
            // The scratch folder is root's and private: let the postgres user in.
            use std::os::unix::fs::PermissionsExt;
            let parent = dir.parent().unwrap();
            std::fs::set_permissions(parent, std::fs::Permissions::from_mode(0o755)).unwrap();
            common::succeeds(Command::new("chown").args(["-R", "postgres"]).arg(&dir));
        }
        let s = Self {
            bin,
            dir,
            port: free_port(),
        };
        let data = s.dir.join("data");
        common::succeeds(s.cmd("initdb").arg("-D").arg(&data).args([
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
        ]));
        let opts = format!(
            "-k {} -p {} -c listen_addresses=127.0.0.1",
            s.dir.display(),
            s.port
        );
        common::succeeds(
            s.cmd("pg_ctl")
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(s.dir.join("log"))
                .args(["-o", &opts, "start"]),
        );
        wait_for("postgres", || {
            s.cmd("pg_isready")
                .output()
                .is_ok_and(|o| o.status.success())
        });
        s
    }

    fn psql(&self, db: &str, sql: &str) -> String {
        stdout(&common::succeeds(self.cmd("psql").args([
            "-U",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-At",
            "-d",
            db,
            "-c",
            sql,
        ])))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self
            .cmd("pg_ctl")
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-m", "immediate", "stop"])
            .output();
    }
}

#[test]
fn postgres_dump_restores_with_the_runbooks_pg_restore() {
    let Some(bin) = bin_dir() else { return };
    let scratch = tempfile::tempdir().unwrap();
    let root = scratch.path().to_path_buf();
    let pg = Server::start(bin.clone(), root.join("pg"));
    for sql in [
        "CREATE ROLE backup LOGIN SUPERUSER PASSWORD 'dump-secret'",
        "CREATE ROLE app LOGIN PASSWORD 'app-secret'",
        "CREATE ROLE reader NOLOGIN",
        "CREATE DATABASE app OWNER app",
    ] {
        pg.psql("postgres", sql);
    }
    pg.psql("app", "SET ROLE app; CREATE TABLE t (id int PRIMARY KEY, name text); INSERT INTO t VALUES (1, 'één'), (2, 'two'), (3, NULL); CREATE VIEW v AS SELECT count(*) FROM t; GRANT SELECT ON t TO reader");
    let query = "SELECT id, name FROM t ORDER BY id; SELECT * FROM v";
    let before = pg.psql("app", query);

    let plan = plan();
    let job = workload(&plan, "db", "pg-dump");
    let backups = root.join("backups");
    // Three older dumps: with retain = 3 the oldest goes.
    std::fs::create_dir_all(backups.join("app")).unwrap();
    for day in ["01", "02", "03"] {
        std::fs::write(
            backups.join(format!("app/app-202001{day}T000000Z.dump")),
            "old",
        )
        .unwrap();
    }
    let env = job_env(
        job,
        &[("PGPASSWORD", "dump-secret")],
        &[("PGHOST", "127.0.0.1"), ("PGPORT", &pg.port.to_string())],
    );
    assert_eq!(env[2], ("PGUSER".to_string(), "backup".to_string()));
    sh(
        &script(job, "/backups", &backups),
        &env,
        &path_with(&bin),
        None,
    );
    let files = dumps(&backups.join("app"));
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    assert_eq!(
        names[..2],
        ["app-20200102T000000Z.dump", "app-20200103T000000Z.dump"]
    );
    assert!(!names.iter().any(|n| n.ends_with(".partial")));
    let newest = files.last().unwrap();

    let globals = dumps(&backups.join("_globals"));
    assert_eq!(globals.len(), 1, "{globals:?}");
    let roles = "SELECT rolname, rolcanlogin, rolpassword IS NOT NULL FROM pg_authid WHERE rolname IN ('app', 'reader') ORDER BY 1";
    let roles_before = pg.psql("postgres", roles);
    let grants = "SELECT tableowner, has_table_privilege('reader', 't', 'SELECT') FROM pg_tables WHERE tablename = 't'";
    assert_eq!(pg.psql("app", grants), "app|t\n");

    // Lose the data and the roles, restore the roles with the runbook's psql,
    // recreate the empty database (as the runbook says), restore.
    pg.psql("postgres", "DROP DATABASE app");
    pg.psql("postgres", "DROP ROLE app; DROP ROLE reader");
    assert_eq!(pg.psql("postgres", roles), "");
    let restores = hearth::dr::dump_restores(&plan);
    let dump = restores.iter().find(|r| r.backup == "pg-dump").unwrap();
    // In the pod of the official image, POSTGRES_USER names the superuser.
    let local = vec![
        ("PGHOST".to_string(), pg.dir.display().to_string()),
        ("PGPORT".to_string(), pg.port.to_string()),
        ("POSTGRES_USER".to_string(), "postgres".to_string()),
    ];
    let globals_restore = &dump.globals.as_ref().expect("postgres globals").restore;
    assert!(globals_restore.contains("exec psql "), "{globals_restore}");
    sh(globals_restore, &local, &path_with(&bin), Some(&globals[0]));
    assert_eq!(pg.psql("postgres", roles), roles_before);
    pg.psql("postgres", "CREATE DATABASE app OWNER app");
    let restore = &dump.databases[0].restore;
    assert!(restore.contains("exec pg_restore "), "{restore}");
    sh(restore, &local, &path_with(&bin), Some(newest));
    assert_eq!(pg.psql("app", query), before);
    // Ownership and the grant came back with the roles.
    assert_eq!(pg.psql("app", grants), "app|t\n");
}
