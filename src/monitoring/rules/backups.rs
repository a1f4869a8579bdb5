//! Backup alerts: failure and staleness per pg-backup and rclone job, one
//! failure alert for all Longhorn backups (Longhorn reports per backup, not per
//! RecurringJob). Each alert is recorded against the backups it watches.

use std::collections::BTreeMap;

use super::super::alerts::{AlertRule, Case};
use super::super::context::{Ctx, camel, human, labels, selector, selector_of};
use super::{Common, Tuned};
use crate::plan::{Backup, BackupKind, Plan};
use crate::site::model::AlertSeverity;

/// One backup's staleness bound and the test series around it.
struct Staleness {
    /// Seconds without a success before the alert fires.
    stale: u64,
    /// A last success long before the test's start (so cases stay minutes long
    /// whatever the schedule), and a recent one.
    old: String,
    fresh: String,
    at: String,
}

impl Staleness {
    fn of(b: &Backup) -> Self {
        let period = b.schedule.longest_gap().as_secs();
        let stale = period + (period / 4).max(3_600);
        Self {
            stale,
            old: format!("-{}x20", stale + 3_600),
            fresh: "0+60x20".to_string(),
            at: "10m".to_string(),
        }
    }
}

/// Builds a backup rule: critical, with a runbook anchor.
struct Mk<'a> {
    t: &'a Tuned,
    common: &'a Common,
    runbook: &'a str,
}

impl Mk<'_> {
    fn rule(
        &self,
        name: String,
        expr: String,
        summary: String,
        description: String,
        anchor: &str,
        cases: Vec<Case>,
    ) -> AlertRule {
        AlertRule {
            name,
            group: "backups".into(),
            expr,
            for_: self.t.for_.clone(),
            severity: AlertSeverity::Critical,
            summary,
            description,
            runbook: Some(format!("{}#{anchor}", self.runbook)),
            notify: self.common.notify.clone(),
            cases,
            span: self.common.span.clone(),
        }
    }
}

pub(super) fn alerts(
    c: &mut Ctx,
    t: &Tuned,
    common: &Common,
    runbook: &str,
) -> (Vec<AlertRule>, BTreeMap<String, Vec<String>>) {
    let mk = Mk { t, common, runbook };
    let mut out = Vec::new();
    let mut watches: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut longhorn = Vec::new();
    for b in &c.plan.backups {
        let rules = match b.kind {
            BackupKind::PgBackup => pg_backup(&mk, b),
            BackupKind::Rclone => rclone(&mk, c.plan, b),
            BackupKind::Longhorn => {
                longhorn.push(b.name.to_string());
                Vec::new()
            }
        };
        watches.insert(
            b.name.to_string(),
            rules.iter().map(|r| r.name.clone()).collect(),
        );
        out.extend(rules);
    }
    if !longhorn.is_empty() {
        let rule = longhorn_failed(&mk);
        for name in longhorn {
            watches.entry(name).or_default().push(rule.name.clone());
        }
        out.push(rule);
    }
    (out, watches)
}

fn pg_backup(mk: &Mk, b: &Backup) -> Vec<AlertRule> {
    let Staleness {
        stale,
        old,
        fresh,
        at,
    } = Staleness::of(b);
    let job = b.name.as_str();
    let mut out = Vec::new();
    let db = b
        .databases
        .first()
        .and_then(|d| d.split_once('/'))
        .map_or("db", |(_, d)| d)
        .to_string();
    let sel = |m: &str| selector(m, &[("job", job), ("database", &db)]);
    let who = labels(&[("job", job), ("database", &db)]);
    out.push(mk.rule(
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
    out.push(mk.rule(
        format!("PgBackupStale{}", camel(job)),
        format!("time() - pg_backup_last_success{{job=\"{job}\"}} > {stale}"),
        "pg-backup `".to_string() + job + "` has not succeeded for {{ $labels.database }} recently",
        format!(
            "No successful dump of {{{{ $labels.database }}}} for more than {} (schedule `{}`).",
            human(stale),
            b.schedule
        ),
        "6-restore-databases-from-pg-backup-dumps",
        vec![
            Case {
                interval: "1m",
                series: vec![(sel("pg_backup_last_success"), old.clone())],
                eval_time: at.clone(),
                fires: Some(who),
            },
            Case {
                interval: "1m",
                series: vec![(sel("pg_backup_last_success"), fresh.clone())],
                eval_time: at.clone(),
                fires: None,
            },
        ],
    ));
    out.push(mk.rule(
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
    out
}

fn rclone(mk: &Mk, plan: &Plan, b: &Backup) -> Vec<AlertRule> {
    let Staleness {
        stale,
        old,
        fresh,
        at,
    } = Staleness::of(b);
    let job = b.name.as_str();
    let mut out = Vec::new();
    let ns = b
        .volumes
        .first()
        .and_then(|v| v.split_once('/'))
        .and_then(|(svc, _)| plan.service(svc))
        .map_or_else(|| job.to_string(), |s| s.namespace.to_string());
    let failed = labels(&[("namespace", &ns), ("job_name", &format!("{job}-29000000"))]);
    out.push(mk.rule(
        format!("RcloneSyncFailed{}", camel(job)),
        format!("kube_job_status_failed{{namespace=\"{ns}\", job_name=~\"{job}-.*\"}} > 0"),
        "rclone sync `".to_string() + job + "` failed",
        "Job {{ $labels.job_name }} failed: the folder's copy is not being updated.".into(),
        "7-restore-synced-folders-rclone",
        vec![
            Case {
                interval: "1m",
                series: vec![(
                    selector_of("kube_job_status_failed", &failed),
                    "1x30".into(),
                )],
                eval_time: "10m".into(),
                fires: Some(failed.clone()),
            },
            Case {
                interval: "1m",
                series: vec![(
                    selector_of("kube_job_status_failed", &failed),
                    "0x30".into(),
                )],
                eval_time: "10m".into(),
                fires: None,
            },
        ],
    ));
    let who = labels(&[("namespace", &ns), ("cronjob", job)]);
    out.push(mk.rule(
            format!("RcloneSyncStale{}", camel(job)),
            format!("time() - kube_cronjob_status_last_successful_time{{namespace=\"{ns}\", cronjob=\"{job}\"}} > {stale}"),
            "rclone sync `".to_string() + job + "` has not succeeded recently",
            format!("No successful run for more than {} (schedule `{}`).", human(stale), b.schedule),
            "7-restore-synced-folders-rclone",
            vec![
                Case { interval: "1m", series: vec![(selector_of("kube_cronjob_status_last_successful_time", &who), old.clone())], eval_time: at.clone(), fires: Some(who.clone()) },
                Case { interval: "1m", series: vec![(selector_of("kube_cronjob_status_last_successful_time", &who), fresh.clone())], eval_time: at, fires: None },
            ],
        ));
    out
}

fn longhorn_failed(mk: &Mk) -> AlertRule {
    let who = labels(&[("volume", "pvc-0001"), ("backup", "backup-0001")]);
    mk.rule(
        "LonghornBackupFailed".into(),
        "longhorn_backup_state == 4".into(),
        "Longhorn backup {{ $labels.backup }} failed".into(),
        "The backup of volume {{ $labels.volume }} is in state Error; check the backup target and its credentials.".into(),
        "5-sync-longhorn-and-restore-volumes",
        vec![
            Case { interval: "1m", series: vec![(selector_of("longhorn_backup_state", &who), "4x30".into())], eval_time: "10m".into(), fires: Some(who.clone()) },
            Case { interval: "1m", series: vec![(selector_of("longhorn_backup_state", &who), "3x30".into())], eval_time: "10m".into(), fires: None },
        ],
    )
}
