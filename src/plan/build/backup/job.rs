//! `kind = "job"`: your own CronJob (image and command) protecting the listed
//! volumes, mounted read-only at `/data/<service>/<volume>`, with the command
//! that restores them written into the runbook. Lint counts the volumes as
//! backed up and the monitoring watches the CronJob like any other backup.

use crate::plan::*;

use super::super::resolve::Ctx;
use super::{Decl, Job, credentials, volumes_job};

pub(super) fn plan(ctx: &mut Ctx, d: &Decl, services: &mut ServiceMap) -> Option<Backup> {
    let b = d.b;
    d.fields(
        ctx,
        &["image", "command", "volumes", "restore"],
        &["runs_in", "credentials", "node", "resources"],
    );
    let (Some(image), Some(restore)) = (&b.image, &b.restore) else {
        return None;
    };
    if b.command.is_empty() {
        return None; // reported by `fields`
    }
    let (runs_in, ns, p) = volumes_job(ctx, d, services)?;
    let env_from = credentials(ctx, d, &ns);
    if let Some(n) = &b.node {
        ctx.check_node(n);
    }
    let job = Job {
        kind: WorkloadKind::CronJob,
        image: image.get_ref().to_string(),
        command: b.command.clone(),
        args: vec![],
        env: vec![],
        env_from,
        mounts: p.mounts,
        volumes: p.volumes,
        node: p.node,
        root: false,
        beside: p.beside,
    };
    let wl = job.workload(d, &runs_in, ctx.raw.site.time_zone());
    if let Some(s) = services.get_mut(&runs_in) {
        s.workloads.push(wl);
    }
    let mut pb = d.plan();
    pb.volumes = p.names;
    pb.namespace = Some(ns);
    pb.image = Some(image.get_ref().to_string());
    pb.restore = Some(restore.clone());
    Some(pb)
}
