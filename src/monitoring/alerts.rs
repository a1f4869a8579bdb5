//! Alert rules: one definition each, laid out as a Prometheus rule file (what
//! `promtool` checks and tests), as Grafana-managed rules (what delivers to
//! Telegram, as in the seed), and, for the built-in alerts, as a `promtool
//! test rules` file with input series that make each alert fire and not fire.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Serialize;
use serde_json::{Value, json};

use crate::site::model::AlertSeverity;

/// Input series of one promtool test group, and what must (not) fire.
#[derive(Debug, Clone, Serialize)]
pub struct Case {
    pub interval: &'static str,
    /// (series selector, values in promtool's expanding notation).
    pub series: Vec<(String, String)>,
    pub eval_time: String,
    /// Labels of the alert that fires (besides `severity`); None: nothing fires.
    pub fires: Option<BTreeMap<String, String>>,
}

impl Case {
    /// A case sampled every minute.
    pub fn minutely(
        series: Vec<(String, String)>,
        eval_time: impl Into<String>,
        fires: Option<BTreeMap<String, String>>,
    ) -> Self {
        Self {
            interval: "1m",
            series,
            eval_time: eval_time.into(),
            fires,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertRule {
    pub name: String,
    /// The rule group (traffic, cluster, backups, site).
    pub group: String,
    pub expr: String,
    pub for_: String,
    pub severity: AlertSeverity,
    /// `{{ $labels.x }}` placeholders only, so tests can expand them exactly.
    pub summary: String,
    pub description: String,
    pub runbook: Option<String>,
    /// The contact point a site alert is pinned to (its `notify`); None: the
    /// notification policy (routes, then `monitoring.notify`) decides.
    pub notify: Option<String>,
    /// Built-in alerts carry their tests.
    pub cases: Vec<Case>,
    /// Where in site.toml it comes from.
    #[serde(skip)]
    pub span: Range<usize>,
}

fn severity(s: AlertSeverity) -> &'static str {
    match s {
        AlertSeverity::Warning => "warning",
        AlertSeverity::Critical => "critical",
    }
}

fn annotations(a: &AlertRule) -> Value {
    let mut m = json!({ "summary": a.summary, "description": a.description });
    if let Some(r) = &a.runbook {
        m["runbook_url"] = json!(r);
    }
    m
}

/// Groups in first-seen order of `group`, rules in the given order.
fn grouped(alerts: &[AlertRule]) -> Vec<(&str, Vec<&AlertRule>)> {
    let mut out: Vec<(&str, Vec<&AlertRule>)> = Vec::new();
    for a in alerts {
        match out.iter_mut().find(|(g, _)| *g == a.group) {
            Some((_, v)) => v.push(a),
            None => out.push((&a.group, vec![a])),
        }
    }
    out
}

/// The Prometheus rule file (`alerts.rules.yaml`).
pub fn prometheus_rules(alerts: &[AlertRule]) -> Value {
    let groups: Vec<Value> = grouped(alerts)
        .into_iter()
        .map(|(g, rules)| {
            json!({
                "name": format!("hearth-{g}"),
                "rules": rules.iter().map(|a| json!({
                    "alert": a.name,
                    "expr": a.expr,
                    "for": a.for_,
                    "labels": { "severity": severity(a.severity) },
                    "annotations": annotations(a),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "groups": groups })
}

/// Replace `{{ $labels.x }}` as Prometheus' template would.
fn expand(template: &str, labels: &BTreeMap<String, String>) -> String {
    let mut out = template.to_string();
    for (k, v) in labels {
        out = out.replace(&format!("{{{{ $labels.{k} }}}}"), v);
    }
    out
}

/// The `promtool test rules` file for the rule file `rule_file`.
pub fn promtool_tests(alerts: &[AlertRule], rule_file: &str) -> Value {
    let mut tests = Vec::new();
    for a in alerts {
        // A rule's second case of a kind is named `… fires (2)`, and so on.
        let mut seen = [0usize; 2];
        for c in &a.cases {
            let kind = usize::from(c.fires.is_none());
            seen[kind] += 1;
            let nth = match seen[kind] {
                1 => String::new(),
                n => format!(" ({n})"),
            };
            let exp: Vec<Value> = match &c.fires {
                None => Vec::new(),
                Some(labels) => {
                    let mut all = labels.clone();
                    all.insert("severity".into(), severity(a.severity).into());
                    let mut ann = json!({
                        "summary": expand(&a.summary, labels),
                        "description": expand(&a.description, labels),
                    });
                    if let Some(r) = &a.runbook {
                        ann["runbook_url"] = json!(r);
                    }
                    vec![json!({ "exp_labels": all, "exp_annotations": ann })]
                }
            };
            tests.push(json!({
                "name": format!("{} {}{nth}", a.name, if c.fires.is_some() { "fires" } else { "stays quiet" }),
                "interval": c.interval,
                "input_series": c.series.iter().map(|(s, v)| json!({ "series": s, "values": v })).collect::<Vec<_>>(),
                "alert_rule_test": [{ "eval_time": c.eval_time, "alertname": a.name, "exp_alerts": exp }],
            }));
        }
    }
    // Every evaluation time is a multiple of 5m; a coarser interval keeps the
    // day-long staleness cases quick.
    json!({ "rule_files": [rule_file], "evaluation_interval": "5m", "tests": tests })
}

/// Grafana-managed rules (alerting provisioning `groups`): the query, then a
/// threshold on it: the PromQL already filters, so any series returned fires.
pub fn grafana_rules(alerts: &[AlertRule], datasource: &str, folder: &str) -> Value {
    let groups: Vec<Value> = grouped(alerts)
        .into_iter()
        .map(|(g, rules)| {
            json!({
                "orgId": 1,
                "name": g,
                "folder": folder,
                "interval": "1m",
                "rules": rules.iter().map(|a| pinned(a, json!({
                    "uid": uid(&a.name),
                    "title": a.name,
                    "condition": "B",
                    "data": [
                        {
                            "refId": "A",
                            "relativeTimeRange": { "from": 600, "to": 0 },
                            "datasourceUid": datasource,
                            "model": { "refId": "A", "expr": a.expr, "instant": true },
                        },
                        {
                            "refId": "B",
                            "datasourceUid": "__expr__",
                            "model": {
                                "refId": "B",
                                "type": "threshold",
                                "expression": "A",
                                "conditions": [{ "evaluator": { "type": "gt", "params": [0] } }],
                            },
                        },
                    ],
                    "noDataState": "OK",
                    "execErrState": "Error",
                    "for": a.for_,
                    "annotations": annotations(a),
                    "labels": { "severity": severity(a.severity) },
                }))).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "apiVersion": 1, "groups": groups })
}

/// A rule pinned to a contact point skips the notification policy.
fn pinned(a: &AlertRule, mut rule: Value) -> Value {
    if let Some(n) = &a.notify {
        rule["notification_settings"] = json!({ "receiver": n });
    }
    rule
}

/// A Grafana uid (at most 40 characters) derived from the alert name.
fn uid(name: &str) -> String {
    let mut s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    s.insert_str(0, "hearth-");
    s.truncate(40);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansion_and_uids() {
        let l = BTreeMap::from([("client_ip".to_string(), "203.0.113.7".to_string())]);
        assert_eq!(
            expand("{{ $labels.client_ip }} is busy", &l),
            "203.0.113.7 is busy"
        );
        assert_eq!(uid("ClientIpRequests"), "hearth-clientiprequests");
        assert!(uid(&"X".repeat(80)).len() <= 40);
    }
}
