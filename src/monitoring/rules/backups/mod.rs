//! Backup alerts: failure and staleness per backup (pg-backup from its own
//! metrics; rclone, dump, restic, job and Longhorn RecurringJobs from their
//! CronJobs). Each alert
//! is recorded against the backup it watches.

use std::collections::BTreeMap;

use super::super::alerts::{AlertRule, Case};
use super::super::context::{Ctx, camel, human, labels, selector, selector_of};
use super::{Common, Draft, Tuned};
use crate::plan::{Backup, BackupKind, Capability, Plan};
use crate::site::model::AlertSeverity;
use crate::site::values::Cron as Schedule;

mod pg_backup;
use pg_backup::pg_backup;

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
    fn of(schedule: &Schedule) -> Self {
        let period = schedule.longest_gap().as_secs();
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
    fn rule(&self, d: Draft, anchor: &str, cases: Vec<Case>) -> AlertRule {
        AlertRule {
            name: d.name,
            group: d.group.into(),
            expr: d.expr,
            for_: self.t.for_.clone(),
            severity: AlertSeverity::Critical,
            summary: d.summary,
            description: d.description,
            runbook: Some(format!("{}#{anchor}", self.runbook)),
            notify: None,
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
    for b in &c.plan.backups {
        let rules = match b.kind {
            BackupKind::PgBackup => pg_backup(&mk, b),
            _ => cronjob_backup(&mk, c.plan, b),
        };
        watches.insert(
            b.name.to_string(),
            rules.iter().map(|r| r.name.clone()).collect(),
        );
        out.extend(rules);
    }
    (out, watches)
}

/// Runbook anchors of the sections restoring each CronJob kind hearth renders.
pub const DUMP_ANCHOR: &str = "6b-restore-databases-from-engine-dumps";
pub const RESTIC_ANCHOR: &str = "7b-restore-volumes-from-restic";
pub const JOB_ANCHOR: &str = "7c-restore-volumes-from-your-own-backup-jobs";
const RCLONE_ANCHOR: &str = "7-restore-synced-folders-rclone";
const LONGHORN_ANCHOR: &str = "5-sync-longhorn-and-restore-volumes";

/// Backups run by a CronJob named after the backup: rclone syncs run in the
/// namespace of the folders they sync; dump, restic and job backups in the
/// namespace they run in; restic's `check` CronJob also alerts on failure.
///
/// Longhorn runs a RecurringJob as a CronJob of the same name in its own
/// namespace, and the Job fails when a volume's backup fails (longhorn-manager
/// v1.6.2 controller/recurring_job_controller.go:477-482,
/// app/recurring_job.go:146-151,190-199). `longhorn_backup_state` stays Error
/// for a failed backup object after later successes, so it is not used.
fn cronjob_backup(mk: &Mk, plan: &Plan, b: &Backup) -> Vec<AlertRule> {
    let job = b.name.as_str();
    let own = b.namespace.as_ref().map(ToString::to_string);
    let (prefix, noun, anchor, ns) = match b.kind {
        BackupKind::Rclone => {
            let ns = b
                .volumes
                .first()
                .and_then(|v| v.split_once('/'))
                .and_then(|(svc, _)| plan.service(svc))
                .map(|s| s.namespace.to_string());
            ("RcloneSync", "rclone sync", RCLONE_ANCHOR, ns)
        }
        BackupKind::Longhorn => {
            let ns = plan.provider(Capability::Longhorn).map_or_else(
                || "longhorn-system".to_string(),
                |s| s.namespace.to_string(),
            );
            (
                "LonghornBackup",
                "Longhorn backup job",
                LONGHORN_ANCHOR,
                Some(ns),
            )
        }
        BackupKind::Dump => ("DumpBackup", "database dump", DUMP_ANCHOR, own),
        BackupKind::Restic => ("ResticBackup", "restic backup", RESTIC_ANCHOR, own),
        BackupKind::Job | BackupKind::PgBackup => ("JobBackup", "backup job", JOB_ANCHOR, own),
    };
    let what = format!("{noun} `{job}`");
    let ns = ns.unwrap_or_else(|| job.to_string());
    let cj = CronJobRef {
        prefix,
        ns: &ns,
        cronjob: job,
        what: &what,
        anchor,
    };
    let mut rules = cronjob_alerts(mk, &cj, b);
    if let (BackupKind::Restic, Some(schedule)) = (b.kind, &b.check) {
        // The check has its own schedule: stale past that period, like the
        // backup is past its own (a check that stopped running finds nothing).
        let check = format!("{job}-check");
        let cj = CronJobRef {
            prefix: "ResticCheck",
            cronjob: &check,
            what: &format!("restic check of `{job}`"),
            ..cj
        };
        let s = series(&ns, &check);
        rules.push(cronjob_failed(mk, &cj, &s));
        rules.push(cronjob_stale(mk, &cj, &s, schedule));
    }
    rules
}

/// A backup run by a CronJob: alert name prefix, namespace, CronJob name, how
/// messages call it, and its runbook anchor.
struct CronJobRef<'a> {
    prefix: &'a str,
    ns: &'a str,
    cronjob: &'a str,
    what: &'a str,
    anchor: &'a str,
}

/// Failure and staleness of a backup run by a CronJob, from kube-state-metrics
/// v2.12.0 (the prometheus chart's subchart 5.21.0): `kube_job_created`,
/// `kube_job_status_failed` (labels namespace, job_name; internal/store/job.go:41,108,204),
/// `kube_cronjob_created`, `kube_cronjob_status_last_successful_time` (labels
/// namespace, cronjob; cronjob.go:43,111,172).
/// A failed Job stays for the CronJob's `failedJobsHistoryLimit`, so a
/// failure counts only while it is newer than the last success; a CronJob that
/// never succeeded is stale once it is older than one period.
fn cronjob_alerts(mk: &Mk, cj: &CronJobRef, b: &Backup) -> Vec<AlertRule> {
    let s = series(cj.ns, cj.cronjob);
    vec![
        cronjob_failed(mk, cj, &s),
        cronjob_stale(mk, cj, &s, &b.schedule),
    ]
}

fn series(ns: &str, cronjob: &str) -> CronJobSeries {
    CronJobSeries {
        last: selector(
            "kube_cronjob_status_last_successful_time",
            &[("namespace", ns), ("cronjob", cronjob)],
        ),
        created: selector(
            "kube_cronjob_created",
            &[("namespace", ns), ("cronjob", cronjob)],
        ),
        who: labels(&[("namespace", ns), ("cronjob", cronjob)]),
    }
}

/// The CronJob's own series, and the labels of its alerts.
struct CronJobSeries {
    last: String,
    created: String,
    who: BTreeMap<String, String>,
}

fn case(series: Vec<(String, String)>, fires: Option<BTreeMap<String, String>>) -> Case {
    Case::minutely(series, "10m", fires)
}

fn cronjob_failed(mk: &Mk, cj: &CronJobRef, s: &CronJobSeries) -> AlertRule {
    let CronJobRef { ns, cronjob, .. } = *cj;
    let jobs = format!("namespace=\"{ns}\", job_name=~\"{cronjob}-[0-9]+\"");
    let failed_at = format!(
        "max by (namespace) (kube_job_created{{{jobs}}} * on (namespace, job_name) (max by (namespace, job_name) (kube_job_status_failed{{{jobs}}}) > bool 0))"
    );
    let job_labels = |n: u32| labels(&[("namespace", ns), ("job_name", &format!("{cronjob}-{n}"))]);
    // Job `n`: when it was created and whether it failed.
    let run = |n: u32, created: &str, failed: &str| {
        [
            (
                selector_of("kube_job_created", &job_labels(n)),
                created.to_string(),
            ),
            (
                selector_of("kube_job_status_failed", &job_labels(n)),
                failed.to_string(),
            ),
        ]
    };
    let last = |v: &str| (s.last.clone(), v.to_string());
    let ns_only = Some(labels(&[("namespace", ns)]));
    let draft = Draft {
        name: format!("{}Failed{}", cj.prefix, camel(cronjob)),
        group: "backups",
        expr: format!(
            "{failed_at} > (max by (namespace) ({}) or {failed_at} * 0)",
            s.last
        ),
        summary: format!("{} failed", cj.what),
        description: format!(
            "Its newest failed run started after its last success (`kubectl get jobs -n {ns}`)."
        ),
    };
    let cases = vec![
        // failed after the last success
        case(
            [&run(1, "2000x20", "1x20")[..], &[last("1000x20")]].concat(),
            ns_only.clone(),
        ),
        // failed, then a later run succeeded: the failed Job is still there
        case(
            [
                &run(1, "1000x20", "1x20")[..],
                &run(2, "2000x20", "0x20"),
                &[last("2100x20")],
            ]
            .concat(),
            None,
        ),
        // failed, and never succeeded
        case(run(1, "1000x20", "1x20").to_vec(), ns_only),
        // running or succeeded runs only
        case(run(1, "1000x20", "0x20").to_vec(), None),
    ];
    mk.rule(draft, cj.anchor, cases)
}

/// The CronJob has not succeeded for longer than `schedule`'s longest gap
/// and some slack.
fn cronjob_stale(mk: &Mk, cj: &CronJobRef, s: &CronJobSeries, schedule: &Schedule) -> AlertRule {
    let Staleness { stale, old, .. } = Staleness::of(schedule);
    let CronJobSeries { last, created, who } = s;
    let draft = Draft {
        name: format!("{}Stale{}", cj.prefix, camel(cj.cronjob)),
        group: "backups",
        expr: format!(
            "time() - {last} > {stale} or (time() - {created} > {stale} unless on (namespace, cronjob) {last})"
        ),
        summary: format!("{} has not succeeded recently", cj.what),
        description: format!(
            "No successful run for more than {} (schedule `{}`).",
            human(stale),
            schedule
        ),
    };
    let at = |sel: &String, v: &str| (sel.clone(), v.to_string());
    let cases = vec![
        case(vec![at(last, &old), at(created, &old)], Some(who.clone())),
        case(vec![at(last, "0+60x20"), at(created, &old)], None),
        // never succeeded, created long ago
        case(vec![at(created, &old)], Some(who.clone())),
        // never succeeded, created just now (its first run is still ahead)
        case(vec![at(created, "0x20")], None),
    ];
    mk.rule(draft, cj.anchor, cases)
}
