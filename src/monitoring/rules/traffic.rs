//! Traffic alerts (from the ingress log pipeline's counters) and the cluster's
//! pod-restart alert.

use std::collections::BTreeMap;

use super::super::alerts::{AlertRule, Case};
use super::super::context::{Ctx, counter_with, labels, num, selector};
use super::super::pipeline::{Pipeline, WAF_COUNTER};
use super::super::promql;
use super::{Common, Tuned, horizon, rates, tune};
use crate::site::model::Monitoring;

pub(super) fn alerts(
    c: &mut Ctx,
    m: &Monitoring,
    p: Option<&Pipeline>,
    common: &Common,
) -> Vec<AlertRule> {
    let mut out = Vec::new();
    let a = &m.alerts;
    let need = |c: &mut Ctx, what: &str, labels: &[&str]| {
        c.err(
            format!("the built-in alert `{what}` needs a pipeline counter with the labels {labels:?}"),
            common.span.clone(),
            "in this [monitoring]",
            format!("add such a counter to `[monitoring.logs]`, or set `[monitoring.alerts.{what}] enabled = false`"),
        );
    };
    // Traffic alerts read the pipeline's counters.
    if let Some(t) = tune(c, &a.client_ip_requests, 1000.0, "10m", "5m") {
        match p.and_then(|p| counter_with(p, &["client_ip"])) {
            Some(metric) => {
                let (hi, lo) = rates(t.threshold, &t.window);
                let (mins, at) = horizon(&t.window, &t.for_);
                let busy = labels(&[("client_ip", "203.0.113.7")]);
                let mut cases = vec![
                    Case {
                        interval: "1m",
                        series: vec![
                            (
                                selector(&metric, &[("client_ip", "203.0.113.7")]),
                                format!("0+{hi}x{mins}"),
                            ),
                            (
                                selector(&metric, &[("client_ip", "198.51.100.23")]),
                                format!("0+{lo}x{mins}"),
                            ),
                        ],
                        eval_time: at.clone(),
                        fires: Some(busy.clone()),
                    },
                    Case {
                        interval: "1m",
                        series: vec![(
                            selector(&metric, &[("client_ip", "198.51.100.23")]),
                            format!("0+{lo}x{mins}"),
                        )],
                        eval_time: at.clone(),
                        fires: None,
                    },
                ];
                // A new client whose first burst is already counted when its
                // series appears.
                if let Some(values) = first_burst(&t, mins, &at) {
                    cases.push(Case {
                        interval: "1m",
                        series: vec![
                            (selector(&metric, &[("client_ip", "203.0.113.7")]), values),
                            (
                                selector(&metric, &[("client_ip", "198.51.100.23")]),
                                format!("0+{lo}x{mins}"),
                            ),
                        ],
                        eval_time: at,
                        fires: Some(busy),
                    });
                }
                out.push(common.rule(
                    "ClientIpRequests",
                    "traffic",
                    &t,
                    format!(
                        "sum by (client_ip) ({}) > {}",
                        recent(&metric, &t.window),
                        num(t.threshold)
                    ),
                    "{{ $labels.client_ip }} is sending many requests",
                    &format!(
                        "More than {} requests in {} from {{{{ $labels.client_ip }}}}.",
                        num(t.threshold),
                        t.window
                    ),
                    cases,
                ));
            }
            None if p.is_some() => need(c, "client_ip_requests", &["client_ip"]),
            None => {}
        }
    }
    if let Some(t) = tune(c, &a.waf_blocks, 50.0, "10m", "0m") {
        let status = p.and_then(|p| counter_with(p, &["status"]));
        match (p, status) {
            // hearth-exporter counts the requests ModSecurity denied.
            (Some(p), status) if !p.agent_counts => {
                let waf = format!("{}{}", p.prefix, WAF_COUNTER);
                let (hi, lo) = rates(t.threshold, &t.window);
                let (mins, at) = horizon(&t.window, &t.for_);
                let s = || selector(&waf, &[("rule_id", "949110")]);
                let mut cases = vec![Case {
                    interval: "1m",
                    series: vec![(s(), format!("0+{hi}x{mins}"))],
                    eval_time: at.clone(),
                    fires: Some(BTreeMap::new()),
                }];
                // Other 403s (path denies, `/metrics`) are not WAF blocks.
                let mut quiet = vec![(s(), format!("0+{lo}x{mins}"))];
                if let Some(m) = status {
                    quiet.push((
                        selector(&m, &[("client_ip", "203.0.113.7"), ("status", "403")]),
                        format!("0+{hi}x{mins}"),
                    ));
                }
                cases.push(Case {
                    interval: "1m",
                    series: quiet,
                    eval_time: at.clone(),
                    fires: None,
                });
                if let Some(values) = first_burst(&t, mins, &at) {
                    cases.push(Case {
                        interval: "1m",
                        series: vec![(s(), values)],
                        eval_time: at,
                        fires: Some(BTreeMap::new()),
                    });
                }
                out.push(common.rule(
                    "WafBlocks",
                    "traffic",
                    &t,
                    format!("sum({}) > {}", recent(&waf, &t.window), num(t.threshold)),
                    "Many requests blocked by the WAF",
                    &format!("More than {} requests denied by ModSecurity in {}: an attack, or a WAF rule blocking real users (see the WAF dashboard).", num(t.threshold), t.window),
                    cases,
                ));
            }
            // Promtail and Alloy count access lines only: no WAF counter, so
            // the alert counts 403s and says so. Path denies and `/metrics`
            // denies are server-snippet locations, where ingress-nginx sets no
            // `$namespace`: with a namespace label they are left out.
            (Some(p), Some(status)) => {
                let by_ns = counter_with(p, &["namespace", "status"]);
                let metric = by_ns.clone().unwrap_or(status);
                let (hi, lo) = rates(t.threshold, &t.window);
                let (mins, at) = horizon(&t.window, &t.for_);
                let s = |status: &str, ns: &str| {
                    let mut l = vec![("client_ip", "203.0.113.7"), ("status", status)];
                    if by_ns.is_some() {
                        l.push(("namespace", ns));
                    }
                    selector(&metric, &l)
                };
                let (forbidden, what) = if by_ns.is_some() {
                    (
                        format!("{metric}{{status=\"403\", namespace!=\"\"}}"),
                        "by an ingress's own locations (path denies and `/metrics` denies, which log no namespace, left out): WAF blocks or the applications' own 403s",
                    )
                } else {
                    (
                        format!("{metric}{{status=\"403\"}}"),
                        "WAF blocks, path denies and `/metrics` denies alike",
                    )
                };
                let mut cases = vec![
                    Case {
                        interval: "1m",
                        series: vec![
                            (s("403", "vaultwarden"), format!("0+{hi}x{mins}")),
                            (s("200", "vaultwarden"), format!("0+{hi}x{mins}")),
                        ],
                        eval_time: at.clone(),
                        fires: Some(BTreeMap::new()),
                    },
                    Case {
                        interval: "1m",
                        series: vec![
                            (s("403", "vaultwarden"), format!("0+{lo}x{mins}")),
                            (s("200", "vaultwarden"), format!("0+{hi}x{mins}")),
                        ],
                        eval_time: at.clone(),
                        fires: None,
                    },
                ];
                if by_ns.is_some() {
                    // Denied paths, in no namespace, do not fire it.
                    cases.push(Case {
                        interval: "1m",
                        series: vec![
                            (s("403", ""), format!("0+{hi}x{mins}")),
                            (s("403", "vaultwarden"), format!("0+{lo}x{mins}")),
                        ],
                        eval_time: at.clone(),
                        fires: None,
                    });
                }
                if let Some(values) = first_burst(&t, mins, &at) {
                    cases.push(Case {
                        interval: "1m",
                        series: vec![(s("403", "vaultwarden"), values)],
                        eval_time: at,
                        fires: Some(BTreeMap::new()),
                    });
                }
                out.push(common.rule(
                    "WafBlocks",
                    "traffic",
                    &t,
                    format!("sum({}) > {}", recent(&forbidden, &t.window), num(t.threshold)),
                    "Many requests refused with 403",
                    &format!("More than {} requests answered 403 in {} {what}, as the log agent counts no WAF blocks (count with hearth-exporter to alert on WAF blocks alone). See the WAF dashboard.", num(t.threshold), t.window),
                    cases,
                ));
            }
            (Some(_), None) => need(c, "waf_blocks", &["status"]),
            (None, _) => {}
        }
    }
    // Brute force: failures on the ingresses that ask for credentials.
    let mut protected: Vec<String> = c
        .plan
        .services
        .iter()
        .filter(|s| s.ingresses.iter().any(|i| i.auth.is_some()))
        .map(|s| s.namespace.to_string())
        .collect();
    protected.sort();
    protected.dedup();
    if let Some(t) = tune(c, &a.brute_force, 20.0, "5m", "0m")
        && !protected.is_empty()
    {
        match p.and_then(|p| counter_with(p, &["client_ip", "namespace", "status"])) {
            Some(metric) => {
                let (hi, _) = rates(t.threshold, &t.window);
                let (mins, at) = horizon(&t.window, &t.for_);
                let ns = &protected[0];
                let s = |n: &str| {
                    selector(
                        &metric,
                        &[
                            ("client_ip", "203.0.113.7"),
                            ("namespace", n),
                            ("status", "401"),
                        ],
                    )
                };
                out.push(common.rule(
                    "BruteForce",
                    "traffic",
                    &t,
                    format!(
                        "sum by (client_ip) ({}) > {}",
                        recent(
                            &format!(
                                "{metric}{{status=~\"401|403\", namespace=~\"{}\"}}",
                                protected.join("|")
                            ),
                            &t.window
                        ),
                        num(t.threshold)
                    ),
                    "{{ $labels.client_ip }} is failing to log in",
                    &format!("More than {} refused requests (401/403) in {} from {{{{ $labels.client_ip }}}} on ingresses behind authentication ({}).", num(t.threshold), t.window, protected.join(", ")),
                    vec![
                        Case { interval: "1m", series: vec![(s(ns), format!("0+{hi}x{mins}"))], eval_time: at.clone(), fires: Some(labels(&[("client_ip", "203.0.113.7")])) },
                        // The same failures on an ingress without `auth` are the application's business.
                        Case { interval: "1m", series: vec![(s("not-protected"), format!("0+{hi}x{mins}"))], eval_time: at.clone(), fires: None },
                    ]
                    .into_iter()
                    .chain(first_burst(&t, mins, &at).map(|values| Case { interval: "1m", series: vec![(s(ns), values)], eval_time: at, fires: Some(labels(&[("client_ip", "203.0.113.7")])) }))
                    .collect(),
                ));
            }
            None if p.is_some() => need(c, "brute_force", &["client_ip", "namespace", "status"]),
            None => {}
        }
    }
    if let Some(t) = tune(c, &a.pod_restarts, 3.0, "1h", "0m") {
        let (mins, at) = horizon(&t.window, &t.for_);
        let who = [
            ("namespace", "immich"),
            ("pod", "immich-server-0"),
            ("container", "server"),
        ];
        let metric = "kube_pod_container_status_restarts_total";
        let (hi, _) = rates(t.threshold, &t.window);
        out.push(common.rule(
            "PodRestarting",
            "cluster",
            &t,
            format!("increase({metric}[{}]) > {}", t.window, num(t.threshold)),
            "{{ $labels.namespace }}/{{ $labels.pod }} keeps restarting",
            &format!(
                "Container {{{{ $labels.container }}}} restarted more than {} times in {}.",
                num(t.threshold),
                t.window
            ),
            vec![
                Case {
                    interval: "1m",
                    series: vec![(selector(metric, &who), format!("0+{hi}x{mins}"))],
                    eval_time: at.clone(),
                    fires: Some(labels(&who)),
                },
                Case {
                    interval: "1m",
                    series: vec![(selector(metric, &who), format!("0x{mins}"))],
                    eval_time: at,
                    fires: None,
                },
            ],
        ));
    }
    out
}

/// The requests a counter selection `sel` saw in the last `window`, counting
/// a series that appears already holding its count. Promtail and
/// hearth-exporter create a series at its first line, with that line
/// counted, so `increase()` (which counts from a series' first sample) sees 0
/// for a new client's first burst. A series absent `window` ago (`unless …
/// offset`) is counted whole; every other one by `increase()`. `or` keeps
/// the left side where both sides have a series: vector matching ignores the
/// metric name, which `increase()` drops. The sum (`sum by`) is taken over
/// the result, series by series, so a new series and an old one of the same
/// client add up.
fn recent(sel: &str, window: &str) -> String {
    format!("({sel} unless {sel} offset {window}) or increase({sel}[{window}])")
}

/// Test values of a series that appears, at the evaluation `for` before
/// `at`, already holding twice the threshold, and then stays flat: fires
/// only when a first burst counts. None when `for` (on the test file's 5m
/// evaluation grid) is not shorter than the window: a flat series then
/// leaves the window before `for` is over.
fn first_burst(t: &Tuned, mins: u64, at: &str) -> Option<String> {
    let window = promql::duration_secs(&t.window).ok()? / 60;
    let hold = promql::duration_secs(&t.for_).unwrap_or(0).div_ceil(300) * 5;
    let at: u64 = at.strip_suffix('m')?.parse().ok()?;
    let start = at.checked_sub(hold)?;
    if hold >= window || start == 0 {
        return None;
    }
    let count = (t.threshold * 2.0).ceil().max(1.0) as u64;
    Some(format!("_x{start} {count}x{}", mins - start))
}
