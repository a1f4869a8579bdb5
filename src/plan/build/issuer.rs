//! cert-manager's ClusterIssuers: the HTTP-01 solver on the site's ingress
//! class, or a DNS-01 solver whose credentials live in cert-manager's
//! namespace.

use std::collections::BTreeMap;

use crate::diag::Code;
use crate::plan::*;
use crate::site::model::{self as m, Capability, Dns01Provider};
use crate::site::spanned::Spanned;

use super::resolve::Ctx;

/// The ClusterIssuers, rendered by the service that provides cert-manager.
pub(super) fn issuers(
    ctx: &mut Ctx,
    providers: &BTreeMap<Capability, Vec<ServiceName>>,
    services: &mut ServiceMap,
) -> Vec<Issuer> {
    let raw = ctx.raw;
    let home = providers
        .get(&Capability::CertManager)
        .and_then(|v| v.first())
        .cloned();
    if let Some(s) = home.as_ref().and_then(|h| services.get_mut(h)) {
        s.issuers = raw.issuers.keys().cloned().collect();
    }
    let home_ns = home.as_ref().map(|h| ctx.namespace_of(h));
    raw.issuers
        .iter()
        .map(|(name, i)| {
            let is = i.get_ref();
            Issuer {
                name: name.clone(),
                acme_server: is.acme_server.clone(),
                email: is.email.clone(),
                ingress_class: is
                    .ingress_class
                    .clone()
                    .unwrap_or_else(|| raw.site.ingress_class()),
                dns01: is
                    .dns01
                    .as_ref()
                    .and_then(|d| dns01(ctx, home_ns.as_ref(), d)),
                service: home.clone(),
            }
        })
        .collect()
}

/// The provider's solver; its fields present, its secret and key declared in
/// cert-manager's namespace (the only one a ClusterIssuer reads secrets from).
fn dns01(ctx: &mut Ctx, home: Option<&Namespace>, d: &Spanned<m::Dns01>) -> Option<Dns01> {
    let span = d.span();
    let d = d.get_ref();
    if let Some(ns) = home {
        ctx.check_secret_key(
            ns,
            d.secret.get_ref(),
            Some(d.key.get_ref()),
            d.secret.span(),
        );
    }
    let secret = SecretRef {
        name: d.secret.get_ref().to_string(),
        key: d.key.get_ref().to_string(),
    };
    let mut need = |field: &str, v: &Option<String>| -> Option<String> {
        if v.is_none() {
            ctx.err(
                Code::Issuer,
                format!("a `{}` DNS-01 solver needs `{field}`", d.provider.word()),
                span.clone(),
                "this solver",
                format!("add `{field}` to `dns01`"),
            );
        }
        v.clone()
    };
    use crate::site::kinds::Word;
    match d.provider {
        Dns01Provider::Cloudflare => Some(Dns01::Cloudflare {
            api_token_secret_ref: secret,
        }),
        Dns01Provider::Route53 => {
            let region = need("region", &d.region);
            let key_id = need("access_key_id", &d.access_key_id);
            Some(Dns01::Route53 {
                region: region?,
                access_key_id: key_id?,
                secret_access_key_secret_ref: secret,
            })
        }
        Dns01Provider::Rfc2136 => {
            let ns = need("nameserver", &d.nameserver);
            let key = need("tsig_key_name", &d.tsig_key_name);
            Some(Dns01::Rfc2136 {
                nameserver: ns?,
                tsig_key_name: key?,
                tsig_algorithm: d
                    .tsig_algorithm
                    .clone()
                    .unwrap_or_else(|| "HMACSHA256".into()),
                tsig_secret_secret_ref: secret,
            })
        }
    }
}
