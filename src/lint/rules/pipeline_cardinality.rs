//! HL302: a log-pipeline counter whose labels multiply into too many series.
//!
//! ## What it does
//! A log-pipeline counter may produce more series than `monitoring.max_series`.
//!
//! ## Why
//! Every distinct combination of label values is a series held in memory by the
//! agent and by Prometheus. Labels such as client IP and path multiply; on a
//! Raspberry Pi a runaway metric takes the node down.
//!
//! ## Example
//! ```toml
//! [monitoring.logs]
//! fields = { client_ip = "remote_address", path = "path" }
//! counters = [{ name = "http_requests_total_ip_path", labels = ["client_ip", "path"] }]
//! ```
//!
//! ## Fix
//! Drop a label from the counter, split it into counters with fewer labels (as
//! the seed does), or raise `max_series` knowingly.

use super::{Check, Code};
use crate::lint::rule::{Context, Sink};

pub(super) const CHECK: Option<Check> = Some(check);

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    let Some(m) = cx.monitoring else {
        return;
    };
    for (metric, n, span) in &m.cardinality {
        if *n > m.max_series {
            out.at(
                Code::PipelineCardinality,
                format!(
                    "`{metric}` may reach about {n} series (limit {})",
                    m.max_series
                ),
                span.clone(),
                Vec::new(),
            );
        }
    }
}
