//! How the backups hearth renders as CronJobs come back: the engine dumps
//! (loaded into the database's own server with the engine's client) and the
//! restic and own-job backups (their restore command, run with the volumes
//! mounted where the backup read them).

use serde::Serialize;

use crate::plan::{Backup, BackupKind, DatabaseAt, DatabaseEngine, Origin, Plan};
use crate::site::values::Cron as Schedule;

/// One dump backup: the pod that reads its dump volume, and its databases.
#[derive(Debug, Serialize)]
pub struct DumpRestore {
    pub backup: String,
    pub engine: DatabaseEngine,
    pub schedule: Schedule,
    /// Namespace, claim and image of the dump job (the restore pod uses the same).
    pub namespace: String,
    pub claim: String,
    pub image: String,
    pub databases: Vec<DumpedDatabase>,
    /// PostgreSQL: the server's roles, loaded before its databases (their
    /// dumps name owners and grantees).
    pub globals: Option<Globals>,
}

/// The folder and file stem of a PostgreSQL server's globals dumps
/// (`/backups/_globals/_globals-<UTC time>.sql`): no database name starts with `_`.
pub const GLOBALS: &str = "_globals";

/// Where a server's globals dump is loaded.
#[derive(Debug, Serialize)]
pub struct Globals {
    /// Namespace and `kubectl` reference of the server.
    pub namespace: String,
    pub server_ref: String,
    /// `psql` reading the dump from stdin, run in the server's pod.
    pub restore: String,
}

/// The command loading a PostgreSQL globals dump from stdin: as the official
/// image's superuser over the local socket, into the `postgres` database.
/// Roles that already exist (the superuser itself) make `CREATE ROLE` fail and
/// psql go on: their `ALTER ROLE` still sets attributes and password.
pub fn globals_restore_command() -> String {
    "sh -c 'exec psql --username=\"${POSTGRES_USER:-postgres}\" --dbname=postgres'".to_string()
}

#[derive(Debug, Serialize)]
pub struct DumpedDatabase {
    /// `service/database`.
    pub database: String,
    pub name: String,
    /// Dump files: `/backups/<name>/<name>-<UTC time>.<ext>`.
    pub ext: &'static str,
    /// Namespace and `kubectl` reference of the server (`statefulset/mariadb`).
    pub namespace: String,
    pub server_ref: String,
    /// The engine's client loading a dump from stdin, run in the server's
    /// pod; of a SQLite file, the copy over it run in the restore pod.
    pub restore: String,
    /// A SQLite file: the workload stopped while it is replaced, and its volume.
    pub file: Option<SqliteFile>,
}

/// What replacing a SQLite file needs: the workload using it scaled to zero
/// (its selector to wait for its pods to go, its replicas to scale back) and
/// its volume mounted in the restore pod where the dump job mounts it.
#[derive(Debug, Serialize)]
pub struct SqliteFile {
    pub selector: String,
    pub replicas: u32,
    /// The volume's claim and mount path.
    pub claim: String,
    pub dir: String,
}

/// The command that loads a dump from stdin into database `name`, run in the
/// server's pod with `kubectl exec -i`. It authenticates the way the engine's
/// official image sets the server up, reading the secret from the container's
/// environment inside the pod so no value is printed or passed on a command
/// line: PostgreSQL over the local socket (trusted) as the image's superuser
/// `$POSTGRES_USER`, restoring ownership and grants (the roles come back first,
/// from the globals dump); MariaDB and MySQL as `root` with the password the
/// image was given (`MARIADB_ROOT_PASSWORD`, or its older name
/// `MYSQL_ROOT_PASSWORD`) handed to the client in `MYSQL_PWD`.
pub fn restore_command(engine: DatabaseEngine, name: &str) -> String {
    match engine {
        DatabaseEngine::Postgres => format!(
            "sh -c 'exec pg_restore --clean --if-exists --username=\"${{POSTGRES_USER:-postgres}}\" --dbname={name}'"
        ),
        // The dump names its database (`--databases`): no database argument.
        DatabaseEngine::Mariadb => {
            "sh -c 'export MYSQL_PWD=\"${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}\"; exec mariadb --user=root'".to_string()
        }
        DatabaseEngine::Mysql => {
            "sh -c 'export MYSQL_PWD=\"${MYSQL_ROOT_PASSWORD:-}\"; exec mysql --user=root'".to_string()
        }
        // A file, not a server: see `sqlite_restore_command`.
        DatabaseEngine::Sqlite => String::new(),
    }
}

/// The command replacing SQLite file `file` with the copy on stdin, run while
/// no process has it open: the journal and WAL files left beside it belong to
/// the old database and must not be applied to the restored one; writing
/// into the existing file keeps its owner and mode.
pub fn sqlite_restore_command(file: &str) -> String {
    format!("sh -c 'rm -f \"$0-wal\" \"$0-shm\" \"$0-journal\" && cat > \"$0\"' {file}")
}

/// The suffix of an engine's dump files.
pub fn dump_ext(engine: DatabaseEngine) -> &'static str {
    match engine {
        DatabaseEngine::Postgres => "dump",
        DatabaseEngine::Mariadb | DatabaseEngine::Mysql => "sql",
        DatabaseEngine::Sqlite => "sqlite3",
    }
}

/// `kubectl`'s reference of a workload (`StatefulSet` → `statefulset/x`):
/// `kubectl exec deploy/x` finds no StatefulSet.
pub fn kubectl_ref(kind: &str, name: &str) -> String {
    format!("{}/{name}", kind.to_lowercase())
}

pub fn dump_restores(plan: &Plan) -> Vec<DumpRestore> {
    let mut out = Vec::new();
    for b in plan.backups.iter().filter(|b| b.kind == BackupKind::Dump) {
        let (Some(engine), Some(ns), Some(claim), Some(image)) =
            (b.engine, &b.namespace, &b.claim, &b.image)
        else {
            continue;
        };
        let databases: Vec<DumpedDatabase> = b
            .databases
            .iter()
            .filter_map(|d| dumped(plan, engine, d))
            .collect();
        // Every database of a dump shares one server (planning checks it).
        let globals = databases
            .first()
            .filter(|_| engine == DatabaseEngine::Postgres)
            .map(|d| Globals {
                namespace: d.namespace.clone(),
                server_ref: d.server_ref.clone(),
                restore: globals_restore_command(),
            });
        out.push(DumpRestore {
            backup: b.name.to_string(),
            engine,
            schedule: b.schedule.clone(),
            namespace: ns.to_string(),
            claim: claim.clone(),
            image: image.clone(),
            databases,
            globals,
        });
    }
    out
}

fn dumped(plan: &Plan, engine: DatabaseEngine, key: &str) -> Option<DumpedDatabase> {
    let (svc, name) = key.split_once('/')?;
    let s = plan.service(svc)?;
    let db = s.databases.iter().find(|x| x.name.as_str() == name)?;
    // The serving workload, never a job derived from a backup of that name.
    let server = s
        .workloads
        .iter()
        .find(|w| w.name == db.workload && matches!(w.origin, Origin::Site));
    let server_ref = server.map_or_else(
        || kubectl_ref("deployment", db.workload.as_str()),
        |w| kubectl_ref(w.kind.as_str(), w.name.as_str()),
    );
    let (restore, file) = match &db.at {
        DatabaseAt::Server { .. } => (restore_command(engine, name), None),
        DatabaseAt::File { volume, path } => {
            let v = s.volumes.iter().find(|v| &v.name == volume)?;
            let dir = format!("/data/{svc}/{volume}");
            let file = SqliteFile {
                selector: server.map_or_else(String::new, |w| {
                    w.selector
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(",")
                }),
                replicas: server.and_then(|w| w.replicas).unwrap_or(1),
                claim: v.claim.clone().unwrap_or_else(|| volume.to_string()),
                dir: dir.clone(),
            };
            (sqlite_restore_command(&format!("{dir}/{path}")), Some(file))
        }
    };
    Some(DumpedDatabase {
        database: key.to_string(),
        name: name.to_string(),
        ext: dump_ext(engine),
        namespace: s.namespace.to_string(),
        server_ref,
        restore,
        file,
    })
}

/// One restic or own-job backup: what to run, where, with which volumes.
#[derive(Debug, Serialize)]
pub struct JobRestore {
    pub backup: String,
    pub kind: BackupKind,
    pub schedule: Schedule,
    pub namespace: String,
    pub image: String,
    pub repository: Option<String>,
    pub restore: String,
    pub volumes: Vec<MountedVolume>,
}

#[derive(Debug, Serialize)]
pub struct MountedVolume {
    /// `service/volume`, its claim (none for a host path) and where the job mounts it.
    pub volume: String,
    pub claim: Option<String>,
    pub path: String,
}

pub fn job_restores(plan: &Plan) -> Vec<JobRestore> {
    plan.backups
        .iter()
        .filter(|b| matches!(b.kind, BackupKind::Restic | BackupKind::Job))
        .filter_map(|b| job_restore(plan, b))
        .collect()
}

fn job_restore(plan: &Plan, b: &Backup) -> Option<JobRestore> {
    let volumes = b
        .volumes
        .iter()
        .filter_map(|key| {
            let (svc, name) = key.split_once('/')?;
            let v = plan
                .service(svc)?
                .volumes
                .iter()
                .find(|v| v.name.as_str() == name)?;
            let claim = (v.kind != crate::plan::VolumeKind::HostPath)
                .then(|| v.claim.clone().unwrap_or_else(|| name.to_string()));
            Some(MountedVolume {
                volume: key.clone(),
                claim,
                path: format!("/data/{svc}/{name}"),
            })
        })
        .collect();
    Some(JobRestore {
        backup: b.name.to_string(),
        kind: b.kind,
        schedule: b.schedule.clone(),
        namespace: b.namespace.as_ref()?.to_string(),
        image: b.image.clone()?,
        repository: b.repository.clone(),
        restore: b.restore.clone()?,
        volumes,
    })
}
