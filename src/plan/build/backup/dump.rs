//! `kind = "dump"`: a CronJob running the engine's own dump tool from its
//! official image (`pg_dump`, `mariadb-dump`, `mysqldump`) against the one
//! server of the listed databases, writing into a dump volume and keeping the
//! newest `retain` dumps of each database. Success is the CronJob's own:
//! kube-state-metrics reports its last successful run, so the official images
//! need no Pushgateway client.

use crate::diag::Code;
use crate::dr::{GLOBALS, dump_ext};
use std::collections::BTreeMap;

use crate::plan::*;
use crate::site::model::SecretKeyRef;

use super::super::resolve::Ctx;
use super::{Decl, Job, plain, secret_env};

/// Dumps kept per database when `retain` is not set.
const KEEP: u32 = 7;

/// The server every listed database must share (one job, one image, one connection).
struct Server {
    first: String,
    host: String,
    port: u16,
    engine: DatabaseEngine,
    major: Option<u32>,
}

pub(super) fn plan(
    ctx: &mut Ctx,
    d: &Decl,
    services: &mut BTreeMap<ServiceName, Service>,
) -> Option<Backup> {
    let b = d.b;
    d.fields(
        ctx,
        &["databases", "volume", "user", "password"],
        &["runs_in", "image", "retain", "node", "resources"],
    );
    let (Some(vol), Some(user), Some(password)) = (&b.volume, &b.user, &b.password) else {
        return None;
    };
    let (server, names) = server(ctx, d, services)?;
    let (vsvc, vname) = ctx.volume_ref(services, vol)?;
    let runs_in = super::runs_in(ctx, d, Some(vsvc.clone()))?;
    let ns = ctx.namespace_of(&runs_in);
    if ctx.namespace_of(&vsvc) != ns {
        ctx.err(
            Code::Backup,
            format!("dump volume `{vsvc}/{vname}` is not in namespace `{ns}` where the job runs"),
            vol.span(),
            "referenced here",
            "use a volume of the `runs_in` service's namespace",
        );
        return None;
    }
    let SecretKeyRef { secret, key } = password.get_ref();
    ctx.check_secret_key(&ns, secret, Some(key), password.span());
    let image = match (&b.image, server.major) {
        (Some(i), _) => i.get_ref().to_string(),
        (None, Some(m)) => format!("{}:{m}", server.engine.official_image()),
        (None, None) => {
            ctx.err(
                Code::Backup,
                format!(
                    "cannot tell the {} version of `{}` from its workload's image",
                    server.engine, server.first
                ),
                d.span.clone(),
                "this backup",
                format!(
                    "set `image = \"{}:<major version of the server>\"`",
                    server.engine.official_image()
                ),
            );
            return None;
        }
    };
    if let Some(n) = &b.node {
        ctx.check_node(n);
    }
    let claim = services
        .get(&vsvc)
        .and_then(|s| s.volumes.iter().find(|v| v.name == vname))
        .map(|v| v.claim.clone().unwrap_or_else(|| vname.to_string()));
    let retain = b.retain.unwrap_or(KEEP);
    let job = dumper(
        image.clone(),
        script(server.engine, &names, retain),
        env(&server, user, password.get_ref()),
        vname,
    );
    let wl = job.workload(d, &runs_in, ctx.raw.site.time_zone());
    if let Some(s) = services.get_mut(&runs_in) {
        s.workloads.push(wl);
    }
    let mut pb = d.plan();
    pb.retain = Some(retain);
    pb.databases = names
        .iter()
        .map(|(svc, db)| format!("{svc}/{db}"))
        .collect();
    pb.namespace = Some(ns);
    pb.image = Some(image);
    pb.engine = Some(server.engine);
    pb.claim = claim;
    Some(pb)
}

/// Resolve the listed databases: all must exist, share one engine and one
/// server. A database of another engine is an input error at its reference.
fn server(
    ctx: &mut Ctx,
    d: &Decl,
    services: &BTreeMap<ServiceName, Service>,
) -> Option<(Server, Vec<(ServiceName, DatabaseName)>)> {
    let mut server: Option<Server> = None;
    let mut names = Vec::new();
    for r in &d.b.databases {
        let Some((svc, db)) = ctx.database_ref(services, r) else {
            continue;
        };
        let dname = db.name.as_str();
        let key = format!("{svc}/{dname}");
        match &server {
            Some(s) if s.engine != db.engine => ctx.err(
                Code::Backup,
                format!(
                    "database `{key}` is a {} database, but this dump runs {} tools (for `{}`)",
                    db.engine, s.engine, s.first
                ),
                r.span(),
                "referenced here",
                "dump it in a backup of its own",
            ),
            Some(s) if (s.host.as_str(), s.port) != (db.host.as_str(), db.port) => ctx.err(
                Code::Backup,
                format!(
                    "database `{key}` is served by `{}:{}`, not by the server of `{}`",
                    db.host, db.port, s.first
                ),
                r.span(),
                "referenced here",
                "dump each server's databases in a backup of its own",
            ),
            Some(_) => names.push((svc, db.name.clone())),
            None => {
                server = Some(Server {
                    first: key,
                    host: db.host.clone(),
                    port: db.port,
                    engine: db.engine,
                    major: db.major,
                });
                names.push((svc, db.name.clone()));
            }
        }
    }
    Some((server?, names))
}

/// The connection, from the environment the engine's clients read (libpq's
/// `PG*`; `MYSQL_PWD` for MariaDB and MySQL, whose host, port and user the
/// script passes as flags from `DB_*`).
fn env(server: &Server, user: &str, password: &SecretKeyRef) -> Vec<EnvVar> {
    let port = server.port.to_string();
    match server.engine {
        DatabaseEngine::Postgres => vec![
            plain("PGHOST", server.host.clone()),
            plain("PGPORT", port),
            plain("PGUSER", user),
            secret_env("PGPASSWORD", password),
        ],
        DatabaseEngine::Mariadb | DatabaseEngine::Mysql => vec![
            plain("DB_HOST", server.host.clone()),
            plain("DB_PORT", port),
            plain("DB_USER", user),
            secret_env("MYSQL_PWD", password),
        ],
    }
}

/// The dump command of one database, writing to stdout.
fn dump_command(engine: DatabaseEngine, db: &str) -> String {
    let my = |tool: &str| {
        format!(
            "{tool} --host=\"$DB_HOST\" --port=\"$DB_PORT\" --user=\"$DB_USER\" --single-transaction --routines --events --triggers --databases {db}"
        )
    };
    match engine {
        DatabaseEngine::Postgres => format!("pg_dump --format=custom --dbname={db}"),
        DatabaseEngine::Mariadb => my("mariadb-dump"),
        DatabaseEngine::Mysql => my("mysqldump"),
    }
}

/// The job's shell script: each database dumped to a `.partial` file renamed
/// once complete (a failed dump never counts as the newest), then all but the
/// newest `retain` dumps of it removed. Timestamps in the names sort by age.
/// A PostgreSQL server's roles and their passwords live outside every
/// database: `pg_dumpall --globals-only` keeps them the same way, under
/// `/backups/_globals/` (no database name starts with `_`).
fn script(engine: DatabaseEngine, names: &[(ServiceName, DatabaseName)], retain: u32) -> String {
    let mut s = String::from("set -eu\nstamp=$(date -u +%Y%m%dT%H%M%SZ)\n");
    if engine == DatabaseEngine::Postgres {
        s.push_str(&kept(GLOBALS, "sql", "pg_dumpall --globals-only", retain));
    }
    for (_, db) in names {
        let dump = dump_command(engine, db.as_str());
        s.push_str(&kept(db.as_str(), dump_ext(engine), &dump, retain));
    }
    s
}

/// Lines writing `dump`'s stdout to `/backups/<stem>/<stem>-$stamp.<ext>`
/// through a `.partial` file, then keeping the newest `retain` of them.
fn kept(stem: &str, ext: &str, dump: &str, retain: u32) -> String {
    let dir = format!("/backups/{stem}");
    let file = format!("{dir}/{stem}-$stamp.{ext}");
    format!(
        "mkdir -p {dir}\n{dump} > {file}.partial\nmv {file}.partial {file}\nls -1 {dir}/{stem}-*.{ext} | sort -r | tail -n +{} | xargs -r rm -f --\n",
        retain + 1
    )
}

/// The CronJob: the script with the dump volume at `/backups`.
fn dumper(image: String, script: String, env: Vec<EnvVar>, volume: VolumeName) -> Job {
    let dump = PodVolume {
        name: format!("vol-{volume}"),
        source: PodVolumeSource::Claim {
            volume,
            read_only: false,
        },
    };
    Job {
        kind: WorkloadKind::CronJob,
        image,
        command: vec!["/bin/sh".into(), "-c".into(), script],
        args: vec![],
        env,
        env_from: vec![],
        mounts: vec![Mount {
            volume: dump.name.clone(),
            path: "/backups".into(),
            sub_path: None,
            read_only: false,
        }],
        volumes: vec![dump],
        node: None,
    }
}
