//! The site's own alert rules (`[alerts.Name]`).

use std::ops::Range;

use super::super::Lang;
use super::super::alerts::AlertRule;
use super::super::context::Ctx;
use crate::site::model::Monitoring;

/// The site's own alerts.
pub(super) fn alerts(c: &mut Ctx, m: &Monitoring) -> Vec<AlertRule> {
    let mut out = Vec::new();
    for (name, a) in &c.raw.alerts {
        let a_ref = a.get_ref();
        let notify = match &a_ref.notify {
            Some(n) => {
                if !m.contact_points.contains_key(n.get_ref()) {
                    contact_missing(c, m, n.get_ref().as_str(), n.span());
                }
                Some(n.get_ref().to_string())
            }
            None => None,
        };
        let for_ = c.duration(a_ref.for_.as_ref(), "0m");
        c.query(
            Lang::Promql,
            a_ref.expr.get_ref(),
            format!("alert `{name}`"),
            a_ref.expr.span(),
        );
        out.push(AlertRule {
            name: name.to_string(),
            group: "site".into(),
            expr: a_ref.expr.get_ref().clone(),
            for_,
            severity: a_ref.severity,
            summary: a_ref.summary.clone(),
            description: a_ref.description.clone().unwrap_or_default(),
            runbook: None,
            notify,
            cases: Vec::new(),
            span: a.span(),
        });
    }
    out
}

/// A contact point named but not declared, with "did you mean".
pub(in crate::monitoring) fn contact_missing(
    c: &mut Ctx,
    m: &Monitoring,
    name: &str,
    span: Range<usize>,
) {
    let known: Vec<&str> = m.contact_points.keys().map(|k| k.as_str()).collect();
    let help = crate::diag::closest(name, known.iter().copied()).map_or_else(
        || "declare it under [monitoring.contact_points]".to_string(),
        |k| format!("did you mean `{k}`?"),
    );
    c.err(
        format!("contact point `{name}` is not declared"),
        span,
        "unknown contact point",
        help,
    );
}
