//! HL207: a ReadWriteOnce volume mounted by workloads that may run on
//! different nodes.
//!
//! ## What it does
//! A ReadWriteOnce volume is mounted by several workloads, or by several
//! replicas of one, that are not pinned to one node.
//!
//! ## Why
//! A ReadWriteOnce volume attaches to one node at a time. When the scheduler
//! puts the second workload's pod (or replica) on another node, it waits in
//! ContainerCreating (`Multi-Attach error`) until the first pod leaves: a
//! backup job that never runs, or an app that never starts after a reschedule.
//! A job hearth makes run beside another mounter's pods (pod affinity on the
//! host name, as a SQLite dump's, or a restic, job or rclone backup's of a
//! volume one workload holds) is on their node and is not counted.
//!
//! ## Example
//! ```toml
//! [services.app.volumes.data]
//! kind = "longhorn"
//! size = "5Gi"               # access defaults to read-write-once
//! [services.app.workloads.web]
//! kind = "deployment"
//! image = "nginx:1.27.0"
//! mounts = [{ path = "/data", volume = "data" }]
//! [services.app.workloads.sync]
//! kind = "cron-job"
//! schedule = "0 4 * * *"
//! image = "rclone/rclone:1.67.0"
//! mounts = [{ path = "/data", volume = "data" }]
//! ```
//!
//! ## Fix
//! Pin every workload that mounts the volume to the same node (`node = "pi1"`),
//! mount it from one workload only, or use `access = "read-write-many"` if the
//! storage supports it (Longhorn does, through its share manager).

use std::collections::BTreeMap;

use super::{Check, Code};
use crate::lint::rule::{Context, Sink, allow};
use crate::plan::{AccessMode, Service, Volume, VolumeKind, Workload};

pub(super) const CHECK: Option<Check> = Some(check);

type Mounter<'p> = (&'p Service, &'p Workload);

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    // (namespace, volume) → the volume and every workload mounting it.
    let mut by_volume: BTreeMap<(String, String), (&'p Volume, Vec<Mounter<'p>>)> =
        BTreeMap::new();
    for s in &cx.plan.services {
        for w in &s.workloads {
            for (owner, v) in cx.plan.mounted_volumes(s, w) {
                let claim = matches!(v.kind, VolumeKind::Longhorn | VolumeKind::Local);
                // A per-pod volume is one claim per pod: nothing is shared.
                if v.access != AccessMode::ReadWriteOnce || !claim || v.per_pod {
                    continue;
                }
                let key = (owner.namespace.to_string(), v.name.to_string());
                let entry = by_volume.entry(key).or_insert_with(|| (v, Vec::new()));
                if !entry.1.iter().any(|(es, ew)| es.name == s.name && ew.name == w.name) {
                    entry.1.push((s, w));
                }
            }
        }
    }
    for ((ns, _), (v, all)) in by_volume {
        // A workload required beside another mounter's pods (pod affinity on
        // the host name, as a SQLite dump job has) runs on that one's node.
        let mounters: Vec<Mounter<'p>> = all
            .iter()
            .filter(|(_, w)| !follows(w, &all))
            .copied()
            .collect();
        let Some(&(s, first)) = mounters.first() else {
            continue;
        };
        // One workload alone: its replicas are pods that may land on
        // different nodes.
        let replicas = first.replicas.unwrap_or(1);
        if mounters.len() == 1 && replicas > 1 && first.node.is_none() {
            let what = format_args!(
                "mounts ReadWriteOnce volume `{}` (namespace `{ns}`) from {replicas} replicas without pinning them to one node",
                v.name
            );
            out.workload(Code::RwoVolumeShared, (s, first), what);
            continue;
        }
        let one_node = first.node.is_some() && mounters.iter().all(|(_, w)| w.node == first.node);
        if one_node {
            continue;
        }
        // Reported where a workload is off the first pinned one's node (or
        // unpinned); with none pinned, at every mounter after the first.
        let anchor = mounters.iter().find_map(|(_, w)| w.node.as_ref());
        let off: Vec<&Mounter<'p>> = match anchor {
            Some(n) => mounters.iter().filter(|(_, w)| w.node.as_ref() != Some(n)).collect(),
            None => mounters.iter().skip(1).collect(),
        };
        let names: Vec<String> = mounters
            .iter()
            .map(|(s, w)| format!("`{}/{}`", s.name, w.name))
            .collect();
        for (s, w) in off {
            out.at(
                Code::RwoVolumeShared,
                format!(
                    "ReadWriteOnce volume `{}` (namespace `{ns}`) is mounted by {} without pinning them to one node",
                    v.name,
                    names.join(", ")
                ),
                w.span.clone(),
                allow(s, &w.allow),
            );
        }
    }
}

/// `w` must run beside the pods of another of `all` (same namespace: pod
/// affinity without namespaces is the pod's own).
fn follows(w: &Workload, all: &[Mounter]) -> bool {
    w.placement
        .affinity
        .as_ref()
        .is_some_and(|a| !a.beside.is_empty() && all.iter().any(|(_, o)| o.name != w.name && o.selector == a.beside))
}
