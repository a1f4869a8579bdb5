//! The API server's own checks, over the rendered objects.
//!
//! Every rule names the upstream function it follows (Kubernetes 1.33, the
//! version k8s-openapi's `v1_33` feature describes).

pub mod names;
pub mod quantity;

/// The Kubernetes minor version whose rules apply (k8s-openapi's `v1_33`).
/// site.toml does not declare a cluster version; version-gated rules (the
/// environment variable name) follow this one.
pub const KUBE_MINOR: u32 = 33;
