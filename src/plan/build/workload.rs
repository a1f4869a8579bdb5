//! A site workload: kind, container, ports, environment, probes, security, RBAC.

use crate::diag::Code;
use std::collections::BTreeMap;

use crate::plan::*;
use crate::site::kinds::WorkloadKind as K;
use crate::site::model as m;
use crate::site::spanned::Spanned;

use super::resolve::Ctx;
use super::service::{exceptions, std_labels};

fn amounts(a: &Option<m::ResourceAmounts>) -> Amounts {
    a.as_ref().map_or_else(Amounts::default, |a| Amounts {
        cpu: a.cpu.clone(),
        memory: a.memory.clone(),
    })
}

/// Requests and limits, or none when neither names an amount.
pub(super) fn resources(r: &Option<m::Resources>) -> Option<Resources> {
    let r = r.as_ref()?;
    let out = Resources {
        requests: amounts(&r.requests),
        limits: amounts(&r.limits),
    };
    (!(out.requests.is_empty() && out.limits.is_empty())).then_some(out)
}

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
    let service_ports: Vec<ServicePort> = w
        .ports
        .iter()
        .filter_map(|(pn, p)| {
            Some(ServicePort {
                name: pn.clone(),
                port: p.service?,
                protocol: p.protocol,
            })
        })
        .collect();
    let pod_annotations = scrape_annotations(ctx, name, spanned);
    let (volumes, mounts) = super::mounts::mounts(ctx, ns, name, w);
    let node = match &w.node {
        Some(n) => Some(n.get_ref().clone()),
        None => host_path_node(ctx, ns, name, spanned, &volumes),
    };
    let placement = super::placement::placement(ctx, w, node.as_ref());
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
        container: container(ctx, ns, name, spanned, mounts),
        pod_security: w.security.fs_group.map(|fs_group| PodSecurity { fs_group }),
        volumes,
        service: (!service_ports.is_empty()).then(|| WorkloadService {
            name: name.to_string(),
            ports: service_ports,
        }),
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

/// The workload's one container: image, command, env, ports, probes,
/// resources, security and the mounts already planned.
fn container(
    ctx: &mut Ctx,
    ns: &Namespace,
    name: &WorkloadName,
    spanned: &Spanned<m::Workload>,
    mounts: Vec<Mount>,
) -> Container {
    let w = spanned.get_ref();
    let ports = w
        .ports
        .iter()
        .map(|(pn, p)| Port {
            name: pn.clone(),
            number: p.port,
            protocol: p.protocol,
        })
        .collect();
    let env = w.env.iter().map(|(k, v)| env_var(ctx, ns, k, v)).collect();
    let env_from = w
        .env_from
        .iter()
        .filter_map(|ef| env_from(ctx, ns, ef))
        .collect();
    let mut probe = |p: &Option<Spanned<m::Probe>>| probe(ctx, name, w, p.as_ref()?);
    let (liveness, readiness, startup) = (
        probe(&w.probes.liveness),
        probe(&w.probes.readiness),
        probe(&w.probes.startup),
    );
    Container {
        name: name.to_string(),
        image: w.image.get_ref().to_string(),
        command: w.command.clone(),
        args: w.args.clone(),
        working_dir: w.working_dir.as_ref().map(|d| d.to_string()),
        env,
        env_from,
        ports,
        resources: resources(&w.resources),
        liveness,
        readiness,
        startup,
        security: security(&w.security),
        mounts,
    }
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
    match w.get_ref().ports.get(&mt.port) {
        Some(p) => {
            out.insert("prometheus.io/scrape".to_string(), "true".to_string());
            out.insert("prometheus.io/port".to_string(), p.port.to_string());
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

/// A probe with exactly one handler and, for HTTP and TCP, a port of the workload.
fn probe(
    ctx: &mut Ctx,
    name: &WorkloadName,
    w: &m::Workload,
    p: &Spanned<m::Probe>,
) -> Option<Probe> {
    let (pspan, pr) = (p.span(), p.get_ref());
    let port = match &pr.port {
        Some(pn) if w.ports.contains_key(pn) => Some(pn.clone()),
        Some(pn) => {
            ctx.err(
                Code::Dangling,
                format!("probe port `{pn}` is not a port of `{name}`"),
                pspan.clone(),
                "this probe",
                "name one of the workload's `ports`",
            );
            None
        }
        None if w.ports.len() == 1 => w.ports.keys().next().cloned(),
        None => None,
    };
    let kinds = pr.http.is_some() as u8 + pr.tcp as u8 + pr.exec.is_some() as u8;
    if kinds != 1 {
        ctx.err(
            Code::Probe,
            "a probe has exactly one of `http`, `tcp` or `exec`",
            pspan,
            "this probe",
            "e.g. `{ http = \"/health\", port = \"http\" }`",
        );
        return None;
    }
    let handler = match (&pr.exec, &pr.http, port) {
        (Some(cmd), _, _) => ProbeHandler::Exec {
            command: cmd.clone(),
        },
        (None, Some(path), Some(port)) => ProbeHandler::Http {
            path: path.clone(),
            port,
        },
        (None, None, Some(port)) => ProbeHandler::Tcp { port },
        (None, _, None) => {
            ctx.err(
                Code::Probe,
                "this probe needs a `port`",
                pspan,
                "this probe",
                "set `port` to a port name of the workload",
            );
            return None;
        }
    };
    Some(Probe {
        handler,
        initial_delay: pr.initial_delay,
        period: pr.period,
        failure_threshold: pr.failure_threshold,
    })
}

/// The container's security context; none when nothing is set.
fn security(sec: &m::Security) -> Option<Security> {
    let out = Security {
        privileged: sec.privileged,
        add: sec.capabilities.clone(),
        drop_all: sec.drop_all,
        // Dropping every capability means nothing may be regained either.
        no_privilege_escalation: sec.drop_all && !sec.privileged,
        run_as_user: sec.run_as_user,
        run_as_group: sec.run_as_group,
        read_only_root: sec.read_only_root,
    };
    let empty = !out.privileged
        && out.add.is_empty()
        && !out.drop_all
        && out.run_as_user.is_none()
        && out.run_as_group.is_none()
        && !out.read_only_root;
    (!empty).then_some(out)
}

fn env_from(ctx: &mut Ctx, ns: &Namespace, ef: &Spanned<m::EnvFrom>) -> Option<EnvFrom> {
    let e = ef.get_ref();
    match (&e.secret, &e.config_map) {
        (Some(s), None) => {
            ctx.check_secret_key(ns, s, None, ef.span());
            Some(EnvFrom::Secret(s.clone()))
        }
        (None, Some(c)) => {
            ctx.check_config_map_key(ns, c, None, ef.span());
            Some(EnvFrom::ConfigMap(c.clone()))
        }
        _ => {
            ctx.err(
                Code::Env,
                "`env_from` entries name exactly one of `secret` or `config_map`",
                ef.span(),
                "this entry",
                "split it in two entries",
            );
            None
        }
    }
}

fn env_var(ctx: &mut Ctx, ns: &Namespace, name: &str, v: &Spanned<m::EnvValue>) -> EnvVar {
    let value = match v.get_ref() {
        m::EnvValue::Literal(s) => EnvValue::Literal(s.clone()),
        m::EnvValue::From(src) => match (&src.secret, &src.config_map, &src.field, &src.key) {
            (Some(s), None, None, Some(k)) => {
                ctx.check_secret_key(ns, s, Some(k), v.span());
                EnvValue::SecretKey {
                    secret: s.clone(),
                    key: k.clone(),
                }
            }
            (None, Some(c), None, Some(k)) => {
                ctx.check_config_map_key(ns, c, Some(k), v.span());
                EnvValue::ConfigMapKey {
                    config_map: c.clone(),
                    key: k.clone(),
                }
            }
            (None, None, Some(f), None) => EnvValue::Field(f.clone()),
            _ => {
                ctx.err(
                    Code::Env,
                    format!("env `{name}` must be a string, `{{ secret, key }}`, `{{ config_map, key }}` or `{{ field }}`"),
                    v.span(),
                    "this value",
                    "e.g. `{ secret = \"app-secret\", key = \"PASSWORD\" }`",
                );
                EnvValue::Literal(String::new())
            }
        },
    };
    EnvVar {
        name: name.to_string(),
        value,
        span: Some(v.span()),
    }
}
