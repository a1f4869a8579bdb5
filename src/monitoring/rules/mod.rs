//! Alert rules by family: traffic (the ingress log pipeline), cluster, backups,
//! and the site's own. Each built-in rule carries promtool cases that show it
//! firing and staying quiet.

mod backups;
mod custom;
mod health;
mod traffic;

use std::collections::BTreeMap;
use std::ops::Range;

use super::alerts::{AlertRule, Case};
use super::context::Ctx;
use super::pipeline::Pipeline;
use super::promql;
use crate::site::model::{AlertSeverity, AlertTuning, Monitoring};

pub(super) use custom::contact_missing;

/// Every alert of the site, and which alerts watch each backup.
pub(super) struct Alerts {
    pub rules: Vec<AlertRule>,
    /// backup name → the alerts that watch it.
    pub watches: BTreeMap<String, Vec<String>>,
}

pub(super) fn alerts(
    c: &mut Ctx,
    m: &Monitoring,
    p: Option<&Pipeline>,
    runbook: &str,
    span: Range<usize>,
) -> Alerts {
    let common = Common { span: span.clone() };
    let mut rules = traffic::alerts(c, m, p, &common);
    rules.extend(health::alerts(c, m, &common));
    let mut watches = BTreeMap::new();
    if let Some(t) = tune(c, &m.alerts.backups, 0.0, "1h", "0m") {
        let (b, w) = backups::alerts(c, &t, &common, runbook);
        rules.extend(b);
        watches = w;
    }
    for b in &c.plan.backups {
        watches.entry(b.name.to_string()).or_default();
    }
    for a in &rules {
        c.query(
            super::Lang::Promql,
            &a.expr,
            format!("built-in alert `{}`", a.name),
            span.clone(),
        );
    }
    rules.extend(custom::alerts(c, m));
    Alerts { rules, watches }
}

/// What every built-in rule shares: where `[monitoring]` is.
pub(super) struct Common {
    pub span: Range<usize>,
}

/// What a built-in rule says: its name, group, query and annotations.
pub(super) struct Draft {
    pub name: String,
    pub group: &'static str,
    pub expr: String,
    pub summary: String,
    pub description: String,
}

impl Common {
    fn rule(&self, t: &Tuned, d: Draft, cases: Vec<Case>) -> AlertRule {
        AlertRule {
            name: d.name,
            group: d.group.into(),
            expr: d.expr,
            for_: t.for_.clone(),
            severity: t.severity,
            summary: d.summary,
            description: d.description,
            runbook: None,
            notify: None,
            cases,
            span: self.span.clone(),
        }
    }
}

/// A built-in alert's tuning with the defaults filled in.
pub(super) struct Tuned {
    pub threshold: f64,
    pub window: String,
    pub for_: String,
    pub severity: AlertSeverity,
}

pub(super) fn tune(
    c: &mut Ctx,
    t: &AlertTuning,
    threshold: f64,
    window: &str,
    for_: &str,
) -> Option<Tuned> {
    if t.enabled == Some(false) {
        return None;
    }
    Some(Tuned {
        threshold: t.threshold.unwrap_or(threshold),
        window: c.duration(t.window.as_ref(), window),
        for_: c.duration(t.for_.as_ref(), for_),
        severity: t.severity.unwrap_or(AlertSeverity::Warning),
    })
}

/// Per-minute increment that makes `threshold` over `window` clearly exceeded
/// (fires) or clearly not (quiet), for test series.
pub(super) fn rates(threshold: f64, window: &str) -> (u64, u64) {
    let minutes = (promql::duration_secs(window).unwrap_or(600) / 60).max(1) as f64;
    let per_min = threshold / minutes;
    (
        (per_min * 3.0).ceil().max(1.0) as u64,
        (per_min / 4.0).floor() as u64,
    )
}

/// Minutes of input and the evaluation time: long enough for the window and `for`.
pub(super) fn horizon(window: &str, for_: &str) -> (u64, String) {
    let m = (promql::duration_secs(window).unwrap_or(600)
        + promql::duration_secs(for_).unwrap_or(0))
        / 60;
    // On the 5m evaluation grid of the test file.
    let at = (m + 10).div_ceil(5) * 5;
    (at + 10, format!("{at}m"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn horizons_cover_window_and_for() {
        assert_eq!(horizon("7m", "0m"), (30, "20m".to_string()));
        assert_eq!(horizon("10m", "5m"), (35, "25m".to_string()));
    }
}
