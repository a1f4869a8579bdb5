//! A workload's LAN exposure: the ports with `expose`, checked (each needs a
//! Service port, `address` and `node_port` belong to their exposure, one
//! exposure and one address per workload) and gathered into its
//! `<workload>-lan` Service.

use std::net::IpAddr;

use crate::diag::Code;
use crate::plan::exposure::NODE_PORTS;
use crate::plan::*;
use crate::site::kinds::{Exposure, Word};
use crate::site::model as m;
use crate::site::spanned::Spanned;

use super::resolve::Ctx;

/// The `<workload>-lan` Service, or none when no port is exposed.
pub(super) fn lan_service(
    ctx: &mut Ctx,
    name: &WorkloadName,
    w: &m::Workload,
) -> Option<LanService> {
    let mut kind: Option<(Exposure, &PortName)> = None;
    let mut address: Option<(IpAddr, &PortName)> = None;
    let mut ports = Vec::new();
    for (pn, p) in &w.ports {
        let Some(port) = lan_port(ctx, pn, p) else {
            continue;
        };
        let e = p.expose.as_ref().expect("lan_port checked `expose`");
        match kind {
            Some((k, first)) if k != *e.get_ref() => ctx.err(
                Code::Expose,
                format!("`{name}` exposes port `{first}` as {} and `{pn}` as {}", k.word(), e.get_ref().word()),
                e.span(),
                "a second kind of exposure",
                "a workload has one LAN Service: expose its ports the same way, or split the workload",
            ),
            Some(_) => {}
            None => kind = Some((*e.get_ref(), pn)),
        }
        if let Some(a) = &p.address {
            match address {
                Some((first, by)) if first != *a.get_ref() => ctx.err(
                    Code::Expose,
                    format!(
                        "port `{by}` of `{name}` asks for {first} and `{pn}` for {}",
                        a.get_ref()
                    ),
                    a.span(),
                    "a second address",
                    "a LoadBalancer Service has one address: give every port the same `address`",
                ),
                Some(_) => {}
                None => address = Some((*a.get_ref(), pn)),
            }
        }
        ports.push(port);
    }
    let (exposure, _) = kind?;
    Some(LanService::new(
        format!("{name}-lan"),
        exposure,
        address.map(|(a, _)| a),
        ports,
    ))
}

/// One exposed port; its `address` and `node_port` checked against its
/// exposure. None when the port is not exposed (or cannot be).
fn lan_port(ctx: &mut Ctx, pn: &PortName, p: &m::Port) -> Option<LanPort> {
    let expose = p.expose.as_ref();
    let kind = expose.map(|e| *e.get_ref());
    if let Some(a) = &p.address
        && kind != Some(Exposure::LoadBalancer)
    {
        misplaced(ctx, pn, a.span(), "address", "expose = \"load-balancer\"");
    }
    if let Some(n) = &p.node_port {
        if kind != Some(Exposure::NodePort) {
            misplaced(ctx, pn, n.span(), "node_port", "expose = \"node-port\"");
        } else if !NODE_PORTS.contains(n.get_ref()) {
            ctx.err(
                Code::Expose,
                format!("node port {} of port `{pn}` is outside 30000-32767", n.get_ref()),
                n.span(),
                "this node port",
                "pick a port in 30000-32767 (the API server's node port range), or leave `node_port` out",
            );
        }
    }
    if let Some(r) = &p.expose_reason
        && kind.is_none()
    {
        misplaced(ctx, pn, r.span(), "expose_reason", "expose = \"…\"");
    }
    let e = expose?;
    let Some(service) = p.service else {
        ctx.err(
            Code::Expose,
            format!("port `{pn}` is exposed but has no `service` port"),
            e.span(),
            "exposed here",
            format!("set `service = {}` (the port LAN clients use)", p.port),
        );
        return None;
    };
    Some(LanPort {
        port: ServicePort {
            name: pn.clone(),
            port: service,
            protocol: p.protocol,
        },
        node_port: p.node_port.as_ref().map(|n| *n.get_ref()),
        reason: p.expose_reason.as_ref().map(|r| r.get_ref().clone()),
        span: e.span(),
    })
}

fn misplaced(ctx: &mut Ctx, pn: &PortName, span: std::ops::Range<usize>, field: &str, needs: &str) {
    ctx.err(
        Code::Expose,
        format!("`{field}` of port `{pn}` applies only with `{needs}`"),
        span,
        "this setting",
        format!("set `{needs}` on the port, or remove `{field}`"),
    );
}

/// Node ports and LoadBalancer addresses are the site's: two Services
/// cannot share one.
pub(super) fn check_unique(ctx: &mut Ctx, raw: &[(&WorkloadName, &m::Workload)]) {
    let mut node_ports: Vec<(u16, &WorkloadName)> = Vec::new();
    let mut addresses: Vec<(IpAddr, &WorkloadName)> = Vec::new();
    for (name, w) in raw {
        let mut mine: Vec<IpAddr> = Vec::new();
        for p in w.ports.values() {
            if let Some(n) = &p.node_port {
                claim(ctx, &mut node_ports, *n.get_ref(), name, n, "node port");
            }
            if let Some(a) = &p.address
                && !mine.contains(a.get_ref())
            {
                mine.push(*a.get_ref());
                claim(ctx, &mut addresses, *a.get_ref(), name, a, "address");
            }
        }
    }
}

fn claim<'a, T: PartialEq + Copy + std::fmt::Display>(
    ctx: &mut Ctx,
    seen: &mut Vec<(T, &'a WorkloadName)>,
    v: T,
    name: &'a WorkloadName,
    at: &Spanned<T>,
    what: &str,
) {
    match seen.iter().find(|(x, _)| *x == v) {
        Some((_, first)) => ctx.err(
            Code::Expose,
            format!("{what} {v} is already claimed by workload `{first}`"),
            at.span(),
            "claimed twice",
            format!("give each exposed workload its own {what}"),
        ),
        None => seen.push((v, name)),
    }
}
