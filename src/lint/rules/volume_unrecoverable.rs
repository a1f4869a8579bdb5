//! HL001: a volume that holds data and that no backup reaches.
//!
//! ## What it does
//! A volume holding data has no recovery path.
//!
//! ## Why
//! Replicas protect against a dead disk, not against a deleted volume, a
//! corrupted filesystem or a lost cluster. A volume is recoverable only through
//! a backup that leaves the cluster: a Longhorn backup to a target, a dump
//! (or pg-backup) of the databases on it (the dump volume itself backed up),
//! a restic snapshot, your own backup job, or an rclone sync of its folder.
//! A dump of a SQLite file brings back that file only, not the rest of its
//! volume (an app's repositories, attachments, keys beside the database).
//!
//! ## Example
//! ```toml
//! # No backup lists "app/data", and the volume gives no reason.
//! [services.app.volumes.data]
//! kind = "longhorn"
//! size = "1Gi"
//! ```
//!
//! ## Fix
//! Add the volume to a backup (`volumes = ["service/volume"]` of a longhorn,
//! restic or job backup, `volume` of an rclone one, or dump its databases
//! with a `dump` backup), or state `no_backup = "why"` on the volume (when it
//! holds nothing but a dumped SQLite file, say so there).

use super::{Check, Code};
use crate::lint::rule::{Context, Sink, allow};
use crate::plan::DatabaseAt;

pub(super) const CHECK: Option<Check> = Some(check);

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    for s in &cx.plan.services {
        for v in s.volumes.iter().filter(|v| v.holds_data) {
            let key = format!("{}/{}", s.name, v.name);
            let covered = cx.covering.get(&key).map_or(0, Vec::len);
            if covered == 0 && v.no_backup.is_none() {
                // Its SQLite files are dumped, but the dump is that file only.
                let files: Vec<String> = s
                    .databases
                    .iter()
                    .filter(|d| matches!(&d.at, DatabaseAt::File { volume, .. } if volume == &v.name))
                    .map(|d| format!("`{}/{}`", s.name, d.name))
                    .collect();
                let only = match files.as_slice() {
                    [] => String::new(),
                    _ => format!(
                        " (a dump of SQLite database {} brings back that file, not the volume)",
                        files.join(", ")
                    ),
                };
                out.at(
                    Code::VolumeUnrecoverable,
                    format!("volume `{key}` ({}) has no recovery path{only}", v.kind),
                    v.span.clone(),
                    allow(s, &v.allow),
                );
            }
        }
    }
}
