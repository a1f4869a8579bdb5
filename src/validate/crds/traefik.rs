//! Traefik v3's `Middleware` (`traefik.io/v1alpha1`), the middlewares hearth
//! writes, with the field names and types of the upstream CRD
//! (`traefik.io_middlewares.yaml`). One middleware per object, as Traefik
//! accepts.

use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube_derive::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

crd! {
    /// A Traefik Middleware: one piece of request handling a router names.
    #[derive(CustomResource, Serialize, Deserialize, Clone, Debug, JsonSchema)]
    #[kube(group = "traefik.io", version = "v1alpha1", kind = "Middleware", namespaced)]
    #[kube(crates(kube_core = "::kube_core", k8s_openapi = "::k8s_openapi", schemars = "::schemars", serde = "::serde", serde_json = "::serde_json"))]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    #[schemars(extend("minProperties" = 1, "maxProperties" = 1))]
    pub struct MiddlewareSpec {
        pub basic_auth: Option<BasicAuth>,
        pub forward_auth: Option<ForwardAuth>,
        pub rate_limit: Option<RateLimit>,
        pub ip_allow_list: Option<IpAllowList>,
        pub redirect_regex: Option<RedirectRegex>,
        pub buffering: Option<Buffering>,
        pub redirect_scheme: Option<RedirectScheme>,
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BasicAuth {
    pub secret: Option<String>,
    pub realm: Option<String>,
    pub remove_header: Option<bool>,
    pub header_field: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ForwardAuth {
    pub address: Option<String>,
    pub trust_forward_header: Option<bool>,
    pub auth_response_headers: Option<Vec<String>>,
    pub auth_request_headers: Option<Vec<String>>,
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RateLimit {
    pub average: Option<i64>,
    pub burst: Option<i64>,
    /// `x-kubernetes-int-or-string` upstream: seconds, or a Go duration.
    pub period: Option<IntOrString>,
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IpAllowList {
    pub source_range: Option<Vec<String>>,
    pub reject_status_code: Option<i32>,
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RedirectRegex {
    pub regex: Option<String>,
    pub replacement: Option<String>,
    pub permanent: Option<bool>,
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Buffering {
    pub max_request_body_bytes: Option<i64>,
    pub mem_request_body_bytes: Option<i64>,
    pub max_response_body_bytes: Option<i64>,
    pub mem_response_body_bytes: Option<i64>,
    pub retry_expression: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RedirectScheme {
    pub scheme: Option<String>,
    pub port: Option<String>,
    pub permanent: Option<bool>,
}
