//! A workload of site.toml: its container, ports, env, probes, mounts,
//! placement, security and RBAC.

use super::*;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    /// The Kubernetes workload kind.
    pub kind: WorkloadKind,
    /// Container image with a pinned tag or digest.
    pub image: Spanned<Image>,
    /// deployment, stateful-set: pod count (default 1).
    pub replicas: Option<u32>,
    /// deployment: `recreate` for single-writer volumes, else rolling updates.
    pub strategy: Option<Strategy>,
    /// cron-job: five-field schedule.
    pub schedule: Option<Cron>,
    /// Replaces the image's entrypoint.
    #[serde(default)]
    pub command: Vec<String>,
    /// Arguments; `$(VAR)` expands an env variable of the container.
    #[serde(default)]
    pub args: Vec<String>,
    /// Environment variables, by name (printable ASCII without `=`, the rule
    /// from Kubernetes 1.32; before it, letters, digits, `_`, `-` and `.`).
    #[serde(default)]
    #[schemars(extend("propertyNames" = { "pattern": "^[ -<>-~]+$" }))]
    pub env: BTreeMap<String, Spanned<EnvValue>>,
    /// Load every key of these ConfigMaps / Secrets as environment variables.
    #[serde(default)]
    pub env_from: Vec<Spanned<EnvFrom>>,
    /// Container ports, by name (IANA service names: at most 15 characters).
    #[serde(default)]
    #[schemars(extend("propertyNames" = { "maxLength": 15 }))]
    pub ports: BTreeMap<PortName, Port>,
    /// Pin to this node.
    pub node: Option<Spanned<NodeName>>,
    /// Run only on nodes carrying every one of these labels, e.g.
    /// `{ "hearth.dev/disk" = "ssd" }` (`node` pins by host name).
    pub node_selector: Option<Spanned<BTreeMap<String, String>>>,
    /// Also run on control-plane nodes (daemon sets).
    #[serde(default)]
    pub tolerate_control_plane: bool,
    /// Node affinity by node labels: `required` rules all hold on the node,
    /// `preferred` ones add their weight when they do.
    #[serde(default)]
    pub affinity: NodeAffinity,
    /// Spread the pods over nodes (or zones): e.g. `[{ key =
    /// "kubernetes.io/hostname", max_skew = 1, when_unsatisfiable =
    /// "schedule-anyway" }]`, counting the workload's own pods.
    #[serde(default)]
    pub topology_spread: Vec<Spanned<TopologySpread>>,
    /// Taints the pods tolerate, e.g. `[{ key = "gpu", effect = "no-schedule" }]`.
    #[serde(default)]
    pub tolerations: Vec<Spanned<Toleration>>,
    /// Secrets of the namespace (type `kubernetes.io/dockerconfigjson`) the
    /// kubelet pulls the image with.
    #[serde(default)]
    pub image_pull_secrets: Vec<Spanned<SecretName>>,
    /// The container's working directory (absolute).
    pub working_dir: Option<AbsPath>,
    /// Use the node's network namespace (give `security.reason`).
    #[serde(default)]
    pub host_network: bool,
    /// Connections its pods make beyond what the site implies, under a
    /// default-deny network policy: `internet` for apps that call out.
    #[serde(default)]
    pub egress: Vec<Egress>,
    /// CPU and memory requests and limits.
    pub resources: Option<Resources>,
    /// Liveness, readiness and startup probes.
    #[serde(default)]
    pub probes: Probes,
    /// Hooks the kubelet runs after the container starts and before it stops.
    #[serde(default)]
    pub lifecycle: Lifecycle,
    /// How long the pod gets to stop after SIGTERM (pre-stop hooks
    /// included) before it is killed, e.g. `"2m"`; Kubernetes' default is 30s.
    pub termination_grace: Option<Spanned<Duration>>,
    /// Container security settings.
    #[serde(default)]
    pub security: Security,
    /// Volumes, secrets and config maps mounted into the container.
    #[serde(default)]
    pub mounts: Vec<Spanned<Mount>>,
    /// Containers that run to completion, one after the other, before the
    /// main container and the sidecars start: permission fixers, migrations.
    /// `[[services.<s>.workloads.<w>.init]]`, in order.
    #[serde(default)]
    pub init: Vec<Spanned<SideContainer>>,
    /// Containers beside the main one for the pod's whole life: log shippers,
    /// proxies, a cron runner. Native sidecars: started (in order) before the
    /// main container, stopped after it.
    /// `[[services.<s>.workloads.<w>.sidecars]]`.
    #[serde(default)]
    pub sidecars: Vec<Spanned<SideContainer>>,
    /// Scrape this workload's metrics (prometheus.io annotations).
    pub metrics: Option<Metrics>,
    /// RBAC rules for the workload's own ServiceAccount.
    pub rbac: Option<Rbac>,
    /// Lint rules this object is excused from, each with a reason.
    #[serde(default)]
    pub allow: Vec<Spanned<Exception>>,
}

#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct Port {
    /// The container port.
    pub port: u16,
    #[serde(default)]
    #[serde(serialize_with = "crate::site::kinds::as_word")]
    pub protocol: Protocol,
    /// Expose through the workload's Service on this port.
    pub service: Option<u16>,
    /// Also reach this port from the LAN (needs `service`): through a
    /// `<workload>-lan` Service of type LoadBalancer or NodePort.
    pub expose: Option<Spanned<Exposure>>,
    /// load-balancer: the LAN address to ask for, e.g. "192.168.1.240"
    /// (MetalLB's `metallb.universe.tf/loadBalancerIPs`; k3s ServiceLB always
    /// answers on the nodes' addresses and ignores it).
    pub address: Option<Spanned<std::net::IpAddr>>,
    /// node-port: the port every node answers on (30000-32767); else the API
    /// server picks one.
    pub node_port: Option<Spanned<u16>>,
    /// Why this port must be reachable from the LAN (lint HL109 asks).
    pub expose_reason: Option<Spanned<String>>,
}

/// CPU, memory, and extended resources by their qualified name, e.g.
/// `"gpu.intel.com/i915" = 1` (whole numbers; a device is not shared).
#[derive(Debug, Clone, Default, JsonSchema)]
#[schemars(extend("propertyNames" = { "anyOf": [{ "enum": ["cpu", "memory"] }, { "pattern": "/" }] }))]
pub struct ResourceAmounts {
    pub cpu: Option<Quantity>,
    pub memory: Option<Quantity>,
    /// Extended resources a device plugin advertises, by name.
    #[schemars(flatten)]
    pub extended: BTreeMap<String, Spanned<u64>>,
}

impl<'de> Deserialize<'de> for ResourceAmounts {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = ResourceAmounts;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "`cpu`, `memory` and extended resources such as `\"gpu.intel.com/i915\" = 1`",
                )
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = ResourceAmounts::default();
                while let Some(key) = m.next_key::<String>()? {
                    match key.as_str() {
                        "cpu" => out.cpu = Some(m.next_value()?),
                        "memory" => out.memory = Some(m.next_value()?),
                        k if !k.contains('/') => {
                            return Err(serde::de::Error::unknown_field(k, &["cpu", "memory"]));
                        }
                        // A qualified name: checked in the plan, located.
                        _ => {
                            out.extended.insert(key, m.next_value()?);
                        }
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    pub requests: Option<ResourceAmounts>,
    pub limits: Option<ResourceAmounts>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Probes {
    pub liveness: Option<Spanned<Probe>>,
    pub readiness: Option<Spanned<Probe>>,
    pub startup: Option<Spanned<Probe>>,
}

/// A probe: exactly one of `http` (a path), `tcp` (true) or `exec` (a command),
/// against `port` (a port name of the workload).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Probe {
    pub http: Option<String>,
    #[serde(default)]
    pub tcp: bool,
    pub exec: Option<Vec<String>>,
    pub port: Option<PortName>,
    pub initial_delay: Option<u32>,
    pub period: Option<u32>,
    pub failure_threshold: Option<u32>,
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Security {
    #[serde(default)]
    pub privileged: bool,
    /// Linux capabilities to add, e.g. `NET_ADMIN`.
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// The user id the container's processes run as (0-2147483647), instead
    /// of the image's `USER`.
    pub run_as_user: Option<i64>,
    /// Their primary group id (0-2147483647).
    pub run_as_group: Option<i64>,
    /// The group that owns the pod's volumes (`fsGroup`), so a non-root user
    /// can write them.
    pub fs_group: Option<i64>,
    /// When the kubelet re-owns the volumes for `fs_group`:
    /// `on-root-mismatch` skips volumes whose root already has the group.
    pub fs_group_change: Option<Spanned<FsGroupChange>>,
    /// Mount the container's root filesystem read-only.
    #[serde(default)]
    pub read_only_root: bool,
    /// Drop every capability not listed in `capabilities`.
    #[serde(default)]
    pub drop_all: bool,
    /// Why this workload needs privileges or the host network.
    pub reason: Option<String>,
}

impl Security {
    /// The part that applies to the main container alone.
    pub fn container(&self) -> ContainerSecurity {
        ContainerSecurity {
            privileged: self.privileged,
            capabilities: self.capabilities.clone(),
            run_as_user: self.run_as_user,
            run_as_group: self.run_as_group,
            read_only_root: self.read_only_root,
            drop_all: self.drop_all,
        }
    }
}

/// A mount: exactly one of `volume`, `secret`, `config_map` or `empty_dir`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mount {
    /// Where it appears in the container.
    pub path: AbsPath,
    /// A volume of this namespace.
    pub volume: Option<VolumeName>,
    /// A secret of this namespace.
    pub secret: Option<SecretName>,
    /// A config map of this namespace.
    pub config_map: Option<ConfigMapName>,
    /// A scratch folder that lives as long as the pod.
    #[serde(default)]
    pub empty_dir: bool,
    /// Mount only this key of the secret / config map, as a file at `path`.
    pub key: Option<DataKey>,
    /// Mount only this folder of the volume.
    pub sub_path: Option<String>,
    #[serde(default)]
    pub read_only: bool,
    /// File mode for secret / config map files, as an octal string, e.g. "0440".
    pub mode: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct Metrics {
    /// Port name of the workload.
    pub port: PortName,
    pub path: Option<String>,
    /// Metric names it serves (`name`, or `prefix_*` for a family), so that
    /// dashboards and alerts may read them.
    #[serde(default)]
    pub produces: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct Rbac {
    /// ClusterRole (all namespaces) instead of a namespaced Role.
    #[serde(default)]
    pub cluster: bool,
    pub rules: Vec<RbacRule>,
}

#[derive(Debug, Deserialize, JsonSchema, Clone, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct RbacRule {
    #[serde(default)]
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub verbs: Vec<String>,
}
