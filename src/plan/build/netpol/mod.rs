//! Network policy from the finished services: which namespaces are
//! default-deny, and the allows the site implies, each written on both ends
//! (ingress where the server's namespace is denied, egress where the
//! client's is).
//!
//! A service decides for its namespace: its own `network_policy`, else the
//! site's when it has workloads and no chart (hearth cannot know what a
//! chart's pods talk to), else it has no say. A namespace is default-deny when
//! some service in it says so and none says `none`: breaking a chart's traffic
//! is worse than leaving a namespace open.

use std::collections::BTreeMap;

use crate::plan::netpol::{
    DNS_NAMESPACE, DNS_POD_LABEL, NetPolicy, Peer, PolicySpec, Port, PortRef, Rule,
};
use crate::plan::*;
use crate::site::kinds::{NetworkPolicyMode, Protocol};

use super::resolve::Ctx;

mod edges;
use edges::*;

/// One end of an allowed connection that hearth renders policies for.
#[derive(Clone)]
pub(super) struct End {
    namespace: Namespace,
    /// Pod labels; empty for every pod of the namespace.
    labels: BTreeMap<String, String>,
    /// The service whose folder holds its policy, and the policy's name.
    service: ServiceName,
    policy: String,
}

impl End {
    fn workload(svc: &Service, w: &Workload) -> Self {
        Self {
            namespace: svc.namespace.clone(),
            labels: w.selector.clone(),
            service: svc.name.clone(),
            policy: format!("allow-{}-pods", w.name),
        }
    }
    fn namespace(svc: &Service) -> Self {
        Self {
            namespace: svc.namespace.clone(),
            labels: BTreeMap::new(),
            service: svc.name.clone(),
            policy: format!("allow-{}-service", svc.name),
        }
    }
    fn peer(&self) -> Peer {
        Peer::Pods {
            namespace: self.namespace.clone(),
            labels: self.labels.clone(),
        }
    }
}

#[derive(Default)]
pub(super) struct Policies {
    denied: std::collections::BTreeSet<Namespace>,
    /// (namespace, policy name) → the service holding it, the policy.
    out: BTreeMap<(Namespace, String), (ServiceName, NetPolicy)>,
}

impl Policies {
    fn entry(&mut self, end: &End) -> &mut NetPolicy {
        let key = (end.namespace.clone(), end.policy.clone());
        &mut self
            .out
            .entry(key)
            .or_insert_with(|| {
                let policy = NetPolicy {
                    name: end.policy.clone(),
                    namespace: end.namespace.clone(),
                    reasons: Vec::new(),
                    spec: PolicySpec {
                        pods: end.labels.clone(),
                        ..Default::default()
                    },
                };
                (end.service.clone(), policy)
            })
            .1
    }

    /// `from` may open connections to `to` on `ports`: an ingress allow when
    /// `to`'s namespace is denied, an egress allow when `from`'s is.
    fn connect(&mut self, from: &End, to: &End, ports: Vec<Port>, why: &str) {
        if from.namespace == to.namespace {
            return; // allow-same-namespace covers it
        }
        if self.denied.contains(&to.namespace) {
            self.allow_in(to, from.peer(), ports.clone(), why);
        }
        if self.denied.contains(&from.namespace) {
            self.allow_out(from, to.peer(), ports, why);
        }
    }

    fn allow_in(&mut self, to: &End, from: Peer, ports: Vec<Port>, why: &str) {
        if !self.denied.contains(&to.namespace) {
            return;
        }
        let p = self.entry(to);
        push(
            &mut p.spec.ingress,
            Rule {
                peers: vec![from],
                ports,
            },
        );
        push(&mut p.reasons, why.to_string());
    }

    fn allow_out(&mut self, from: &End, to: Peer, ports: Vec<Port>, why: &str) {
        if !self.denied.contains(&from.namespace) {
            return;
        }
        let p = self.entry(from);
        push(
            &mut p.spec.egress,
            Rule {
                peers: vec![to],
                ports,
            },
        );
        push(&mut p.reasons, why.to_string());
    }
}

fn push<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// Add every service's NetworkPolicies.
pub(super) fn policies(ctx: &Ctx, services: &mut ServiceMap, backups: &[Backup]) {
    let mut p = Policies {
        denied: denied(ctx, services),
        ..Default::default()
    };
    if p.denied.is_empty() {
        return;
    }
    let all: Vec<&Service> = services.values().collect();
    edge_ingress(ctx, &mut p, &all);
    edge_metrics(&mut p, &all);
    edge_dependencies(&mut p, &all);
    edge_backups(&mut p, &all, backups);
    edge_own(ctx, &mut p, &all);
    let namespace_wide = namespace_policies(&p, &all);
    for (svc, policy) in namespace_wide.into_iter().chain(p.out.into_values()) {
        if let Some(s) = services.get_mut(&svc) {
            s.network_policies.push(policy);
        }
    }
    for s in services.values_mut() {
        s.network_policies.sort_by(|a, b| a.name.cmp(&b.name));
    }
}

/// The namespaces that are default-deny.
fn denied(ctx: &Ctx, services: &ServiceMap) -> std::collections::BTreeSet<Namespace> {
    let site = ctx.raw.site.network_policy;
    let mut votes: BTreeMap<&Namespace, Vec<NetworkPolicyMode>> = BTreeMap::new();
    for s in services.values() {
        let own = ctx.raw.services[&s.name]
            .get_ref()
            .network_policy
            .as_ref()
            .map(|m| *m.get_ref());
        let vote = match own {
            Some(m) => Some(m),
            None if s.helm.is_some() => Some(NetworkPolicyMode::None),
            None if !s.workloads.is_empty() => Some(site),
            None => None,
        };
        votes.entry(&s.namespace).or_default().extend(vote);
    }
    votes
        .into_iter()
        .filter(|(_, v)| {
            v.contains(&NetworkPolicyMode::DefaultDeny) && !v.contains(&NetworkPolicyMode::None)
        })
        .map(|(ns, _)| ns.clone())
        .collect()
}

/// Per denied namespace, in the folder of the service owning it: deny all,
/// then DNS and traffic inside the namespace.
fn namespace_policies(p: &Policies, all: &[&Service]) -> Vec<(ServiceName, NetPolicy)> {
    let mut out = Vec::new();
    for ns in &p.denied {
        let in_ns: Vec<_> = all.iter().filter(|s| &s.namespace == ns).collect();
        let Some(owner) = in_ns.iter().find(|s| s.owns_namespace).or(in_ns.first()) else {
            continue;
        };
        let policy = |name: &str, why: &str, spec: PolicySpec| NetPolicy {
            name: name.to_string(),
            namespace: ns.clone(),
            reasons: vec![why.to_string()],
            spec,
        };
        let dns = Peer::Pods {
            namespace: Namespace::new(DNS_NAMESPACE).expect("a valid namespace"),
            labels: BTreeMap::from([(DNS_POD_LABEL.0.into(), DNS_POD_LABEL.1.into())]),
        };
        let dns_ports = [Protocol::Udp, Protocol::Tcp]
            .map(|protocol| Port {
                port: PortRef::Number(53),
                protocol,
            })
            .to_vec();
        let same = Rule {
            peers: vec![Peer::SameNamespace],
            ports: Vec::new(),
        };
        out.extend(
            [
                policy(
                    "default-deny",
                    "every pod of the namespace is isolated both ways",
                    PolicySpec {
                        deny_all: true,
                        ..Default::default()
                    },
                ),
                policy(
                    "allow-dns",
                    "pods resolve names through the cluster DNS",
                    PolicySpec {
                        egress: vec![Rule {
                            peers: vec![dns],
                            ports: dns_ports,
                        }],
                        ..Default::default()
                    },
                ),
                policy(
                    "allow-same-namespace",
                    "pods of the namespace reach each other",
                    PolicySpec {
                        ingress: vec![same.clone()],
                        egress: vec![same],
                        ..Default::default()
                    },
                ),
            ]
            .map(|x| (owner.name.clone(), x)),
        );
    }
    out
}
