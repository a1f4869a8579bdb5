//! Traffic alerts (from the ingress log pipeline's counters) and the cluster's
//! pod-restart alert.

use std::collections::BTreeMap;

use super::super::alerts::{AlertRule, Case};
use super::super::context::{Ctx, counter_with, labels, num, selector};
use super::super::pipeline::{Pipeline, WAF_COUNTER};
use super::super::promql;
use super::{Common, Draft, Tuned, horizon, rates, tune};
use crate::plan::Plan;
use crate::site::model::Monitoring;

/// The client every firing test case blames, and a quiet one.
const BUSY: &str = "203.0.113.7";
const QUIET: &str = "198.51.100.23";

pub(super) fn alerts(
    c: &mut Ctx,
    m: &Monitoring,
    p: Option<&Pipeline>,
    common: &Common,
) -> Vec<AlertRule> {
    let mut out = Vec::new();
    let a = &m.alerts;
    if let Some(t) = tune(c, &a.client_ip_requests, 1000.0, "10m", "5m") {
        match p.and_then(|p| counter_with(p, &["client_ip"])) {
            Some(metric) => out.push(client_ip_requests(common, &t, &metric)),
            None if p.is_some() => need(c, common, "client_ip_requests", &["client_ip"]),
            None => {}
        }
    }
    if let Some(t) = tune(c, &a.waf_blocks, 50.0, "10m", "0m") {
        let status = p.and_then(|p| counter_with(p, &["status"]));
        match (p, status) {
            // hearth-exporter counts the requests ModSecurity denied.
            (Some(p), status) if !p.agent_counts => {
                out.push(waf_blocks(common, &t, p, status.as_deref()));
            }
            (Some(p), Some(status)) => out.push(forbidden(common, &t, p, status)),
            (Some(_), None) => need(c, common, "waf_blocks", &["status"]),
            (None, _) => {}
        }
    }
    let protected = protected_namespaces(c.plan);
    if let Some(t) = tune(c, &a.brute_force, 20.0, "5m", "0m")
        && !protected.is_empty()
    {
        let wanted = ["client_ip", "namespace", "status"];
        match p.and_then(|p| counter_with(p, &wanted)) {
            Some(metric) => out.push(brute_force(common, &t, &metric, &protected)),
            None if p.is_some() => need(c, common, "brute_force", &wanted),
            None => {}
        }
    }
    if let Some(t) = tune(c, &a.pod_restarts, 3.0, "1h", "0m") {
        out.push(pod_restarts(common, &t));
    }
    out
}

/// A traffic alert that is on but finds no counter with its labels.
fn need(c: &mut Ctx, common: &Common, what: &str, labels: &[&str]) {
    c.err(
        format!("the built-in alert `{what}` needs a pipeline counter with the labels {labels:?}"),
        common.span.clone(),
        "in this [monitoring]",
        format!("add such a counter to `[monitoring.logs]`, or set `[monitoring.alerts.{what}] enabled = false`"),
    );
}

/// Test series on a one-minute grid, sized for an alert's window and `for`.
struct Grid {
    /// Per-minute increments that clearly exceed the threshold, or clearly not.
    hi: u64,
    lo: u64,
    mins: u64,
    at: String,
}

impl Grid {
    fn of(t: &Tuned) -> Self {
        let (hi, lo) = rates(t.threshold, &t.window);
        let (mins, at) = horizon(&t.window, &t.for_);
        Self { hi, lo, mins, at }
    }

    /// A counter that rises by `per_min` every minute of the test.
    fn rising(&self, per_min: u64) -> String {
        format!("0+{per_min}x{}", self.mins)
    }

    fn case(&self, series: Vec<(String, String)>, fires: Option<BTreeMap<String, String>>) -> Case {
        Case::minutely(series, self.at.clone(), fires)
    }

    /// The case of a series that appears already holding a burst, when the
    /// window and `for` allow one (see `first_burst`).
    fn first_burst(
        &self,
        t: &Tuned,
        series: impl FnOnce(String) -> Vec<(String, String)>,
        fires: Option<BTreeMap<String, String>>,
    ) -> Option<Case> {
        first_burst(t, self.mins, &self.at).map(|values| self.case(series(values), fires))
    }
}

fn client_ip_requests(common: &Common, t: &Tuned, metric: &str) -> AlertRule {
    let g = Grid::of(t);
    let busy = || selector(metric, &[("client_ip", BUSY)]);
    let quiet = || (selector(metric, &[("client_ip", QUIET)]), g.rising(g.lo));
    let fires = Some(labels(&[("client_ip", BUSY)]));
    let mut cases = vec![
        g.case(vec![(busy(), g.rising(g.hi)), quiet()], fires.clone()),
        g.case(vec![quiet()], None),
    ];
    // A new client whose first burst is already counted when its series appears.
    cases.extend(g.first_burst(t, |values| vec![(busy(), values), quiet()], fires));
    let draft = Draft {
        name: "ClientIpRequests".into(),
        group: "traffic",
        expr: above("sum by (client_ip) ", metric, t),
        summary: "{{ $labels.client_ip }} is sending many requests".into(),
        description: format!(
            "More than {} requests in {} from {{{{ $labels.client_ip }}}}.",
            num(t.threshold),
            t.window
        ),
    };
    common.rule(t, draft, cases)
}

/// WafBlocks from hearth-exporter's count of the requests ModSecurity denied.
fn waf_blocks(common: &Common, t: &Tuned, p: &Pipeline, status: Option<&str>) -> AlertRule {
    let waf = format!("{}{}", p.prefix, WAF_COUNTER);
    let g = Grid::of(t);
    let s = || selector(&waf, &[("rule_id", "949110")]);
    let fires = Some(BTreeMap::new());
    // Other 403s (path denies, `/metrics`) are not WAF blocks.
    let mut quiet = vec![(s(), g.rising(g.lo))];
    if let Some(m) = status {
        quiet.push((
            selector(m, &[("client_ip", BUSY), ("status", "403")]),
            g.rising(g.hi),
        ));
    }
    let mut cases = vec![
        g.case(vec![(s(), g.rising(g.hi))], fires.clone()),
        g.case(quiet, None),
    ];
    cases.extend(g.first_burst(t, |values| vec![(s(), values)], fires));
    let draft = Draft {
        name: "WafBlocks".into(),
        group: "traffic",
        expr: above("sum", &waf, t),
        summary: "Many requests blocked by the WAF".into(),
        description: format!(
            "More than {} requests denied by ModSecurity in {}: an attack, or a WAF rule blocking real users (see the WAF dashboard).",
            num(t.threshold),
            t.window
        ),
    };
    common.rule(t, draft, cases)
}

/// WafBlocks where Promtail or Alloy count access lines only: no WAF counter,
/// so the alert counts 403s and says so. Path denies and `/metrics` denies
/// are server-snippet locations, where ingress-nginx sets no `$namespace`:
/// with a namespace label they are left out.
fn forbidden(common: &Common, t: &Tuned, p: &Pipeline, status: String) -> AlertRule {
    let by_ns = counter_with(p, &["namespace", "status"]);
    let metric = by_ns.clone().unwrap_or(status);
    let g = Grid::of(t);
    let s = |status: &str, ns: &str| {
        let mut l = vec![("client_ip", BUSY), ("status", status)];
        if by_ns.is_some() {
            l.push(("namespace", ns));
        }
        selector(&metric, &l)
    };
    let (selection, what) = if by_ns.is_some() {
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
    let fires = Some(BTreeMap::new());
    let ok = (s("200", "vaultwarden"), g.rising(g.hi));
    let mut cases = vec![
        g.case(
            vec![(s("403", "vaultwarden"), g.rising(g.hi)), ok.clone()],
            fires.clone(),
        ),
        g.case(vec![(s("403", "vaultwarden"), g.rising(g.lo)), ok], None),
    ];
    if by_ns.is_some() {
        // Denied paths, in no namespace, do not fire it.
        cases.push(g.case(
            vec![
                (s("403", ""), g.rising(g.hi)),
                (s("403", "vaultwarden"), g.rising(g.lo)),
            ],
            None,
        ));
    }
    cases.extend(g.first_burst(t, |values| vec![(s("403", "vaultwarden"), values)], fires));
    let draft = Draft {
        name: "WafBlocks".into(),
        group: "traffic",
        expr: above("sum", &selection, t),
        summary: "Many requests refused with 403".into(),
        description: format!(
            "More than {} requests answered 403 in {} {what}, as the log agent counts no WAF blocks (count with hearth-exporter to alert on WAF blocks alone). See the WAF dashboard.",
            num(t.threshold),
            t.window
        ),
    };
    common.rule(t, draft, cases)
}

/// Namespaces of the services whose ingresses ask for credentials.
fn protected_namespaces(plan: &Plan) -> Vec<String> {
    let mut protected: Vec<String> = plan
        .services
        .iter()
        .filter(|s| s.ingresses.iter().any(|i| i.auth.is_some()))
        .map(|s| s.namespace.to_string())
        .collect();
    protected.sort();
    protected.dedup();
    protected
}

/// Brute force: failures on the ingresses that ask for credentials.
fn brute_force(common: &Common, t: &Tuned, metric: &str, protected: &[String]) -> AlertRule {
    let g = Grid::of(t);
    let s = |n: &str| {
        let who = [("client_ip", BUSY), ("namespace", n), ("status", "401")];
        selector(metric, &who)
    };
    let ns = &protected[0];
    let fires = Some(labels(&[("client_ip", BUSY)]));
    let mut cases = vec![
        g.case(vec![(s(ns), g.rising(g.hi))], fires.clone()),
        // The same failures on an ingress without `auth` are the application's business.
        g.case(vec![(s("not-protected"), g.rising(g.hi))], None),
    ];
    cases.extend(g.first_burst(t, |values| vec![(s(ns), values)], fires));
    let failures = format!(
        "{metric}{{status=~\"401|403\", namespace=~\"{}\"}}",
        protected.join("|")
    );
    let draft = Draft {
        name: "BruteForce".into(),
        group: "traffic",
        expr: above("sum by (client_ip) ", &failures, t),
        summary: "{{ $labels.client_ip }} is failing to log in".into(),
        description: format!(
            "More than {} refused requests (401/403) in {} from {{{{ $labels.client_ip }}}} on ingresses behind authentication ({}).",
            num(t.threshold),
            t.window,
            protected.join(", ")
        ),
    };
    common.rule(t, draft, cases)
}

fn pod_restarts(common: &Common, t: &Tuned) -> AlertRule {
    let g = Grid::of(t);
    let who = [
        ("namespace", "immich"),
        ("pod", "immich-server-0"),
        ("container", "server"),
    ];
    let metric = "kube_pod_container_status_restarts_total";
    let series = |values: String| vec![(selector(metric, &who), values)];
    let draft = Draft {
        name: "PodRestarting".into(),
        group: "cluster",
        expr: format!("increase({metric}[{}]) > {}", t.window, num(t.threshold)),
        summary: "{{ $labels.namespace }}/{{ $labels.pod }} keeps restarting".into(),
        description: format!(
            "Container {{{{ $labels.container }}}} restarted more than {} times in {}.",
            num(t.threshold),
            t.window
        ),
    };
    let cases = vec![
        g.case(series(g.rising(g.hi)), Some(labels(&who))),
        g.case(series(format!("0x{}", g.mins)), None),
    ];
    common.rule(t, draft, cases)
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

/// `<sum>(recent(sel)) > threshold`: the alert expression of a count over
/// the tuned window.
fn above(sum: &str, sel: &str, t: &Tuned) -> String {
    format!("{sum}({}) > {}", recent(sel, &t.window), num(t.threshold))
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
