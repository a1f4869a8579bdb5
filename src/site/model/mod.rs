//! The raw shape of site.toml, exactly as written: serde types with spans on every
//! field a diagnostic may point at. Nothing here is resolved; `plan` does that.
//! This file holds the site's top level (site, nodes, issuers, backups, DR);
//! services, workloads and monitoring have a file each.

use std::collections::BTreeMap;

use super::spanned::Spanned;
use schemars::JsonSchema;
use serde::Deserialize;

use super::names::*;
use super::values::*;

pub use super::kinds::*;

mod container;
mod env;
mod monitoring;
mod placement;
mod service;
mod shared;
mod target;
mod workload;

pub use container::*;
pub use env::*;
pub use monitoring::*;
pub use placement::*;
pub use service::*;
pub use shared::SharedSecret;
pub(crate) use shared::expand as expand_shared;
pub use target::*;
pub use workload::*;

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
    /// Backups: Longhorn RecurringJobs, database dumps, restic snapshots,
    /// rclone syncs, your own jobs.
    #[serde(default)]
    pub backups: BTreeMap<BackupName, Spanned<Backup>>,
    /// The deployables: each becomes one ArgoCD Application and one folder under `apps/`.
    #[serde(default)]
    pub services: BTreeMap<ServiceName, Spanned<Service>>,
    /// Secrets declared once and rendered into several namespaces, by name.
    #[serde(default)]
    pub secrets: BTreeMap<SecretName, Spanned<SharedSecret>>,
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
    /// The ingress controller every ingress is rendered for: `ingress-nginx`
    /// (annotations) or `traefik` (`Middleware` objects).
    #[serde(default)]
    #[serde(serialize_with = "crate::site::kinds::as_word")]
    pub ingress_controller: IngressController,
    /// The ingress class; defaults to the controller's own (`nginx`, `traefik`).
    pub ingress_class: Option<String>,
    /// Client networks by name, as CIDR ranges (`lan = ["10.0.0.0/8"]`); an
    /// ingress with `networks = ["lan"]` answers only clients from them.
    #[serde(default)]
    pub networks: BTreeMap<NetworkName, Vec<Spanned<String>>>,
    /// `default-deny`: each namespace of a service with workloads of its own
    /// gets a default-deny NetworkPolicy and the allows the site implies;
    /// `none` (default) renders no NetworkPolicy.
    #[serde(default)]
    #[serde(serialize_with = "crate::site::kinds::as_word")]
    pub network_policy: NetworkPolicyMode,
}

impl SiteMeta {
    /// The ingress class: as written, or the controller's own.
    pub fn ingress_class(&self) -> String {
        self.ingress_class
            .clone()
            .unwrap_or_else(|| self.ingress_controller.default_class().to_string())
    }
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
    /// Ingress class used for HTTP-01 challenges; defaults to the site's.
    pub ingress_class: Option<String>,
    /// Solve DNS-01 challenges instead of HTTP-01 (needed for wildcard hosts).
    pub dns01: Option<Spanned<Dns01>>,
}

/// A DNS-01 solver: the DNS provider and the secret of cert-manager's
/// namespace holding its credentials.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dns01 {
    /// The DNS provider.
    pub provider: Dns01Provider,
    /// The credential secret, in cert-manager's namespace.
    pub secret: Spanned<SecretName>,
    /// cloudflare: the API token's key; route53: the secret access key's key;
    /// rfc2136: the TSIG secret's key.
    pub key: Spanned<DataKey>,
    /// route53: the AWS region.
    pub region: Option<String>,
    /// route53: the access key id.
    pub access_key_id: Option<String>,
    /// rfc2136: the name server, `host:port`.
    pub nameserver: Option<String>,
    /// rfc2136: the TSIG key name.
    pub tsig_key_name: Option<String>,
    /// rfc2136: the TSIG algorithm, e.g. `HMACSHA256`.
    pub tsig_algorithm: Option<String>,
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

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Backup {
    /// How the backup is taken.
    pub kind: BackupKind,
    /// Five-field cron schedule.
    pub schedule: Cron,
    /// How many backups to keep (longhorn, dump: per database) or days of
    /// dumps to keep (pg-backup).
    pub retain: Option<u32>,
    /// longhorn: the backup target; restic: an `s3` target the repository
    /// is derived from (instead of `repository`).
    pub target: Option<Spanned<TargetName>>,
    /// longhorn, restic, job: the volumes backed up, as `service/volume`.
    #[serde(default)]
    pub volumes: Vec<Spanned<String>>,
    /// pg-backup, dump: the databases dumped, as `service/database`.
    #[serde(default)]
    pub databases: Vec<Spanned<String>>,
    /// pg-backup, dump: the dump volume; rclone: the volume synced. As `service/volume`.
    pub volume: Option<Spanned<String>>,
    /// pg-backup, rclone, dump, restic, job: the service whose namespace runs the job.
    pub runs_in: Option<Spanned<ServiceName>>,
    /// The job's image (pg-backup, rclone, job); dump and restic default to
    /// the official image (the engine's, pinned to the server's major version;
    /// `restic/restic`).
    pub image: Option<Spanned<Image>>,
    /// pg-backup, dump: the database user.
    pub user: Option<String>,
    /// pg-backup, dump: the database password; restic: the repository
    /// password. From a secret of `runs_in`.
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
    /// Node the job must run on (a local or host-path volume it reads pins it
    /// to that volume's node).
    pub node: Option<Spanned<NodeName>>,
    pub resources: Option<Resources>,
    /// restic: the repository, e.g. `s3:s3.amazonaws.com/bucket/path`,
    /// `b2:bucket:path`, `rest:https://host/` or a path on a mounted volume.
    pub repository: Option<Spanned<String>>,
    /// restic: which snapshots `restic forget --prune` keeps.
    pub keep: Option<Keep>,
    /// restic: five-field cron schedule of a second CronJob running `restic check`.
    pub check: Option<Cron>,
    /// restic, job: a secret of `runs_in` whose keys become the job's
    /// environment (e.g. `AWS_ACCESS_KEY_ID`, `B2_ACCOUNT_KEY`).
    pub credentials: Option<Spanned<SecretName>>,
    /// job: the command the CronJob runs (the image's entrypoint is replaced).
    #[serde(default)]
    pub command: Vec<String>,
    /// job: the command that restores the listed volumes, for the runbook.
    pub restore: Option<String>,
}

/// A restic retention policy: each count becomes `--keep-<name> <count>`.
#[derive(Debug, Default, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct Keep {
    /// The newest snapshots, whatever their age.
    pub last: Option<u32>,
    /// The newest snapshot of each of the last N hours that have one.
    pub hourly: Option<u32>,
    /// The newest snapshot of each of the last N days that have one.
    pub daily: Option<u32>,
    /// The newest snapshot of each of the last N weeks that have one.
    pub weekly: Option<u32>,
    /// The newest snapshot of each of the last N months that have one.
    pub monthly: Option<u32>,
    /// The newest snapshot of each of the last N years that have one.
    pub yearly: Option<u32>,
}

impl Keep {
    /// `restic forget` flags, e.g. `--keep-daily 7 --keep-weekly 4`.
    pub fn flags(&self) -> Vec<String> {
        [
            ("last", self.last),
            ("hourly", self.hourly),
            ("daily", self.daily),
            ("weekly", self.weekly),
            ("monthly", self.monthly),
            ("yearly", self.yearly),
        ]
        .into_iter()
        .filter_map(|(k, n)| n.map(|n| format!("--keep-{k} {n}")))
        .collect()
    }
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

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DrSettings {
    /// age recipient (public key) the secret export is encrypted for.
    pub age_recipient: Option<String>,
    /// Image of the argocd CLI used by the export script.
    pub argocd_cli_image: Option<Image>,
}
