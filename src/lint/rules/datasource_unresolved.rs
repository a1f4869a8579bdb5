//! HL303: a Grafana datasource that points at no Service of the site.
//!
//! ## What it does
//! A Grafana datasource URL does not point at a Service of the site.
//!
//! ## Why
//! A datasource pointing at a service that does not exist (a renamed namespace,
//! a typo) leaves every dashboard and alert on it empty, and alerts on an
//! unreachable datasource never fire.
//!
//! ## Example
//! ```toml
//! [monitoring.datasources.prometheus]
//! kind = "prometheus"
//! url = "http://prometheus-server.prometheus-old.svc"   # no such namespace
//! ```
//!
//! ## Fix
//! Use `http://<service>.<namespace>.svc[:port]` of a service the site deploys.

use super::{Check, Code};
use crate::lint::rule::{Context, Sink};
use crate::render::Manifest;

pub(super) const CHECK: Option<Check> = Some(check);

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    let Some(m) = cx.monitoring else {
        return;
    };
    // `http://<name>.<namespace>.svc…`: a Service rendered there, or a Helm
    // service in that namespace (its chart names its own Services).
    for d in &m.datasources {
        let host = d
            .url
            .split_once("://")
            .map_or(d.url.as_str(), |(_, r)| r)
            .split(['/', ':'])
            .next()
            .unwrap_or("");
        let parts: Vec<&str> = host.split('.').collect();
        let ok = match parts.as_slice() {
            [name, ns, "svc", ..] => {
                cx.rendered.objects.iter().any(|o| {
                    o.kind() == "Service" && o.name() == *name && o.namespace() == Some(*ns)
                }) || cx
                    .plan
                    .services
                    .iter()
                    .any(|s| s.helm.is_some() && s.namespace.as_str() == *ns)
            }
            _ => false,
        };
        if !ok {
            out.at(
                Code::DatasourceUnresolved,
                format!(
                    "datasource `{}`: `{}` is not a Service of the site",
                    d.uid, d.url
                ),
                d.span.clone(),
                Vec::new(),
            );
        }
    }
}
