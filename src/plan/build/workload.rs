//! A site workload: kind, container, ports, environment, probes, security, RBAC.

use crate::diag::Code;
use std::collections::BTreeMap;

use crate::plan::*;
use crate::site::kinds::WorkloadKind as K;
use crate::site::model as m;
use crate::site::spanned::Spanned;

use super::resolve::Ctx;
use super::service::{exceptions, std_labels};

/// `schedule` belongs to cron jobs, `replicas` to Deployments and StatefulSets.
fn check_kind_fields(ctx: &mut Ctx, name: &WorkloadName, w: &Spanned<m::Workload>) {
    let (span, w) = (w.span(), w.get_ref());
    match (w.kind, &w.schedule) {
        (K::CronJob, None) => ctx.err(
            Code::Schedule,
            format!("cron job `{name}` has no `schedule`"),
            span.clone(),
            "this workload",
            "add `schedule = \"0 4 * * *\"` (five cron fields)",
        ),
        (k, Some(_)) if k != K::CronJob => ctx.err(
            Code::Schedule,
            format!("`schedule` only applies to cron jobs, and `{name}` is a {k}"),
            span.clone(),
            "this workload",
            "remove `schedule`, or set `kind = \"cron-job\"`",
        ),
        _ => {}
    }
    if w.replicas.is_some() && !w.kind.has_replicas() {
        ctx.err(
            Code::Replicas,
            format!("a {} has no `replicas`", w.kind),
            span,
            "this workload",
            "remove `replicas`",
        );
    }
}

pub(super) fn workload(
    ctx: &mut Ctx,
    svc: &ServiceName,
    ns: &Namespace,
    name: &WorkloadName,
    spanned: &Spanned<m::Workload>,
) -> Workload {
    check_kind_fields(ctx, name, spanned);
    let (span, w) = (spanned.span(), spanned.get_ref());
    if let Some(n) = &w.node {
        ctx.check_node(n);
    }
    let (labels, selector) = std_labels(name.as_str(), svc.as_str());
    let pod_annotations = scrape_annotations(ctx, name, spanned);
    let mut pod_volumes = super::mounts::PodVolumes::default();
    let mounts = pod_volumes.mounts(ctx, ns, (name, w), &w.mounts);
    let container = super::container::main_container(ctx, ns, name, w, mounts);
    let init_containers = super::container::side_containers(ctx, ns, (name, w), &mut pod_volumes);
    let (volumes, claim_templates) = pod_volumes.into_parts();
    let node = match &w.node {
        Some(n) => Some(n.get_ref().clone()),
        None => host_path_node(ctx, ns, name, spanned, &volumes),
    };
    let placement = placement(ctx, w, node.as_ref(), &selector);
    let image_pull_secrets = super::placement::pull_secrets(ctx, ns, w);
    let rbac = w.rbac.as_ref().map(|r| Rbac {
        cluster: r.cluster,
        rules: r.rules.iter().cloned().map(PolicyRule).collect(),
    });
    Workload {
        name: name.clone(),
        kind: w.kind,
        api_version: w.kind.api_version(),
        replicas: w.kind.has_replicas().then(|| w.replicas.unwrap_or(1)),
        strategy: w.strategy,
        cron: w
            .schedule
            .as_ref()
            .map(|c| CronRun::new(c.clone(), ctx.raw.site.time_zone())),
        labels,
        selector,
        pod_annotations,
        node,
        tolerate_control_plane: w.tolerate_control_plane,
        placement,
        image_pull_secrets,
        host_network: w.host_network,
        service_account: rbac.as_ref().map(|_| name.to_string()),
        rbac,
        container,
        init_containers,
        pod_security: pod_security(ctx, &w.security),
        termination_grace: w.termination_grace.as_ref().map(|d| d.get_ref().seconds()),
        volumes,
        claim_templates,
        service: workload_service(name, w),
        lan: super::exposure::lan_service(ctx, name, w),
        origin: Origin::Site,
        security_reason: w.security.reason.clone(),
        produces: w
            .metrics
            .as_ref()
            .map(|m| m.produces.clone())
            .unwrap_or_default(),
        allow: exceptions(&w.allow),
        span,
    }
}

/// The workload's own Service: every port, the sidecars' too, that names a
/// Service port (a Service targets container ports by name).
fn workload_service(name: &WorkloadName, w: &m::Workload) -> Option<WorkloadService> {
    let ports: Vec<ServicePort> = pod_ports(w)
        .filter_map(|(pn, _, service, protocol)| {
            Some(ServicePort {
                name: pn.clone(),
                port: service?,
                protocol,
            })
        })
        .collect();
    (!ports.is_empty()).then(|| WorkloadService {
        name: name.to_string(),
        ports,
    })
}

/// Node selection, affinity and topology spread of the pods.
fn placement(
    ctx: &mut Ctx,
    w: &m::Workload,
    node: Option<&NodeName>,
    selector: &BTreeMap<String, String>,
) -> Placement {
    let mut placement = super::placement::placement(ctx, w, node);
    placement.affinity =
        Some(super::placement::affinity(ctx, &w.affinity)).filter(|a| !a.is_empty());
    placement.spread = super::placement::spread(ctx, w, selector);
    placement
}

/// The node an unpinned workload must run on: the one holding the host-path
/// volumes it mounts (a host path is only on its own node).
fn host_path_node(
    ctx: &mut Ctx,
    ns: &Namespace,
    name: &WorkloadName,
    w: &Spanned<m::Workload>,
    volumes: &[PodVolume],
) -> Option<NodeName> {
    let mut nodes: Vec<(NodeName, VolumeName)> = Vec::new();
    for v in volumes {
        if let PodVolumeSource::HostPath { volume, .. } = &v.source
            && let Some(node) = ctx.find_volume(ns, volume).and_then(|x| x.node.as_ref())
            && !nodes.iter().any(|(n, _)| n == node.get_ref())
        {
            nodes.push((node.get_ref().clone(), volume.clone()));
        }
    }
    match nodes.as_slice() {
        [] => None,
        [(node, _)] => Some(node.clone()),
        [(a, va), (b, vb), ..] => {
            ctx.err(
                Code::Node,
                format!("`{name}` mounts `{va}` on node `{a}` and `{vb}` on node `{b}`"),
                w.span(),
                "this workload",
                "a pod runs on one node: mount host paths of one node, or split the workload",
            );
            None
        }
    }
}

/// The pod's security context: the group owning its volumes, and when the
/// kubelet re-owns them.
fn pod_security(ctx: &mut Ctx, sec: &m::Security) -> Option<PodSecurity> {
    let change = sec.fs_group_change.as_ref();
    match (sec.fs_group, change) {
        (Some(fs_group), _) => Some(PodSecurity {
            fs_group,
            fs_group_change: change.map(|c| *c.get_ref()),
        }),
        (None, Some(c)) => {
            ctx.err(
                Code::Security,
                "`fs_group_change` says when volumes are re-owned for `fs_group`, and there is none",
                c.span(),
                "this setting",
                "set `fs_group` (the group that owns the pod's volumes), or remove `fs_group_change`",
            );
            None
        }
        (None, None) => None,
    }
}

/// Every container port of the pod (the main container's, then the
/// sidecars'): name, number, Service port, protocol.
fn pod_ports(w: &m::Workload) -> impl Iterator<Item = (&PortName, u16, Option<u16>, m::Protocol)> {
    let main = w
        .ports
        .iter()
        .map(|(n, p)| (n, p.port, p.service, p.protocol));
    let side = w.sidecars.iter().flat_map(|c| {
        let ports = &c.get_ref().ports;
        ports
            .iter()
            .map(|(n, p)| (n, p.port, p.service, p.protocol))
    });
    main.chain(side)
}

/// `prometheus.io/*` pod annotations for a workload that declares `metrics`.
fn scrape_annotations(
    ctx: &mut Ctx,
    name: &WorkloadName,
    w: &Spanned<m::Workload>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(mt) = &w.get_ref().metrics else {
        return out;
    };
    match pod_ports(w.get_ref()).find(|(pn, ..)| **pn == mt.port) {
        Some((_, port, ..)) => {
            out.insert("prometheus.io/scrape".to_string(), "true".to_string());
            out.insert("prometheus.io/port".to_string(), port.to_string());
            if let Some(path) = &mt.path {
                out.insert("prometheus.io/path".to_string(), path.clone());
            }
        }
        None => ctx.err(
            Code::Dangling,
            format!("metrics port `{}` is not a port of `{name}`", mt.port),
            w.span(),
            "this workload",
            "name one of the workload's `ports`",
        ),
    }
    out
}
