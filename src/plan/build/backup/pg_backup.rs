//! `kind = "pg-backup"`: a Deployment running pg-backup's own scheduler, which
//! dumps the listed PostgreSQL databases into a dump volume.

use crate::diag::Code;
use std::collections::BTreeMap;

use crate::plan::*;
use crate::site::model::SecretKeyRef;

use super::super::resolve::Ctx;
use super::{Decl, Job};

pub(super) fn plan(
    ctx: &mut Ctx,
    d: &Decl,
    services: &mut BTreeMap<ServiceName, Service>,
) -> Option<Backup> {
    let b = d.b;
    d.refuse(
        ctx,
        &[
            (b.target.is_some(), "target"),
            (!b.volumes.is_empty(), "volumes"),
            (b.remote.is_some(), "remote"),
            (b.config.is_some(), "config"),
            (b.require_path.is_some(), "require_path"),
        ],
    );
    d.require(
        ctx,
        &[
            (b.runs_in.is_some(), "runs_in"),
            (b.image.is_some(), "image"),
            (b.volume.is_some(), "volume"),
            (b.user.is_some(), "user"),
            (b.password.is_some(), "password"),
            (!b.databases.is_empty(), "databases"),
            (b.retain.is_some(), "retain"),
        ],
    );
    let (Some(runs_in), Some(image), Some(vol), Some(user), Some(password)) =
        (&b.runs_in, &b.image, &b.volume, &b.user, &b.password)
    else {
        return None;
    };
    if !ctx.raw.services.contains_key(runs_in.get_ref()) {
        ctx.err(
            Code::Dangling,
            format!("service `{}` does not exist", runs_in.get_ref()),
            runs_in.span(),
            "referenced here",
            "declare it under [services]",
        );
        return None;
    }
    let ns = ctx.namespace_of(runs_in.get_ref());
    let SecretKeyRef { secret, key } = password.get_ref();
    ctx.check_secret_key(&ns, secret, Some(key), password.span());
    let mut pb = d.plan();
    let mut args = vec!["start".to_string()];
    for db in &b.databases {
        let Some((svc, dname)) = ctx.split_ref(db, "database") else {
            continue;
        };
        let Some(pdb) = services
            .get(&svc)
            .and_then(|s| s.databases.iter().find(|x| x.name.as_str() == dname))
        else {
            ctx.err(
                Code::Dangling,
                format!("service `{svc}` serves no database `{dname}`"),
                db.span(),
                "referenced here",
                "declare it under [services.<name>.databases]",
            );
            continue;
        };
        args.push("--connection-string".into());
        args.push(format!(
            "postgres://{user}:$(PGPASSWORD)@{}:{}/{dname}?sslmode=disable",
            pdb.host, pdb.port
        ));
        pb.databases.push(format!("{svc}/{dname}"));
    }
    let (vsvc, vname) = ctx.volume_ref(services, vol)?;
    if ctx.namespace_of(&vsvc) != ns {
        ctx.err(
            Code::Backup,
            format!("dump volume `{vsvc}/{vname}` is not in namespace `{ns}` where the job runs"),
            vol.span(),
            "referenced here",
            "use a volume of the `runs_in` service",
        );
        return None;
    }
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
    let dump = PodVolume {
        name: format!("vol-{vname}"),
        source: PodVolumeSource::Claim {
            volume: vname,
            read_only: false,
        },
    };
    let job = Job {
        kind: WorkloadKind::Deployment,
        image: image.get_ref().to_string(),
        command: vec![],
        args,
        env: vec![EnvVar {
            name: "PGPASSWORD".into(),
            value: EnvValue::SecretKey {
                secret: secret.clone(),
                key: key.clone(),
            },
            span: None,
        }],
        mounts: vec![Mount {
            volume: dump.name.clone(),
            path: "/backups".into(),
            sub_path: None,
            read_only: false,
        }],
        volumes: vec![dump],
        node: None,
    };
    if let Some(n) = &b.node {
        ctx.check_node(n);
    }
    let wl = job.workload(d, runs_in.get_ref(), None);
    if let Some(s) = services.get_mut(runs_in.get_ref()) {
        s.workloads.push(wl);
    }
    Some(pb)
}
