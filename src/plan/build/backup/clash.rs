//! Names of the jobs backups derive, against the site's workloads.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::diag::{Code, InputError};
use crate::plan::*;

use super::super::resolve::Ctx;

/// A job a backup derives is a workload like the site's: its name must be
/// free in its namespace. Named like a workload of its service it would share
/// that workload's labels, so the workload's Service and network policies
/// would select the job's pods too.
pub(super) fn name_clashes(ctx: &mut Ctx, services: &ServiceMap) {
    let site: BTreeMap<(&Namespace, &WorkloadName), (&ServiceName, Range<usize>)> = services
        .values()
        .flat_map(|s| {
            s.workloads
                .iter()
                .filter(|w| w.origin == Origin::Site)
                .map(move |w| ((&s.namespace, &w.name), (&s.name, w.span.clone())))
        })
        .collect();
    let mut errs = Vec::new();
    for s in services.values() {
        for w in &s.workloads {
            let Origin::Backup(b) = &w.origin else {
                continue;
            };
            let Some((svc, at)) = site.get(&(&s.namespace, &w.name)) else {
                continue;
            };
            let backup = ctx.raw.backups.get(b).map(|x| x.span()).unwrap_or_default();
            let e = InputError::new(
                Code::Duplicate,
                format!(
                    "backup `{b}` runs a job named `{}`, like workload `{}` of service `{svc}` in namespace `{}`",
                    w.name, w.name, s.namespace
                ),
            )
            .in_file(ctx.src)
            .label(backup, "the backup")
            .label(at.clone(), "the workload")
            .help(format!(
                "rename the backup (its job takes its name), for instance `{}-backup`",
                b
            ));
            errs.push(e);
        }
    }
    for e in errs {
        ctx.errs.push(e);
    }
}
