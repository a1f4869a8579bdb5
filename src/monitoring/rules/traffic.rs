//! Traffic alerts (from the ingress log pipeline's counters) and the cluster's
//! pod-restart alert.

use std::collections::BTreeMap;

use super::super::alerts::{AlertRule, Case};
use super::super::context::{Ctx, counter_with, labels, num, selector};
use super::super::pipeline::Pipeline;
use super::{Common, horizon, rates, tune};
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
                out.push(common.rule(
                    "ClientIpRequests",
                    "traffic",
                    &t,
                    format!(
                        "sum by (client_ip) (increase({metric}[{}])) > {}",
                        t.window,
                        num(t.threshold)
                    ),
                    "{{ $labels.client_ip }} is sending many requests",
                    &format!(
                        "More than {} requests in {} from {{{{ $labels.client_ip }}}}.",
                        num(t.threshold),
                        t.window
                    ),
                    vec![
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
                            fires: Some(busy),
                        },
                        Case {
                            interval: "1m",
                            series: vec![(
                                selector(&metric, &[("client_ip", "198.51.100.23")]),
                                format!("0+{lo}x{mins}"),
                            )],
                            eval_time: at,
                            fires: None,
                        },
                    ],
                ));
            }
            None if p.is_some() => need(c, "client_ip_requests", &["client_ip"]),
            None => {}
        }
    }
    if let Some(t) = tune(c, &a.waf_blocks, 50.0, "10m", "0m") {
        match p.and_then(|p| counter_with(p, &["status"])) {
            Some(metric) => {
                let (hi, lo) = rates(t.threshold, &t.window);
                let (mins, at) = horizon(&t.window, &t.for_);
                let s = |status: &str| {
                    selector(&metric, &[("client_ip", "203.0.113.7"), ("status", status)])
                };
                out.push(common.rule(
                    "WafBlocks",
                    "traffic",
                    &t,
                    format!("sum(increase({metric}{{status=\"403\"}}[{}])) > {}", t.window, num(t.threshold)),
                    "Many requests blocked by the WAF",
                    &format!("More than {} requests answered 403 in {}: an attack, or a WAF rule blocking real users (see the WAF dashboard).", num(t.threshold), t.window),
                    vec![
                        Case { interval: "1m", series: vec![(s("403"), format!("0+{hi}x{mins}")), (s("200"), format!("0+{hi}x{mins}"))], eval_time: at.clone(), fires: Some(BTreeMap::new()) },
                        Case { interval: "1m", series: vec![(s("403"), format!("0+{lo}x{mins}")), (s("200"), format!("0+{hi}x{mins}"))], eval_time: at, fires: None },
                    ],
                ));
            }
            None if p.is_some() => need(c, "waf_blocks", &["status"]),
            None => {}
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
                        "sum by (client_ip) (increase({metric}{{status=~\"401|403\", namespace=~\"{}\"}}[{}])) > {}",
                        protected.join("|"),
                        t.window,
                        num(t.threshold)
                    ),
                    "{{ $labels.client_ip }} is failing to log in",
                    &format!("More than {} refused requests (401/403) in {} from {{{{ $labels.client_ip }}}} on ingresses behind authentication ({}).", num(t.threshold), t.window, protected.join(", ")),
                    vec![
                        Case { interval: "1m", series: vec![(s(ns), format!("0+{hi}x{mins}"))], eval_time: at.clone(), fires: Some(labels(&[("client_ip", "203.0.113.7")])) },
                        // The same failures on an ingress without `auth` are the application's business.
                        Case { interval: "1m", series: vec![(s("not-protected"), format!("0+{hi}x{mins}"))], eval_time: at, fires: None },
                    ],
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
