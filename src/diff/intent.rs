//! The intent summary: what a change means for the cluster, read from the
//! plans on both sides rather than from object fields.

use std::collections::{BTreeMap, BTreeSet};

use super::{Intent, access, lan, netpol, shrink};
use crate::plan::Plan;

fn service_names(p: Option<&Plan>) -> BTreeSet<String> {
    p.map(|p| p.services.iter().map(|s| s.name.to_string()).collect())
        .unwrap_or_default()
}

/// Every container's image: the main container as `service/workload`, the
/// others as `service/workload/container`.
fn images(p: Option<&Plan>) -> BTreeMap<String, String> {
    let Some(p) = p else {
        return BTreeMap::new();
    };
    p.services
        .iter()
        .flat_map(|s| s.workloads.iter().map(move |w| (s, w)))
        .flat_map(|(s, w)| {
            w.containers().map(move |c| {
                let key = match w.is_main(c) {
                    true => format!("{}/{}", s.name, w.name),
                    false => format!("{}/{}/{}", s.name, w.name, c.name),
                };
                (key, c.image.clone())
            })
        })
        .collect()
}

/// Each ingress as `service/ingress`, true when it has no authentication.
fn exposure(p: Option<&Plan>) -> BTreeMap<String, bool> {
    let Some(p) = p else {
        return BTreeMap::new();
    };
    p.services
        .iter()
        .flat_map(|s| {
            s.ingresses
                .iter()
                .map(move |i| (format!("{}/{}", s.name, i.name), i.auth.is_none()))
        })
        .collect()
}

/// The volumes some backup covers.
fn covered(p: Option<&Plan>) -> BTreeSet<String> {
    p.map(|p| {
        p.backups
            .iter()
            .flat_map(|b| b.volumes.iter().cloned())
            .collect()
    })
    .unwrap_or_default()
}

/// The secrets the DR export can restore: not regenerable, nothing left
/// unsealed.
fn exported(p: Option<&Plan>) -> BTreeSet<String> {
    let Some(p) = p else {
        return BTreeSet::new();
    };
    p.services
        .iter()
        .flat_map(|s| {
            s.secrets
                .iter()
                .filter(|x| x.regenerable.is_none() && crate::dr::placeholder_keys(x).is_empty())
                .map(move |x| format!("{}/{}", s.namespace, x.name))
        })
        .collect()
}

pub(super) fn intent(base: Option<&Plan>, head: &Plan) -> Intent {
    let (sa, sb) = (service_names(base), service_names(Some(head)));
    let (ia, ib) = (images(base), images(Some(head)));
    let (ea, eb) = (exposure(base), exposure(Some(head)));
    let (ca, cb) = (covered(base), covered(Some(head)));
    let volumes: BTreeSet<String> = head
        .services
        .iter()
        .flat_map(|s| {
            s.volumes
                .iter()
                .map(move |v| format!("{}/{}", s.name, v.name))
        })
        .collect();
    let (xa, xb) = (exported(base), exported(Some(head)));
    let (namespaces_isolated, namespaces_opened, allows_added, allows_removed) =
        netpol::changes(base, head);
    Intent {
        namespaces_isolated,
        namespaces_opened,
        allows_added,
        allows_removed,
        services_added: sb.difference(&sa).cloned().collect(),
        services_removed: sa.difference(&sb).cloned().collect(),
        images_changed: ib
            .iter()
            .filter_map(|(k, new)| {
                ia.get(k)
                    .filter(|old| *old != new)
                    .map(|old| (k.clone(), old.clone(), new.clone()))
            })
            .collect(),
        ingresses_now_public: eb
            .iter()
            .filter(|(k, open)| **open && ea.get(*k) != Some(&true))
            .map(|(k, _)| k.clone())
            .collect(),
        ingress_access_changed: access::changed(base, head),
        ports_now_on_lan: lan::now_on_lan(base, head),
        volumes_lost_backup: ca
            .difference(&cb)
            .filter(|v| volumes.contains(*v))
            .cloned()
            .collect(),
        volumes_gained_backup: cb.difference(&ca).cloned().collect(),
        volumes_resize_refused: shrink::refused(base, head),
        secrets_left_export: xa.difference(&xb).cloned().collect(),
        new_findings: Vec::new(),
        charts: Vec::new(),
    }
}
