//! The custom resources hearth emits, typed with kube-derive. Their JSON Schemas
//! (via schemars) are what rendered CRs are validated against. Field names and
//! shapes follow the upstream CRDs of the versions the reference site pins:
//! ArgoCD 2.11 (`argoproj.io/v1alpha1`), Sealed Secrets 0.27 (`bitnami.com/v1alpha1`),
//! Longhorn 1.6 (`longhorn.io/v1beta2`), cert-manager 1.15 (`cert-manager.io/v1`),
//! Traefik v3 (`traefik.io/v1alpha1`, in `traefik.rs`).
//! Only the fields hearth has a use for are typed; an unknown field is an error.

use std::collections::BTreeMap;

use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Shorthand: every CRD here is built without the `kube` umbrella crate.
macro_rules! crd {
    ($($item:item)*) => { $($item)* };
}

mod traefik;
pub use traefik::*;

crd! {
    /// An ArgoCD Application.
    #[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
    #[kube(group = "argoproj.io", version = "v1alpha1", kind = "Application", namespaced)]
    #[kube(crates(kube_core = "::kube_core", k8s_openapi = "::k8s_openapi", schemars = "::schemars", serde = "::serde", serde_json = "::serde_json"))]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    pub struct ApplicationSpec {
        pub project: String,
        pub destination: ApplicationDestination,
        pub source: Option<ApplicationSource>,
        pub sources: Option<Vec<ApplicationSource>>,
        pub sync_policy: Option<SyncPolicy>,
        pub revision_history_limit: Option<i64>,
        pub ignore_differences: Option<Vec<ResourceIgnoreDifferences>>,
    }
}

/// `spec.ignoreDifferences[]` (argo-cd v2.11.14 `ResourceIgnoreDifferences`).
#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceIgnoreDifferences {
    pub group: Option<String>,
    pub kind: String,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub json_pointers: Option<Vec<String>>,
    pub jq_path_expressions: Option<Vec<String>>,
    pub managed_fields_managers: Option<Vec<String>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApplicationDestination {
    pub server: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApplicationSource {
    #[serde(rename = "repoURL")]
    pub repo_url: String,
    pub path: Option<String>,
    pub target_revision: Option<String>,
    pub chart: Option<String>,
    pub r#ref: Option<String>,
    pub helm: Option<HelmSource>,
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HelmSource {
    pub release_name: Option<String>,
    /// Free-form chart values (`x-kubernetes-preserve-unknown-fields` upstream).
    pub values_object: Option<serde_json::Map<String, serde_json::Value>>,
    pub values: Option<String>,
    pub value_files: Option<Vec<String>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SyncPolicy {
    pub automated: Option<SyncPolicyAutomated>,
    pub sync_options: Option<Vec<String>>,
    pub retry: Option<RetryStrategy>,
}

/// `spec.syncPolicy.retry` (argo-cd v2.11.5 manifests/crds/application-crd.yaml).
#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RetryStrategy {
    pub limit: Option<i64>,
    pub backoff: Option<Backoff>,
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Backoff {
    pub duration: Option<String>,
    pub factor: Option<i64>,
    pub max_duration: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SyncPolicyAutomated {
    pub prune: Option<bool>,
    pub self_heal: Option<bool>,
    pub allow_empty: Option<bool>,
}

crd! {
    /// An ArgoCD AppProject.
    #[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
    #[kube(group = "argoproj.io", version = "v1alpha1", kind = "AppProject", namespaced)]
    #[kube(crates(kube_core = "::kube_core", k8s_openapi = "::k8s_openapi", schemars = "::schemars", serde = "::serde", serde_json = "::serde_json"))]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    pub struct AppProjectSpec {
        pub description: Option<String>,
        pub source_repos: Option<Vec<String>>,
        pub destinations: Option<Vec<ApplicationDestination>>,
        pub cluster_resource_whitelist: Option<Vec<GroupKind>>,
        pub namespace_resource_whitelist: Option<Vec<GroupKind>>,
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupKind {
    pub group: String,
    pub kind: String,
}

crd! {
    /// A Bitnami SealedSecret.
    #[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
    #[kube(group = "bitnami.com", version = "v1alpha1", kind = "SealedSecret", namespaced)]
    #[kube(crates(kube_core = "::kube_core", k8s_openapi = "::k8s_openapi", schemars = "::schemars", serde = "::serde", serde_json = "::serde_json"))]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    pub struct SealedSecretSpec {
        pub encrypted_data: BTreeMap<String, String>,
        pub template: Option<SecretTemplate>,
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SecretTemplate {
    pub metadata: Option<TemplateMeta>,
    pub r#type: Option<String>,
    pub immutable: Option<bool>,
    pub data: Option<BTreeMap<String, String>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TemplateMeta {
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub labels: Option<BTreeMap<String, String>>,
    pub annotations: Option<BTreeMap<String, String>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RecurringJobTask {
    Snapshot,
    SnapshotForceCreate,
    SnapshotCleanup,
    SnapshotDelete,
    Backup,
    BackupForceCreate,
    FilesystemTrim,
}

crd! {
    /// A Longhorn RecurringJob.
    #[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
    #[kube(group = "longhorn.io", version = "v1beta2", kind = "RecurringJob", namespaced)]
    #[kube(crates(kube_core = "::kube_core", k8s_openapi = "::k8s_openapi", schemars = "::schemars", serde = "::serde", serde_json = "::serde_json"))]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    pub struct RecurringJobSpec {
        pub name: String,
        pub task: RecurringJobTask,
        pub cron: String,
        pub retain: i32,
        pub concurrency: i32,
        pub groups: Option<Vec<String>>,
        pub labels: Option<BTreeMap<String, String>>,
    }
}

crd! {
    /// A cert-manager ClusterIssuer (ACME only: what a home cluster uses).
    #[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
    #[kube(group = "cert-manager.io", version = "v1", kind = "ClusterIssuer")]
    #[kube(crates(kube_core = "::kube_core", k8s_openapi = "::k8s_openapi", schemars = "::schemars", serde = "::serde", serde_json = "::serde_json"))]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    pub struct ClusterIssuerSpec {
        pub acme: AcmeIssuer,
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AcmeIssuer {
    pub server: String,
    pub email: Option<String>,
    pub private_key_secret_ref: SecretKeySelector,
    pub solvers: Option<Vec<AcmeSolver>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretKeySelector {
    pub name: String,
    pub key: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AcmeSolver {
    pub http01: Option<Http01Solver>,
    pub dns01: Option<Dns01Solver>,
}

/// cert-manager's `ACMEChallengeSolverDNS01`: one provider per solver.
#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(extend("minProperties" = 1, "maxProperties" = 1))]
pub struct Dns01Solver {
    pub cloudflare: Option<Dns01Cloudflare>,
    pub route53: Option<Dns01Route53>,
    pub rfc2136: Option<Dns01Rfc2136>,
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Dns01Cloudflare {
    pub email: Option<String>,
    pub api_token_secret_ref: Option<SecretKeySelector>,
    pub api_key_secret_ref: Option<SecretKeySelector>,
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Dns01Route53 {
    pub region: Option<String>,
    #[serde(rename = "accessKeyID")]
    pub access_key_id: Option<String>,
    #[serde(rename = "accessKeyIDSecretRef")]
    pub access_key_id_secret_ref: Option<SecretKeySelector>,
    pub secret_access_key_secret_ref: Option<SecretKeySelector>,
    #[serde(rename = "hostedZoneID")]
    pub hosted_zone_id: Option<String>,
    pub role: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Dns01Rfc2136 {
    pub nameserver: String,
    pub tsig_key_name: Option<String>,
    pub tsig_algorithm: Option<String>,
    pub tsig_secret_secret_ref: Option<SecretKeySelector>,
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Http01Solver {
    pub ingress: Option<Http01Ingress>,
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Http01Ingress {
    pub ingress_class_name: Option<String>,
    pub class: Option<String>,
    pub name: Option<String>,
}
