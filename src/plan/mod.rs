//! The plan: site.toml with every default filled, every reference resolved and
//! checked, derived objects added (backup jobs, PVs, Services), and the dependency
//! graph turned into ArgoCD sync waves. Render and lint read only this.
//!
//! Plan types are plain data that serialise into the shapes templates lay out;
//! spans (`Range<usize>` into site.toml) stay on them for later diagnostics.

mod build;
mod graph;
pub mod helm;

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Serialize;
use serde_json::Value;

pub use build::plan;

use crate::site::names::*;

#[derive(Debug, Serialize)]
pub struct Plan {
    pub site: SiteInfo,
    pub argocd: ArgoInfo,
    pub nodes: Vec<PNode>,
    pub issuers: Vec<PIssuer>,
    /// Sorted by name, so output never depends on the order in site.toml.
    pub services: Vec<PService>,
    pub backups: Vec<PBackup>,
    pub targets: Vec<PTarget>,
    pub dr: DrInfo,
    /// Dashboards, alerts, Grafana provisioning and log pipelines (with `[monitoring]`).
    pub monitoring: Option<crate::monitoring::PMonitoring>,
}

#[derive(Debug, Serialize)]
pub struct DrInfo {
    /// age public key the exports are encrypted for (scripts also take --recipient).
    pub age_recipient: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct PTarget {
    pub name: TargetName,
    pub url: String,
    /// `service/secret` holding the credentials.
    pub credentials: Option<String>,
    #[serde(skip)]
    pub span: Range<usize>,
}

#[derive(Debug, Serialize)]
pub struct SiteInfo {
    pub name: ServiceName,
    pub domain: String,
    pub repo_url: String,
    pub revision: String,
    pub rendered_path: String,
    pub timezone: Option<String>,
    pub ingress_class: String,
    pub longhorn_replicas: u8,
    #[serde(skip)]
    pub span: Range<usize>,
}

#[derive(Debug, Serialize)]
pub struct ArgoInfo {
    pub namespace: Namespace,
    pub project: String,
}

#[derive(Debug, Serialize)]
pub struct PNode {
    pub name: NodeName,
    pub arch: String,
    pub roles: Vec<String>,
    pub labels: BTreeMap<String, String>,
    #[serde(skip)]
    pub span: Range<usize>,
}

/// A lint exception as written next to its object.
#[derive(Debug, Clone, Serialize)]
pub struct PException {
    pub rule: String,
    pub reason: String,
    pub until: Option<String>,
    #[serde(skip)]
    pub span: Range<usize>,
}

#[derive(Debug, Serialize)]
pub struct PIssuer {
    pub name: IssuerName,
    pub acme_server: String,
    pub email: String,
    pub ingress_class: String,
    /// The service whose folder holds the ClusterIssuer (the cert-manager provider).
    pub service: Option<ServiceName>,
}

#[derive(Debug, Serialize)]
pub struct PService {
    pub name: ServiceName,
    pub namespace: Namespace,
    pub description: Option<String>,
    pub wave: u32,
    /// This service's folder holds the Namespace object (one owner per namespace).
    pub owns_namespace: bool,
    pub prune: bool,
    pub self_heal: bool,
    pub depends_on: Vec<ServiceName>,
    pub capabilities: Vec<String>,
    pub helm: Option<PHelm>,
    pub workloads: Vec<PWorkload>,
    pub config_maps: Vec<PConfigMap>,
    pub secrets: Vec<PSecret>,
    pub volumes: Vec<PVolume>,
    pub ingresses: Vec<PIngress>,
    pub databases: Vec<PDatabase>,
    /// Longhorn RecurringJobs rendered into this service (the Longhorn provider).
    pub recurring_jobs: Vec<PRecurringJob>,
    /// ClusterIssuers rendered into this service (the cert-manager provider).
    pub issuers: Vec<IssuerName>,
    pub allow: Vec<PException>,
    #[serde(skip)]
    pub span: Range<usize>,
}

#[derive(Debug, Serialize)]
pub struct PHelm {
    pub repo: String,
    pub chart: String,
    pub version: String,
    pub release: String,
    /// hearth's built-in values for the chart with the site's values merged over them.
    pub values: Value,
}

#[derive(Debug, Serialize)]
pub struct PWorkload {
    pub name: WorkloadName,
    /// Kubernetes kind: Deployment, StatefulSet, DaemonSet or CronJob.
    pub kind: &'static str,
    pub api_version: &'static str,
    pub replicas: Option<u32>,
    pub strategy: Option<&'static str>,
    /// Cron jobs: when and how they run.
    pub cron: Option<PCron>,
    pub labels: BTreeMap<String, String>,
    pub selector: BTreeMap<String, String>,
    pub pod_annotations: BTreeMap<String, String>,
    pub node: Option<NodeName>,
    pub tolerate_control_plane: bool,
    pub host_network: bool,
    pub service_account: Option<String>,
    pub rbac: Option<PRbac>,
    pub container: PContainer,
    pub pod_security: Option<Value>,
    pub volumes: Vec<Value>,
    /// The Service in front of the workload, when a port is exposed.
    pub service: Option<PServicePorts>,
    /// Where this workload came from: `site` or a backup's name.
    pub origin: String,
    /// Why it needs privileges or the host network, when it says.
    pub security_reason: Option<String>,
    /// Metric names (or `prefix_*` families) it serves, for monitoring's checks.
    pub produces: Vec<String>,
    pub allow: Vec<PException>,
    #[serde(skip)]
    pub span: Range<usize>,
}

/// How a CronJob runs. Home-cluster defaults: never two runs at once (a backup
/// must not race itself), a failed run retried twice then left for inspection,
/// three runs of history kept.
#[derive(Debug, Serialize)]
pub struct PCron {
    pub schedule: String,
    pub time_zone: Option<String>,
    pub concurrency_policy: &'static str,
    pub backoff_limit: u32,
    pub history: u32,
    pub restart_policy: &'static str,
}

impl PCron {
    pub fn new(schedule: String, time_zone: Option<String>) -> Self {
        Self {
            schedule,
            time_zone,
            concurrency_policy: "Forbid",
            backoff_limit: 2,
            history: 3,
            restart_policy: "Never",
        }
    }
}

#[derive(Debug, Serialize)]
pub struct PRbac {
    pub cluster: bool,
    pub rules: Vec<Value>,
}

#[derive(Debug, Serialize)]
pub struct PContainer {
    pub name: String,
    pub image: String,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub env: Vec<Value>,
    pub env_from: Vec<Value>,
    pub ports: Vec<Value>,
    pub resources: Option<Value>,
    pub liveness: Option<Value>,
    pub readiness: Option<Value>,
    pub startup: Option<Value>,
    pub security: Option<Value>,
    pub mounts: Vec<Value>,
}

#[derive(Debug, Serialize)]
pub struct PServicePorts {
    pub name: String,
    pub ports: Vec<Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PConfigMap {
    pub name: ConfigMapName,
    pub data: BTreeMap<String, String>,
    /// Files of `rendered/monitoring/` carried under their own names (the
    /// render stage adds them to `data`).
    pub generated: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct PSecret {
    pub name: SecretName,
    pub r#type: String,
    pub encrypted: BTreeMap<String, String>,
    pub regenerable: Option<String>,
    pub allow: Vec<PException>,
    #[serde(skip)]
    pub span: Range<usize>,
}

#[derive(Debug, Serialize)]
pub struct PVolume {
    pub name: VolumeName,
    pub kind: &'static str,
    pub size: Option<String>,
    pub access: &'static str,
    pub storage_class: Option<String>,
    /// Name of the static PersistentVolume (local volumes).
    pub pv_name: Option<String>,
    pub node: Option<NodeName>,
    pub path: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub no_backup: Option<String>,
    pub holds_data: bool,
    pub claim: Option<String>,
    pub allow: Vec<PException>,
    #[serde(skip)]
    pub span: Range<usize>,
}

#[derive(Debug, Serialize)]
pub struct PIngress {
    pub name: IngressName,
    pub hosts: Vec<String>,
    pub tls_hosts: Vec<String>,
    pub tls_secret: String,
    pub backend_service: String,
    /// Port number or name on the backend Service.
    pub backend_port: Value,
    pub annotations: BTreeMap<String, String>,
    pub public: bool,
    pub auth: Option<String>,
    /// Paths answered with 403 at the edge.
    pub deny_paths: Vec<String>,
    /// The backend is a workload of ours whose metrics port is the routed port.
    pub routes_metrics_port: bool,
    pub allow: Vec<PException>,
    #[serde(skip)]
    pub span: Range<usize>,
}

#[derive(Debug, Serialize)]
pub struct PDatabase {
    pub name: DatabaseName,
    /// The workload serving it (its volumes hold the data).
    pub workload: WorkloadName,
    pub host: String,
    pub port: u16,
    pub owner: Option<String>,
    #[serde(skip)]
    pub span: Range<usize>,
}

#[derive(Debug, Serialize)]
pub struct PRecurringJob {
    pub name: BackupName,
    pub cron: String,
    pub retain: u32,
    pub group: String,
}

#[derive(Debug, Serialize)]
pub struct PBackup {
    pub name: BackupName,
    pub kind: &'static str,
    pub schedule: String,
    pub retain: Option<u32>,
    pub target: Option<TargetName>,
    /// `service/volume` of every volume this backup recovers.
    pub volumes: Vec<String>,
    /// `service/database` of every database this backup dumps.
    pub databases: Vec<String>,
    #[serde(skip)]
    pub span: Range<usize>,
}

impl Plan {
    pub fn service(&self, name: &str) -> Option<&PService> {
        self.services.iter().find(|s| s.name.as_str() == name)
    }

    /// The volumes workload `w` of service `svc` mounts, with the service that
    /// declares each (any service of the same namespace).
    pub fn mounted_volumes<'p>(
        &'p self,
        svc: &PService,
        w: &PWorkload,
    ) -> Vec<(&'p PService, &'p PVolume)> {
        let mut out = Vec::new();
        for m in &w.container.mounts {
            // Pod volumes backed by a site volume are named `vol-<volume>`.
            let Some(vol) = m["name"].as_str().and_then(|n| n.strip_prefix("vol-")) else {
                continue;
            };
            for owner in self
                .services
                .iter()
                .filter(|o| o.namespace == svc.namespace)
            {
                out.extend(
                    owner
                        .volumes
                        .iter()
                        .filter(|v| v.name.as_str() == vol)
                        .map(|v| (owner, v)),
                );
            }
        }
        out
    }

    /// Services grouped by sync wave, in wave order.
    pub fn waves(&self) -> Vec<(u32, Vec<String>)> {
        let mut waves: BTreeMap<u32, Vec<String>> = BTreeMap::new();
        for s in &self.services {
            waves.entry(s.wave).or_default().push(s.name.to_string());
        }
        waves.into_iter().collect()
    }
}
