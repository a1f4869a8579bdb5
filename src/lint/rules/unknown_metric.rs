//! HL301: a query that reads a metric nothing in the site produces.
//!
//! ## What it does
//! A dashboard or alert query reads a metric nothing in the site produces.
//!
//! ## Why
//! A misspelt or missing metric does not fail anywhere: the panel stays empty
//! and the alert never fires. hearth knows what the site produces: the log
//! pipeline's counters, the exporters of the charts and images it runs,
//! pg-backup's gauges, and what workloads declare in `metrics.produces`.
//!
//! ## Example
//! ```toml
//! [alerts.AppSlow]
//! expr = "histogram_quantile(0.9, rate(app_request_seconds_bucket[5m])) > 1"
//! summary = "slow"   # and no workload declares `produces = ["app_*"]`
//! ```
//!
//! ## Fix
//! Correct the name (the message suggests the closest known one), or declare it
//! with `metrics = { port = "…", produces = ["name"] }` on the workload that
//! serves it.

use super::{Check, Code};
use crate::lint::rule::{Context, Sink};

pub(super) const CHECK: Option<Check> = Some(check);

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    let Some(m) = cx.monitoring else {
        return;
    };
    for q in &m.queries {
        for name in &q.metrics {
            if m.catalog.producer(name).is_none() {
                let hint = m
                    .catalog
                    .closest(name)
                    .map(|k| format!("; did you mean `{k}`?"))
                    .unwrap_or_default();
                out.at(
                    Code::UnknownMetric,
                    format!(
                        "{} reads `{name}`, which nothing in the site produces{hint}",
                        q.origin
                    ),
                    q.span.clone(),
                    Vec::new(),
                );
            }
        }
    }
}
