//! `kind = "pg-backup"`: a Deployment running pg-backup's own scheduler, which
//! dumps the listed PostgreSQL databases into a dump volume.

use crate::diag::Code;

use crate::plan::*;
use crate::site::model::{self as m, SecretKeyRef};

use super::super::resolve::Ctx;
use super::{Decl, Job};

pub(super) fn plan(ctx: &mut Ctx, d: &Decl, services: &mut ServiceMap) -> Option<Backup> {
    let b = d.b;
    d.fields(
        ctx,
        &[
            "runs_in",
            "image",
            "volume",
            "user",
            "password",
            "databases",
            "retain",
        ],
        &["push_gateway", "node", "resources"],
    );
    let (Some(runs_in), Some(image), Some(vol), Some(user), Some(password)) =
        (&b.runs_in, &b.image, &b.volume, &b.user, &b.password)
    else {
        return None;
    };
    if !d.runs_in_exists(ctx, runs_in.get_ref(), runs_in.span()) {
        return None;
    }
    let ns = ctx.namespace_of(runs_in.get_ref());
    let SecretKeyRef { secret, key } = password.get_ref();
    ctx.check_secret_key(&ns, secret, Some(key), password.span());
    let mut pb = d.plan();
    let mut args = vec!["start".to_string()];
    for (conn, db) in connections(ctx, b, services, user) {
        args.extend(["--connection-string".into(), conn]);
        pb.databases.push(db);
    }
    let (vsvc, vname) = ctx.volume_ref(services, vol)?;
    super::dump_in_namespace(ctx, vol, (&vsvc, &vname), &ns)?;
    args.extend([
        "--backup-dir".into(),
        "/backups".into(),
        "--days-old".into(),
        b.retain.unwrap_or(7).to_string(),
        "--cron-schedule".into(),
        b.schedule.to_string(),
        "--job".into(),
        d.name.to_string(),
    ]);
    if let Some(pg) = &b.push_gateway {
        args.extend(["--push-gateway".into(), pg.clone()]);
    }
    let job = dumper(image.get_ref().to_string(), args, password.get_ref(), vname);
    if let Some(n) = &b.node {
        ctx.check_node(n);
    }
    let wl = job.workload(d, runs_in.get_ref(), None);
    if let Some(s) = services.get_mut(runs_in.get_ref()) {
        s.workloads.push(wl);
    }
    Some(pb)
}

/// A connection string (password from `$(PGPASSWORD)`) and `service/database`
/// for each listed database that a service serves.
fn connections(
    ctx: &mut Ctx,
    b: &m::Backup,
    services: &ServiceMap,
    user: &str,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for db in &b.databases {
        let Some((svc, pdb)) = ctx.database_ref(services, db) else {
            continue;
        };
        let dname = pdb.name.as_str();
        if pdb.engine != DatabaseEngine::Postgres {
            ctx.err(
                Code::Backup,
                format!(
                    "database `{svc}/{dname}` is a {} database; pg-backup dumps only postgres",
                    pdb.engine
                ),
                db.span(),
                "referenced here",
                "dump it with a backup of kind `dump`",
            );
            continue;
        }
        // A postgres database is always a server's.
        let DatabaseAt::Server { host, port } = &pdb.at else {
            continue;
        };
        let conn = format!("postgres://{user}:$(PGPASSWORD)@{host}:{port}/{dname}?sslmode=disable");
        out.push((conn, format!("{svc}/{dname}")));
    }
    out
}

/// pg-backup's Deployment: its scheduler dumps into the volume at `/backups`,
/// with the password from the secret key in `PGPASSWORD`.
fn dumper(image: String, args: Vec<String>, password: &SecretKeyRef, volume: VolumeName) -> Job {
    Job {
        args,
        env: vec![EnvVar {
            name: "PGPASSWORD".into(),
            value: EnvValue::SecretKey {
                secret: password.secret.clone(),
                key: password.key.clone(),
            },
            span: None,
        }],
        ..Job::into_dumps(WorkloadKind::Deployment, image, volume)
    }
}
