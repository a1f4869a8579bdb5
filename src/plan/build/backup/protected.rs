//! The volumes a restic or own-job backup mounts.

use std::collections::BTreeMap;

use crate::diag::Code;
use crate::plan::*;

use super::super::resolve::Ctx;
use super::{Decl, data_path};

/// The volumes a restic or job backup protects, resolved in the namespace
/// `ns` the job runs in: their pod volumes and mounts (read-only at
/// `/data/<service>/<volume>` unless `write`), their `service/volume` names,
/// the node a local or host-path volume pins the job to, and the pods the
/// job must run beside (see `beside`).
pub(super) struct Protected {
    pub(super) names: Vec<String>,
    pub(super) volumes: Vec<PodVolume>,
    pub(super) mounts: Vec<Mount>,
    pub(super) node: Option<NodeName>,
    pub(super) beside: BTreeMap<String, String>,
}

fn protected(
    ctx: &mut Ctx,
    d: &Decl,
    services: &ServiceMap,
    ns: &Namespace,
    write: bool,
) -> Protected {
    let mut p = Protected {
        names: vec![],
        volumes: vec![],
        mounts: vec![],
        node: None,
        beside: BTreeMap::new(),
    };
    // Selectors of the running pods holding a ReadWriteOnce claim the job mounts.
    let mut holders: Vec<&BTreeMap<String, String>> = vec![];
    for r in &d.b.volumes {
        let Some((svc, vol)) = ctx.volume_ref(services, r) else {
            continue;
        };
        let Some(pv) = services
            .get(&svc)
            .and_then(|s| s.volumes.iter().find(|v| v.name == vol))
        else {
            continue;
        };
        if ctx.namespace_of(&svc) != *ns {
            ctx.err(
                Code::Backup,
                format!("volume `{svc}/{vol}` is not in namespace `{ns}` where the job runs"),
                r.span(),
                "referenced here",
                "set `runs_in` to a service of the volume's namespace, or split the backup",
            );
            continue;
        }
        if pv.per_pod {
            per_pod(ctx, r.span(), &svc, &vol);
            continue;
        }
        let source = match pv.kind {
            VolumeKind::HostPath => PodVolumeSource::HostPath {
                volume: vol.clone(),
                path: pv.path.clone().unwrap_or_default(),
                kind: HostPathType::Directory,
            },
            VolumeKind::Chart => {
                ctx.err(
                    Code::Backup,
                    format!("volume `{svc}/{vol}` is created by a chart; hearth cannot mount it"),
                    r.span(),
                    "referenced here",
                    "back up chart volumes through their chart",
                );
                continue;
            }
            VolumeKind::Longhorn | VolumeKind::Local => PodVolumeSource::Claim {
                volume: vol.clone(),
                read_only: !write,
            },
        };
        if let Some(n) = &pv.node {
            if p.node.as_ref().is_some_and(|m| m != n) {
                ctx.err(
                    Code::Backup,
                    format!("volume `{svc}/{vol}` is on node `{n}`, another volume of this backup is not"),
                    r.span(),
                    "referenced here",
                    "back up volumes of different nodes in separate backups",
                );
            }
            p.node = Some(n.clone());
        }
        for h in holding(services, ns, pv) {
            if !holders.contains(&h) {
                holders.push(h);
            }
        }
        let name = format!("vol-{svc}-{vol}");
        p.mounts.push(Mount {
            volume: name.clone(),
            path: data_path(&svc, &vol),
            sub_path: None,
            read_only: !write,
        });
        p.volumes.push(PodVolume { name, source });
        p.names.push(format!("{svc}/{vol}"));
    }
    // A ReadWriteOnce claim is attached to one node: the job must start where
    // the pod using it runs, or it waits on a Multi-Attach error. Pods of
    // several workloads may be on several nodes; HL207 reports that case.
    if let [one] = holders[..] {
        p.beside = one.clone();
    }
    p
}

/// A per-pod volume is one claim per pod (`<volume>-<workload>-<n>`), and
/// no claim is named after the volume: a job mounting `vol` would never start.
pub(super) fn per_pod(
    ctx: &mut Ctx,
    at: std::ops::Range<usize>,
    svc: &ServiceName,
    vol: &VolumeName,
) {
    ctx.err(
        Code::Backup,
        format!("volume `{svc}/{vol}` is per pod: there is no one claim for the job to mount"),
        at,
        "referenced here",
        "back it up with a `longhorn` backup (it covers every pod's claim)",
    );
}

/// When `vol` is a ReadWriteOnce Longhorn claim: the selectors of the site's
/// long-running workloads (deployments, stateful and daemon sets) of
/// namespace `ns` mounting it. A cron job's pods come and go, so pod affinity
/// to them would keep the backup from starting.
pub(super) fn holding<'s>(
    services: &'s ServiceMap,
    ns: &Namespace,
    vol: &Volume,
) -> Vec<&'s BTreeMap<String, String>> {
    if vol.kind != VolumeKind::Longhorn || vol.access != AccessMode::ReadWriteOnce || vol.per_pod {
        return vec![];
    }
    services
        .values()
        .filter(|s| &s.namespace == ns)
        .flat_map(|s| &s.workloads)
        .filter(|w| w.origin == Origin::Site && w.kind != WorkloadKind::CronJob)
        .filter(|w| w.site_volumes().any(|v| v == &vol.name))
        .map(|w| &w.selector)
        .collect()
}

/// Where a job over the listed volumes runs (`runs_in`, else the first
/// volume's service), its namespace, and what it protects there; None when
/// nothing is left to protect (each reference was reported).
pub(super) fn volumes_job(
    ctx: &mut Ctx,
    d: &Decl,
    services: &ServiceMap,
) -> Option<(ServiceName, Namespace, Protected)> {
    let first =
        d.b.volumes
            .first()
            .and_then(|v| v.get_ref().split_once('/'))
            .and_then(|(s, _)| ServiceName::new(s).ok());
    let runs_in = super::runs_in(ctx, d, first)?;
    let ns = ctx.namespace_of(&runs_in);
    let p = protected(ctx, d, services, &ns, false);
    (!p.names.is_empty()).then_some((runs_in, ns, p))
}
