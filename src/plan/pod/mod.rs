//! The parts of a pod, typed: containers, ports, environment, probes, security,
//! mounts and pod volumes. Lint, monitoring and DR read these fields; each
//! serialises (through `k8s-openapi`'s own types) into exactly the Kubernetes
//! shape the templates lay out, so the spelling of a field is decided once.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as k8s;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;

use super::lifecycle::Lifecycle;

mod env;
mod volume;
use crate::site::kinds::{FsGroupChange, Protocol};
use crate::site::names::PortName;
use crate::site::values::Quantity;
pub use env::*;
pub use volume::*;

#[derive(Debug, Clone, Serialize)]
pub struct Container {
    pub name: String,
    pub image: String,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub working_dir: Option<String>,
    pub env: Vec<EnvVar>,
    pub env_from: Vec<EnvFrom>,
    pub ports: Vec<Port>,
    pub resources: Option<Resources>,
    pub liveness: Option<Probe>,
    pub readiness: Option<Probe>,
    pub startup: Option<Probe>,
    pub security: Option<Security>,
    pub mounts: Vec<Mount>,
    pub lifecycle: Option<Lifecycle>,
    /// A native sidecar: an init container that keeps running
    /// (`restartPolicy: Always`).
    pub sidecar: bool,
}

/// A named container port.
#[derive(Debug, Clone, Serialize)]
#[serde(into = "k8s::ContainerPort")]
pub struct Port {
    pub name: PortName,
    pub number: u16,
    pub protocol: Protocol,
}

impl From<Port> for k8s::ContainerPort {
    fn from(p: Port) -> Self {
        Self {
            name: Some(p.name.to_string()),
            container_port: p.number.into(),
            protocol: Some(p.protocol.as_str().into()),
            ..Default::default()
        }
    }
}

/// A port of the workload's Service, targeting a container port by name.
#[derive(Debug, Clone, Serialize)]
#[serde(into = "k8s::ServicePort")]
pub struct ServicePort {
    pub name: PortName,
    pub port: u16,
    pub protocol: Protocol,
}

impl From<ServicePort> for k8s::ServicePort {
    fn from(p: ServicePort) -> Self {
        Self {
            name: Some(p.name.to_string()),
            port: p.port.into(),
            target_port: Some(IntOrString::String(p.name.to_string())),
            protocol: Some(p.protocol.as_str().into()),
            ..Default::default()
        }
    }
}

/// CPU and memory requests and limits.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(into = "k8s::ResourceRequirements")]
pub struct Resources {
    pub requests: Amounts,
    pub limits: Amounts,
}

#[derive(Debug, Clone, Default)]
pub struct Amounts {
    pub cpu: Option<Quantity>,
    pub memory: Option<Quantity>,
    /// Extended resources (a device plugin's), whole numbers by name.
    pub extended: BTreeMap<String, u64>,
}

impl Amounts {
    fn to_map(&self) -> Option<BTreeMap<String, K8sQuantity>> {
        let mut map: BTreeMap<String, K8sQuantity> = [("cpu", &self.cpu), ("memory", &self.memory)]
            .into_iter()
            .filter_map(|(k, q)| Some((k.to_string(), K8sQuantity(q.as_ref()?.to_string()))))
            .collect();
        for (k, n) in &self.extended {
            map.insert(k.clone(), K8sQuantity(n.to_string()));
        }
        (!map.is_empty()).then_some(map)
    }

    pub fn is_empty(&self) -> bool {
        self.cpu.is_none() && self.memory.is_none() && self.extended.is_empty()
    }
}

impl From<Resources> for k8s::ResourceRequirements {
    fn from(r: Resources) -> Self {
        Self {
            requests: r.requests.to_map(),
            limits: r.limits.to_map(),
            ..Default::default()
        }
    }
}

/// A probe: one handler, with its timing.
#[derive(Debug, Clone, Serialize)]
#[serde(into = "k8s::Probe")]
pub struct Probe {
    pub handler: ProbeHandler,
    pub initial_delay: Option<u32>,
    pub period: Option<u32>,
    pub failure_threshold: Option<u32>,
}

#[derive(Debug, Clone)]
pub enum ProbeHandler {
    Http { path: String, port: PortName },
    Tcp { port: PortName },
    Exec { command: Vec<String> },
}

impl ProbeHandler {
    /// The container port the probe knocks on, if it uses one.
    pub fn port(&self) -> Option<&PortName> {
        match self {
            Self::Http { port, .. } | Self::Tcp { port } => Some(port),
            Self::Exec { .. } => None,
        }
    }
}

fn seconds(v: Option<u32>) -> Option<i32> {
    v.map(|v| i32::try_from(v).unwrap_or(i32::MAX))
}

impl From<Probe> for k8s::Probe {
    fn from(p: Probe) -> Self {
        let mut out = Self {
            initial_delay_seconds: seconds(p.initial_delay),
            period_seconds: seconds(p.period),
            failure_threshold: seconds(p.failure_threshold),
            ..Default::default()
        };
        match p.handler {
            ProbeHandler::Http { path, port } => {
                out.http_get = Some(k8s::HTTPGetAction {
                    path: Some(path),
                    port: IntOrString::String(port.to_string()),
                    ..Default::default()
                });
            }
            ProbeHandler::Tcp { port } => {
                out.tcp_socket = Some(k8s::TCPSocketAction {
                    port: IntOrString::String(port.to_string()),
                    ..Default::default()
                });
            }
            ProbeHandler::Exec { command } => {
                out.exec = Some(k8s::ExecAction {
                    command: Some(command),
                });
            }
        }
        out
    }
}

/// Container security settings, decided in the plan.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(into = "k8s::SecurityContext")]
pub struct Security {
    pub privileged: bool,
    /// Linux capabilities added, e.g. `NET_ADMIN`.
    pub add: Vec<String>,
    pub drop_all: bool,
    pub no_privilege_escalation: bool,
    pub run_as_user: Option<i64>,
    pub run_as_group: Option<i64>,
    pub read_only_root: bool,
}

impl From<Security> for k8s::SecurityContext {
    fn from(s: Security) -> Self {
        let capabilities = (!s.add.is_empty() || s.drop_all).then(|| k8s::Capabilities {
            add: (!s.add.is_empty()).then_some(s.add),
            drop: s.drop_all.then(|| vec!["ALL".to_string()]),
        });
        Self {
            privileged: s.privileged.then_some(true),
            capabilities,
            allow_privilege_escalation: s.no_privilege_escalation.then_some(false),
            run_as_user: s.run_as_user,
            run_as_group: s.run_as_group,
            read_only_root_filesystem: s.read_only_root.then_some(true),
            ..Default::default()
        }
    }
}

/// Pod-level security settings.
#[derive(Debug, Clone, Serialize)]
#[serde(into = "k8s::PodSecurityContext")]
pub struct PodSecurity {
    pub fs_group: i64,
    pub fs_group_change: Option<FsGroupChange>,
}

impl From<PodSecurity> for k8s::PodSecurityContext {
    fn from(p: PodSecurity) -> Self {
        Self {
            fs_group: Some(p.fs_group),
            fs_group_change_policy: p.fs_group_change.map(|c| c.as_str().to_string()),
            ..Default::default()
        }
    }
}
