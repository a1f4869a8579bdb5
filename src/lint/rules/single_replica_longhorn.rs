//! HL204: Longhorn with nothing to fail over to.
//!
//! ## What it does
//! Longhorn keeps a single replica of every volume.
//!
//! ## Why
//! One dead disk loses the volume until it is restored from backup.
//!
//! ## Example
//! ```toml
//! [site]
//! name = "lab"
//! longhorn_replicas = 1   # with Longhorn volumes in the site
//! ```
//!
//! ## Fix
//! Set `longhorn_replicas` to 2 or more (one per node).

use crate::plan::{VolumeKind};
use super::{Check, Code};
use crate::lint::rule::{Context, Sink};

pub(super) const CHECK: Option<Check> = Some(check);

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    let plan = cx.plan;
    if plan.site.longhorn_replicas < 2
        && plan
            .services
            .iter()
            .any(|s| s.volumes.iter().any(|v| v.kind == VolumeKind::Longhorn))
    {
        out.at(
            Code::SingleReplicaLonghorn,
            format!("`longhorn_replicas = {}`", plan.site.longhorn_replicas),
            plan.site.span.clone(),
            Vec::new(),
        );
    }
}
