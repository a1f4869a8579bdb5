//! ClusterIssuers as the plan holds them: ACME account, HTTP-01 class or a
//! DNS-01 solver with its credential secret keys.

use serde::Serialize;

use crate::site::names::{IssuerName, ServiceName};

#[derive(Debug, Serialize)]
pub struct Issuer {
    pub name: IssuerName,
    pub acme_server: String,
    pub email: String,
    pub ingress_class: String,
    /// The DNS-01 solver, instead of HTTP-01.
    pub dns01: Option<Dns01>,
    /// The service whose folder holds the ClusterIssuer (the cert-manager provider).
    pub service: Option<ServiceName>,
}

/// cert-manager's ACME DNS-01 solver for one provider; serialises as the
/// solver's `dns01` block.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Dns01 {
    #[serde(rename_all = "camelCase")]
    Cloudflare { api_token_secret_ref: SecretRef },
    #[serde(rename_all = "camelCase")]
    Route53 {
        region: String,
        #[serde(rename = "accessKeyID")]
        access_key_id: String,
        secret_access_key_secret_ref: SecretRef,
    },
    #[serde(rename_all = "camelCase")]
    Rfc2136 {
        nameserver: String,
        tsig_key_name: String,
        tsig_algorithm: String,
        tsig_secret_secret_ref: SecretRef,
    },
}

/// A key of a secret (cert-manager's `SecretKeySelector`).
#[derive(Debug, Clone, Serialize)]
pub struct SecretRef {
    pub name: String,
    pub key: String,
}
