//! Network policy: the NetworkPolicies of a namespace under
//! `network_policy = "default-deny"`, typed, each serialising its `spec`
//! through k8s-openapi's `NetworkPolicySpec`.
//!
//! A denied namespace gets three policies of its own (`default-deny`,
//! `allow-dns`, `allow-same-namespace`), one `allow-<workload>-pods` per
//! workload the site implies traffic for, and `allow-<service>-service` for
//! every pod of a service without workloads of its own (a chart). The
//! suffixes keep the three families' names apart whatever the site names. Peers are named by namespace and pod
//! labels, never by address: pod addresses change, labels do not.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1 as k8s;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;

use crate::site::kinds::Protocol;
use crate::site::names::{Namespace, PortName};

/// The label every namespace carries with its own name (Kubernetes ≥ 1.22).
pub const NAMESPACE_LABEL: &str = "kubernetes.io/metadata.name";

/// The namespace and pod label of the cluster DNS (CoreDNS in k3s and
/// kubeadm keeps kube-dns's `k8s-app` label).
pub const DNS_NAMESPACE: &str = "kube-system";
pub const DNS_POD_LABEL: (&str, &str) = ("k8s-app", "kube-dns");

/// One NetworkPolicy object.
#[derive(Debug, Clone, Serialize)]
pub struct NetPolicy {
    pub name: String,
    pub namespace: Namespace,
    /// Why it exists, one line per allow, for `hearth diff` and readers.
    pub reasons: Vec<String>,
    pub spec: PolicySpec,
}

/// The pods a policy selects and the traffic it allows them.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(into = "k8s::NetworkPolicySpec")]
pub struct PolicySpec {
    /// Pod labels; empty selects every pod of the namespace.
    pub pods: BTreeMap<String, String>,
    /// Both directions are isolated even when no rule is listed.
    pub deny_all: bool,
    pub ingress: Vec<Rule>,
    pub egress: Vec<Rule>,
}

/// One allow: these peers, on these ports (no port: every port).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    pub peers: Vec<Peer>,
    pub ports: Vec<Port>,
}

/// The other end of a connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Peer {
    /// Pods of a namespace; no labels: every pod of it.
    Pods {
        namespace: Namespace,
        labels: BTreeMap<String, String>,
    },
    /// Every pod of the policy's own namespace.
    SameNamespace,
    /// Any address at all (a rule with no peer list).
    Anyone,
    /// Any IPv4 or IPv6 address (`0.0.0.0/0`, `::/0`).
    AnyAddress,
}

/// A port of the selected pods (ingress) or of the peer (egress).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Port {
    pub port: PortRef,
    pub protocol: Protocol,
}

/// By number, or by the name of a container port of the pod.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum PortRef {
    Number(u16),
    Name(PortName),
}

impl Port {
    pub fn tcp(port: PortRef) -> Self {
        Self {
            port,
            protocol: Protocol::Tcp,
        }
    }
}

impl std::fmt::Display for Port {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.port {
            PortRef::Number(n) => write!(f, "{n}/{}", self.protocol),
            PortRef::Name(n) => write!(f, "{n}/{}", self.protocol),
        }
    }
}

fn selector(labels: &BTreeMap<String, String>) -> LabelSelector {
    LabelSelector {
        match_labels: (!labels.is_empty()).then(|| labels.clone()),
        ..Default::default()
    }
}

impl Peer {
    /// The peers as Kubernetes lists them; `None` for "from/to anyone".
    fn to_k8s(&self) -> Vec<k8s::NetworkPolicyPeer> {
        let ip = |cidr: &str| k8s::NetworkPolicyPeer {
            ip_block: Some(k8s::IPBlock {
                cidr: cidr.to_string(),
                except: None,
            }),
            ..Default::default()
        };
        match self {
            Self::Pods { namespace, labels } => {
                let ns = BTreeMap::from([(NAMESPACE_LABEL.to_string(), namespace.to_string())]);
                vec![k8s::NetworkPolicyPeer {
                    namespace_selector: Some(selector(&ns)),
                    pod_selector: Some(selector(labels)),
                    ..Default::default()
                }]
            }
            Self::SameNamespace => vec![k8s::NetworkPolicyPeer {
                pod_selector: Some(selector(&BTreeMap::new())),
                ..Default::default()
            }],
            Self::Anyone => Vec::new(),
            Self::AnyAddress => vec![ip("0.0.0.0/0"), ip("::/0")],
        }
    }
}

impl Rule {
    fn parts(
        &self,
    ) -> (
        Option<Vec<k8s::NetworkPolicyPeer>>,
        Option<Vec<k8s::NetworkPolicyPort>>,
    ) {
        let peers: Vec<_> = self.peers.iter().flat_map(Peer::to_k8s).collect();
        let ports: Vec<_> = self
            .ports
            .iter()
            .map(|p| k8s::NetworkPolicyPort {
                port: Some(match &p.port {
                    PortRef::Number(n) => IntOrString::Int((*n).into()),
                    PortRef::Name(n) => IntOrString::String(n.to_string()),
                }),
                protocol: Some(p.protocol.as_str().to_string()),
                end_port: None,
            })
            .collect();
        (
            (!peers.is_empty()).then_some(peers),
            (!ports.is_empty()).then_some(ports),
        )
    }
}

impl From<PolicySpec> for k8s::NetworkPolicySpec {
    fn from(p: PolicySpec) -> Self {
        let ingress: Vec<_> = p
            .ingress
            .iter()
            .map(|r| {
                let (from, ports) = r.parts();
                k8s::NetworkPolicyIngressRule { from, ports }
            })
            .collect();
        let egress: Vec<_> = p
            .egress
            .iter()
            .map(|r| {
                let (to, ports) = r.parts();
                k8s::NetworkPolicyEgressRule { to, ports }
            })
            .collect();
        let mut types = Vec::new();
        if p.deny_all || !ingress.is_empty() {
            types.push("Ingress".to_string());
        }
        if p.deny_all || !egress.is_empty() {
            types.push("Egress".to_string());
        }
        Self {
            pod_selector: Some(selector(&p.pods)),
            policy_types: Some(types),
            ingress: (!ingress.is_empty()).then_some(ingress),
            egress: (!egress.is_empty()).then_some(egress),
        }
    }
}
