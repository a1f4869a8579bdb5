//! What an ingress asks of its controller, in the controller's own terms:
//! ingress-nginx reads annotations; Traefik reads `Middleware` objects
//! (`traefik.io/v1alpha1`) named by the Ingress's `router.middlewares`
//! annotation, and a second Ingress for denied paths.

use serde::Serialize;

/// A Traefik `Middleware` of an ingress's namespace.
#[derive(Debug, Clone, Serialize)]
pub struct Middleware {
    pub name: String,
    pub spec: MiddlewareSpec,
}

/// The one middleware a `Middleware` object configures; serialises as its
/// `spec` (`{"basicAuth": {...}}`), with the CRD's field names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum MiddlewareSpec {
    #[serde(rename_all = "camelCase")]
    BasicAuth { secret: String, realm: String },
    #[serde(rename_all = "camelCase")]
    ForwardAuth {
        address: String,
        trust_forward_header: bool,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        auth_response_headers: Vec<String>,
    },
    /// `average` requests per `period`, `burst` at once, per client address.
    #[serde(rename_all = "camelCase")]
    RateLimit {
        average: u64,
        period: String,
        burst: u64,
    },
    #[serde(rename_all = "camelCase")]
    IpAllowList { source_range: Vec<String> },
    #[serde(rename_all = "camelCase")]
    RedirectRegex {
        regex: String,
        replacement: String,
        permanent: bool,
    },
    #[serde(rename_all = "camelCase")]
    Buffering { max_request_body_bytes: u64 },
    #[serde(rename_all = "camelCase")]
    RedirectScheme { scheme: String, permanent: bool },
}

/// Traefik's answer to denied paths: an Ingress of its own for those paths
/// (longer rules win in Traefik's router), through a middleware no client
/// passes.
#[derive(Debug, Clone, Serialize)]
pub struct DenyRoute {
    /// The Ingress's name, `<ingress>-deny`.
    pub name: String,
    pub paths: Vec<String>,
    /// Its `router.middlewares` annotation.
    pub annotations: std::collections::BTreeMap<String, String>,
}

/// The source range of Traefik's deny middleware: the unspecified address,
/// which is never the source of a TCP connection, so every client gets 403.
pub const NO_CLIENT: &str = "0.0.0.0/32";

/// Traefik's annotation on an Ingress naming its middlewares, in order.
pub const TRAEFIK_MIDDLEWARES: &str = "traefik.ingress.kubernetes.io/router.middlewares";
