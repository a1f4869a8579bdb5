//! `kind = "dump"`: a CronJob running the engine's own dump tool from its
//! official image (`pg_dump`, `mariadb-dump`, `mysqldump`) against the one
//! server of the listed databases, writing into a dump volume and keeping the
//! newest `retain` dumps of each database. Success is the CronJob's own:
//! kube-state-metrics reports its last successful run, so the official images
//! need no Pushgateway client.

use crate::diag::Code;
use crate::dr::{GLOBALS, dump_ext};

use crate::plan::*;
use crate::site::model::SecretKeyRef;

use super::super::resolve::Ctx;
use super::{Decl, Job, plain, secret_env};

/// Dumps kept per database when `retain` is not set.
const KEEP: u32 = 7;

/// The server every listed database must share (one job, one image, one
/// connection); of SQLite files, the volume they are in.
pub(super) struct Server {
    pub(super) first: String,
    /// The service and workload of the first database.
    pub(super) svc: ServiceName,
    pub(super) workload: WorkloadName,
    pub(super) at: DatabaseAt,
    pub(super) engine: DatabaseEngine,
    major: Option<u32>,
}

impl Server {
    /// Whether database `db` of service `svc` is on this server (SQLite: in
    /// the same volume of the same service).
    fn holds(&self, svc: &ServiceName, db: &Database) -> bool {
        match (&self.at, &db.at) {
            (DatabaseAt::File { volume: a, .. }, DatabaseAt::File { volume: b, .. }) => {
                *svc == self.svc && a == b
            }
            (a, b) => a == b,
        }
    }
}

/// One listed database: its service, name and where it is.
pub(super) struct Dumped {
    pub(super) svc: ServiceName,
    pub(super) name: DatabaseName,
    pub(super) at: DatabaseAt,
}

/// The fields a dump takes: a server's needs the login, a SQLite file none.
fn check_fields(ctx: &mut Ctx, d: &Decl, engine: Option<DatabaseEngine>) {
    let may = ["runs_in", "image", "retain", "node", "resources"];
    match engine {
        Some(DatabaseEngine::Sqlite) => d.fields(ctx, &["databases", "volume"], &may),
        _ => d.fields(ctx, &["databases", "volume", "user", "password"], &may),
    }
}

pub(super) fn plan(ctx: &mut Ctx, d: &Decl, services: &mut ServiceMap) -> Option<Backup> {
    let b = d.b;
    let resolved = server(ctx, d, services);
    check_fields(ctx, d, resolved.as_ref().map(|(s, _)| s.engine));
    let (server, names) = resolved?;
    let vol = b.volume.as_ref()?;
    let (vsvc, vname) = ctx.volume_ref(services, vol)?;
    let runs_in = super::runs_in(ctx, d, Some(vsvc.clone()))?;
    let ns = ctx.namespace_of(&runs_in);
    super::dump_in_namespace(ctx, vol, (&vsvc, &vname), &ns)?;
    if let Some(n) = &b.node {
        ctx.check_node(n);
    }
    let claim = services
        .get(&vsvc)
        .and_then(|s| s.volumes.iter().find(|v| v.name == vname))
        .map(|v| v.claim.clone().unwrap_or_else(|| vname.to_string()));
    let retain = b.retain.unwrap_or(KEEP);
    let (image, job) = match server.engine {
        DatabaseEngine::Sqlite => {
            super::sqlite::job(ctx, d, &server, &names, services, &ns, vname, retain)?
        }
        _ => server_job(ctx, d, &server, &names, &ns, vname, retain)?,
    };
    let wl = job.workload(d, &runs_in, ctx.raw.site.time_zone());
    if let Some(s) = services.get_mut(&runs_in) {
        s.workloads.push(wl);
    }
    let mut pb = d.plan();
    pb.retain = Some(retain);
    pb.databases = names
        .iter()
        .map(|x| format!("{}/{}", x.svc, x.name))
        .collect();
    pb.namespace = Some(ns);
    pb.image = Some(image);
    pb.engine = Some(server.engine);
    pb.claim = claim;
    Some(pb)
}

/// The job dumping a server's databases with the engine's client, logged in
/// as `user` with `password` (a key of a secret of namespace `ns`).
fn server_job(
    ctx: &mut Ctx,
    d: &Decl,
    server: &Server,
    names: &[Dumped],
    ns: &Namespace,
    vname: VolumeName,
    retain: u32,
) -> Option<(String, Job)> {
    let (Some(user), Some(password)) = (&d.b.user, &d.b.password) else {
        return None;
    };
    let SecretKeyRef { secret, key } = password.get_ref();
    ctx.check_secret_key(ns, secret, Some(key), password.span());
    let image = match (&d.b.image, server.major) {
        (Some(i), _) => i.get_ref().to_string(),
        (None, Some(m)) => format!("{}:{m}", server.engine.official_image()),
        (None, None) => {
            d.error(
                ctx,
                format!(
                    "cannot tell the {} version of `{}` from its workload's image",
                    server.engine, server.first
                ),
                format!(
                    "set `image = \"{}:<major version of the server>\"`",
                    server.engine.official_image()
                ),
            );
            return None;
        }
    };
    let DatabaseAt::Server { host, port } = &server.at else {
        return None;
    };
    let job = dumper(
        image.clone(),
        script(server.engine, names, retain),
        env(server.engine, host, *port, user, password.get_ref()),
        vname,
    );
    Some((image, job))
}

/// Resolve the listed databases: all must exist, share one engine and one
/// server. A database of another engine is an input error at its reference.
fn server(ctx: &mut Ctx, d: &Decl, services: &ServiceMap) -> Option<(Server, Vec<Dumped>)> {
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
            Some(s) if !s.holds(&svc, db) => ctx.err(
                Code::Backup,
                format!(
                    "database `{key}` is at {}, not where `{}` is ({})",
                    db.at.describe(),
                    s.first,
                    s.at.describe()
                ),
                r.span(),
                "referenced here",
                "dump each server's (or volume's) databases in a backup of its own",
            ),
            Some(_) => names.push(Dumped {
                svc,
                name: db.name.clone(),
                at: db.at.clone(),
            }),
            None => {
                server = Some(Server {
                    first: key,
                    svc: svc.clone(),
                    workload: db.workload.clone(),
                    at: db.at.clone(),
                    engine: db.engine,
                    major: db.major,
                });
                names.push(Dumped {
                    svc,
                    name: db.name.clone(),
                    at: db.at.clone(),
                });
            }
        }
    }
    Some((server?, names))
}

/// The connection, from the environment the engine's clients read (libpq's
/// `PG*`; `MYSQL_PWD` for MariaDB and MySQL, whose host, port and user the
/// script passes as flags from `DB_*`).
fn env(
    engine: DatabaseEngine,
    host: &str,
    port: u16,
    user: &str,
    password: &SecretKeyRef,
) -> Vec<EnvVar> {
    let port = port.to_string();
    match engine {
        DatabaseEngine::Postgres => vec![
            plain("PGHOST", host),
            plain("PGPORT", port),
            plain("PGUSER", user),
            secret_env("PGPASSWORD", password),
        ],
        _ => vec![
            plain("DB_HOST", host),
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
        // Planned by `sqlite.rs`, with the file's path.
        DatabaseEngine::Sqlite => String::new(),
    }
}

/// The job's shell script: each database dumped to a `.partial` file renamed
/// once complete (a failed dump never counts as the newest), then all but the
/// newest `retain` dumps of it removed. Timestamps in the names sort by age.
/// A PostgreSQL server's roles and their passwords live outside every
/// database: `pg_dumpall --globals-only` keeps them the same way, under
/// `/backups/_globals/` (no database name starts with `_`).
fn script(engine: DatabaseEngine, names: &[Dumped], retain: u32) -> String {
    let mut s = String::from(SCRIPT_START);
    let to = |dump: String| move |out: &str| format!("{dump} > {out}");
    if engine == DatabaseEngine::Postgres {
        s.push_str(&kept(
            GLOBALS,
            "sql",
            to("pg_dumpall --globals-only".into()),
            retain,
        ));
    }
    for x in names {
        let dump = dump_command(engine, x.name.as_str());
        s.push_str(&kept(x.name.as_str(), dump_ext(engine), to(dump), retain));
    }
    s
}

/// The start of every dump script: stop at the first failure, one time stamp.
pub(super) const SCRIPT_START: &str = "set -eu\nstamp=$(date -u +%Y%m%dT%H%M%SZ)\n";

/// Lines writing a dump to `/backups/<stem>/<stem>-$stamp.<ext>` through a
/// `.partial` file (`write` gives the line writing to the path it is passed),
/// then keeping the newest `retain` of them.
pub(super) fn kept(stem: &str, ext: &str, write: impl Fn(&str) -> String, retain: u32) -> String {
    let dir = format!("/backups/{stem}");
    let file = format!("{dir}/{stem}-$stamp.{ext}");
    format!(
        "mkdir -p {dir}\n{}\nmv {file}.partial {file}\nls -1 {dir}/{stem}-*.{ext} | sort -r | tail -n +{} | xargs -r rm -f --\n",
        write(&format!("{file}.partial")),
        retain + 1
    )
}

/// The CronJob: the script with the dump volume at `/backups`.
pub(super) fn dumper(image: String, script: String, env: Vec<EnvVar>, volume: VolumeName) -> Job {
    Job {
        command: vec!["/bin/sh".into(), "-c".into(), script],
        env,
        ..Job::into_dumps(WorkloadKind::CronJob, image, volume)
    }
}
