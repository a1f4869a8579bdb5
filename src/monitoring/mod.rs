//! Monitoring as code, built from the plan: Grafana provisioning (datasources,
//! dashboards, contact points, notification policy, alert rules), the same
//! alerts as a Prometheus rule file with promtool tests, and the ingress log
//! pipeline as Promtail, Alloy and hearth-exporter configuration. Every query
//! is parsed here (a bad one is an input error); lint then checks that each
//! metric it reads is produced by something in the site.

pub mod alerts;
pub mod catalog;
pub mod dashboards;
pub mod logql;
pub mod pipeline;
pub mod promql;

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Serialize;
use serde_json::{Value, json};

use alerts::{AlertRule, Case};
use catalog::Catalog;
use dashboards::PanelSpec;
use pipeline::Pipeline;

use crate::diag::{Errors, InputError, SourceFile};
use crate::plan::{PBackup, PService};
use crate::site::model::{
    AlertSeverity, AlertTuning, BuiltinDashboard, DatasourceKind, Monitoring, PanelKind, RawSite,
};
use crate::site::names::ServiceName;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Promql,
    Logql,
}

/// A query of a panel or an alert, kept for lint's cross-checks.
#[derive(Debug, Clone, Serialize)]
pub struct PQuery {
    pub lang: Lang,
    pub text: String,
    /// "alert `X`", "panel `Y` of dashboard `Z`".
    pub origin: String,
    pub metrics: Vec<String>,
    #[serde(skip)]
    pub span: Range<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PDatasource {
    pub uid: String,
    pub kind: &'static str,
    pub url: String,
    pub default: bool,
    #[serde(skip)]
    pub span: Range<usize>,
}

/// Everything monitoring contributes to the render and to lint.
#[derive(Debug, Serialize)]
pub struct PMonitoring {
    pub grafana: ServiceName,
    pub datasources: Vec<PDatasource>,
    pub alerts: Vec<AlertRule>,
    pub pipeline: Option<Pipeline>,
    pub queries: Vec<PQuery>,
    /// (metric, estimated series, span of its counter).
    pub cardinality: Vec<(String, u64, Range<usize>)>,
    pub max_series: u64,
    /// backup name → the alerts that watch it.
    pub watches: BTreeMap<String, Vec<String>>,
    /// `rendered/monitoring/` files: relative path → document (the render
    /// stage lays YAML out, like every other document).
    pub files: BTreeMap<String, Doc>,
    /// Merged under the Grafana service's own chart values.
    pub grafana_values: Value,
    #[serde(skip)]
    pub catalog: Catalog,
    #[serde(skip)]
    pub span: Range<usize>,
}

/// A generated file before layout.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Doc {
    /// Written as canonical YAML by the render stage.
    Yaml(Value),
    /// Already text in its own syntax (JSON dashboards, Alloy configuration).
    Text(String),
}

/// Names of the generated files a ConfigMap can carry (`generated = [...]`).
pub const CARRIABLE: [&str; 3] = ["promtail.yaml", "config.alloy", "exporter.yaml"];

struct Ctx<'a> {
    src: &'a SourceFile,
    raw: &'a RawSite,
    services: &'a BTreeMap<ServiceName, PService>,
    backups: &'a [PBackup],
    errs: &'a mut Errors,
    queries: Vec<PQuery>,
}

impl Ctx<'_> {
    fn err(&mut self, msg: String, span: Range<usize>, label: &str, help: impl Into<String>) {
        self.errs.push(
            InputError::new("hearth::monitoring", msg)
                .in_file(self.src)
                .label(span, label)
                .help(help),
        );
    }

    /// Parse a query; record it for lint, or report why it does not parse.
    fn query(&mut self, lang: Lang, text: &str, origin: String, span: Range<usize>) {
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
        self.queries.push(PQuery {
            lang,
            text: text.to_string(),
            origin,
            metrics,
            span,
        });
    }

    fn duration(
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
fn counter_with(p: &Pipeline, labels: &[&str]) -> Option<String> {
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

/// Seconds between two runs of a five-field cron schedule, roughly: hourly,
/// daily, weekly or monthly by which fields are pinned.
fn period_secs(cron: &str) -> u64 {
    let f: Vec<&str> = cron.split_whitespace().collect();
    let pinned = |i: usize| f.get(i).is_some_and(|x| !x.contains('*'));
    if pinned(2) {
        31 * 86_400
    } else if pinned(4) {
        7 * 86_400
    } else if pinned(1) {
        86_400
    } else {
        3_600
    }
}

/// `immich-photos` → `ImmichPhotos` (alert names are CamelCase; a name may
/// hold `--`, so empty parts are skipped).
fn camel(s: &str) -> String {
    s.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn human(secs: u64) -> String {
    if secs.is_multiple_of(86_400) {
        format!("{}d", secs / 86_400)
    } else if secs.is_multiple_of(3_600) {
        format!("{}h", secs / 3_600)
    } else {
        format!("{}m", secs / 60)
    }
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A selector with exactly these labels (a test case's series).
fn selector_of(metric: &str, labels: &BTreeMap<String, String>) -> String {
    let pairs: Vec<(&str, &str)> = labels
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    selector(metric, &pairs)
}

fn selector(metric: &str, pairs: &[(&str, &str)]) -> String {
    let inner: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    format!("{metric}{{{}}}", inner.join(", "))
}

struct Tuned {
    threshold: f64,
    window: String,
    for_: String,
    severity: AlertSeverity,
}

fn tune(c: &mut Ctx, t: &AlertTuning, threshold: f64, window: &str, for_: &str) -> Option<Tuned> {
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

/// A threshold as PromQL writes it (no trailing `.0`).
fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// Per-minute increment that makes `threshold` over `window` clearly exceeded
/// (fires) or clearly not (quiet), for test series.
fn rates(threshold: f64, window: &str) -> (u64, u64) {
    let minutes = (promql::duration_secs(window).unwrap_or(600) / 60).max(1) as f64;
    let per_min = threshold / minutes;
    (
        (per_min * 3.0).ceil().max(1.0) as u64,
        (per_min / 4.0).floor() as u64,
    )
}

/// Minutes of input and the evaluation time: long enough for the window and `for`.
fn horizon(window: &str, for_: &str) -> (u64, String) {
    let m = (promql::duration_secs(window).unwrap_or(600)
        + promql::duration_secs(for_).unwrap_or(0))
        / 60;
    // On the 5m evaluation grid of the test file.
    let at = (m + 10).div_ceil(5) * 5;
    (at + 10, format!("{at}m"))
}

fn builtin_alerts(
    c: &mut Ctx,
    m: &Monitoring,
    p: Option<&Pipeline>,
    runbook: &str,
    span: Range<usize>,
) -> Vec<AlertRule> {
    let mut out = Vec::new();
    let notify = m.notify.get_ref().to_string();
    let rule = |name: &str,
                group: &str,
                t: &Tuned,
                expr: String,
                summary: &str,
                description: &str,
                cases: Vec<Case>| AlertRule {
        name: name.into(),
        group: group.into(),
        expr,
        for_: t.for_.clone(),
        severity: t.severity,
        summary: summary.into(),
        description: description.into(),
        runbook: None,
        notify: notify.clone(),
        cases,
        span: span.clone(),
    };
    let a = &m.alerts;
    let need = |c: &mut Ctx, what: &str, labels: &[&str]| {
        c.err(
            format!("the built-in alert `{what}` needs a pipeline counter with the labels {labels:?}"),
            span.clone(),
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
                out.push(rule(
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
                out.push(rule(
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
        .services
        .values()
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
                out.push(rule(
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
        out.push(rule(
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
    if let Some(t) = tune(c, &a.backups, 0.0, "1h", "0m") {
        out.extend(backup_alerts(c, &t, &notify, runbook, span.clone()));
    }
    out
}

/// A failure alert and a staleness alert per backup (one failure alert for
/// all Longhorn backups: Longhorn reports per backup, not per RecurringJob).
fn backup_alerts(
    c: &mut Ctx,
    t: &Tuned,
    notify: &str,
    runbook: &str,
    span: Range<usize>,
) -> Vec<AlertRule> {
    let mut out = Vec::new();
    let mk = |name: String,
              expr: String,
              summary: String,
              description: String,
              anchor: &str,
              cases: Vec<Case>| AlertRule {
        name,
        group: "backups".into(),
        expr,
        for_: t.for_.clone(),
        severity: AlertSeverity::Critical,
        summary,
        description,
        runbook: Some(format!("{runbook}#{anchor}")),
        notify: notify.to_string(),
        cases,
        span: span.clone(),
    };
    for b in c.backups {
        let stale = period_secs(&b.schedule) + (period_secs(&b.schedule) / 4).max(3_600);
        // Timestamps before the test's start stand for an old last success,
        // so the cases stay minutes long whatever the schedule.
        let old = format!("-{}x20", stale + 3_600);
        let fresh = "0+60x20".to_string();
        let at = "10m".to_string();
        let job = b.name.as_str();
        match b.kind {
            "pg-backup" => {
                let db = b
                    .databases
                    .first()
                    .and_then(|d| d.split_once('/'))
                    .map_or("db", |(_, d)| d)
                    .to_string();
                let sel = |m: &str| selector(m, &[("job", job), ("database", &db)]);
                let who = labels(&[("job", job), ("database", &db)]);
                out.push(mk(
                    format!("PgBackupFailed{}", camel(job)),
                    format!("pg_backup_last_failure{{job=\"{job}\"}} > pg_backup_last_success{{job=\"{job}\"}}"),
                    "pg-backup `".to_string() + job + "` failed for {{ $labels.database }}",
                    "The last dump of {{ $labels.database }} failed after the last success; the dumps are getting old.".into(),
                    "6-restore-databases-from-pg-backup-dumps",
                    vec![
                        Case { interval: "1m", series: vec![(sel("pg_backup_last_failure"), "1200x20".into()), (sel("pg_backup_last_success"), "600x20".into())], eval_time: "10m".into(), fires: Some(who.clone()) },
                        Case { interval: "1m", series: vec![(sel("pg_backup_last_failure"), "600x20".into()), (sel("pg_backup_last_success"), "1200x20".into())], eval_time: "10m".into(), fires: None },
                    ],
                ));
                out.push(mk(
                    format!("PgBackupStale{}", camel(job)),
                    format!("time() - pg_backup_last_success{{job=\"{job}\"}} > {stale}"),
                    "pg-backup `".to_string() + job + "` has not succeeded for {{ $labels.database }} recently",
                    format!("No successful dump of {{{{ $labels.database }}}} for more than {} (schedule `{}`).", human(stale), b.schedule),
                    "6-restore-databases-from-pg-backup-dumps",
                    vec![
                        Case { interval: "1m", series: vec![(sel("pg_backup_last_success"), old.clone())], eval_time: at.clone(), fires: Some(who) },
                        Case { interval: "1m", series: vec![(sel("pg_backup_last_success"), fresh.clone())], eval_time: at.clone(), fires: None },
                    ],
                ));
                out.push(mk(
                    format!("PgBackupMissing{}", camel(job)),
                    format!("absent(pg_backup_last_success{{job=\"{job}\"}})"),
                    "pg-backup `".to_string() + job + "` has never reported",
                    format!("The Pushgateway has no `pg_backup_last_success` for job `{job}`: the backup never ran, or cannot reach the Pushgateway."),
                    "6-restore-databases-from-pg-backup-dumps",
                    {
                        // Held for a whole period: a fresh install has not run
                        // its first backup yet.
                        let hours = stale / 3_600 + 2;
                        vec![
                            Case { interval: "1h", series: vec![(selector("pg_backup_last_success", &[("job", "another-job"), ("database", &db)]), format!("0x{hours}"))], eval_time: format!("{}h", stale / 3_600 + 1), fires: Some(labels(&[("job", job)])) },
                            Case { interval: "1m", series: vec![(sel("pg_backup_last_success"), "0x20".into())], eval_time: "10m".into(), fires: None },
                        ]
                    },
                ));
                if let Some(last) = out.last_mut() {
                    last.for_ = human(stale);
                }
            }
            "rclone" => {
                let ns = b
                    .volumes
                    .first()
                    .and_then(|v| v.split_once('/'))
                    .and_then(|(svc, _)| c.services.values().find(|s| s.name.as_str() == svc))
                    .map_or_else(|| job.to_string(), |s| s.namespace.to_string());
                let what = format!("rclone sync `{job}`");
                out.extend(cronjob_alerts(
                    &mk,
                    "RcloneSync",
                    &ns,
                    job,
                    &what,
                    stale,
                    &b.schedule,
                    "7-restore-synced-folders-rclone",
                ));
            }
            // Longhorn runs a RecurringJob as a CronJob of the same name in its
            // own namespace, and the Job fails when a volume's backup fails
            // (longhorn-manager v1.6.2 controller/recurring_job_controller.go:477-482,
            // app/recurring_job.go:146-151,190-199). `longhorn_backup_state`
            // stays Error for a failed backup object after later successes.
            _ => {
                let ns = c
                    .services
                    .values()
                    .find(|s| s.capabilities.iter().any(|x| x == "longhorn"))
                    .map_or_else(
                        || "longhorn-system".to_string(),
                        |s| s.namespace.to_string(),
                    );
                let what = format!("Longhorn backup job `{job}`");
                out.extend(cronjob_alerts(
                    &mk,
                    "LonghornBackup",
                    &ns,
                    job,
                    &what,
                    stale,
                    &b.schedule,
                    "5-sync-longhorn-and-restore-volumes",
                ));
            }
        }
    }
    out
}

/// `backup_alerts`' rule builder: name, expr, summary, description, runbook anchor, cases.
type MakeAlert<'a> = dyn Fn(String, String, String, String, &str, Vec<Case>) -> AlertRule + 'a;

/// Failure and staleness of a backup run by a CronJob, from kube-state-metrics
/// v2.12.0 (the prometheus chart's subchart 5.21.0): `kube_job_created`,
/// `kube_job_status_failed` (labels namespace, job_name; internal/store/job.go:41,108,204),
/// `kube_cronjob_created`, `kube_cronjob_status_last_successful_time` (labels
/// namespace, cronjob; cronjob.go:43,111,172).
/// A failed Job stays for the CronJob's `failedJobsHistoryLimit`, so a
/// failure counts only while it is newer than the last success; a CronJob that
/// never succeeded is stale once it is older than one period.
#[allow(clippy::too_many_arguments)]
fn cronjob_alerts(
    mk: &MakeAlert,
    prefix: &str,
    ns: &str,
    cronjob: &str,
    what: &str,
    stale: u64,
    schedule: &str,
    anchor: &str,
) -> Vec<AlertRule> {
    let jobs = format!("namespace=\"{ns}\", job_name=~\"{cronjob}-[0-9]+\"");
    let failed_at = format!(
        "max by (namespace) (kube_job_created{{{jobs}}} * on (namespace, job_name) (max by (namespace, job_name) (kube_job_status_failed{{{jobs}}}) > bool 0))"
    );
    let last = selector(
        "kube_cronjob_status_last_successful_time",
        &[("namespace", ns), ("cronjob", cronjob)],
    );
    let created = selector(
        "kube_cronjob_created",
        &[("namespace", ns), ("cronjob", cronjob)],
    );
    let job_labels = |n: u32| labels(&[("namespace", ns), ("job_name", &format!("{cronjob}-{n}"))]);
    let series =
        |metric: &str, n: u32, v: &str| (selector_of(metric, &job_labels(n)), v.to_string());
    let ns_only = labels(&[("namespace", ns)]);
    let who = labels(&[("namespace", ns), ("cronjob", cronjob)]);
    let failed = mk(
        format!("{prefix}Failed{}", camel(cronjob)),
        format!("{failed_at} > (max by (namespace) ({last}) or {failed_at} * 0)"),
        format!("{what} failed"),
        format!(
            "Its newest failed run started after its last success (`kubectl get jobs -n {ns}`)."
        ),
        anchor,
        vec![
            // failed after the last success
            Case {
                interval: "1m",
                series: vec![
                    series("kube_job_created", 1, "2000x20"),
                    series("kube_job_status_failed", 1, "1x20"),
                    (last.clone(), "1000x20".into()),
                ],
                eval_time: "10m".into(),
                fires: Some(ns_only.clone()),
            },
            // failed, then a later run succeeded: the failed Job is still there
            Case {
                interval: "1m",
                series: vec![
                    series("kube_job_created", 1, "1000x20"),
                    series("kube_job_status_failed", 1, "1x20"),
                    series("kube_job_created", 2, "2000x20"),
                    series("kube_job_status_failed", 2, "0x20"),
                    (last.clone(), "2100x20".into()),
                ],
                eval_time: "10m".into(),
                fires: None,
            },
            // failed, and never succeeded
            Case {
                interval: "1m",
                series: vec![
                    series("kube_job_created", 1, "1000x20"),
                    series("kube_job_status_failed", 1, "1x20"),
                ],
                eval_time: "10m".into(),
                fires: Some(ns_only),
            },
            // running or succeeded runs only
            Case {
                interval: "1m",
                series: vec![
                    series("kube_job_created", 1, "1000x20"),
                    series("kube_job_status_failed", 1, "0x20"),
                ],
                eval_time: "10m".into(),
                fires: None,
            },
        ],
    );
    let old = format!("-{}x20", stale + 3_600);
    let stale_alert = mk(
        format!("{prefix}Stale{}", camel(cronjob)),
        format!(
            "time() - {last} > {stale} or (time() - {created} > {stale} unless on (namespace, cronjob) {last})"
        ),
        format!("{what} has not succeeded recently"),
        format!(
            "No successful run for more than {} (schedule `{schedule}`).",
            human(stale)
        ),
        anchor,
        vec![
            Case {
                interval: "1m",
                series: vec![(last.clone(), old.clone()), (created.clone(), old.clone())],
                eval_time: "10m".into(),
                fires: Some(who.clone()),
            },
            Case {
                interval: "1m",
                series: vec![
                    (last.clone(), "0+60x20".into()),
                    (created.clone(), old.clone()),
                ],
                eval_time: "10m".into(),
                fires: None,
            },
            // never succeeded, created long ago
            Case {
                interval: "1m",
                series: vec![(created.clone(), old)],
                eval_time: "10m".into(),
                fires: Some(who),
            },
            // never succeeded, created just now (its first run is still ahead)
            Case {
                interval: "1m",
                series: vec![(created, "0x20".into())],
                eval_time: "10m".into(),
                fires: None,
            },
        ],
    );
    vec![failed, stale_alert]
}

/// The site's own alerts.
fn custom_alerts(c: &mut Ctx, m: &Monitoring) -> Vec<AlertRule> {
    let mut out = Vec::new();
    for (name, a) in &c.raw.alerts {
        let a_ref = a.get_ref();
        let notify = match &a_ref.notify {
            Some(n) => {
                if !m.contact_points.contains_key(n.get_ref()) {
                    contact_missing(c, m, n.get_ref().as_str(), n.span());
                }
                n.get_ref().to_string()
            }
            None => m.notify.get_ref().to_string(),
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

fn contact_missing(c: &mut Ctx, m: &Monitoring, name: &str, span: Range<usize>) {
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

/// Build everything monitoring renders; None when the site has no `[monitoring]`.
pub fn plan(
    raw: &RawSite,
    src: &SourceFile,
    services: &BTreeMap<ServiceName, PService>,
    backups: &[PBackup],
    runbook_url: &str,
    errs: &mut Errors,
) -> Option<PMonitoring> {
    let Some(mon) = &raw.monitoring else {
        for (name, a) in &raw.alerts {
            errs.push(
                InputError::new(
                    "hearth::monitoring",
                    format!("alert `{name}` needs a [monitoring] section"),
                )
                .in_file(src)
                .label(a.span(), "nowhere to deliver it")
                .help("add [monitoring] with `grafana`, `datasources` and a contact point"),
            );
        }
        return None;
    };
    let m = mon.get_ref();
    let mut c = Ctx {
        src,
        raw,
        services,
        backups,
        errs,
        queries: Vec::new(),
    };
    let span = mon.span();

    // Grafana, datasources, contact points.
    match services.get(m.grafana.get_ref()) {
        Some(s) if s.helm.as_ref().is_some_and(|h| h.chart == "grafana") => {}
        Some(_) => c.err(
            format!("service `{}` is not the Grafana Helm chart", m.grafana.get_ref()),
            m.grafana.span(),
            "not chart `grafana`",
            "hearth provisions Grafana through the chart's values: point `grafana` at a service with `helm.chart = \"grafana\"`",
        ),
        None => c.err(
            format!("service `{}` does not exist", m.grafana.get_ref()),
            m.grafana.span(),
            "unknown service",
            "name the service that runs Grafana",
        ),
    }
    let mut datasources = Vec::new();
    for kind in [DatasourceKind::Prometheus, DatasourceKind::Loki] {
        let defaults: Vec<_> = m
            .datasources
            .iter()
            .filter(|(_, d)| d.get_ref().kind == kind && d.get_ref().default)
            .collect();
        if defaults.len() > 1 {
            c.err(
                "more than one default datasource of a kind".into(),
                defaults[1].1.span(),
                "second default",
                "keep `default = true` on one of them",
            );
        }
    }
    for (uid, d) in &m.datasources {
        let dr = d.get_ref();
        let kind = match dr.kind {
            DatasourceKind::Prometheus => "prometheus",
            DatasourceKind::Loki => "loki",
        };
        let only = m
            .datasources
            .values()
            .filter(|x| x.get_ref().kind == dr.kind)
            .count()
            == 1;
        datasources.push(PDatasource {
            uid: uid.to_string(),
            kind,
            url: dr.url.get_ref().clone(),
            default: dr.default || only,
            span: d.span(),
        });
    }
    let ds_of = |kind: &str| {
        datasources
            .iter()
            .find(|d| d.kind == kind && d.default)
            .map(|d| (d.uid.clone(), d.kind))
    };
    let prom = ds_of("prometheus");
    let loki = ds_of("loki");
    if prom.is_none() {
        c.err(
            "no Prometheus datasource".into(),
            span.clone(),
            "in this [monitoring]",
            "add `[monitoring.datasources.prometheus]` with `kind = \"prometheus\"` and its URL",
        );
    }
    if !m.contact_points.contains_key(m.notify.get_ref()) {
        contact_missing(&mut c, m, m.notify.get_ref().as_str(), m.notify.span());
    }
    let grafana = services.get(m.grafana.get_ref());
    let mut env = serde_json::Map::new();
    let mut receivers = Vec::new();
    for (name, cp) in &m.contact_points {
        let r = cp.get_ref().bot_token.get_ref();
        let ok = grafana.is_some_and(|g| {
            g.secrets
                .iter()
                .any(|s| s.name == r.secret && s.encrypted.contains_key(r.key.as_str()))
        });
        if !ok {
            c.err(
                format!(
                    "the bot token `{}/{}` is not a key of a secret of the Grafana service",
                    r.secret, r.key
                ),
                cp.get_ref().bot_token.span(),
                "no such secret key",
                format!(
                    "add the key to a secret of `{}` (sealed with kubeseal)",
                    m.grafana.get_ref()
                ),
            );
        }
        let var = format!(
            "TELEGRAM_BOT_TOKEN_{}",
            name.as_str().to_uppercase().replace('-', "_")
        );
        env.insert(
            var.clone(),
            json!({ "secretKeyRef": { "name": r.secret.as_str(), "key": r.key.as_str() } }),
        );
        receivers.push(json!({
            "orgId": 1,
            "name": name.as_str(),
            "receivers": [{ "uid": format!("hearth-{name}"), "type": "telegram", "settings": { "bottoken": format!("${{{var}}}"), "chatid": cp.get_ref().chat_id } }],
        }));
    }

    // The log pipeline.
    let pipeline = m.logs.as_ref().map(|l| {
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
        let max_idle = c.duration(Some(&lp.max_idle), "24h");
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
            max_idle: &max_idle,
            max_series: m.max_series,
            agent_counts: lp.count_with == crate::site::model::CountWith::Agent,
        })
    });

    // Cardinality: distinct values per label, multiplied (GeoIP labels follow the IP).
    let mut cardinality = Vec::new();
    if let (Some(p), Some(l)) = (&pipeline, &m.logs) {
        let lp = l.get_ref();
        let ingress_ns = services
            .values()
            .filter(|s| !s.ingresses.is_empty())
            .count()
            .max(1) as u64;
        let hosts = services
            .values()
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

    // Alerts.
    let mut alerts = builtin_alerts(&mut c, m, pipeline.as_ref(), runbook_url, span.clone());
    for a in &alerts {
        c.query(
            Lang::Promql,
            &a.expr,
            format!("built-in alert `{}`", a.name),
            span.clone(),
        );
    }
    alerts.extend(custom_alerts(&mut c, m));
    let mut watches: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for b in backups {
        let key = camel(b.name.as_str());
        let names: Vec<String> = alerts
            .iter()
            .filter(|a| a.group == "backups")
            .filter(|a| a.name.ends_with(key.as_str()))
            .map(|a| a.name.clone())
            .collect();
        watches.insert(b.name.to_string(), names);
    }

    // Dashboards.
    let mut boards: Vec<(String, Value)> = Vec::new();
    let prom_ds = prom
        .clone()
        .unwrap_or_else(|| ("prometheus".into(), "prometheus"));
    let ingress_ns = services
        .values()
        .find(|s| s.capabilities.iter().any(|x| x == "Ingress"))
        .map_or_else(|| "ingress-nginx".to_string(), |s| s.namespace.to_string());
    let has_image = |frag: &str| {
        services
            .values()
            .any(|s| s.workloads.iter().any(|w| w.container.image.contains(frag)))
    };
    let mut dashboards_wanted = m.dashboards.clone();
    dashboards_wanted.sort();
    dashboards_wanted.dedup();
    for d in dashboards_wanted {
        let mut panels: Vec<PanelSpec> = Vec::new();
        let (uid, title) = match d {
            BuiltinDashboard::Traffic => {
                if let Some(p) = &pipeline {
                    if let Some(mt) = counter_with(p, &["client_ip"]) {
                        panels.push(
                            PanelSpec::new(
                                "Requests by client IP",
                                "timeseries",
                                &prom_ds,
                                dashboards::requests_by_ip(&mt),
                            )
                            .legend("{{client_ip}}")
                            .wide(),
                        );
                        if p.geoip.is_some() {
                            panels.push(
                                PanelSpec::new("Where requests come from (last hour)", "geomap", &prom_ds, format!("sum by (geoip_location_latitude, geoip_location_longitude) (increase({mt}[1h])) > 0")).instant(),
                            );
                        }
                    }
                    if let Some(mt) = counter_with(p, &["namespace", "status"]) {
                        panels.push(
                            PanelSpec::new(
                                "Requests by namespace and status",
                                "timeseries",
                                &prom_ds,
                                format!("sum by (namespace, status) (rate({mt}[5m]))"),
                            )
                            .legend("{{namespace}} {{status}}")
                            .unit("reqps"),
                        );
                    }
                }
                ("hearth-traffic", "Traffic")
            }
            BuiltinDashboard::Waf => {
                if let Some(l) = &loki {
                    panels.push(
                        PanelSpec::new(
                            "Requests blocked by the WAF",
                            "table",
                            l,
                            dashboards::waf_query(&ingress_ns),
                        )
                        .wide(),
                    );
                    panels.push(
                        PanelSpec::new(
                            "ModSecurity lines",
                            "logs",
                            l,
                            dashboards::waf_search(&ingress_ns),
                        )
                        .wide(),
                    );
                }
                if let Some(mt) = pipeline
                    .as_ref()
                    .and_then(|p| counter_with(p, &["namespace", "status"]))
                {
                    panels.push(
                        PanelSpec::new(
                            "Forbidden (403) by namespace",
                            "timeseries",
                            &prom_ds,
                            format!("sum by (namespace) (increase({mt}{{status=\"403\"}}[5m]))"),
                        )
                        .legend("{{namespace}}"),
                    );
                }
                ("hearth-waf", "WAF")
            }
            BuiltinDashboard::Cluster => {
                panels.push(PanelSpec::new("Pod restarts (last hour)", "timeseries", &prom_ds, "sum by (namespace, pod) (increase(kube_pod_container_status_restarts_total[1h])) > 0".into()).legend("{{namespace}}/{{pod}}"));
                if has_image("pi-metrics") {
                    panels.push(
                        PanelSpec::new(
                            "Node temperature",
                            "timeseries",
                            &prom_ds,
                            "pi_temperature".into(),
                        )
                        .legend("{{name}}")
                        .unit("celsius"),
                    );
                }
                ("hearth-cluster", "Cluster")
            }
            BuiltinDashboard::Backups => {
                if backups.iter().any(|b| b.kind == "pg-backup") {
                    panels.push(
                        PanelSpec::new(
                            "Time since the last pg-backup dump",
                            "table",
                            &prom_ds,
                            "time() - pg_backup_last_success".into(),
                        )
                        .instant()
                        .unit("s")
                        .legend("{{job}} {{database}}"),
                    );
                }
                let rclone: Vec<&str> = backups
                    .iter()
                    .filter(|b| b.kind == "rclone")
                    .map(|b| b.name.as_str())
                    .collect();
                if !rclone.is_empty() {
                    panels.push(PanelSpec::new("Time since the last rclone sync", "table", &prom_ds, format!("time() - kube_cronjob_status_last_successful_time{{cronjob=~\"{}\"}}", rclone.join("|"))).instant().unit("s").legend("{{cronjob}}"));
                }
                if backups.iter().any(|b| b.kind == "longhorn") {
                    panels.push(PanelSpec::new(
                        "Longhorn backups in error",
                        "stat",
                        &prom_ds,
                        "count(longhorn_backup_state == 4) or vector(0)".into(),
                    ));
                }
                ("hearth-backups", "Backups")
            }
        };
        for p in &panels {
            let lang = if p.datasource.1 == "loki" {
                Lang::Logql
            } else {
                Lang::Promql
            };
            c.query(
                lang,
                &p.query,
                format!("panel `{}` of dashboard `{title}`", p.title),
                span.clone(),
            );
        }
        boards.push((uid.to_string(), dashboards::dashboard(uid, title, &panels)));
    }
    for (uid, d) in &raw.dashboards {
        let mut panels = Vec::new();
        for p in &d.get_ref().panels {
            let pr = p.get_ref();
            let ds = match &pr.datasource {
                Some(u) => match datasources.iter().find(|x| x.uid == u.get_ref().as_str()) {
                    Some(x) => (x.uid.clone(), x.kind),
                    None => {
                        let known: Vec<&str> = datasources.iter().map(|x| x.uid.as_str()).collect();
                        let help =
                            crate::diag::closest(u.get_ref().as_str(), known.iter().copied())
                                .map_or_else(
                                    || format!("datasources: {}", known.join(", ")),
                                    |k| format!("did you mean `{k}`?"),
                                );
                        c.err(
                            format!("datasource `{}` is not declared", u.get_ref()),
                            u.span(),
                            "unknown datasource uid",
                            help,
                        );
                        continue;
                    }
                },
                None => prom_ds.clone(),
            };
            let lang = if ds.1 == "loki" {
                Lang::Logql
            } else {
                Lang::Promql
            };
            c.query(
                lang,
                pr.query.get_ref(),
                format!("panel `{}` of dashboard `{uid}`", pr.title),
                pr.query.span(),
            );
            let kind = match pr.kind {
                PanelKind::Timeseries => "timeseries",
                PanelKind::Table => "table",
                PanelKind::Stat => "stat",
                PanelKind::Logs => "logs",
            };
            let mut spec = PanelSpec::new(&pr.title, kind, &ds, pr.query.get_ref().clone());
            if let Some(l) = &pr.legend {
                spec = spec.legend(l);
            }
            panels.push(spec);
        }
        boards.push((
            uid.to_string(),
            dashboards::dashboard(uid.as_str(), &d.get_ref().title, &panels),
        ));
    }

    // What the site produces.
    let mut catalog = Catalog {
        pipeline_prefix: pipeline.as_ref().map(|p| p.prefix.clone()),
        ..Catalog::default()
    };
    if let Some(p) = &pipeline {
        for ctr in &p.counters {
            catalog.add_exact(&format!("{}{}", p.prefix, ctr.0), "the log pipeline");
        }
    }
    if prom.is_some() {
        for f in [
            "up",
            "scrape_duration_seconds",
            "scrape_samples_scraped",
            "ALERTS",
            "ALERTS_FOR_STATE",
        ] {
            catalog.add_exact(f, "Prometheus");
        }
        for f in ["go_", "process_", "promhttp_"] {
            catalog.add_family(f, "every Go exporter");
        }
    }
    for s in services.values() {
        if let Some(h) = &s.helm {
            catalog.add_chart(&h.chart, &format!("service `{}`", s.name));
        }
        for w in &s.workloads {
            catalog.add_image(&w.container.image, &format!("service `{}`", s.name));
            for name in &w.produces {
                if let Some(prefix) = name.strip_suffix('*') {
                    catalog.add_family(prefix, &format!("workload `{}/{}`", s.name, w.name));
                } else {
                    catalog.add_exact(name, &format!("workload `{}/{}`", s.name, w.name));
                }
            }
        }
    }
    for b in backups.iter().filter(|b| b.kind == "pg-backup") {
        catalog.add_exact("pg_backup_last_success", &format!("pg-backup `{}`", b.name));
        catalog.add_exact("pg_backup_last_failure", &format!("pg-backup `{}`", b.name));
    }

    // Files and chart values.
    let mut files = BTreeMap::new();
    let yaml = |v: &Value| Doc::Yaml(v.clone());
    let ds_doc = json!({
        "apiVersion": 1,
        "datasources": datasources.iter().map(|d| json!({
            "name": d.uid,
            "uid": d.uid,
            "type": d.kind,
            "url": d.url,
            "access": "proxy",
            "isDefault": d.default && d.kind == "prometheus",
        })).collect::<Vec<_>>(),
    });
    let provider = json!({
        "apiVersion": 1,
        "providers": [{
            "name": "hearth",
            "folder": "hearth",
            "type": "file",
            "disableDeletion": true,
            "allowUiUpdates": false,
            "options": { "path": "/var/lib/grafana/dashboards/hearth" },
        }],
    });
    let contact_doc = json!({ "apiVersion": 1, "contactPoints": receivers });
    let policy_doc = json!({
        "apiVersion": 1,
        "policies": [{
            "orgId": 1,
            "receiver": m.notify.get_ref().as_str(),
            "group_by": ["grafana_folder", "alertname"],
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "4h",
        }],
    });
    let prom_uid = prom.as_ref().map_or("prometheus", |p| p.0.as_str());
    let rules_doc = alerts::grafana_rules(&alerts, prom_uid, "hearth");
    files.insert("grafana/datasources.yaml".into(), yaml(&ds_doc));
    files.insert("grafana/dashboards.yaml".into(), yaml(&provider));
    files.insert(
        "grafana/alerting/contact-points.yaml".into(),
        yaml(&contact_doc),
    );
    files.insert("grafana/alerting/policies.yaml".into(), yaml(&policy_doc));
    files.insert("grafana/alerting/rules.yaml".into(), yaml(&rules_doc));
    let mut board_values = serde_json::Map::new();
    for (uid, d) in &boards {
        let text = serde_json::to_string_pretty(d).expect("serialises") + "\n";
        files.insert(
            format!("grafana/dashboards/{uid}.json"),
            Doc::Text(text.clone()),
        );
        board_values.insert(uid.clone(), json!({ "json": text }));
    }
    files.insert(
        "alerts.rules.yaml".into(),
        yaml(&alerts::prometheus_rules(&alerts)),
    );
    files.insert(
        "alerts.test.yaml".into(),
        yaml(&alerts::promtool_tests(&alerts, "alerts.rules.yaml")),
    );
    if let Some(p) = &pipeline {
        files.insert("promtail.yaml".into(), yaml(&pipeline::promtail(p)));
        files.insert("config.alloy".into(), Doc::Text(pipeline::alloy(p)));
        files.insert("exporter.yaml".into(), yaml(&pipeline::exporter(p)));
    }
    let grafana_values = json!({
        "datasources": { "datasources.yaml": ds_doc },
        "dashboardProviders": { "dashboardproviders.yaml": provider },
        "dashboards": { "hearth": board_values },
        "alerting": {
            "contactpoints.yaml": contact_doc,
            "policies.yaml": policy_doc,
            "rules.yaml": rules_doc,
        },
        "envValueFrom": env,
    });

    let queries = std::mem::take(&mut c.queries);
    Some(PMonitoring {
        grafana: m.grafana.get_ref().clone(),
        datasources,
        alerts,
        pipeline,
        queries,
        cardinality,
        max_series: m.max_series,
        watches,
        files,
        grafana_values,
        catalog,
        span,
    })
}

/// Put monitoring into the services: the Grafana chart's values (under the
/// site's own, which win) and which generated files ConfigMaps carry.
pub fn apply(
    raw: &RawSite,
    src: &SourceFile,
    mon: Option<&PMonitoring>,
    services: &mut BTreeMap<ServiceName, PService>,
    errs: &mut Errors,
) {
    if let Some(m) = mon
        && let Some(h) = services.get_mut(&m.grafana).and_then(|s| s.helm.as_mut())
    {
        let mut v = m.grafana_values.clone();
        crate::plan::helm::deep_merge(&mut v, &h.values);
        h.values = v;
    }
    for (sname, svc) in &raw.services {
        for (cname, cm) in &svc.get_ref().config_maps {
            for g in &cm.generated {
                let file = g.get_ref();
                if !mon.is_some_and(|m| m.files.contains_key(file.as_str())) {
                    let help = if mon.is_some_and(|m| m.pipeline.is_some())
                        || !CARRIABLE.contains(&file.as_str())
                    {
                        crate::diag::closest(file, CARRIABLE).map_or_else(
                            || format!("a ConfigMap can carry {}", CARRIABLE.join(", ")),
                            |k| format!("did you mean `{k}`?"),
                        )
                    } else {
                        "these files come from `[monitoring.logs]`: declare the pipeline"
                            .to_string()
                    };
                    errs.push(
                        InputError::new(
                            "hearth::monitoring",
                            format!("`{file}` is not a generated monitoring file"),
                        )
                        .in_file(src)
                        .label(g.span(), "nothing generates this")
                        .help(help),
                    );
                    continue;
                }
                if cm.data.keys().any(|k| k.as_str() == file.as_str()) {
                    errs.push(
                        InputError::new("hearth::monitoring", format!("ConfigMap `{cname}` has `{file}` both in `data` and in `generated`"))
                            .in_file(src)
                            .label(g.span(), "also written by hand")
                            .help("remove the hand-written copy: hearth generates it from [monitoring.logs]"),
                    );
                    continue;
                }
                if let Some(pc) = services
                    .get_mut(sname)
                    .and_then(|s| s.config_maps.iter_mut().find(|c| c.name == *cname))
                {
                    // The render stage lays the file out and puts it in.
                    pc.generated.push(file.clone());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(camel("immich-photos"), "ImmichPhotos");
        assert_eq!(camel("a--b"), "AB");
        assert_eq!(period_secs("0 3 * * *"), 86_400);
        assert_eq!(period_secs("0 3 * * 0"), 7 * 86_400);
        assert_eq!(period_secs("*/5 * * * *"), 3_600);
        assert_eq!(human(108_000), "30h");
        assert_eq!(num(1000.0), "1000");
        assert_eq!(num(0.5), "0.5");
        assert_eq!(horizon("7m", "0m"), (30, "20m".to_string()));
        assert_eq!(horizon("10m", "5m"), (35, "25m".to_string()));
    }
}
