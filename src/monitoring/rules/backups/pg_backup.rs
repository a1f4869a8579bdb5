//! pg-backup's alerts: a failed dump, no success within the schedule's
//! period, and no report at all (read from its Pushgateway metrics).

use super::super::super::alerts::{AlertRule, Case};
use super::super::super::context::{camel, human, labels, selector};
use super::super::Draft;
use super::{Mk, Staleness};
use crate::plan::Backup;

const PG_ANCHOR: &str = "6-restore-databases-from-pg-backup-dumps";

pub(super) fn pg_backup(mk: &Mk, b: &Backup) -> Vec<AlertRule> {
    let Staleness {
        stale,
        old,
        fresh,
        at,
    } = Staleness::of(&b.schedule);
    let job = b.name.as_str();
    let db = b
        .databases
        .first()
        .and_then(|d| d.split_once('/'))
        .map_or("db", |(_, d)| d)
        .to_string();
    let sel = |m: &str| selector(m, &[("job", job), ("database", &db)]);
    let who = labels(&[("job", job), ("database", &db)]);
    let draft = |kind: &str, expr: String, summary: &str, description: String| {
        pg_draft(job, kind, expr, summary, description)
    };
    let times = |failure: &str, success: &str| {
        vec![
            (sel("pg_backup_last_failure"), failure.to_string()),
            (sel("pg_backup_last_success"), success.to_string()),
        ]
    };
    let success = |values: &str| vec![(sel("pg_backup_last_success"), values.to_string())];
    let failed = mk.rule(
        draft(
            "Failed",
            format!("pg_backup_last_failure{{job=\"{job}\"}} > pg_backup_last_success{{job=\"{job}\"}}"),
            "failed for {{ $labels.database }}",
            "The last dump of {{ $labels.database }} failed after the last success; the dumps are getting old.".into(),
        ),
        PG_ANCHOR,
        vec![
            Case::minutely(times("1200x20", "600x20"), "10m", Some(who.clone())),
            Case::minutely(times("600x20", "1200x20"), "10m", None),
        ],
    );
    let stale_alert = mk.rule(
        draft(
            "Stale",
            format!("time() - pg_backup_last_success{{job=\"{job}\"}} > {stale}"),
            "has not succeeded for {{ $labels.database }} recently",
            format!(
                "No successful dump of {{{{ $labels.database }}}} for more than {} (schedule `{}`).",
                human(stale),
                b.schedule
            ),
        ),
        PG_ANCHOR,
        vec![
            Case::minutely(success(&old), at.clone(), Some(who)),
            Case::minutely(success(&fresh), at, None),
        ],
    );
    let missing = pg_missing(mk, job, &db, stale);
    vec![failed, stale_alert, missing]
}

fn pg_draft(job: &str, kind: &str, expr: String, summary: &str, description: String) -> Draft {
    Draft {
        name: format!("PgBackup{kind}{}", camel(job)),
        group: "backups",
        expr,
        summary: format!("pg-backup `{job}` {summary}"),
        description,
    }
}

/// No `pg_backup_last_success` at all for the job: it never ran, or cannot
/// reach the Pushgateway.
fn pg_missing(mk: &Mk, job: &str, db: &str, stale: u64) -> AlertRule {
    // Held for a whole period: a fresh install has not run its first backup yet.
    let hours = stale / 3_600 + 2;
    let elsewhere = selector(
        "pg_backup_last_success",
        &[("job", "another-job"), ("database", db)],
    );
    let mut missing = mk.rule(
        pg_draft(
            job,
            "Missing",
            format!("absent(pg_backup_last_success{{job=\"{job}\"}})"),
            "has never reported",
            format!("The Pushgateway has no `pg_backup_last_success` for job `{job}`: the backup never ran, or cannot reach the Pushgateway."),
        ),
        PG_ANCHOR,
        vec![
            Case {
                interval: "1h",
                series: vec![(elsewhere, format!("0x{hours}"))],
                eval_time: format!("{}h", stale / 3_600 + 1),
                fires: Some(labels(&[("job", job)])),
            },
            Case::minutely(
                vec![(
                    selector("pg_backup_last_success", &[("job", job), ("database", db)]),
                    "0x20".to_string(),
                )],
                "10m",
                None,
            ),
        ],
    );
    missing.for_ = human(stale);
    missing
}
