//! The monitoring stage's context (site, plan, errors, checked queries) and the
//! small helpers its parts share: metric selectors, alert names, durations.

use std::collections::BTreeMap;
use std::ops::Range;

use super::pipeline::Pipeline;
use super::{Lang, Query, logql, promql};
use crate::diag::{Code, Errors, InputError, SourceFile};
use crate::plan::{Capability, Plan};
use crate::site::model::RawSite;

/// The stage's inputs, the errors found so far and every query checked.
pub(super) struct Ctx<'a> {
    pub src: &'a SourceFile,
    pub raw: &'a RawSite,
    pub plan: &'a Plan,
    pub errs: Errors,
    pub queries: Vec<Query>,
}

impl Ctx<'_> {
    pub fn err(&mut self, msg: String, span: Range<usize>, label: &str, help: impl Into<String>) {
        self.errs.push(
            InputError::new(Code::Monitoring, msg)
                .in_file(self.src)
                .label(span, label)
                .help(help),
        );
    }

    /// Parse a query; record it for lint, or report why it does not parse.
    pub fn query(&mut self, lang: Lang, text: &str, origin: String, span: Range<usize>) {
        let metrics = match lang {
            Lang::Promql => match promql::metric_names(text) {
                Ok(m) => m,
                Err(e) => {
                    let first = e.lines().next().unwrap_or("").to_string();
                    self.err(
                        format!("{origin}: the PromQL does not parse: {first}"),
                        span,
                        "invalid PromQL",
                        "check the query in Grafana's Explore view or with `promtool`",
                    );
                    return;
                }
            },
            Lang::Logql => match logql::check(text) {
                Ok(()) => Vec::new(),
                Err(e) => {
                    self.err(
                        format!(
                            "{origin}: the LogQL is malformed at character {}: {}",
                            e.at + 1,
                            e.message
                        ),
                        span,
                        "invalid LogQL",
                        "a LogQL query is `{label=\"value\"}` followed by stages such as `|= `text``, `| json`, `| pattern `…``",
                    );
                    return;
                }
            },
        };
        self.queries.push(Query {
            lang,
            text: text.to_string(),
            origin,
            metrics,
            span,
        });
    }

    pub fn duration(
        &mut self,
        s: Option<&crate::site::spanned::Spanned<String>>,
        default: &str,
    ) -> String {
        match s {
            None => default.to_string(),
            Some(d) => match promql::duration_secs(d.get_ref()) {
                Ok(_) => d.get_ref().clone(),
                Err(e) => {
                    self.err(
                        e,
                        d.span(),
                        "not a duration",
                        "write e.g. `30s`, `5m`, `1h`",
                    );
                    default.to_string()
                }
            },
        }
    }
}

/// A counter (prefixed name) whose labels are exactly `labels`, else the one
/// with fewest labels containing them all.
pub(super) fn counter_with(p: &Pipeline, labels: &[&str]) -> Option<String> {
    let mut best: Option<&(String, Vec<String>, String)> = None;
    for c in &p.counters {
        if labels.iter().all(|l| c.1.iter().any(|x| x == l))
            && best.is_none_or(|b| c.1.len() < b.1.len())
        {
            best = Some(c);
        }
    }
    best.map(|c| format!("{}{}", p.prefix, c.0))
}

/// `immich-photos` → `ImmichPhotos` (alert names are CamelCase; a name may
/// hold `--`, so empty parts are skipped).
pub(super) fn camel(s: &str) -> String {
    s.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

pub(super) fn human(secs: u64) -> String {
    if secs.is_multiple_of(86_400) {
        format!("{}d", secs / 86_400)
    } else if secs.is_multiple_of(3_600) {
        format!("{}h", secs / 3_600)
    } else {
        format!("{}m", secs / 60)
    }
}

pub(super) fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A selector with exactly these labels (a test case's series).
pub(super) fn selector_of(metric: &str, labels: &BTreeMap<String, String>) -> String {
    let pairs: Vec<(&str, &str)> = labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    selector(metric, &pairs)
}

pub(super) fn selector(metric: &str, pairs: &[(&str, &str)]) -> String {
    let inner: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    format!("{metric}{{{}}}", inner.join(", "))
}

/// A threshold as PromQL writes it (no trailing `.0`).
pub(super) fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// Filesystems that are not disks (node-exporter's `fstype` label).
pub(super) const NOT_DISKS: &str = "fstype!~\"tmpfs|overlay|squashfs|ramfs|nsfs\"";

/// The version of the chart a service providing `cap` runs, when that chart
/// is `chart`.
pub(super) fn chart_of<'a>(plan: &'a Plan, cap: Capability, chart: &str) -> Option<&'a str> {
    let h = plan.provider(cap)?.helm.as_ref()?;
    (h.chart == chart).then_some(h.version.as_str())
}

/// Does any service run the chart (the prometheus chart brings node-exporter,
/// kube-state-metrics and the kubelet scrape)?
pub(super) fn runs_chart(plan: &Plan, chart: &str) -> bool {
    plan.services
        .iter()
        .any(|s| s.helm.as_ref().is_some_and(|h| h.chart == chart))
}

/// Longhorn 1.7 turned `longhorn_volume_robustness` from a code (0 unknown,
/// 1 healthy, 2 degraded, 3 faulted) into one series per state, 1 for the
/// current one.
pub(super) fn robustness_has_states(version: &str) -> bool {
    let mut parts = version.trim_start_matches('v').split('.');
    let major: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let minor: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    (major, minor) >= (1, 7)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(camel("immich-photos"), "ImmichPhotos");
        assert_eq!(camel("a--b"), "AB");
        assert_eq!(human(108_000), "30h");
        assert_eq!(num(1000.0), "1000");
        assert_eq!(num(0.5), "0.5");
    }

    #[test]
    fn longhorn_robustness_is_per_state_from_1_7() {
        assert!(!robustness_has_states("1.6.2"));
        assert!(robustness_has_states("1.7.0"));
        assert!(robustness_has_states("v1.10.1"));
        assert!(!robustness_has_states("garbage"));
    }
}
