//! The raw shape of site.toml, exactly as written: serde types with spans on every
//! field a diagnostic may point at. Nothing here is resolved; `plan` does that.

use std::collections::BTreeMap;

use super::spanned::Spanned;
use schemars::JsonSchema;
use serde::Deserialize;

use super::names::*;
use super::values::*;

pub use super::kinds::*;

/// A whole site: one cluster kept in Git.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    title = "hearth site",
    description = "One home Kubernetes cluster, described for hearth."
)]
pub struct RawSite {
    /// Identity of the site: name, domain, the Git repository ArgoCD reads.
    pub site: SiteMeta,
    /// How ArgoCD syncs the rendered Applications.
    #[serde(default)]
    pub argocd: ArgoSettings,
    /// The cluster's nodes, by hostname.
    #[serde(default)]
    pub nodes: BTreeMap<NodeName, Spanned<Node>>,
    /// cert-manager ClusterIssuers, by name.
    #[serde(default)]
    pub issuers: BTreeMap<IssuerName, Spanned<Issuer>>,
    /// Ingress rate-limit tiers, by name.
    #[serde(default)]
    pub rate_limits: BTreeMap<TierName, RateLimit>,
    /// Where backups are sent, by name.
    #[serde(default)]
    pub backup_targets: BTreeMap<TargetName, Spanned<BackupTarget>>,
    /// Backups: Longhorn RecurringJobs, pg-backup runs, rclone syncs.
    #[serde(default)]
    pub backups: BTreeMap<BackupName, Spanned<Backup>>,
    /// The deployables: each becomes one ArgoCD Application and one folder under `apps/`.
    #[serde(default)]
    pub services: BTreeMap<ServiceName, Spanned<Service>>,
    /// Monitoring: Grafana provisioning, built-in dashboards and alerts, the
    /// ingress log pipeline (Promtail, Alloy, hearth-exporter).
    pub monitoring: Option<Spanned<Monitoring>>,
    /// Your own alert rules, by alert name (PromQL), beside the built-in ones.
    #[serde(default)]
    pub alerts: BTreeMap<MetricName, Spanned<Alert>>,
    /// Your own dashboards, by uid, beside the built-in ones.
    #[serde(default)]
    pub dashboards: BTreeMap<DashboardUid, Spanned<Dashboard>>,
    /// Disaster-recovery settings.
    #[serde(default)]
    pub dr: DrSettings,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteMeta {
    /// Short name of the site; also the ArgoCD project name.
    pub name: ServiceName,
    /// The public domain; a service's ingress defaults to `<service>.<domain>`.
    pub domain: Spanned<HostName>,
    /// The Git repository ArgoCD reads `rendered/` from.
    pub repo_url: String,
    /// The branch, tag or commit ArgoCD follows.
    #[serde(default = "default_revision")]
    pub revision: String,
    /// The folder of rendered output inside the repository.
    #[serde(default = "default_rendered_path")]
    pub rendered_path: String,
    /// The issuer an ingress uses when it names none.
    pub default_issuer: Option<Spanned<IssuerName>>,
    /// Replica count of Longhorn's default StorageClass (every Longhorn volume).
    #[serde(default = "default_replicas")]
    pub longhorn_replicas: u8,
    /// Time zone for CronJobs (IANA name, case-sensitive), e.g. `Europe/Madrid`.
    #[schemars(regex(pattern = r"^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$"))]
    pub timezone: Option<Spanned<String>>,
    /// The Kubernetes minor version the cluster runs, `"1.30"` to `"1.34"`
    /// (default `"1.33"`); rules that changed between versions follow it.
    #[schemars(regex(pattern = r"^1\.(3[0-4])$"))]
    pub kubernetes: Option<Spanned<String>>,
    /// The ingress class of the ingress controller.
    #[serde(default = "default_ingress_class")]
    pub ingress_class: String,
}

impl SiteMeta {
    /// The CronJob time zone as written.
    pub fn time_zone(&self) -> Option<String> {
        self.timezone.as_ref().map(|t| t.get_ref().clone())
    }
}

fn default_revision() -> String {
    "HEAD".into()
}
fn default_rendered_path() -> String {
    "rendered".into()
}
fn default_replicas() -> u8 {
    2
}
fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ArgoSettings {
    /// Namespace ArgoCD runs in.
    #[serde(default = "default_argocd_ns")]
    pub namespace: Namespace,
    /// Delete objects that left Git.
    #[serde(default = "yes")]
    pub prune: bool,
    /// Revert changes made by hand in the cluster.
    #[serde(default = "yes")]
    pub self_heal: bool,
}

fn default_argocd_ns() -> Namespace {
    Namespace::new("argocd").expect("valid literal")
}

impl Default for ArgoSettings {
    fn default() -> Self {
        Self {
            namespace: default_argocd_ns(),
            prune: true,
            self_heal: true,
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Node {
    /// CPU architecture; images must exist for it.
    pub arch: Arch,
    /// k3s roles of the node.
    pub roles: Vec<NodeRole>,
    /// Extra node labels the site relies on.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// Folders on this node that hold local volumes.
    #[serde(default)]
    pub storage_roots: Vec<AbsPath>,
    /// The node's address on the cluster network (informational).
    pub address: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Issuer {
    /// ACME directory URL.
    pub acme_server: String,
    /// Account e-mail for the ACME server.
    pub email: String,
    /// Ingress class used for HTTP-01 challenges.
    #[serde(default = "default_ingress_class")]
    pub ingress_class: String,
}

fn default_ingress_class() -> String {
    "nginx".into()
}

#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Requests per second per client IP.
    pub rps: u32,
    /// Requests per minute per client IP.
    pub rpm: u32,
    /// Burst multiplier.
    pub burst: u32,
}

#[derive(Debug, Deserialize, JsonSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    AzureBlob,
    S3,
    Nfs,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BackupTarget {
    /// The storage behind the target.
    pub kind: TargetKind,
    /// Longhorn backup target URL, e.g. `azblob://backups@core.windows.net/`.
    pub url: String,
    /// The secret holding the target's credentials, `service/secret`.
    pub credentials: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Backup {
    /// How the backup is taken.
    pub kind: BackupKind,
    /// Five-field cron schedule.
    pub schedule: Cron,
    /// How many backups to keep (longhorn) or days of dumps to keep (pg-backup).
    pub retain: Option<u32>,
    /// longhorn: the backup target.
    pub target: Option<Spanned<TargetName>>,
    /// longhorn: the volumes backed up, as `service/volume`.
    #[serde(default)]
    pub volumes: Vec<Spanned<String>>,
    /// pg-backup: the databases dumped, as `service/database`.
    #[serde(default)]
    pub databases: Vec<Spanned<String>>,
    /// pg-backup: the dump volume; rclone: the volume synced. As `service/volume`.
    pub volume: Option<Spanned<String>>,
    /// pg-backup, rclone: the service whose namespace runs the job.
    pub runs_in: Option<Spanned<ServiceName>>,
    /// pg-backup, rclone: the job's image.
    pub image: Option<Spanned<Image>>,
    /// pg-backup: the database user.
    pub user: Option<String>,
    /// pg-backup: the database password, from a secret of `runs_in`.
    pub password: Option<Spanned<SecretKeyRef>>,
    /// pg-backup: Pushgateway URL the job pushes its metrics to.
    pub push_gateway: Option<String>,
    /// rclone: the remote to sync to, e.g. `encrypted:`.
    pub remote: Option<String>,
    /// rclone: the secret key holding rclone.conf.
    pub config: Option<Spanned<SecretKeyRef>>,
    /// rclone: a path that must exist under the volume before syncing (guards against
    /// mirroring an empty, unmounted folder over the remote copy).
    pub require_path: Option<String>,
    /// rclone, pg-backup: node the job must run on.
    pub node: Option<Spanned<NodeName>>,
    pub resources: Option<Resources>,
}

/// One deployable: an ArgoCD Application and a folder of manifests.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Namespace; defaults to the service name.
    pub namespace: Option<Namespace>,
    /// One line saying what the service is for.
    pub description: Option<String>,
    /// Platform roles this service fills; they order the sync waves.
    #[serde(default)]
    pub provides: Vec<Capability>,
    /// Services that must be synced before this one.
    #[serde(default)]
    pub depends_on: Vec<Spanned<ServiceName>>,
    /// Override the site's prune / self-heal for this Application.
    pub prune: Option<bool>,
    /// Override the site's self-heal for this Application.
    pub self_heal: Option<bool>,
    /// Deploy a Helm chart (inline values) in addition to the manifests below.
    pub helm: Option<Spanned<Helm>>,
    /// Deployments, stateful sets, daemon sets and cron jobs, by name.
    #[serde(default)]
    pub workloads: BTreeMap<WorkloadName, Spanned<Workload>>,
    /// Config maps, by name.
    #[serde(default)]
    pub config_maps: BTreeMap<ConfigMapName, ConfigMap>,
    /// SealedSecrets, by name.
    #[serde(default)]
    pub secrets: BTreeMap<SecretName, Spanned<Secret>>,
    /// Persistent volumes and host folders, by name.
    #[serde(default)]
    pub volumes: BTreeMap<VolumeName, Spanned<Volume>>,
    /// Ingresses, by name.
    #[serde(default)]
    pub ingresses: BTreeMap<IngressName, Spanned<Ingress>>,
    /// Databases this service serves.
    #[serde(default)]
    pub databases: BTreeMap<DatabaseName, Spanned<Database>>,
    /// Lint rules this object is excused from, each with a reason.
    #[serde(default)]
    pub allow: Vec<Spanned<Exception>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Helm {
    /// Chart repository URL.
    pub repo: String,
    pub chart: String,
    /// Exact chart version (no ranges: the rendered output must be reproducible).
    pub version: Spanned<String>,
    /// Helm release name; defaults to the service name.
    pub release: Option<String>,
    /// Inline values, merged over hearth's built-in values for this chart.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, serde_json::Value>")]
    pub values: serde_json::Map<String, serde_json::Value>,
}

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
    /// CPU and memory requests and limits.
    pub resources: Option<Resources>,
    /// Liveness, readiness and startup probes.
    #[serde(default)]
    pub probes: Probes,
    /// Container security settings.
    #[serde(default)]
    pub security: Security,
    /// Volumes, secrets and config maps mounted into the container.
    #[serde(default)]
    pub mounts: Vec<Spanned<Mount>>,
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
    #[serde(serialize_with = "super::kinds::as_word")]
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

/// A taint the pods tolerate: `key`, with `value` when the taint has one (else
/// any value), for one `effect` (else every effect).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Toleration {
    /// The taint's key.
    pub key: String,
    /// The taint's value; none tolerates any value.
    pub value: Option<String>,
    /// The taint's effect; none tolerates every effect.
    pub effect: Option<TaintEffect>,
    /// no-execute: how long a running pod stays once the taint appears (seconds).
    pub seconds: Option<i64>,
}

/// An environment value: a literal string, or `{ secret = "…", key = "…" }`,
/// `{ config_map = "…", key = "…" }`, `{ field = "spec.nodeName" }`.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(untagged)]
pub enum EnvValue {
    Literal(String),
    From(EnvSource),
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvSource {
    pub secret: Option<SecretName>,
    pub config_map: Option<ConfigMapName>,
    pub key: Option<DataKey>,
    /// A pod field, e.g. `spec.nodeName`.
    pub field: Option<String>,
}

impl<'de> Deserialize<'de> for EnvValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = EnvValue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string, or a table with `secret`/`config_map` and `key`, or `field`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<EnvValue, E> {
                Ok(EnvValue::Literal(v.to_owned()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, m: A) -> Result<EnvValue, A::Error> {
                EnvSource::deserialize(serde::de::value::MapAccessDeserializer::new(m))
                    .map(EnvValue::From)
            }
        }
        d.deserialize_any(V)
    }
}

/// `{ secret = "name", key = "KEY" }`: one key of a secret of the same service.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretKeyRef {
    pub secret: SecretName,
    pub key: DataKey,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvFrom {
    pub secret: Option<SecretName>,
    pub config_map: Option<ConfigMapName>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceAmounts {
    pub cpu: Option<Quantity>,
    pub memory: Option<Quantity>,
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
    /// Mount the container's root filesystem read-only.
    #[serde(default)]
    pub read_only_root: bool,
    /// Drop every capability not listed in `capabilities`.
    #[serde(default)]
    pub drop_all: bool,
    /// Why this workload needs privileges or the host network.
    pub reason: Option<String>,
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

#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct ConfigMap {
    #[serde(default)]
    pub data: BTreeMap<DataKey, String>,
    /// Files of `rendered/monitoring/` to carry, each under its own name as key
    /// (`promtail.yaml`, `config.alloy`, `exporter.yaml`).
    #[serde(default)]
    pub generated: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Secret {
    /// Each key and its kubeseal ciphertext (or "placeholder").
    pub keys: BTreeMap<DataKey, Spanned<SealedValue>>,
    /// Secret type, default `Opaque`.
    pub r#type: Option<String>,
    /// This secret can be recreated from nothing, so the DR export skips it: say why.
    pub regenerable: Option<String>,
    /// Lint rules this object is excused from, each with a reason.
    #[serde(default)]
    pub allow: Vec<Spanned<Exception>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Volume {
    /// Where the data lives.
    pub kind: VolumeKind,
    /// longhorn, local: capacity, e.g. `5Gi`.
    pub size: Option<Quantity>,
    /// Access mode of the claim.
    #[serde(default)]
    #[serde(serialize_with = "super::kinds::as_word")]
    pub access: AccessMode,
    /// local, host-path: the node that holds the folder.
    pub node: Option<Spanned<NodeName>>,
    /// local, host-path: the folder on the node.
    pub path: Option<AbsPath>,
    /// local: storage class name of the static PV.
    pub storage_class: Option<String>,
    /// host-path: true when the folder holds data that must survive (default false:
    /// a cache or a socket).
    #[serde(default)]
    pub holds_data: bool,
    /// host-path: what must be at `path` (kubelet's `hostPath.type`). Default:
    /// `directory` (must exist) for a folder holding data or mounted read-only,
    /// else `directory-or-create`.
    #[serde(rename = "type")]
    pub host_type: Option<HostPathType>,
    /// chart: the claim's name as the chart creates it.
    pub claim: Option<String>,
    /// This volume is deliberately not backed up: say why.
    pub no_backup: Option<String>,
    /// Lint rules this object is excused from, each with a reason.
    #[serde(default)]
    pub allow: Vec<Spanned<Exception>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ingress {
    /// Host; defaults to `<service>.<domain>`. `@` means the apex domain.
    pub host: Option<Spanned<String>>,
    /// More hosts served by the same backend (and added to the certificate).
    #[serde(default)]
    pub extra_hosts: Vec<Spanned<String>>,
    /// Backend workload of this service; defaults to its only workload.
    pub workload: Option<Spanned<WorkloadName>>,
    /// Backend port: a port name of the workload, or a number with `backend`.
    pub port: Option<Spanned<PortRef>>,
    /// A Service created by the Helm chart, instead of a workload of ours.
    pub backend: Option<String>,
    /// TLS issuer; defaults to the site's `default_issuer`.
    pub issuer: Option<Spanned<IssuerName>>,
    /// Reachable by anyone (say so explicitly), or set `auth`.
    #[serde(default)]
    pub public: bool,
    /// `basic`: HTTP basic auth from `auth_secret` (htpasswd auth-map).
    pub auth: Option<AuthKind>,
    /// With `auth = "basic"`: a secret of this namespace in htpasswd auth-map form.
    pub auth_secret: Option<Spanned<SecretName>>,
    /// A tier of `[rate_limits]`.
    pub rate_limit: Option<Spanned<TierName>>,
    /// OWASP CRS rule ids switched off for this host.
    #[serde(default)]
    pub waf_exclusions: Vec<u32>,
    /// Paths answered with 403 at the edge. Default: `/metrics`.
    pub deny_paths: Option<Vec<String>>,
    /// Max request body, e.g. `200M`.
    pub body_size: Option<String>,
    /// Exact-path redirects answered with 301 (`{ from = "/", to = "/admin/" }`).
    #[serde(default)]
    pub redirects: Vec<Redirect>,
    /// Redirect between `www.<host>` and `<host>`.
    #[serde(default)]
    pub www_redirect: bool,
    /// Lint rules this object is excused from, each with a reason.
    #[serde(default)]
    pub allow: Vec<Spanned<Exception>>,
}

#[derive(Debug, Deserialize, JsonSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum AuthKind {
    Basic,
}

#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct Redirect {
    pub from: String,
    pub to: String,
}

/// A port by name (of a workload) or by number (of a chart's Service).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum PortRef {
    Number(u16),
    Name(PortName),
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Database {
    /// The workload serving it; defaults to the service's only workload.
    pub workload: Option<Spanned<WorkloadName>>,
    #[serde(default = "default_pg_port")]
    pub port: u16,
    /// The role owning the database.
    pub owner: Option<String>,
}

fn default_pg_port() -> u16 {
    5432
}

/// A lint finding excused for one object: the rule, why, and until when.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    /// The rule id, e.g. `HL101`.
    pub rule: String,
    /// Why this object may break the rule (mandatory).
    pub reason: String,
    /// Last day the exception holds (`YYYY-MM-DD`); after it, it is a finding itself.
    pub until: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Alert {
    /// PromQL; the alert fires for every series it returns.
    pub expr: Spanned<String>,
    /// How long the condition must hold before the alert fires.
    #[serde(rename = "for")]
    pub for_: Option<Spanned<String>>,
    #[serde(default)]
    pub severity: AlertSeverity,
    /// One line; `{{ $labels.x }}` is replaced by a label of the series.
    pub summary: String,
    pub description: Option<String>,
    /// The contact point; defaults to `monitoring.notify`.
    pub notify: Option<Spanned<ContactName>>,
}

#[derive(Debug, Default, Deserialize, JsonSchema, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertSeverity {
    #[default]
    Warning,
    Critical,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dashboard {
    pub title: String,
    pub panels: Vec<Spanned<Panel>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Panel {
    pub title: String,
    /// PromQL for a Prometheus datasource, LogQL for Loki.
    pub query: Spanned<String>,
    /// Datasource uid; defaults to the default datasource.
    pub datasource: Option<Spanned<DatasourceUid>>,
    #[serde(default)]
    pub kind: PanelKind,
    /// Legend, e.g. `{{client_ip}}`.
    pub legend: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PanelKind {
    #[default]
    Timeseries,
    Table,
    Stat,
    Logs,
}

/// Monitoring as code: what Grafana gets (datasources, dashboards, alerting),
/// and the log pipeline that turns ingress access lines into metrics.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Monitoring {
    /// The service running Grafana (Helm chart `grafana`); its chart values
    /// receive the datasources, dashboards and alerting provisioning.
    pub grafana: Spanned<ServiceName>,
    /// Datasources by uid.
    pub datasources: BTreeMap<DatasourceUid, Spanned<Datasource>>,
    /// Where alerts can be delivered, by name.
    #[serde(default)]
    pub contact_points: BTreeMap<ContactName, Spanned<ContactPoint>>,
    /// The contact point of the default notification policy.
    pub notify: Spanned<ContactName>,
    /// The mail server Grafana sends `email` contact points through.
    pub smtp: Option<Spanned<Smtp>>,
    /// Built-in dashboards to render (all of them unless listed).
    #[serde(default = "all_dashboards")]
    pub dashboards: Vec<BuiltinDashboard>,
    /// Thresholds of the built-in alerts.
    #[serde(default)]
    pub alerts: BuiltinAlerts,
    /// The ingress log pipeline (Promtail, Alloy and hearth-exporter configs).
    pub logs: Option<Spanned<LogPipeline>>,
    /// `hearth lint` warns when a pipeline metric may have more series than this.
    #[serde(default = "default_max_series")]
    pub max_series: u64,
}

fn all_dashboards() -> Vec<BuiltinDashboard> {
    vec![
        BuiltinDashboard::Traffic,
        BuiltinDashboard::Waf,
        BuiltinDashboard::Cluster,
        BuiltinDashboard::Backups,
    ]
}

fn default_max_series() -> u64 {
    100_000
}

#[derive(Debug, Deserialize, JsonSchema, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum BuiltinDashboard {
    /// Requests by client IP (the seed's query), a geomap, requests by namespace and status.
    Traffic,
    /// Requests blocked by ModSecurity, parsed from the ingress-nginx logs in Loki.
    Waf,
    /// Pod restarts and node temperatures.
    Cluster,
    /// Last success of every backup.
    Backups,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Datasource {
    pub kind: DatasourceKind,
    /// In-cluster URL, e.g. `http://prometheus-server.prometheus.svc`.
    pub url: Spanned<String>,
    /// The datasource panels use when they name none (one per kind at most).
    #[serde(default)]
    pub default: bool,
}

#[derive(Debug, Deserialize, JsonSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DatasourceKind {
    Prometheus,
    Loki,
}

/// Where Grafana delivers alerts. Every credential is a key of a secret of
/// the Grafana service; Grafana reads it from an environment variable, so no
/// credential is written into the provisioning files. Which fields a kind
/// takes: telegram `bot_token`, `chat_id`; discord and slack `webhook`;
/// pushover `user_key`, `api_token`; ntfy `topic`, optional `server` and
/// `token`; webhook `url`, optional `token`; email `addresses`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPoint {
    pub kind: ContactKind,
    /// telegram: the bot token.
    pub bot_token: Option<Spanned<SecretKeyRef>>,
    /// telegram: the chat (group) id, e.g. `-1001234567890`.
    pub chat_id: Option<String>,
    /// discord, slack: the webhook URL (it holds the webhook's token).
    pub webhook: Option<Spanned<SecretKeyRef>>,
    /// pushover: the user (or group) key.
    pub user_key: Option<Spanned<SecretKeyRef>>,
    /// pushover: the application's API token.
    pub api_token: Option<Spanned<SecretKeyRef>>,
    /// ntfy: the server, `https://ntfy.sh` unless given.
    pub server: Option<String>,
    /// ntfy: the topic, 1 to 64 letters, digits, `-` and `_`.
    pub topic: Option<String>,
    /// webhook: the endpoint, `http://` or `https://`.
    pub url: Option<String>,
    /// ntfy, webhook: a bearer token sent in `Authorization`.
    pub token: Option<Spanned<SecretKeyRef>>,
    /// email: the recipients (sent through `[monitoring.smtp]`).
    pub addresses: Option<Vec<String>>,
}

/// Grafana's mail server (its `[smtp]` settings).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Smtp {
    /// `host:port`, e.g. `smtp.fastmail.com:587`.
    pub host: String,
    /// The sender, e.g. `grafana@lab.example`.
    pub from: String,
    /// The login, when the server asks for one.
    pub user: Option<String>,
    /// The password: a key of a secret of the Grafana service.
    pub password: Option<Spanned<SecretKeyRef>>,
}

/// The integrations hearth provisions. ntfy goes through Grafana's webhook
/// with ntfy's message templates (ntfy 2.10 or later).
#[derive(Debug, Deserialize, JsonSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ContactKind {
    Telegram,
    Discord,
    Slack,
    Pushover,
    Ntfy,
    Webhook,
    Email,
}

/// Tuning of one built-in alert.
#[derive(Debug, Deserialize, JsonSchema, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct AlertTuning {
    /// Set `false` to leave the alert out.
    pub enabled: Option<bool>,
    /// The count above which it fires (requests, restarts).
    pub threshold: Option<f64>,
    /// The window the count is taken over, e.g. `10m`.
    pub window: Option<Spanned<String>>,
    /// How long the condition must hold, e.g. `5m`.
    #[serde(rename = "for")]
    pub for_: Option<Spanned<String>>,
    pub severity: Option<AlertSeverity>,
}

#[derive(Debug, Deserialize, JsonSchema, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct BuiltinAlerts {
    /// One client IP sending many requests (default 1000 in 10m).
    #[serde(default)]
    pub client_ip_requests: AlertTuning,
    /// A container restarting (default more than 3 in 1h).
    #[serde(default)]
    pub pod_restarts: AlertTuning,
    /// Many requests denied by the WAF (default 50 in 10m): hearth-exporter's `waf_blocked_total` when it counts; with Promtail or Alloy counting (no WAF counter), 403s, less path and `/metrics` denies (they log no namespace) when a counter has `namespace`.
    #[serde(default)]
    pub waf_blocks: AlertTuning,
    /// One IP failing authentication on auth-protected ingresses (default 20 401/403 in 5m).
    #[serde(default)]
    pub brute_force: AlertTuning,
    /// Every backup: failed, or no success for longer than its schedule allows.
    #[serde(default)]
    pub backups: AlertTuning,
}

/// One pipeline definition, rendered as Promtail, Grafana Alloy and
/// hearth-exporter configuration: ingress-nginx JSON access lines counted per
/// label set, and (with `loki`) every pod's logs shipped to Loki.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogPipeline {
    /// Namespaces whose pods' access lines are counted.
    #[serde(default = "ingress_namespaces")]
    pub namespaces: Vec<Namespace>,
    /// Loki datasource every pod's logs are shipped to (the `pod-logs` job).
    pub loki: Option<Spanned<DatasourceUid>>,
    /// MaxMind City database (GeoIP labels for the map); shared with geoipupdate.
    pub geoip: Option<AbsPath>,
    /// Metric name prefix (Promtail's default keeps the seed's queries working).
    #[serde(default = "default_prefix")]
    pub prefix: String,
    /// Label name → access-log JSON field.
    #[serde(default = "default_fields")]
    pub fields: BTreeMap<MetricName, Spanned<String>>,
    /// The counters, in order (the seed's four unless given).
    #[serde(default = "default_counters")]
    pub counters: Vec<Spanned<Counter>>,
    /// Where Promtail keeps its read positions (a node folder, not /tmp).
    #[serde(default = "default_positions")]
    pub positions: AbsPath,
    /// Distinct client IPs expected in a day (for the cardinality estimate).
    #[serde(default = "default_clients")]
    pub expected_clients: u64,
    /// Series not updated for this long are dropped (Promtail `max_idle_duration`).
    #[serde(default = "default_idle")]
    pub max_idle: Spanned<String>,
    /// Who counts the access lines: the log agent (`agent`: the
    /// `ingress-nginx-metrics` job of Promtail or Alloy) or hearth-exporter
    /// (`exporter`: the agent then only ships logs). Never both: the same
    /// series from two sources would double every sum.
    #[serde(default)]
    pub count_with: CountWith,
}

#[derive(Debug, Default, Deserialize, JsonSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CountWith {
    #[default]
    Agent,
    Exporter,
}

#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct Counter {
    /// Without the prefix, e.g. `http_requests_total_ip`.
    pub name: MetricName,
    /// Labels, each a key of `fields`.
    pub labels: Vec<MetricName>,
    pub help: Option<String>,
}

fn ingress_namespaces() -> Vec<Namespace> {
    vec![Namespace::new("ingress-nginx").expect("valid")]
}
fn default_prefix() -> String {
    "promtail_custom_".into()
}
fn default_fields() -> BTreeMap<MetricName, Spanned<String>> {
    [
        ("client_ip", "remote_address"),
        ("namespace", "ingress_namespace"),
        ("status", "status"),
    ]
    .into_iter()
    .map(|(k, v)| {
        (
            MetricName::new(k).expect("valid"),
            Spanned::unspanned(v.to_string()),
        )
    })
    .collect()
}
fn default_counters() -> Vec<Spanned<Counter>> {
    [
        ("http_requests_total_ip", &["client_ip"][..]),
        (
            "http_requests_total_ip_namespace",
            &["client_ip", "namespace"],
        ),
        ("http_requests_total_ip_status", &["client_ip", "status"]),
        (
            "http_requests_total_ip_namespace_status",
            &["client_ip", "namespace", "status"],
        ),
    ]
    .into_iter()
    .map(|(n, l)| {
        Spanned::unspanned(Counter {
            name: MetricName::new(n).expect("valid"),
            labels: l
                .iter()
                .map(|x| MetricName::new(*x).expect("valid"))
                .collect(),
            help: None,
        })
    })
    .collect()
}
fn default_positions() -> AbsPath {
    AbsPath::new("/var/lib/promtail/positions.yaml").expect("valid")
}
fn default_clients() -> u64 {
    500
}
fn default_idle() -> Spanned<String> {
    Spanned::unspanned("24h".to_string())
}

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DrSettings {
    /// age recipient (public key) the secret export is encrypted for.
    pub age_recipient: Option<String>,
    /// Image of the argocd CLI used by the export script.
    pub argocd_cli_image: Option<Image>,
}
