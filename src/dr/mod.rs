//! Disaster recovery: how each volume, database and secret of the site comes
//! back after the cluster is lost. Lint judges it (`lint`), the render writes it
//! down (`rendered/dr/`: coverage.json, RUNBOOK.md, export scripts) and
//! `hearth dr` prints it.

use std::collections::BTreeMap;

use serde::Serialize;

mod restores;

pub use restores::*;

use crate::monitoring::Monitoring;
use crate::plan::{Backup, BackupKind, DatabaseAt, Origin, Plan, Service, Volume, VolumeKind};
use crate::site::values::Cron as Schedule;

/// Volumes (`service/volume`) → the backups that recover them: the backups
/// naming the volume, and the dumps of a database whose server mounts it. A
/// SQLite dump brings back one file of its volume, not the app's other files
/// beside it (repositories, attachments), so it does not cover the volume.
pub fn covering(plan: &Plan) -> BTreeMap<String, Vec<&Backup>> {
    let mut out: BTreeMap<String, Vec<&Backup>> = BTreeMap::new();
    for b in &plan.backups {
        let dumped = b
            .databases
            .iter()
            .filter(|d| !is_file(plan, d))
            .flat_map(|d| database_volumes(plan, d));
        for v in b.volumes.iter().cloned().chain(dumped) {
            let list = out.entry(v).or_default();
            if !list.iter().any(|x| x.name == b.name) {
                list.push(b);
            }
        }
    }
    out
}

/// `service/volume` of every volume holding database `service/db`: those
/// mounted by the workload serving it (the site's workload, never a job a
/// backup of the same name derives), or a SQLite file's own volume.
pub fn database_volumes(plan: &Plan, db: &str) -> Vec<String> {
    let Some((svc, name)) = db.split_once('/') else {
        return Vec::new();
    };
    let Some(s) = plan.service(svc) else {
        return Vec::new();
    };
    let Some(pdb) = s.databases.iter().find(|x| x.name.as_str() == name) else {
        return Vec::new();
    };
    if let DatabaseAt::File { volume, .. } = &pdb.at {
        return vec![format!("{svc}/{volume}")];
    }
    s.workloads
        .iter()
        .filter(|w| w.name == pdb.workload && w.origin == Origin::Site)
        .flat_map(|w| plan.mounted_volumes(s, w))
        .map(|(owner, v)| format!("{}/{}", owner.name, v.name))
        .collect()
}

/// Database `service/db` is a SQLite file.
fn is_file(plan: &Plan, db: &str) -> bool {
    let Some((svc, name)) = db.split_once('/') else {
        return false;
    };
    plan.service(svc)
        .and_then(|s| s.databases.iter().find(|x| x.name.as_str() == name))
        .is_some_and(|d| matches!(d.at, DatabaseAt::File { .. }))
}

/// The claims a StatefulSet makes from per-pod volume `v`: one per replica.
fn pod_claims(s: &Service, v: &Volume) -> Vec<String> {
    if !v.per_pod {
        return Vec::new();
    }
    s.workloads
        .iter()
        .filter(|w| w.claim_templates.contains(&v.name))
        .flat_map(|w| {
            (0..w.replicas.unwrap_or(1)).map(move |i| format!("{}-{}-{i}", v.name, w.name))
        })
        .collect()
}

#[derive(Debug, Serialize)]
pub struct VolumeCoverage {
    /// `service/volume`, as site.toml names it.
    pub volume: String,
    /// The claim as the cluster knows it: Longhorn's backup list shows a
    /// backup's PVC and namespace, and claim names repeat across namespaces.
    pub namespace: String,
    pub claim: String,
    /// A per-pod volume: every pod's claim (`<volume>-<workload>-<n>`), each
    /// backed up and restored on its own.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pod_claims: Vec<String>,
    pub kind: VolumeKind,
    pub size: Option<String>,
    pub recovery: Recovery,
    pub backups: Vec<BackupRef>,
    pub reason: Option<String>,
}

/// How a volume comes back: through a backup of some kind, not at all by
/// choice (`no_backup`), or not at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    Backup(BackupKind),
    None,
    Unrecoverable,
}

impl Recovery {
    /// `longhorn`, `pg-backup`, `rclone`, `none` or `unrecoverable`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Backup(k) => k.as_str(),
            Self::None => "none",
            Self::Unrecoverable => "unrecoverable",
        }
    }
}

impl std::fmt::Display for Recovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl Serialize for Recovery {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[derive(Debug, Serialize)]
pub struct BackupRef {
    pub name: String,
    pub kind: BackupKind,
    pub schedule: Schedule,
    pub retain: Option<u32>,
    pub target: Option<String>,
    /// Databases dumped (pg-backup).
    pub databases: Vec<String>,
    /// The alerts that watch this backup (failure, staleness), from monitoring.
    pub alerts: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct SecretCoverage {
    pub secret: String,
    pub keys: Vec<String>,
    /// In the encrypted DR export: not regenerable, and every key sealed (a
    /// SealedSecret holding `"placeholder"` never becomes a Secret, so there
    /// is nothing to export or restore).
    pub exported: bool,
    pub regenerable: Option<String>,
    /// Keys still holding `"placeholder"` instead of kubeseal ciphertext.
    pub placeholders: Vec<String>,
}

/// Keys of a planned secret that still hold `"placeholder"`.
pub fn placeholder_keys(secret: &crate::plan::Secret) -> Vec<String> {
    secret
        .encrypted
        .iter()
        .filter(|(_, v)| v.as_str() == crate::site::values::PLACEHOLDER)
        .map(|(k, _)| k.clone())
        .collect()
}

/// Every secret with unsealed keys, as `namespace/secret` and those keys, and
/// the number of keys in all.
pub fn placeholders(plan: &Plan) -> (Vec<(String, Vec<String>)>, usize) {
    let list: Vec<(String, Vec<String>)> = plan
        .services
        .iter()
        .flat_map(|s| {
            s.secrets
                .iter()
                .map(move |x| (format!("{}/{}", s.namespace, x.name), placeholder_keys(x)))
        })
        .filter(|(_, keys)| !keys.is_empty())
        .collect();
    let count = list.iter().map(|(_, k)| k.len()).sum();
    (list, count)
}

/// One line per unsealed secret, after a count; empty when every key is sealed.
pub fn placeholder_report(plan: &Plan) -> String {
    let (list, count) = placeholders(plan);
    if list.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "{count} secret value(s) in {} secret(s) still \"placeholder\" (not sealed: no Secret in the cluster, not in the DR export):\n",
        list.len()
    );
    for (secret, keys) in list {
        out.push_str(&format!("  {secret}: {}\n", keys.join(", ")));
    }
    out.push_str("  seal them with `hearth seal --cert <controller.pem>` (`hearth seal --check` lists each with its line)\n");
    out
}

#[derive(Debug, Serialize)]
pub struct Coverage {
    pub volumes: Vec<VolumeCoverage>,
    pub secrets: Vec<SecretCoverage>,
}

/// Every volume holding data and every secret, and how each comes back.
pub fn coverage(plan: &Plan, monitoring: Option<&Monitoring>) -> Coverage {
    let backup_ref = |b: &Backup| BackupRef {
        name: b.name.to_string(),
        kind: b.kind,
        schedule: b.schedule.clone(),
        retain: b.retain,
        target: b.target.as_ref().map(|t| t.to_string()),
        databases: b.databases.clone(),
        alerts: monitoring
            .and_then(|m| m.watches.get(b.name.as_str()))
            .cloned()
            .unwrap_or_default(),
    };
    let covering = covering(plan);
    let mut volumes = Vec::new();
    for s in &plan.services {
        for v in s.volumes.iter().filter(|v| v.holds_data) {
            let key = format!("{}/{}", s.name, v.name);
            let backups: Vec<BackupRef> = covering
                .get(&key)
                .into_iter()
                .flatten()
                .map(|b| backup_ref(b))
                .collect();
            let recovery = match (backups.first(), &v.no_backup) {
                (Some(b), _) => Recovery::Backup(b.kind),
                (None, Some(_)) => Recovery::None,
                (None, None) => Recovery::Unrecoverable,
            };
            volumes.push(VolumeCoverage {
                volume: key,
                namespace: s.namespace.to_string(),
                claim: v.claim.clone().unwrap_or_else(|| v.name.to_string()),
                pod_claims: pod_claims(s, v),
                kind: v.kind,
                size: v.size.clone(),
                recovery,
                backups,
                reason: v.no_backup.clone(),
            });
        }
    }
    let secrets = plan
        .services
        .iter()
        .flat_map(|s| {
            s.secrets.iter().map(move |x| {
                let placeholders = placeholder_keys(x);
                SecretCoverage {
                    secret: format!("{}/{}", s.namespace, x.name),
                    keys: x.encrypted.keys().cloned().collect(),
                    exported: x.regenerable.is_none() && placeholders.is_empty(),
                    regenerable: x.regenerable.clone(),
                    placeholders,
                }
            })
        })
        .collect();
    Coverage { volumes, secrets }
}

/// What restoring one dumped database needs: where the dumps are, where they go.
#[derive(Debug, Serialize)]
pub struct DatabaseRestore {
    /// `service/database`.
    pub database: String,
    pub name: String,
    /// Namespace and workload of the server the dump is loaded into.
    pub namespace: String,
    pub server: String,
    /// `kubectl` references of the server and of the pg-backup workload
    /// (`statefulset/postgres`): `kubectl exec deploy/x` finds no StatefulSet.
    pub server_ref: String,
    pub backup_ref: String,
    pub owner: Option<String>,
    /// The pg-backup backup, its namespace and schedule.
    pub backup: String,
    pub backup_namespace: String,
    pub schedule: Schedule,
}

pub fn database_restores(plan: &Plan) -> Vec<DatabaseRestore> {
    // kubectl's resource name for a workload kind (`StatefulSet` -> `statefulset`).
    let kref = |kind: &str, name: &str| format!("{}/{name}", kind.to_lowercase());
    let mut out = Vec::new();
    for b in plan
        .backups
        .iter()
        .filter(|b| b.kind == BackupKind::PgBackup)
    {
        let Some((job_ns, backup_ref)) = plan.services.iter().find_map(|s| {
            s.workloads
                .iter()
                .find(|w| w.origin == Origin::Backup(b.name.clone()))
                .map(|w| {
                    (
                        s.namespace.to_string(),
                        kref(w.kind.as_str(), w.name.as_str()),
                    )
                })
        }) else {
            continue;
        };
        for d in &b.databases {
            let Some((svc, name)) = d.split_once('/') else {
                continue;
            };
            let Some(s) = plan.service(svc) else { continue };
            let Some(pdb) = s.databases.iter().find(|x| x.name.as_str() == name) else {
                continue;
            };
            out.push(DatabaseRestore {
                database: d.clone(),
                name: name.to_string(),
                namespace: s.namespace.to_string(),
                server: pdb.workload.to_string(),
                server_ref: s
                    .workloads
                    .iter()
                    .find(|w| w.name == pdb.workload && w.origin == Origin::Site)
                    .map_or_else(
                        || kref("deployment", pdb.workload.as_str()),
                        |w| kref(w.kind.as_str(), w.name.as_str()),
                    ),
                backup_ref: backup_ref.clone(),
                owner: pdb.owner.clone(),
                backup: b.name.to_string(),
                backup_namespace: job_ns.clone(),
                schedule: b.schedule.clone(),
            });
        }
    }
    out
}
