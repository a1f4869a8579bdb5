//! HL002: a volume with two answers to "where does this data come from".
//!
//! ## What it does
//! A volume has more than one recovery path (or a backup and a `no_backup`
//! reason).
//!
//! ## Why
//! A restore needs one answer to 'where does this data come from'. Two paths
//! restore twice (for example a Longhorn snapshot of a database's files and its
//! logical dump), and a volume both backed up and marked `no_backup` leaves the
//! reader guessing which is true.
//!
//! ## Example
//! ```toml
//! [backups.daily]
//! kind = "longhorn"
//! target = "nas"
//! schedule = "0 3 * * *"
//! volumes = ["app/data"]
//!
//! [services.app.volumes.data]
//! kind = "longhorn"
//! size = "1Gi"
//! no_backup = "scratch space"   # but the backup above says otherwise
//! ```
//!
//! ## Fix
//! Keep one recovery path: remove the volume from the extra backup, or drop the
//! stale `no_backup`.

use crate::plan::{BackupKind};
use super::{Check, Code};
use crate::lint::rule::{Context, Sink, allow};

pub(super) const CHECK: Option<Check> = Some(check);

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    for s in &cx.plan.services {
        for v in s.volumes.iter().filter(|v| v.holds_data) {
            let key = format!("{}/{}", s.name, v.name);
            let covered = cx.covering.get(&key).map(Vec::as_slice).unwrap_or_default();
            match (covered.len(), &v.no_backup) {
                (0, _) | (1, None) => {}
                (_, reason) => {
                    // pg-backups read "pg-backup `x`", the others "<kind> backup `x`".
                    let mut list: Vec<String> = covered
                        .iter()
                        .map(|b| {
                            if b.kind == BackupKind::PgBackup {
                                format!("pg-backup `{}`", b.name)
                            } else {
                                format!("{} backup `{}`", b.kind, b.name)
                            }
                        })
                        .collect();
                    list.sort();
                    if reason.is_some() {
                        list.push("`no_backup`".into());
                    }
                    out.at(
                        Code::VolumeRecoveryAmbiguous,
                        format!(
                            "volume `{key}` has several recovery paths: {}",
                            list.join(", ")
                        ),
                        v.span.clone(),
                        allow(s, &v.allow),
                    );
                }
            }
        }
    }
}
