//! MariaDB: the `dump` job's mariadb-dump against a server on loopback (user
//! and password as the CronJob passes them), restored with the runbook's
//! `mariadb` command through the server's socket, logging in as a
//! password-protected root with the password from `MARIADB_ROOT_PASSWORD`
//! (as the official image's server pod has it).

use super::*;

/// A server in `dir`, killed on drop.
struct Server {
    child: std::process::Child,
    dir: PathBuf,
    port: u16,
    /// root has its password.
    locked: std::cell::Cell<bool>,
}

/// root's password on the test server.
const ROOT_PASSWORD: &str = "root-secret";

impl Server {
    fn start(dir: PathBuf) -> Option<Self> {
        let install = common::tool("mariadb-install-db", &[])?;
        let daemon = common::tool("mariadbd", &[PathBuf::from("/usr/sbin/mariadbd")])?;
        let data = dir.join("data");
        std::fs::create_dir_all(&data).unwrap();
        let user: &[&str] = if is_root() { &["--user=root"] } else { &[] };
        common::succeeds(
            Command::new(install)
                .args([
                    "--no-defaults",
                    "--auth-root-authentication-method=normal",
                    "--skip-test-db",
                ])
                .args(user)
                .arg(format!("--datadir={}", data.display())),
        );
        let port = free_port();
        let child = Command::new(daemon)
            .arg("--no-defaults")
            .args(user)
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--socket={}", dir.join("sock").display()))
            .arg(format!("--pid-file={}", dir.join("pid").display()))
            .arg(format!("--port={port}"))
            .args(["--bind-address=127.0.0.1", "--skip-name-resolve"])
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(dir.join("log")).unwrap())
            .spawn()
            .unwrap();
        // The clients read ~/.my.cnf last: it points them at this server's socket.
        std::fs::write(
            dir.join(".my.cnf"),
            format!("[client]\nsocket={}\n", dir.join("sock").display()),
        )
        .unwrap();
        let s = Self {
            child,
            dir,
            port,
            locked: false.into(),
        };
        wait_for("mariadbd", || {
            s.client("mariadb-admin")
                .arg("ping")
                .output()
                .is_ok_and(|o| o.status.success())
        });
        // From here on root needs its password (the test's own client passes it).
        s.sql(&format!(
            "ALTER USER root@localhost IDENTIFIED BY '{ROOT_PASSWORD}'"
        ));
        s.locked.set(true);
        Some(s)
    }

    fn env(&self) -> Vec<(String, String)> {
        vec![("HOME".into(), self.dir.display().to_string())]
    }

    /// A client logged in as root, with its password once it has one.
    fn client(&self, tool: &str) -> Command {
        let mut c = Command::new(tool);
        c.envs(self.env()).arg("--user=root");
        if self.locked.get() {
            c.env("MYSQL_PWD", ROOT_PASSWORD);
        }
        c
    }

    fn sql(&self, sql: &str) -> String {
        stdout(&common::succeeds(self.client("mariadb").args([
            "--batch",
            "--skip-column-names",
            "-e",
            sql,
        ])))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn mariadb_dump_restores_with_the_runbooks_client() {
    let scratch = tempfile::tempdir().unwrap();
    let root = scratch.path().to_path_buf();
    let Some(db) = Server::start(root.join("mariadb")) else {
        return;
    };
    db.sql(
        "CREATE USER backup@'%' IDENTIFIED BY 'dump-secret'; GRANT ALL ON *.* TO backup@'%';
         CREATE DATABASE shop; USE shop;
         CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(20)) ENGINE=InnoDB;
         INSERT INTO t VALUES (1, 'één'), (2, 'two'), (3, NULL);
         CREATE PROCEDURE n() SELECT COUNT(*) FROM t;
         CREATE TRIGGER up BEFORE INSERT ON t FOR EACH ROW SET NEW.name = UPPER(NEW.name);",
    );
    // Rows, the procedure (`--routines`) and the trigger (`--triggers`).
    let query = "USE shop; SELECT id, name FROM t ORDER BY id; CALL n(); \
                 SELECT TRIGGER_NAME, ACTION_TIMING, ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'shop';";
    let before = db.sql(query);

    let plan = plan();
    let job = workload(&plan, "db", "shop-dump");
    let backups = root.join("backups");
    let mut env = job_env(
        job,
        &[("MYSQL_PWD", "dump-secret")],
        &[("DB_HOST", "127.0.0.1"), ("DB_PORT", &db.port.to_string())],
    );
    assert_eq!(env[2], ("DB_USER".to_string(), "backup".to_string()));
    env.extend(db.env());
    let path = std::env::var("PATH").unwrap_or_default();
    sh(&script(job, "/backups", &backups), &env, &path, None);
    let files = dumps(&backups.join("shop"));
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].extension().is_some_and(|e| e == "sql"));

    db.sql("DROP DATABASE shop");
    let restores = hearth::dr::dump_restores(&plan);
    let restore = &restores
        .iter()
        .find(|r| r.backup == "shop-dump")
        .unwrap()
        .databases[0]
        .restore;
    assert!(restore.starts_with("sh -c '"), "{restore}");
    assert!(!restore.contains(ROOT_PASSWORD), "{restore}");
    // Without the server's root password in its environment the login fails.
    let mut bare = Command::new("/bin/sh");
    bare.args(["-c", restore]).env("PATH", &path).envs(db.env());
    bare.stdin(std::fs::File::open(&files[0]).unwrap());
    assert!(!bare.output().unwrap().status.success());
    let mut pod = db.env();
    pod.push(("MARIADB_ROOT_PASSWORD".into(), ROOT_PASSWORD.into()));
    sh(restore, &pod, &path, Some(&files[0]));
    assert_eq!(db.sql(query), before);
}
