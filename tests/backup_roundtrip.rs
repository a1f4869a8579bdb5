//! Round trips through real servers and tools on loopback: seed data, run the
//! script the rendered CronJob runs (with the environment it would have, its
//! mount paths moved under a scratch folder), wipe, restore with the rendered
//! restore command, compare. PostgreSQL, MariaDB and restic are found on the
//! machine (scripts/test installs Debian's); missing, a test prints SKIP, and
//! fails under CI=true.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::backups::workload;
use hearth::plan::{EnvValue, Plan, Workload};

fn plan() -> Plan {
    common::backups::plan_of(&common::backups::kinds())
}

/// The CronJob's environment: literals as rendered, secret keys from `secrets`
/// (name → value), and `over` replacing values that point into the cluster.
fn job_env(w: &Workload, secrets: &[(&str, &str)], over: &[(&str, &str)]) -> Vec<(String, String)> {
    w.container
        .env
        .iter()
        .map(|e| {
            let value = match (&e.value, over.iter().find(|(n, _)| *n == e.name)) {
                (_, Some((_, v))) => v.to_string(),
                (EnvValue::Literal(v), None) => v.clone(),
                (EnvValue::SecretKey { .. }, None) => secrets
                    .iter()
                    .find(|(n, _)| *n == e.name)
                    .map(|(_, v)| v.to_string())
                    .expect("a value for every secret"),
                (other, None) => panic!("unexpected env {other:?}"),
            };
            (e.name.clone(), value)
        })
        .collect()
}

/// The rendered `/bin/sh -c` script with the container path `from` moved to `to`.
fn script(w: &Workload, from: &str, to: &Path) -> String {
    assert_eq!(w.container.command[..2], ["/bin/sh", "-c"]);
    w.container.command[2].replace(from, &to.display().to_string())
}

fn sh(script: &str, env: &[(String, String)], path: &str, stdin: Option<&Path>) -> Output {
    let mut c = Command::new("/bin/sh");
    c.args(["-c", script]).env("PATH", path);
    c.envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if let Some(f) = stdin {
        c.stdin(std::fs::File::open(f).unwrap());
    }
    common::succeeds(c)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Poll `ready` until it holds (a server accepting connections), at most 20 s.
fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ready() {
        assert!(Instant::now() < deadline, "{what} did not become ready");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// PostgreSQL and MariaDB refuse to run as root unless told (or another user).
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

fn path_with(dir: &Path) -> String {
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The newest dump file, as the runbook picks it (`ls -1 | sort | tail -n 1`).
fn dumps(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[path = "backup_roundtrip/mariadb.rs"]
mod mariadb;
#[path = "backup_roundtrip/postgres.rs"]
mod postgres;
#[path = "backup_roundtrip/restic.rs"]
mod restic;
#[path = "backup_roundtrip/sqlite.rs"]
mod sqlite;
