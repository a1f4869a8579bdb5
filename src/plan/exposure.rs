//! Ports reachable from the LAN: the `<workload>-lan` Service of type
//! LoadBalancer or NodePort beside the workload's ClusterIP Service (which
//! keeps every port, so in-cluster clients never notice an exposure).
//!
//! An address is asked for with MetalLB's `metallb.universe.tf/loadBalancerIPs`
//! annotation: `spec.loadBalancerIP` is deprecated since Kubernetes 1.24, and
//! every MetalLB since 0.13 reads that annotation (0.14.9 prefers the
//! `metallb.io/` spelling and still reads the old one). k3s ServiceLB has no
//! way to ask for an address: it answers on the nodes' own addresses.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::ops::Range;

use k8s_openapi::api::core::v1 as k8s;
use serde::Serialize;

use super::pod::ServicePort;
use crate::site::kinds::Exposure;

/// The annotation MetalLB reads the requested address from.
pub const METALLB_ADDRESS: &str = "metallb.universe.tf/loadBalancerIPs";

/// The lowest and highest port of the API server's default
/// `--service-node-port-range`.
pub const NODE_PORTS: std::ops::RangeInclusive<u16> = 30000..=32767;

/// The Service that puts some of a workload's ports on the LAN.
#[derive(Debug, Serialize)]
pub struct LanService {
    pub name: String,
    pub exposure: Exposure,
    /// load-balancer: the address asked for.
    pub address: Option<IpAddr>,
    pub annotations: BTreeMap<String, String>,
    pub ports: Vec<LanPort>,
}

impl LanService {
    pub fn new(
        name: String,
        exposure: Exposure,
        address: Option<IpAddr>,
        ports: Vec<LanPort>,
    ) -> Self {
        let annotations = address
            .iter()
            .map(|a| (METALLB_ADDRESS.to_string(), a.to_string()))
            .collect();
        Self {
            name,
            exposure,
            address,
            annotations,
            ports,
        }
    }

    /// Where a LAN client reaches `port`, in words.
    pub fn reached_at(&self, port: &LanPort) -> String {
        match (self.exposure, self.address, port.node_port) {
            (Exposure::LoadBalancer, Some(a), _) => format!("{a}:{}", port.port.port),
            (Exposure::LoadBalancer, None, _) => {
                format!("the load balancer's address, port {}", port.port.port)
            }
            (Exposure::NodePort, _, Some(n)) => format!("every node's address, port {n}"),
            (Exposure::NodePort, _, None) => {
                "every node's address, on a node port the API server picks".to_string()
            }
        }
    }
}

/// One port of the LAN Service.
#[derive(Debug, Clone, Serialize)]
#[serde(into = "k8s::ServicePort")]
pub struct LanPort {
    pub port: ServicePort,
    /// node-port: the port asked for on every node.
    pub node_port: Option<u16>,
    /// Why it is on the LAN, when the site says.
    pub reason: Option<String>,
    /// The `expose` in site.toml.
    pub span: Range<usize>,
}

impl From<LanPort> for k8s::ServicePort {
    fn from(p: LanPort) -> Self {
        Self {
            node_port: p.node_port.map(i32::from),
            ..p.port.into()
        }
    }
}
