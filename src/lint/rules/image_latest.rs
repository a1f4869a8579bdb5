//! HL103: an image tag that floats.
//!
//! ## What it does
//! A container image (the main container's, an init container's or a
//! sidecar's) uses the `latest` tag.
//!
//! ## Why
//! `latest` floats: the cluster runs whatever was pushed last, not what Git
//! says, and a restore brings back a different version.
//!
//! ## Example
//! ```toml
//! [services.app.workloads.web]
//! kind = "deployment"
//! image = "nginx:latest"
//! ```
//!
//! ## Fix
//! Pin a version tag or a digest.

use super::{Check, Code};
use crate::lint::rule::{Context, Sink};

pub(super) const CHECK: Option<Check> = Some(check);

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    for (s, w) in cx.workloads() {
        for c in w.containers() {
            let image = &c.image;
            let tag = image.rsplit('/').next().and_then(|l| l.split_once(':'));
            if tag.is_some_and(|(_, t)| t == "latest") {
                let what = format_args!("{}runs `{image}`", w.which(c));
                out.workload(Code::ImageLatest, (s, w), what);
            }
        }
    }
}
