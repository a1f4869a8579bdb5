//! The ingress log pipeline of `[monitoring.logs]`: checked against the access
//! log fields, built once for Promtail, Alloy and hearth-exporter, with an
//! estimate of each counter's series.

use std::ops::Range;

use hearth_contract::{Duration, Limits, MIN_IDLE_SECS};

use super::Datasource;
use super::context::Ctx;
use super::pipeline::{self, Pipeline};
use crate::site::model::Monitoring;
use crate::site::spanned::Spanned;

/// The pipeline, when the site declares `[monitoring.logs]`.
pub(super) fn pipeline(
    c: &mut Ctx,
    m: &Monitoring,
    datasources: &[Datasource],
) -> Option<Pipeline> {
    m.logs.as_ref().map(|l| {
        let lp = l.get_ref();
        let known: Vec<&str> = crate::plan::helm::ACCESS_LOG_FIELDS.iter().map(|f| f.0).collect();
        for (label, field) in &lp.fields {
            if !known.contains(&field.get_ref().as_str()) {
                let help = crate::diag::closest(field.get_ref(), known.iter().copied())
                    .map_or_else(|| format!("the access-log fields are: {}", known.join(", ")), |k| format!("did you mean `{k}`?"));
                c.err(format!("label `{label}`: `{}` is not an access-log field", field.get_ref()), field.span(), "unknown field", help);
            }
        }
        for ctr in &lp.counters {
            for l in &ctr.get_ref().labels {
                if !lp.fields.contains_key(l) {
                    c.err(
                        format!("counter `{}`: label `{l}` is not in `fields`", ctr.get_ref().name),
                        ctr.span(),
                        "unknown label",
                        "add it to `[monitoring.logs.fields]` with the access-log field it comes from",
                    );
                }
            }
        }
        let loki_push = match &lp.loki {
            None => None,
            Some(u) => match datasources.iter().find(|d| d.uid == u.get_ref().as_str() && d.kind == "loki") {
                Some(d) => Some(format!("{}/loki/api/v1/push", d.url.trim_end_matches('/'))),
                None => {
                    c.err(format!("`{}` is not a Loki datasource", u.get_ref()), u.span(), "unknown Loki datasource", "name a datasource with `kind = \"loki\"`");
                    None
                }
            },
        };
        let max_idle = max_idle(c, &lp.max_idle);
        pipeline::build(pipeline::Input {
            loki_push,
            namespaces: lp.namespaces.iter().map(|n| n.to_string()).collect(),
            fields: lp.fields.iter().map(|(k, v)| (k.to_string(), v.get_ref().clone())).collect(),
            counters: lp
                .counters
                .iter()
                .map(|x| {
                    let x = x.get_ref();
                    let help = x.help.clone().unwrap_or_else(|| {
                        let ls: Vec<&str> = x.labels.iter().map(|l| l.as_str()).collect();
                        format!("Ingress requests by {}", ls.join(", "))
                    });
                    (x.name.to_string(), x.labels.iter().map(|l| l.to_string()).collect(), help)
                })
                .collect(),
            geoip: lp.geoip.as_ref().map(|g| g.as_str()),
            prefix: &lp.prefix,
            positions: lp.positions.as_str(),
            max_idle,
            max_series: m.max_series,
            agent_counts: lp.count_with == crate::site::model::CountWith::Agent,
        })
    })
}

/// `max_idle` in the exporter's own grammar (`hearth_contract::Duration`, the
/// type `exporter.yaml` carries), so whatever is accepted here the exporter
/// reads; printed in hours, minutes and seconds, which Promtail and Alloy
/// read too. Or the error's message, label and help.
pub(super) fn max_idle_of(s: &str) -> Result<Duration, (String, &'static str, &'static str)> {
    match s.parse::<Duration>() {
        Ok(d) if d.secs() >= MIN_IDLE_SECS => Ok(d),
        Ok(_) => Err((
            format!("`max_idle` must be at least {MIN_IDLE_SECS}s"),
            "too short",
            "a series dropped this soon would never be scraped; write e.g. `24h`",
        )),
        Err(e) => Err((
            e,
            "not a duration",
            "write e.g. `90s`, `30m`, `1h30m`, `24h`, `7d`",
        )),
    }
}

/// [`max_idle_of`], reported at its span; an error falls back to the
/// default, so the stage goes on.
fn max_idle(c: &mut Ctx, s: &Spanned<String>) -> Duration {
    max_idle_of(s.get_ref()).unwrap_or_else(|(msg, label, help)| {
        c.err(msg, s.span(), label, help);
        Limits::default().max_idle
    })
}

/// (metric, estimated series, span of its counter): distinct values per label,
/// multiplied (GeoIP labels follow the IP).
pub(super) fn cardinality(
    c: &Ctx,
    m: &Monitoring,
    pipeline: Option<&Pipeline>,
) -> Vec<(String, u64, Range<usize>)> {
    let services = &c.plan.services;
    let mut cardinality = Vec::new();
    if let (Some(p), Some(l)) = (pipeline, &m.logs) {
        let lp = l.get_ref();
        let ingress_ns = services
            .iter()
            .filter(|s| !s.ingresses.is_empty())
            .count()
            .max(1) as u64;
        let hosts = services
            .iter()
            .map(|s| s.ingresses.len())
            .sum::<usize>()
            .max(1) as u64;
        for (ctr, spanned) in p.counters.iter().zip(&lp.counters) {
            let mut n: u64 = 1;
            for label in &ctr.1 {
                let field = p
                    .fields
                    .iter()
                    .find(|(l, _)| l == label)
                    .map_or("", |(_, f)| f.as_str());
                n = n.saturating_mul(match field {
                    "remote_address" | "x_forwarded_for" => lp.expected_clients,
                    "ingress_namespace" | "service_name" | "ingress_name" => ingress_ns,
                    "host" => hosts,
                    "status" => 10,
                    "method" => 9,
                    "request_proto" => 3,
                    _ => 1_000,
                });
            }
            cardinality.push((format!("{}{}", p.prefix, ctr.0), n, spanned.span()));
        }
    }
    cardinality
}
