//! HL005: a backup that could stop without anyone being told.
//!
//! ## What it does
//! No alert watches a backup for failure or staleness.
//!
//! ## Why
//! A backup that silently stopped months ago is found out during the restore.
//! Each backup needs an alert that fires when it fails or when its last success
//! is older than its schedule allows.
//!
//! ## Example
//! ```toml
//! [backups.daily]
//! kind = "longhorn"
//! target = "nas"
//! schedule = "0 3 * * *"
//! volumes = ["app/data"]
//!
//! [monitoring.alerts]
//! backups = { enabled = false }   # nothing watches `daily` now
//! ```
//!
//! ## Fix
//! Add `[monitoring]` (its built-in backup alerts cover every pg-backup, rclone
//! and Longhorn backup), and keep `[monitoring.alerts.backups]` enabled.

use super::{Check, Code};
use crate::lint::rule::{Context, Sink};

pub(super) const CHECK: Option<Check> = Some(check);

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
