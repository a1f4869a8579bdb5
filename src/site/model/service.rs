//! A service of site.toml: its chart, config maps, secrets, volumes, ingresses
//! and databases (its workloads are in `workload.rs`).

use super::*;

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
    /// Override `[site] network_policy` for this service's namespace:
    /// `none` for pods whose traffic hearth cannot know (a chart's, host
    /// network), `default-deny` to opt a chart-only service in.
    pub network_policy: Option<Spanned<NetworkPolicyMode>>,
    /// Lint rules this object is excused from, each with a reason.
    #[serde(default)]
    pub allow: Vec<Spanned<Exception>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Helm {
    /// Chart repository URL (`https://…`), or the OCI registry path above the
    /// chart (`oci://ghcr.io/org/charts`).
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
    /// A namespace's copy of a `[secrets.<name>]` (never written in a service).
    #[serde(skip)]
    #[schemars(skip)]
    pub shared: bool,
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
    #[serde(serialize_with = "crate::site::kinds::as_word")]
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
    /// longhorn: one claim per pod of the stateful set that mounts it (a
    /// `volumeClaimTemplate`; the claims are `<volume>-<workload>-<n>`).
    /// Longhorn backups and DR name it as any volume and cover every pod's
    /// claim; restic, job and rclone backups (one claim each) cannot.
    #[serde(default)]
    pub per_pod: bool,
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
    /// `basic`: HTTP basic auth from `auth_secret`; `forward`: every request
    /// is first asked of `auth_url` (Authelia, oauth2-proxy).
    pub auth: Option<Spanned<AuthKind>>,
    /// With `auth = "basic"`: a secret of this namespace. ingress-nginx reads
    /// it as an htpasswd auth-map (a key per user); Traefik as one key of
    /// htpasswd lines.
    pub auth_secret: Option<Spanned<SecretName>>,
    /// With `auth = "forward"`: the URL asked about every request (2xx lets it
    /// through), e.g. `http://authelia.auth.svc:9091/api/verify`.
    pub auth_url: Option<Spanned<String>>,
    /// With `auth = "forward"` on ingress-nginx: where a refused browser is
    /// sent to sign in.
    pub auth_signin: Option<Spanned<String>>,
    /// With `auth = "forward"`: headers of the auth answer passed on to the
    /// backend, e.g. `["Remote-User"]`.
    #[serde(default)]
    pub auth_headers: Vec<String>,
    /// Only clients of these networks of `[site.networks]` are answered (403
    /// otherwise), e.g. `["lan"]`.
    #[serde(default)]
    pub networks: Vec<Spanned<NetworkName>>,
    /// Annotations passed to the Ingress as written (for controller features
    /// hearth has no setting for); keys hearth sets itself are refused.
    #[serde(default)]
    pub annotations: BTreeMap<String, Spanned<String>>,
    /// A tier of `[rate_limits]`.
    pub rate_limit: Option<Spanned<TierName>>,
    /// OWASP CRS rule ids switched off for this host (ingress-nginx's
    /// ModSecurity; Traefik has no WAF).
    #[serde(default)]
    pub waf_exclusions: Vec<Spanned<u32>>,
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
    Forward,
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
    /// The workload serving it (sqlite: the one using the file, which must
    /// mount `volume`); defaults to the service's only workload.
    pub workload: Option<Spanned<WorkloadName>>,
    /// The database engine; by default the one the serving workload's image
    /// names (`postgres:16`, `mariadb:11.4`), else `postgres`.
    pub engine: Option<Spanned<DatabaseEngine>>,
    /// The port the server listens on; by default the engine's (5432 for
    /// postgres, 3306 for mariadb and mysql). Not for sqlite (no server).
    pub port: Option<u16>,
    /// sqlite: the volume of this service holding the database file.
    pub volume: Option<Spanned<VolumeName>>,
    /// sqlite: the database file, relative to the volume (`db/app.sqlite3`).
    pub path: Option<Spanned<String>>,
    /// The role owning the database.
    pub owner: Option<String>,
}
