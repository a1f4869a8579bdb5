//! `kind = "longhorn"`: a RecurringJob in the Longhorn service, and the group
//! labels that make Longhorn select each listed volume.

use crate::diag::Code;
use std::collections::BTreeMap;

use crate::plan::*;

use super::super::resolve::Ctx;
use super::Decl;

pub(super) fn plan(
    ctx: &mut Ctx,
    d: &Decl,
    services: &mut ServiceMap,
    providers: &BTreeMap<Capability, Vec<ServiceName>>,
) -> Option<Backup> {
    let b = d.b;
    d.fields(ctx, &["volumes", "retain", "target"], &[]);
    let mut pb = d.plan();
    match &b.target {
        None => {} // reported by `fields`
        Some(t) if !ctx.raw.backup_targets.contains_key(t.get_ref()) => ctx.err(
            Code::Dangling,
            format!("backup target `{}` is not declared", t.get_ref()),
            t.span(),
            "referenced here",
            target_help(ctx, t.get_ref().as_str()),
        ),
        Some(t) => pb.target = Some(t.get_ref().clone()),
    }
    let Some(home) = providers
        .get(&Capability::Longhorn)
        .and_then(|v| v.first())
        .cloned()
    else {
        d.error(
            ctx,
            "a longhorn backup needs a service that provides `longhorn`",
            "add `provides = [\"longhorn\"]` to the Longhorn service",
        );
        return None;
    };
    let group = d.name.to_string();
    for v in &b.volumes {
        let Some((svc, vol)) = ctx.volume_ref(services, v) else {
            continue;
        };
        let Some(pv) = services
            .get_mut(&svc)
            .and_then(|s| s.volumes.iter_mut().find(|x| x.name == vol))
        else {
            continue; // reported by volume_ref
        };
        if pv.kind != VolumeKind::Longhorn {
            ctx.err(
                Code::Backup,
                format!(
                    "volume `{svc}/{vol}` is a {} volume; Longhorn backs up only longhorn volumes",
                    pv.kind
                ),
                v.span(),
                "referenced here",
                "back it up with an rclone backup instead",
            );
            continue;
        }
        pv.labels
            .insert("recurring-job.longhorn.io/source".into(), "enabled".into());
        pv.labels.insert(
            format!("recurring-job-group.longhorn.io/{group}"),
            "enabled".into(),
        );
        pb.volumes.push(format!("{svc}/{vol}"));
    }
    if let Some(s) = services.get_mut(&home) {
        s.recurring_jobs.push(RecurringJob {
            name: d.name.clone(),
            cron: b.schedule.clone(),
            retain: b.retain.unwrap_or(0),
            group,
        });
    }
    Some(pb)
}

/// The help of an undeclared backup target: the closest declared one, else
/// where to declare it.
pub(super) fn target_help(ctx: &Ctx, name: &str) -> String {
    let names: Vec<&str> = ctx.raw.backup_targets.keys().map(|k| k.as_str()).collect();
    match crate::diag::closest(name, names.iter().copied()) {
        Some(near) => format!("did you mean `{near}`?"),
        None if names.is_empty() => "declare it under [backup_targets]".to_string(),
        None => format!(
            "declare it under [backup_targets], or name one of {}",
            names.join(", ")
        ),
    }
}
