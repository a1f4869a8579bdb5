//! `kind = "restic"`: a CronJob snapshotting the listed volumes into a restic
//! repository, then applying the retention policy (`restic forget --prune`),
//! and optionally a second CronJob running `restic check` on its own schedule.

use crate::diag::Code;

use crate::plan::*;

use super::super::resolve::Ctx;
use super::{Decl, Job, credentials, plain, secret_env, volumes_job};

/// The official image, pinned (docker.io/restic/restic).
pub const IMAGE: &str = "restic/restic:0.17.3";

/// Repository schemes restic reaches over the network; a bare path would be
/// inside the job's pod and vanish with it.
const SCHEMES: [&str; 8] = [
    "s3:", "b2:", "rest:", "azure:", "gs:", "sftp:", "swift:", "rclone:",
];

pub(super) fn plan(
    ctx: &mut Ctx,
    d: &Decl,
    services: &mut ServiceMap,
    targets: &[Target],
) -> Option<Backup> {
    let b = d.b;
    d.fields(
        ctx,
        &["password", "volumes", "keep"],
        &[
            "repository",
            "target",
            "runs_in",
            "image",
            "check",
            "credentials",
            "node",
            "resources",
        ],
    );
    let (Some(password), Some(keep)) = (&b.password, &b.keep) else {
        return None;
    };
    let from_target = repository_source(ctx, d, targets)?;
    let flags = keep_flags(ctx, d, keep)?;
    let (runs_in, ns, p) = volumes_job(ctx, d, services)?;
    let crate::site::model::SecretKeyRef { secret, key } = password.get_ref();
    ctx.check_secret_key(&ns, secret, Some(key), password.span());
    let mut env_from = credentials(ctx, d, &ns);
    let repo = repository(ctx, d, &ns, from_target.as_ref(), &mut env_from)?;
    if let Some(n) = &b.node {
        ctx.check_node(n);
    }
    let image = b
        .image
        .as_ref()
        .map_or_else(|| IMAGE.to_string(), |i| i.get_ref().to_string());
    let mut env = vec![
        plain("RESTIC_REPOSITORY", repo.clone()),
        secret_env("RESTIC_PASSWORD", password.get_ref()),
    ];
    if let Some(t) = &from_target {
        env.push(plain("AWS_DEFAULT_REGION", t.region.clone()));
    }
    let paths: Vec<String> = p.mounts.iter().map(|m| m.path.clone()).collect();
    let job = |script: String| Job {
        kind: WorkloadKind::CronJob,
        image: image.clone(),
        command: vec!["/bin/sh".into(), "-c".into(), script],
        args: vec![],
        env: env.clone(),
        env_from: env_from.clone(),
        mounts: p.mounts.clone(),
        volumes: p.volumes.clone(),
        node: p.node.clone(),
        root: false,
        beside: p.beside.clone(),
    };
    let tz = ctx.raw.site.time_zone();
    let mut wls = vec![job(script(d.name, &paths, &flags)).workload(d, &runs_in, tz.clone())];
    if let Some(check) = &b.check {
        let name = format!("{}-check", d.name);
        let mut j = job("exec restic check".into());
        // It reads the repository only: no volume, so no node to share.
        (j.mounts, j.volumes) = (vec![], vec![]);
        j.beside.clear();
        wls.push(j.named(Some(&name), check.clone(), d, &runs_in, tz));
    }
    if let Some(s) = services.get_mut(&runs_in) {
        s.workloads.extend(wls);
    }
    let mut pb = d.plan();
    pb.volumes = p.names;
    pb.namespace = Some(ns);
    pb.image = Some(image);
    pb.restore = Some(restore(d.name));
    pb.check = b.check.clone();
    pb.repository = Some(repo);
    Some(pb)
}

fn check_repository(ctx: &mut Ctx, repo: &crate::site::spanned::Spanned<String>) {
    if !SCHEMES.iter().any(|s| repo.get_ref().starts_with(s)) {
        ctx.err(
            Code::Backup,
            format!(
                "repository `{}` is not a remote restic repository",
                repo.get_ref()
            ),
            repo.span(),
            "here",
            format!(
                "use one of {} (a local path would live inside the job's pod)",
                SCHEMES.join(" ")
            ),
        );
    }
}

/// A repository in an `s3` backup target's bucket.
struct FromTarget {
    repository: String,
    region: String,
    secret: SecretName,
}

/// The repository URL; a target's credentials secret joins the job's
/// environment (it holds the AWS keys restic reads too).
fn repository(
    ctx: &mut Ctx,
    d: &Decl,
    ns: &Namespace,
    from_target: Option<&FromTarget>,
    env_from: &mut Vec<EnvFrom>,
) -> Option<String> {
    let repo = match from_target {
        Some(t) => {
            // The target's secret holds the AWS keys restic reads too; the
            // job's namespace needs its own copy.
            ctx.check_secret_key(
                ns,
                &t.secret,
                None,
                d.b.target.as_ref().map_or(d.span.clone(), |t| t.span()),
            );
            env_from.push(EnvFrom::Secret(t.secret.clone()));
            t.repository.clone()
        }
        None => d.b.repository.as_ref().map(|r| r.get_ref().clone())?,
    };
    Some(repo)
}

/// `repository` or `target`, exactly one: the target's bucket when it is the
/// target (Some), a checked repository URL otherwise (None).
fn repository_source(ctx: &mut Ctx, d: &Decl, targets: &[Target]) -> Option<Option<FromTarget>> {
    let b = d.b;
    let from_target = match (&b.repository, &b.target) {
        (Some(repo), None) => {
            check_repository(ctx, repo);
            None
        }
        (None, Some(t)) => Some(target_repository(ctx, d.name, t, targets)?),
        (Some(repo), Some(_)) => {
            ctx.err(
                Code::Backup,
                "a restic backup takes `repository` or `target`, not both",
                repo.span(),
                "this repository",
                "remove `repository` to use the target's bucket, or remove `target`",
            );
            return None;
        }
        (None, None) => {
            d.error(
                ctx,
                "a backup of kind `restic` needs `repository` or `target`",
                "add `repository = \"s3:…\"`, or `target = \"<an s3 backup target>\"`",
            );
            return None;
        }
    };
    Some(from_target)
}

/// `restic forget`'s `--keep-*` flags; refused when they keep nothing.
fn keep_flags(ctx: &mut Ctx, d: &Decl, keep: &crate::site::model::Keep) -> Option<Vec<String>> {
    let flags = keep.flags();
    if flags.is_empty() {
        let msg = "`keep` keeps nothing: `restic forget` would remove no snapshot and the repository would only grow";
        d.error(
            ctx,
            msg,
            "set counts, e.g. `keep = { daily = 7, weekly = 4, monthly = 6 }`",
        );
        return None;
    }
    Some(flags)
}

/// `s3:<endpoint>/<bucket>/<path>/restic/<backup>`: a folder of its own per
/// backup, beside Longhorn's `backupstore/` (each backup has its own
/// password, so two cannot share a repository). AWS without an endpoint is
/// reached at its regional endpoint.
fn target_repository(
    ctx: &mut Ctx,
    name: &BackupName,
    t: &crate::site::spanned::Spanned<TargetName>,
    targets: &[Target],
) -> Option<FromTarget> {
    let Some(planned) = targets.iter().find(|x| x.name == *t.get_ref()) else {
        if !ctx.raw.backup_targets.contains_key(t.get_ref()) {
            ctx.err(
                Code::Dangling,
                format!("backup target `{}` is not declared", t.get_ref()),
                t.span(),
                "referenced here",
                super::longhorn::target_help(ctx, t.get_ref().as_str()),
            );
        }
        return None; // a declared target with errors was reported
    };
    let (Some(s3), Some(c)) = (&planned.s3, &planned.credentials) else {
        ctx.err(
            Code::Backup,
            format!(
                "restic reaches only `s3` targets; `{}` is a `{}` target",
                t.get_ref(),
                crate::site::kinds::Word::word(planned.kind)
            ),
            t.span(),
            "referenced here",
            "name an s3 target, or write the repository in `repository`",
        );
        return None;
    };
    let host = s3
        .endpoint
        .clone()
        .unwrap_or_else(|| format!("s3.{}.amazonaws.com", s3.region));
    let host = host.trim_end_matches('/');
    let prefix = if s3.path.is_empty() {
        String::new()
    } else {
        format!("{}/", s3.path)
    };
    Some(FromTarget {
        repository: format!("s3:{host}/{}/{prefix}restic/{name}", s3.bucket),
        region: s3.region.clone(),
        secret: c.secret.clone(),
    })
}

/// The backup script: create the repository on first use, snapshot every
/// path under the backup's name as host, then forget and prune by policy.
/// A wrong password fails `cat config` and then `init` (the config exists).
fn script(name: &BackupName, paths: &[String], keep: &[String]) -> String {
    format!(
        "set -eu\nrestic cat config >/dev/null 2>&1 || restic init\nrestic backup --host {name} {}\nrestic forget --prune --host {name} {}\n",
        paths.join(" "),
        keep.join(" ")
    )
}

/// The restore: the newest snapshot back into the same paths (`--target /`).
fn restore(name: &BackupName) -> String {
    format!("restic restore latest --host {name} --target /")
}
