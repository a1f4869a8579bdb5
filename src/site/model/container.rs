//! The containers of a workload beyond its main one (init containers and
//! sidecars), and the lifecycle hooks any container may have.

use super::*;

/// An init container or a sidecar of a workload: one more container of its
/// pod, with the main container's parts. It mounts the workload's volumes the
/// same way; `ports`, `probes` and `lifecycle` belong to sidecars only.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SideContainer {
    /// The container's name, unique in the pod (the main container is named
    /// after the workload).
    pub name: Spanned<ContainerName>,
    /// Container image with a pinned tag or digest.
    pub image: Spanned<Image>,
    /// Replaces the image's entrypoint.
    #[serde(default)]
    pub command: Vec<String>,
    /// Arguments; `$(VAR)` expands an env variable of the container.
    #[serde(default)]
    pub args: Vec<String>,
    /// The container's working directory (absolute).
    pub working_dir: Option<AbsPath>,
    /// Environment variables, by name (as the workload's `env`).
    #[serde(default)]
    #[schemars(extend("propertyNames" = { "pattern": "^[ -<>-~]+$" }))]
    pub env: BTreeMap<String, Spanned<EnvValue>>,
    /// Load every key of these ConfigMaps / Secrets as environment variables.
    #[serde(default)]
    pub env_from: Vec<Spanned<EnvFrom>>,
    /// Sidecars: container ports, by name (unique in the pod).
    #[serde(default)]
    #[schemars(extend("propertyNames" = { "maxLength": 15 }))]
    pub ports: BTreeMap<PortName, SidePort>,
    /// CPU and memory requests and limits.
    pub resources: Option<Resources>,
    /// Sidecars: liveness, readiness and startup probes against their own ports.
    #[serde(default)]
    pub probes: Probes,
    /// Sidecars: hooks after start and before stop.
    #[serde(default)]
    pub lifecycle: Lifecycle,
    /// Container security settings (`security.reason` of the workload covers
    /// them too).
    #[serde(default)]
    pub security: ContainerSecurity,
    /// Volumes, secrets and config maps mounted into the container.
    #[serde(default)]
    pub mounts: Vec<Spanned<Mount>>,
}

/// A port of a sidecar.
#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct SidePort {
    /// The container port.
    pub port: u16,
    #[serde(default)]
    // The schema's default in site.toml's spelling (`tcp`), as a workload port's.
    #[serde(serialize_with = "crate::site::kinds::as_word")]
    pub protocol: Protocol,
    /// Expose through the workload's Service on this port.
    pub service: Option<u16>,
}

/// Security settings of one container of the pod.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContainerSecurity {
    #[serde(default)]
    pub privileged: bool,
    /// Linux capabilities to add, e.g. `NET_ADMIN`.
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// The user id the container's processes run as (0-2147483647).
    pub run_as_user: Option<i64>,
    /// Their primary group id (0-2147483647).
    pub run_as_group: Option<i64>,
    /// Mount the container's root filesystem read-only.
    #[serde(default)]
    pub read_only_root: bool,
    /// Drop every capability not listed in `capabilities`.
    #[serde(default)]
    pub drop_all: bool,
}

/// Container lifecycle hooks.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Lifecycle {
    /// Runs right after the container is created.
    pub post_start: Option<Spanned<Hook>>,
    /// Runs before the container is stopped, e.g. `{ sleep = 5 }` to let
    /// the ingress stop sending traffic first.
    pub pre_stop: Option<Spanned<Hook>>,
}

/// A hook: exactly one of `exec` (a command), `http` (a path, against `port`,
/// a port name of the container) or `sleep` (seconds).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Hook {
    pub exec: Option<Vec<String>>,
    pub http: Option<String>,
    pub port: Option<PortName>,
    pub sleep: Option<u32>,
}
