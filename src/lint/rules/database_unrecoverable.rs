//! HL004: a database that neither a dump nor a file-level backup brings back.
//!
//! ## What it does
//! A database is not dumped by any `dump` or pg-backup backup, and its
//! server's volume has no file-level backup.
//!
//! ## Why
//! A dump of one database on a server does not bring back the others: each
//! database needs its own dump (or its server's whole volume a backup).
//!
//! ## Example
//! ```toml
//! [services.app.databases.main]   # no dump backup lists "app/main"
//!
//! [services.app.volumes.data]
//! kind = "longhorn"
//! size = "1Gi"
//! no_backup = "dumps only"
//! ```
//!
//! ## Fix
//! Add `service/database` to the `databases` of a backup of kind `dump`
//! (or pg-backup).

use super::{Check, Code};
use crate::lint::rule::{Context, Sink};

pub(super) const CHECK: Option<Check> = Some(check);

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    let plan = cx.plan;
    for s in &plan.services {
        for d in &s.databases {
            let key = format!("{}/{}", s.name, d.name);
            let dumped = plan
                .backups
                .iter()
                .any(|b| b.kind.dumps_databases() && b.databases.contains(&key));
            if dumped {
                continue;
            }
            // Without its own dump, only a file-level backup of the server's volume saves it.
            let file_level = crate::dr::database_volumes(plan, &key).iter().any(|v| {
                cx.covering
                    .get(v)
                    .is_some_and(|bs| bs.iter().any(|b| !b.kind.dumps_databases()))
            });
            if !file_level {
                out.at(
                    Code::DatabaseUnrecoverable,
                    format!("database `{key}` is not dumped by any backup"),
                    d.span.clone(),
                    s.allow.iter().collect(),
                );
            }
        }
    }
}
