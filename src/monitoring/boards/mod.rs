//! Dashboards: the built-in ones, each from what the site declares, and the
//! site's own. Every query is checked (PromQL or LogQL by its datasource).

use serde_json::Value;

use super::context::{Ctx, counter_with};
use super::dashboards::{self, PanelSpec};
use super::datasources::default_of;
use super::pipeline::Pipeline;
use super::{Datasource, Lang};
use crate::plan::{BackupKind, Capability, Plan};
use crate::site::model::{BuiltinDashboard, Monitoring, PanelKind};

mod health;

type Ds = (String, &'static str);

/// Every dashboard as (uid, dashboard JSON).
pub(super) fn dashboards(
    c: &mut Ctx,
    m: &Monitoring,
    pipeline: Option<&Pipeline>,
    datasources: &[Datasource],
    span: std::ops::Range<usize>,
) -> Vec<(String, Value)> {
    let mut boards: Vec<(String, Value)> = Vec::new();
    let prom_ds = default_of(datasources, "prometheus")
        .unwrap_or_else(|| ("prometheus".into(), "prometheus"));
    let loki = default_of(datasources, "loki");
    let mut wanted = m.dashboards.clone();
    wanted.sort();
    wanted.dedup();
    for d in wanted {
        let plan = c.plan;
        let (uid, title, panels) = match d {
            BuiltinDashboard::Traffic => ("hearth-traffic", "Traffic", traffic(pipeline, &prom_ds)),
            BuiltinDashboard::Waf => (
                "hearth-waf",
                "WAF",
                waf(plan, pipeline, &prom_ds, loki.as_ref()),
            ),
            BuiltinDashboard::Cluster => ("hearth-cluster", "Cluster", cluster(plan, &prom_ds)),
            BuiltinDashboard::Backups => ("hearth-backups", "Backups", backups(plan, &prom_ds)),
            BuiltinDashboard::Nodes => ("hearth-nodes", "Nodes", health::nodes(plan, &prom_ds)),
            BuiltinDashboard::Storage => {
                ("hearth-storage", "Storage", health::storage(plan, &prom_ds))
            }
            BuiltinDashboard::Certificates => (
                "hearth-certificates",
                "Certificates",
                health::certificates(plan, &prom_ds),
            ),
            BuiltinDashboard::Services => (
                "hearth-services",
                "Services",
                health::services(plan, &prom_ds),
            ),
        };
        // The health dashboards draw only what the site runs: none is better than an empty one.
        if panels.is_empty() && d.from_what_runs() {
            continue;
        }
        for p in &panels {
            c.query(
                lang_of(&p.datasource),
                &p.query,
                format!("panel `{}` of dashboard `{title}`", p.title),
                span.clone(),
            );
        }
        boards.push((uid.to_string(), dashboards::dashboard(uid, title, &panels)));
    }
    boards.extend(site_dashboards(c, datasources, &prom_ds));
    boards
}

fn lang_of(ds: &Ds) -> Lang {
    if ds.1 == "loki" {
        Lang::Logql
    } else {
        Lang::Promql
    }
}

fn traffic(pipeline: Option<&Pipeline>, prom_ds: &Ds) -> Vec<PanelSpec> {
    let mut panels = Vec::new();
    if let Some(p) = pipeline {
        if let Some(mt) = counter_with(p, &["client_ip"]) {
            panels.push(
                PanelSpec::new(
                    "Requests by client IP",
                    "timeseries",
                    prom_ds,
                    dashboards::requests_by_ip(&mt),
                )
                .legend("{{client_ip}}")
                .wide(),
            );
            if p.geoip.is_some() {
                panels.push(
                    PanelSpec::new("Where requests come from (last hour)", "geomap", prom_ds, format!("sum by (geoip_location_latitude, geoip_location_longitude) (increase({mt}[1h])) > 0")).instant(),
                );
            }
        }
        if let Some(mt) = counter_with(p, &["namespace", "status"]) {
            panels.push(
                PanelSpec::new(
                    "Requests by namespace and status",
                    "timeseries",
                    prom_ds,
                    format!("sum by (namespace, status) (rate({mt}[5m]))"),
                )
                .legend("{{namespace}} {{status}}")
                .unit("reqps"),
            );
        }
    }
    panels
}

fn waf(
    plan: &Plan,
    pipeline: Option<&Pipeline>,
    prom_ds: &Ds,
    loki: Option<&Ds>,
) -> Vec<PanelSpec> {
    let ingress_ns = plan
        .provider(Capability::Ingress)
        .map_or_else(|| "ingress-nginx".to_string(), |s| s.namespace.to_string());
    let mut panels = Vec::new();
    if let Some(l) = loki {
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
    if let Some(mt) = pipeline.and_then(|p| counter_with(p, &["namespace", "status"])) {
        panels.push(
            PanelSpec::new(
                "Forbidden (403) by namespace",
                "timeseries",
                prom_ds,
                format!("sum by (namespace) (increase({mt}{{status=\"403\"}}[5m]))"),
            )
            .legend("{{namespace}}"),
        );
    }
    panels
}

fn cluster(plan: &Plan, prom_ds: &Ds) -> Vec<PanelSpec> {
    let has_image = |frag: &str| {
        plan.services
            .iter()
            .any(|s| s.workloads.iter().any(|w| w.container.image.contains(frag)))
    };
    let mut panels = Vec::new();
    panels.push(
        PanelSpec::new(
            "Pod restarts (last hour)",
            "timeseries",
            prom_ds,
            "sum by (namespace, pod) (increase(kube_pod_container_status_restarts_total[1h])) > 0"
                .into(),
        )
        .legend("{{namespace}}/{{pod}}"),
    );
    if has_image("pi-metrics") {
        panels.push(
            PanelSpec::new(
                "Node temperature",
                "timeseries",
                prom_ds,
                "pi_temperature".into(),
            )
            .legend("{{name}}")
            .unit("celsius"),
        );
    }
    panels
}

fn backups(plan: &Plan, prom_ds: &Ds) -> Vec<PanelSpec> {
    let backups = &plan.backups;
    let mut panels = Vec::new();
    if backups.iter().any(|b| b.kind == BackupKind::PgBackup) {
        panels.push(
            PanelSpec::new(
                "Time since the last pg-backup dump",
                "table",
                prom_ds,
                "time() - pg_backup_last_success".into(),
            )
            .instant()
            .unit("s")
            .legend("{{job}} {{database}}"),
        );
    }
    let rclone: Vec<&str> = backups
        .iter()
        .filter(|b| b.kind == BackupKind::Rclone)
        .map(|b| b.name.as_str())
        .collect();
    if !rclone.is_empty() {
        panels.push(
            PanelSpec::new(
                "Time since the last rclone sync",
                "table",
                prom_ds,
                format!(
                    "time() - kube_cronjob_status_last_successful_time{{cronjob=~\"{}\"}}",
                    rclone.join("|")
                ),
            )
            .instant()
            .unit("s")
            .legend("{{cronjob}}"),
        );
    }
    let jobs: Vec<&str> = backups
        .iter()
        .filter(|b| {
            matches!(
                b.kind,
                BackupKind::Dump | BackupKind::Restic | BackupKind::Job
            )
        })
        .map(|b| b.name.as_str())
        .collect();
    if !jobs.is_empty() {
        panels.push(
            PanelSpec::new(
                "Time since the last dump, restic or job backup",
                "table",
                prom_ds,
                format!(
                    "time() - kube_cronjob_status_last_successful_time{{cronjob=~\"{}\"}}",
                    jobs.join("|")
                ),
            )
            .instant()
            .unit("s")
            .legend("{{cronjob}}"),
        );
    }
    if let Some(p) = longhorn_backup_age(plan, prom_ds) {
        panels.push(p);
    }
    if backups.iter().any(|b| b.kind == BackupKind::Longhorn) {
        panels.push(PanelSpec::new(
            "Longhorn backups in error",
            "stat",
            prom_ds,
            "count(longhorn_backup_state == 4) or vector(0)".into(),
        ));
    }
    panels
}

/// Each volume a Longhorn backup covers, with the time since its job last
/// succeeded: Longhorn runs a RecurringJob as a CronJob of the same name in
/// its own namespace, and that Job fails when a volume's backup fails (see
/// the Longhorn backup alerts), so the CronJob's last success is the
/// volume's last backup.
fn longhorn_backup_age(plan: &Plan, prom_ds: &Ds) -> Option<PanelSpec> {
    let ns = plan.provider(Capability::Longhorn).map_or_else(
        || "longhorn-system".to_string(),
        |s| s.namespace.to_string(),
    );
    let parts: Vec<String> = plan
        .backups
        .iter()
        .filter(|b| b.kind == BackupKind::Longhorn)
        .flat_map(|b| b.volumes.iter().map(move |v| (b, v)))
        .map(|(b, v)| {
            format!(
                "label_replace(time() - kube_cronjob_status_last_successful_time{{namespace=\"{ns}\", cronjob=\"{}\"}}, \"volume\", \"{v}\", \"\", \"\")",
                b.name
            )
        })
        .collect();
    if parts.is_empty() {
        return None;
    }
    let spec = PanelSpec::new(
        "Time since each volume's last Longhorn backup",
        "table",
        prom_ds,
        parts.join(" or "),
    );
    Some(spec.instant().unit("s").legend("{{volume}}"))
}

/// The site's own `[dashboards.uid]`.
fn site_dashboards(c: &mut Ctx, datasources: &[Datasource], prom_ds: &Ds) -> Vec<(String, Value)> {
    let mut boards = Vec::new();
    for (uid, d) in &c.raw.dashboards {
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
    boards
}
