//! The allows the site implies, edge by edge: ingress controller → routed
//! ports, Prometheus → metrics ports, dependencies, backups, and what each
//! workload says of itself.

use std::collections::BTreeMap;

use super::super::resolve::Ctx;
use super::{End, Policies};
use crate::plan::netpol::{Peer, Port, PortRef};
use crate::plan::*;
use crate::site::kinds::{Egress, IngressController};

/// The ingress controller's pods → each routed workload port.
pub(super) fn edge_ingress(ctx: &Ctx, p: &mut Policies, all: &[&Service]) {
    let controller = match all
        .iter()
        .find(|s| s.capabilities.contains(&Capability::Ingress))
    {
        Some(s) => End::namespace(s),
        // Not a service of the site: where the controller installs itself
        // (k3s's bundled Traefik runs in kube-system).
        None => {
            let ns = match ctx.raw.site.ingress_controller {
                IngressController::Traefik => "kube-system",
                IngressController::IngressNginx => "ingress-nginx",
            };
            End {
                namespace: Namespace::new(ns).expect("a valid namespace"),
                labels: BTreeMap::new(),
                service: ServiceName::new(ns).expect("a valid name"),
                policy: "allow-ingress-controller-service".to_string(),
            }
        }
    };
    for s in all {
        for i in &s.ingresses {
            for w in &s.workloads {
                let Some(ws) = w.service.as_ref().filter(|ws| ws.name == i.backend_service) else {
                    continue;
                };
                let name = match &i.backend_port {
                    BackendPort::Name(n) => Some(n.clone()),
                    BackendPort::Number(n) => ws
                        .ports
                        .iter()
                        .find(|sp| sp.port == *n)
                        .map(|sp| sp.name.clone()),
                };
                let ports = name
                    .into_iter()
                    .map(|n| Port::tcp(PortRef::Name(n)))
                    .collect();
                let why = format!("ingress `{}` routes to it", i.name);
                p.connect(&controller, &End::workload(s, w), ports, &why);
            }
        }
    }
}

/// Prometheus's pods → each scraped metrics port.
pub(super) fn edge_metrics(p: &mut Policies, all: &[&Service]) {
    let Some(prometheus) = all
        .iter()
        .find(|s| s.capabilities.contains(&Capability::Metrics))
    else {
        return;
    };
    let from = End::namespace(prometheus);
    for s in all {
        for w in &s.workloads {
            let Some(port) = w
                .pod_annotations
                .get("prometheus.io/port")
                .and_then(|n| n.parse::<u16>().ok())
            else {
                continue;
            };
            let ports = vec![Port::tcp(PortRef::Number(port))];
            p.connect(
                &from,
                &End::workload(s, w),
                ports,
                "Prometheus scrapes its metrics",
            );
        }
    }
}

/// A service's workloads → the Service ports of every service it depends on
/// (the whole namespace of one without workloads of its own, every port).
pub(super) fn edge_dependencies(p: &mut Policies, all: &[&Service]) {
    for s in all {
        let clients: Vec<End> = if s.workloads.is_empty() {
            vec![End::namespace(s)]
        } else {
            s.workloads.iter().map(|w| End::workload(s, w)).collect()
        };
        for dep in &s.depends_on {
            let Some(d) = all.iter().find(|x| &x.name == dep) else {
                continue;
            };
            let why = format!("service `{}` depends on `{}`", s.name, d.name);
            let servers: Vec<(End, Vec<Port>)> = if d.workloads.is_empty() {
                vec![(End::namespace(d), Vec::new())]
            } else {
                d.workloads
                    .iter()
                    .filter_map(|w| Some((End::workload(d, w), service_ports(w.service.as_ref()?))))
                    .collect()
            };
            for c in &clients {
                for (server, ports) in &servers {
                    p.connect(c, server, ports.clone(), &why);
                }
            }
        }
    }
}

pub(super) fn service_ports(ws: &WorkloadService) -> Vec<Port> {
    ws.ports
        .iter()
        .map(|sp| Port {
            port: PortRef::Name(sp.name.clone()),
            protocol: sp.protocol,
        })
        .collect()
}

/// A backup's job → the servers of the databases it dumps; restic, rclone
/// and your own jobs → any address (their remotes are outside the cluster).
pub(super) fn edge_backups(p: &mut Policies, all: &[&Service], backups: &[Backup]) {
    for s in all {
        for w in &s.workloads {
            let Origin::Backup(b) = &w.origin else {
                continue;
            };
            let Some(backup) = backups.iter().find(|x| &x.name == b) else {
                continue;
            };
            let job = End::workload(s, w);
            for r in &backup.databases {
                let Some((svc, db)) = r.split_once('/') else {
                    continue;
                };
                let Some(server) = all.iter().find(|x| x.name.as_str() == svc) else {
                    continue;
                };
                let Some(d) = server.databases.iter().find(|d| d.name.as_str() == db) else {
                    continue;
                };
                let Some(sw) = server.workloads.iter().find(|x| x.name == d.workload) else {
                    continue;
                };
                // A SQLite file is read through its volume, not a connection.
                let DatabaseAt::Server { port, .. } = &d.at else {
                    continue;
                };
                let why = format!("backup `{b}` dumps database `{r}`");
                let ports = vec![Port::tcp(PortRef::Number(*port))];
                p.connect(&job, &End::workload(server, sw), ports, &why);
            }
            if matches!(
                backup.kind,
                BackupKind::Restic | BackupKind::Rclone | BackupKind::Job
            ) {
                let why = format!("backup `{b}` writes to a remote outside the cluster");
                p.allow_out(&job, Peer::AnyAddress, Vec::new(), &why);
            }
        }
    }
}

/// What a workload says of itself: LAN ports (from anyone), `egress`, and the
/// API server for a workload with RBAC.
pub(super) fn edge_own(ctx: &Ctx, p: &mut Policies, all: &[&Service]) {
    for s in all {
        for w in &s.workloads {
            let end = End::workload(s, w);
            if let Some(lan) = &w.lan {
                let ports = lan
                    .ports
                    .iter()
                    .map(|lp| Port {
                        port: PortRef::Name(lp.port.name.clone()),
                        protocol: lp.port.protocol,
                    })
                    .collect();
                let why = format!("`{}` puts ports on the LAN", lan.name);
                p.allow_in(&end, Peer::Anyone, ports, &why);
            }
            let raw = ctx.raw.services[&s.name].get_ref().workloads.get(&w.name);
            for e in raw
                .map(|r| r.get_ref().egress.as_slice())
                .unwrap_or_default()
            {
                match e {
                    Egress::Internet => {
                        let why = "its `egress` names the internet";
                        p.allow_out(&end, Peer::AnyAddress, Vec::new(), why);
                    }
                }
            }
            if w.rbac.is_some() {
                // The API server answers on the nodes' addresses, which no pod
                // selector names: any address, on its two usual ports.
                let ports = [443, 6443].map(|n| Port::tcp(PortRef::Number(n))).to_vec();
                let why = "its RBAC means it talks to the API server";
                p.allow_out(&end, Peer::AnyAddress, ports, why);
            }
        }
    }
}
