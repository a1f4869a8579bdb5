//! HL005: a backup that could stop without anyone being told.

use super::{Builtin, Code};
use crate::diag::Severity;
use crate::lint::rule::{Context, Sink};

pub static RULE: Builtin = Builtin {
    name: "backup-unwatched",
    severity: Severity::Warning,
    summary: "No alert watches a backup for failure or staleness.",
    why: "A backup that silently stopped months ago is found out during the restore. Each backup needs an alert that fires when it fails or when its last success is older than its schedule allows.",
    example: r#"[backups.daily]
kind = "longhorn"
target = "nas"
schedule = "0 3 * * *"
volumes = ["app/data"]

[monitoring.alerts]
backups = { enabled = false }   # nothing watches `daily` now
"#,
    fix: "Add `[monitoring]` (its built-in backup alerts cover every pg-backup, rclone and Longhorn backup), and keep `[monitoring.alerts.backups]` enabled.",
    check: Some(check),
};

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    let plan = cx.plan;
    let Some(m) = cx.monitoring else {
        for b in &plan.backups {
            out.at(
                Code::BackupUnwatched,
                format!(
                    "backup `{}` has no failure or staleness alert (the site has no [monitoring])",
                    b.name
                ),
                b.span.clone(),
                Vec::new(),
            );
        }
        return;
    };
    for b in &plan.backups {
        if m.watches.get(b.name.as_str()).is_none_or(Vec::is_empty) {
            out.at(
                Code::BackupUnwatched,
                format!("backup `{}` has no failure or staleness alert", b.name),
                b.span.clone(),
                Vec::new(),
            );
        }
    }
}
