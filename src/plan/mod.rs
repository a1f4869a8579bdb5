//! The plan: site.toml with every default filled, every reference resolved and
//! checked, derived objects added (backup jobs, PVs, Services), and the dependency
//! graph turned into ArgoCD sync waves. Render and lint read only this.
//!
//! Plan types are plain data that serialise into the shapes templates lay out;
//! spans (`Range<usize>` into site.toml) stay on them for later diagnostics.

pub mod affinity;
mod build;
pub mod drift;
pub mod exposure;
mod graph;
pub mod helm;
pub mod ingress;
mod issuer;
pub mod lifecycle;
pub mod netpol;
pub mod placement;
pub mod pod;
mod target;
pub mod workload;

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Serialize;
use serde_json::Value;

pub use build::plan;
pub use exposure::{LanPort, LanService};
pub use issuer::*;
pub use lifecycle::{Hook, Lifecycle};
pub use placement::{Placement, Toleration};
pub use pod::*;
pub use target::*;
pub use workload::*;

pub use crate::site::kinds::{
    AccessMode, BackupKind, Capability, DatabaseEngine, HostPathType, TargetKind, VolumeKind,
    WorkloadKind,
};
use crate::site::names::*;
use crate::site::values::Cron as Schedule;

/// Services by name while the plan is built; the finished plan keeps a
/// sorted `Vec`.
pub(crate) type ServiceMap = BTreeMap<ServiceName, Service>;

#[derive(Debug, Serialize)]
pub struct Plan {
    pub site: Site,
    pub argocd: Argo,
    pub nodes: Vec<Node>,
    pub issuers: Vec<Issuer>,
    /// Sorted by name, so output never depends on the order in site.toml.
    pub services: Vec<Service>,
    pub backups: Vec<Backup>,
    pub targets: Vec<Target>,
    pub dr: Dr,
}

#[derive(Debug, Serialize)]
pub struct Dr {
    /// age public key the exports are encrypted for (scripts also take --recipient).
    pub age_recipient: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Site {
    pub name: ServiceName,
    pub domain: String,
    pub repo_url: String,
    pub revision: String,
    pub rendered_path: String,
    pub timezone: Option<String>,
    /// The Kubernetes minor version the site targets (`[site] kubernetes`).
    pub kube_minor: u32,
    pub ingress_controller: crate::site::kinds::IngressController,
    pub ingress_class: String,
    pub longhorn_replicas: u8,
    #[serde(skip)]
    pub span: Range<usize>,
}

#[derive(Debug, Serialize)]
pub struct Argo {
    pub namespace: Namespace,
    pub project: String,
}

#[derive(Debug, Serialize)]
pub struct Node {
    pub name: NodeName,
    pub arch: crate::site::kinds::Arch,
    pub roles: Vec<crate::site::kinds::NodeRole>,
    pub labels: BTreeMap<String, String>,
    #[serde(skip)]
    pub span: Range<usize>,
}

/// A lint exception as written next to its object.
#[derive(Debug, Clone, Serialize)]
pub struct Exception {
    pub rule: String,
    pub reason: String,
    pub until: Option<String>,
    #[serde(skip)]
    pub span: Range<usize>,
}

#[derive(Debug, Serialize)]
pub struct Service {
    pub name: ServiceName,
    pub namespace: Namespace,
    pub description: Option<String>,
    pub wave: u32,
    /// This service's folder holds the Namespace object (one owner per namespace).
    pub owns_namespace: bool,
    pub prune: bool,
    pub self_heal: bool,
    pub depends_on: Vec<ServiceName>,
    pub capabilities: Vec<Capability>,
    pub helm: Option<Helm>,
    pub workloads: Vec<Workload>,
    pub config_maps: Vec<ConfigMap>,
    pub secrets: Vec<Secret>,
    pub volumes: Vec<Volume>,
    pub ingresses: Vec<Ingress>,
    pub databases: Vec<Database>,
    /// Longhorn RecurringJobs rendered into this service (the Longhorn provider).
    pub recurring_jobs: Vec<RecurringJob>,
    /// ClusterIssuers rendered into this service (the cert-manager provider).
    pub issuers: Vec<IssuerName>,
    /// NetworkPolicies rendered into this service's folder (`[site] network_policy`).
    pub network_policies: Vec<netpol::NetPolicy>,
    pub allow: Vec<Exception>,
    #[serde(skip)]
    pub span: Range<usize>,
}

#[derive(Debug, Serialize)]
pub struct Helm {
    /// As site.toml writes it: `https://…` or `oci://<registry>/<path>`.
    pub repo: String,
    /// The chart lives in an OCI registry (`repo` is `oci://…`).
    pub oci: bool,
    /// The Application's `repoURL`: ArgoCD (2.11 `helm.IsHelmOciRepo`) reads
    /// a URL without a scheme as an OCI registry and pulls
    /// `oci://<repoURL>/<chart>`, so an OCI `repo` loses its `oci://`.
    pub repo_url: String,
    pub chart: String,
    pub version: String,
    pub release: String,
    /// hearth's built-in values for the chart with the site's values merged over them.
    pub values: Value,
    /// Fields of the chart's objects a controller rewrites in the cluster:
    /// the Application ignores them (`drift`).
    pub ignored: Vec<drift::Ignored>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConfigMap {
    pub name: ConfigMapName,
    pub data: BTreeMap<String, String>,
    /// Files of `rendered/monitoring/` carried under their own names (the
    /// render stage adds them to `data`).
    pub generated: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Secret {
    pub name: SecretName,
    pub r#type: String,
    pub encrypted: BTreeMap<String, String>,
    pub regenerable: Option<String>,
    pub allow: Vec<Exception>,
    #[serde(skip)]
    pub span: Range<usize>,
}

#[derive(Debug, Serialize)]
pub struct Volume {
    pub name: VolumeName,
    pub kind: VolumeKind,
    pub size: Option<String>,
    pub access: AccessMode,
    pub storage_class: Option<String>,
    /// Name of the static PersistentVolume (local volumes).
    pub pv_name: Option<String>,
    pub node: Option<NodeName>,
    pub path: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub no_backup: Option<String>,
    pub holds_data: bool,
    pub claim: Option<String>,
    /// One claim per pod, from the mounting StatefulSet's claim templates.
    pub per_pod: bool,
    pub allow: Vec<Exception>,
    #[serde(skip)]
    pub span: Range<usize>,
}

#[derive(Debug, Serialize)]
pub struct Ingress {
    pub name: IngressName,
    pub hosts: Vec<String>,
    pub tls_hosts: Vec<String>,
    pub tls_secret: String,
    pub backend_service: String,
    /// Port number or name on the backend Service.
    pub backend_port: BackendPort,
    /// cert-manager's, the controller's for this ingress's intents (nginx), the
    /// middleware list (Traefik), and the site's own passthrough.
    pub annotations: BTreeMap<String, String>,
    /// The keys of `annotations` the site passed through as written.
    pub passthrough: Vec<String>,
    /// The hosts routed: `hosts`, and on Traefik the `www.` host it redirects.
    pub rule_hosts: Vec<String>,
    pub public: bool,
    /// `basic` or `forward`.
    pub auth: Option<String>,
    /// Only clients of these `[site.networks]` are answered.
    pub networks: Vec<crate::site::names::NetworkName>,
    /// Traefik: the Middleware objects the Ingress names.
    pub middlewares: Vec<ingress::Middleware>,
    /// Traefik: the Ingress answering the denied paths with 403.
    pub deny_route: Option<ingress::DenyRoute>,
    /// Paths answered with 403 at the edge.
    pub deny_paths: Vec<String>,
    /// The backend is a workload of ours whose metrics port is the routed port.
    pub routes_metrics_port: bool,
    /// `body_size` in bytes (nginx's `client_max_body_size`).
    pub body_limit: Option<u64>,
    /// OWASP CRS rule ids switched off for this ingress.
    pub waf_exclusions: Vec<u32>,
    pub allow: Vec<Exception>,
    #[serde(skip)]
    pub span: Range<usize>,
}

#[derive(Debug, Serialize)]
pub struct Database {
    pub name: DatabaseName,
    /// The workload serving it (its volumes hold the data); of a SQLite
    /// file, the workload using it.
    pub workload: WorkloadName,
    #[serde(flatten)]
    pub at: DatabaseAt,
    pub owner: Option<String>,
    pub engine: DatabaseEngine,
    /// The server's major version, when the workload's image tag shows it
    /// (`postgres:16.2` → 16); dump jobs pin their image to it.
    pub major: Option<u32>,
    #[serde(skip)]
    pub span: Range<usize>,
}

/// Where a database is reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum DatabaseAt {
    /// A server the dump job connects to.
    Server { host: String, port: u16 },
    /// A SQLite file at `path` (relative, checked not to leave it) in
    /// `volume` of the database's own service.
    File { volume: VolumeName, path: String },
}

impl DatabaseAt {
    /// `host:port`, or the volume and file of a SQLite database.
    pub fn describe(&self) -> String {
        match self {
            Self::Server { host, port } => format!("{host}:{port}"),
            Self::File { volume, path } => format!("volume `{volume}`, file `{path}`"),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct RecurringJob {
    pub name: BackupName,
    pub cron: Schedule,
    pub retain: u32,
    pub group: String,
}

#[derive(Debug, Serialize)]
pub struct Backup {
    pub name: BackupName,
    pub kind: BackupKind,
    pub schedule: Schedule,
    pub retain: Option<u32>,
    pub target: Option<TargetName>,
    /// `service/volume` of every volume this backup recovers.
    pub volumes: Vec<String>,
    /// `service/database` of every database this backup dumps.
    pub databases: Vec<String>,
    /// Where the job runs (dump, restic, job).
    pub namespace: Option<Namespace>,
    /// The job's image (dump, restic, job).
    pub image: Option<String>,
    /// dump: the engine of every database it dumps.
    pub engine: Option<DatabaseEngine>,
    /// dump: the claim the dumps are written to, under `/backups/<database>/`.
    pub claim: Option<String>,
    /// restic, job: the shell line that restores the volumes, for the runbook.
    pub restore: Option<String>,
    /// restic: the repository.
    pub repository: Option<String>,
    /// restic: a `<name>-check` CronJob runs `restic check` on this schedule.
    pub check: Option<Schedule>,
    #[serde(skip)]
    pub span: Range<usize>,
}

impl Plan {
    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.name.as_str() == name)
    }

    /// The volumes workload `w` of service `svc` mounts, with the service that
    /// declares each (any service of the same namespace).
    pub fn mounted_volumes<'p>(
        &'p self,
        svc: &Service,
        w: &Workload,
    ) -> Vec<(&'p Service, &'p Volume)> {
        let mut out = Vec::new();
        for vol in w.site_volumes() {
            for owner in self
                .services
                .iter()
                .filter(|o| o.namespace == svc.namespace)
            {
                out.extend(
                    owner
                        .volumes
                        .iter()
                        .filter(|v| &v.name == vol)
                        .map(|v| (owner, v)),
                );
            }
        }
        out
    }

    /// The first service providing `cap`.
    pub fn provider(&self, cap: Capability) -> Option<&Service> {
        self.services.iter().find(|s| s.capabilities.contains(&cap))
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

/// The port of an ingress backend Service, by number or by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "k8s_openapi::api::networking::v1::ServiceBackendPort")]
pub enum BackendPort {
    Number(u16),
    Name(PortName),
}

impl From<BackendPort> for k8s_openapi::api::networking::v1::ServiceBackendPort {
    fn from(p: BackendPort) -> Self {
        match p {
            BackendPort::Number(n) => Self {
                number: Some(n.into()),
                name: None,
            },
            BackendPort::Name(n) => Self {
                name: Some(n.to_string()),
                number: None,
            },
        }
    }
}
