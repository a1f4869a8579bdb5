//! The containers of a workload's pod: the main one (the workload's own
//! fields) and its init containers and sidecars, each planned from the same
//! parts: image, command, env, ports, probes, resources, security, mounts.

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::Code;
use crate::plan::*;
use crate::site::model as m;
use crate::site::spanned::Spanned;
use crate::site::values::{AbsPath, Image};

use super::mounts::PodVolumes;
use super::resolve::Ctx;

/// What site.toml says about one container, borrowed from the workload or
/// from one of its init containers or sidecars.
struct Parts<'a> {
    name: &'a str,
    image: &'a Image,
    command: &'a [String],
    args: &'a [String],
    working_dir: Option<&'a AbsPath>,
    env: &'a BTreeMap<String, Spanned<m::EnvValue>>,
    env_from: &'a [Spanned<m::EnvFrom>],
    ports: Vec<Port>,
    resources: &'a Option<m::Resources>,
    probes: &'a m::Probes,
    lifecycle: &'a m::Lifecycle,
    security: m::ContainerSecurity,
}

/// The workload's main container, with the mounts already planned.
pub(super) fn main_container(
    ctx: &mut Ctx,
    ns: &Namespace,
    name: &WorkloadName,
    w: &m::Workload,
    mounts: Vec<Mount>,
) -> Container {
    let ports = w
        .ports
        .iter()
        .map(|(pn, p)| port(pn, p.port, p.protocol))
        .collect();
    let parts = Parts {
        name: name.as_str(),
        image: w.image.get_ref(),
        command: &w.command,
        args: &w.args,
        working_dir: w.working_dir.as_ref(),
        env: &w.env,
        env_from: &w.env_from,
        ports,
        resources: &w.resources,
        probes: &w.probes,
        lifecycle: &w.lifecycle,
        security: w.security.container(),
    };
    build(ctx, ns, parts, mounts, false)
}

/// The init containers (in order), then the sidecars: names unique in the
/// pod, ports and probes on sidecars only, mounts resolved as the main
/// container's.
pub(super) fn side_containers(
    ctx: &mut Ctx,
    ns: &Namespace,
    (name, w): (&WorkloadName, &m::Workload),
    volumes: &mut PodVolumes,
) -> Vec<Container> {
    let mut seen = BTreeSet::from([name.as_str()]);
    let mut out = Vec::new();
    let inits = w.init.iter().map(|c| (c, false));
    for (c, sidecar) in inits.chain(w.sidecars.iter().map(|c| (c, true))) {
        let sc = c.get_ref();
        let cname = sc.name.get_ref().as_str();
        if !seen.insert(cname) {
            ctx.err(
                Code::Container,
                format!("container name `{cname}` is used twice in the pod of `{name}`"),
                sc.name.span(),
                "this name",
                "give every init container and sidecar its own name, other than the workload's",
            );
            continue;
        }
        let p = &sc.probes;
        let probes = p.liveness.is_some() || p.readiness.is_some() || p.startup.is_some();
        let hooks = sc.lifecycle.post_start.is_some() || sc.lifecycle.pre_stop.is_some();
        if !sidecar && (probes || hooks || !sc.ports.is_empty()) {
            ctx.err(
                Code::Container,
                format!("init container `{cname}` has `ports`, `probes` or `lifecycle`"),
                c.span(),
                "this init container",
                "an init container runs to completion: move it to `sidecars` to keep it running, or remove them",
            );
            continue;
        }
        let mounts = volumes.mounts(ctx, ns, (name, w), &sc.mounts);
        let ports = sc
            .ports
            .iter()
            .map(|(pn, p)| port(pn, p.port, p.protocol))
            .collect();
        let parts = Parts {
            name: cname,
            image: sc.image.get_ref(),
            command: &sc.command,
            args: &sc.args,
            working_dir: sc.working_dir.as_ref(),
            env: &sc.env,
            env_from: &sc.env_from,
            ports,
            resources: &sc.resources,
            probes: &sc.probes,
            lifecycle: &sc.lifecycle,
            security: sc.security.clone(),
        };
        out.push(build(ctx, ns, parts, mounts, sidecar));
    }
    out
}

/// One container from its parts.
fn build(
    ctx: &mut Ctx,
    ns: &Namespace,
    c: Parts<'_>,
    mounts: Vec<Mount>,
    sidecar: bool,
) -> Container {
    check_extended(ctx, c.resources);
    let env = c.env.iter().map(|(k, v)| env_var(ctx, ns, k, v)).collect();
    let env_from = c
        .env_from
        .iter()
        .filter_map(|ef| env_from(ctx, ns, ef))
        .collect();
    let mut probe = |p: &Option<Spanned<m::Probe>>| probe(ctx, c.name, &c.ports, p.as_ref()?);
    let (liveness, readiness, startup) = (
        probe(&c.probes.liveness),
        probe(&c.probes.readiness),
        probe(&c.probes.startup),
    );
    let lifecycle = super::lifecycle::lifecycle(ctx, c.name, &c.ports, c.lifecycle);
    Container {
        name: c.name.to_string(),
        image: c.image.to_string(),
        command: c.command.to_vec(),
        args: c.args.to_vec(),
        working_dir: c.working_dir.map(|d| d.to_string()),
        env,
        env_from,
        ports: c.ports,
        resources: resources(c.resources),
        liveness,
        readiness,
        startup,
        security: security(&c.security),
        mounts,
        lifecycle,
        sidecar,
    }
}

/// A container port as the plan holds it (workloads and sidecars declare
/// theirs with different site types).
fn port(name: &PortName, number: u16, protocol: m::Protocol) -> Port {
    Port {
        name: name.clone(),
        number,
        protocol,
    }
}

fn amounts(a: &Option<m::ResourceAmounts>) -> Amounts {
    a.as_ref().map_or_else(Amounts::default, |a| Amounts {
        cpu: a.cpu.clone(),
        memory: a.memory.clone(),
        extended: a
            .extended
            .iter()
            .map(|(k, n)| (k.clone(), *n.get_ref()))
            .collect(),
    })
}

/// Extended resources as the API server takes them (`validateContainerResourceName`,
/// `ValidateResourceRequirements`): a qualified name outside `kubernetes.io`,
/// and, since a device is not overcommitted, a request only with an equal
/// limit (the limit alone is enough: the request defaults to it).
fn check_extended(ctx: &mut Ctx, r: &Option<m::Resources>) {
    let Some(r) = r else { return };
    let none = BTreeMap::new();
    let requests = r.requests.as_ref().map_or(&none, |a| &a.extended);
    let limits = r.limits.as_ref().map_or(&none, |a| &a.extended);
    for (name, n) in limits.iter().chain(requests) {
        let reasons =
            crate::validate::apiserver::names::qualified_name(&format!("requests.{name}"));
        let bad = if name.contains("kubernetes.io/") {
            "is in the `kubernetes.io` domain, which has no extended resources".to_string()
        } else if !reasons.is_empty() {
            format!("is not a qualified name: {}", reasons.join("; "))
        } else {
            continue;
        };
        ctx.err(
            Code::Resources,
            format!("resource `{name}` {bad}"),
            n.span(),
            "this resource",
            "name an extended resource as its device plugin advertises it, e.g. `gpu.intel.com/i915`",
        );
    }
    for (name, req) in requests {
        let msg = match limits.get(name) {
            None => format!("extended resource `{name}` is requested without a limit"),
            Some(l) if l.get_ref() != req.get_ref() => format!(
                "extended resource `{name}` is requested {} and limited to {}; the API server wants them equal",
                req.get_ref(),
                l.get_ref()
            ),
            Some(_) => continue,
        };
        ctx.err(
            Code::Resources,
            msg,
            req.span(),
            "this request",
            format!("set only `limits.\"{name}\"`: the request defaults to the limit"),
        );
    }
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

/// A probe with exactly one handler and, for HTTP and TCP, a port of the
/// container (`name`, with `ports`).
fn probe(ctx: &mut Ctx, name: &str, ports: &[Port], p: &Spanned<m::Probe>) -> Option<Probe> {
    let (pspan, pr) = (p.span(), p.get_ref());
    let port = match &pr.port {
        Some(pn) if ports.iter().any(|p| &p.name == pn) => Some(pn.clone()),
        Some(pn) => {
            let names: Vec<&str> = ports.iter().map(|p| p.name.as_str()).collect();
            let help = match crate::diag::closest(pn.as_str(), names.iter().copied()) {
                Some(near) => format!("did you mean `{near}`?"),
                None if names.is_empty() => "declare the port under `ports`".to_string(),
                None => format!("ports of `{name}`: {}", names.join(", ")),
            };
            ctx.err(
                Code::Dangling,
                format!("probe port `{pn}` is not a port of `{name}`"),
                pspan.clone(),
                "this probe",
                help,
            );
            // Reported: the probe has a port, only not a known one.
            return None;
        }
        None if ports.len() == 1 => Some(ports[0].name.clone()),
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
fn security(sec: &m::ContainerSecurity) -> Option<Security> {
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
