//! How the backups hearth renders as CronJobs come back: the engine dumps
//! (loaded into the database's own server with the engine's client) and the
//! restic and own-job backups (their restore command, run with the volumes
//! mounted where the backup read them).

use serde::Serialize;

use crate::plan::{Backup, BackupKind, DatabaseEngine, Plan};
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
    /// The engine's client loading a dump from stdin, run in the server's pod.
    pub restore: String,
}

/// The command that loads a dump from stdin into database `name` as `user`.
pub fn restore_command(engine: DatabaseEngine, name: &str, user: Option<&str>) -> String {
    match engine {
        DatabaseEngine::Postgres => format!(
            "pg_restore --clean --if-exists --no-owner --username={} --dbname={name}",
            user.unwrap_or("postgres")
        ),
        // The dump names its database (`--databases`): no database argument.
        DatabaseEngine::Mariadb => format!("mariadb --user={}", user.unwrap_or("root")),
        DatabaseEngine::Mysql => format!("mysql --user={}", user.unwrap_or("root")),
    }
}

/// The suffix of an engine's dump files.
pub fn dump_ext(engine: DatabaseEngine) -> &'static str {
    match engine {
        DatabaseEngine::Postgres => "dump",
        DatabaseEngine::Mariadb | DatabaseEngine::Mysql => "sql",
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
        let databases = b
            .databases
            .iter()
            .filter_map(|d| dumped(plan, engine, d))
            .collect();
        out.push(DumpRestore {
            backup: b.name.to_string(),
            engine,
            schedule: b.schedule.clone(),
            namespace: ns.to_string(),
            claim: claim.clone(),
            image: image.clone(),
            databases,
        });
    }
    out
}

fn dumped(plan: &Plan, engine: DatabaseEngine, key: &str) -> Option<DumpedDatabase> {
    let (svc, name) = key.split_once('/')?;
    let s = plan.service(svc)?;
    let db = s.databases.iter().find(|x| x.name.as_str() == name)?;
    let server_ref = s
        .workloads
        .iter()
        .find(|w| w.name == db.workload)
        .map_or_else(
            || kubectl_ref("deployment", db.workload.as_str()),
            |w| kubectl_ref(w.kind.as_str(), w.name.as_str()),
        );
    Some(DumpedDatabase {
        database: key.to_string(),
        name: name.to_string(),
        ext: dump_ext(engine),
        namespace: s.namespace.to_string(),
        server_ref,
        restore: restore_command(engine, name, db.owner.as_deref()),
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
