//! The databases a service serves: each on one of its workloads, with its
//! engine (said, or read from the workload's image), and where it is: a
//! server's Service and port, or a SQLite file inside one of the service's
//! volumes.

use crate::diag::Code;
use crate::plan::*;
use crate::site::model as m;
use crate::site::spanned::Spanned;

use super::resolve::Ctx;
use super::service::single_workload;

/// The databases the service serves, each on one of its workloads.
pub(super) fn databases(ctx: &mut Ctx, s: &m::Service, ns: &Namespace) -> Vec<Database> {
    s.databases
        .iter()
        .filter_map(|(dn, d)| {
            let wl = single_workload(ctx, s, d.get_ref().workload.as_ref(), d.span(), "database")?;
            let image = s.workloads.get(&wl).map(|w| w.get_ref().image.get_ref());
            let shown = image.and_then(|i| DatabaseEngine::of_image(i.as_str()));
            let engine = d
                .get_ref()
                .engine
                .as_ref()
                .map(|e| *e.get_ref())
                .or(shown)
                .unwrap_or_default();
            // The tag tells the version only of an image that names this engine.
            let major = image
                .filter(|_| shown == Some(engine))
                .and_then(|i| i.tag())
                .and_then(major_version);
            let at = database_at(ctx, s, d, engine, &wl, ns)?;
            Some(Database {
                name: dn.clone(),
                workload: wl,
                at,
                owner: d.get_ref().owner.clone(),
                engine,
                major,
                span: d.span(),
            })
        })
        .collect()
}

/// Where database `d` of engine `engine` is: a server's Service name and
/// port, or a SQLite file in a volume of the service that workload `wl` mounts.
fn database_at(
    ctx: &mut Ctx,
    s: &m::Service,
    d: &Spanned<m::Database>,
    engine: DatabaseEngine,
    wl: &WorkloadName,
    ns: &Namespace,
) -> Option<DatabaseAt> {
    let db = d.get_ref();
    let Some(default_port) = engine.default_port() else {
        return sqlite_file(ctx, s, d, wl);
    };
    if let Some(f) = db
        .volume
        .as_ref()
        .map(|v| v.span())
        .or(db.path.as_ref().map(|p| p.span()))
    {
        ctx.err(
            Code::Database,
            format!("a {engine} database is served by its workload, not read from a file"),
            f,
            "only for sqlite",
            "remove `volume` and `path`, or set `engine = \"sqlite\"`",
        );
        return None;
    }
    Some(DatabaseAt::Server {
        host: format!("{wl}.{ns}.svc"),
        port: db.port.unwrap_or(default_port),
    })
}

/// A SQLite database: `volume` declared in this service and mounted by the
/// workload using the file, `path` inside it; no server, so no `port`.
fn sqlite_file(
    ctx: &mut Ctx,
    s: &m::Service,
    d: &Spanned<m::Database>,
    wl: &WorkloadName,
) -> Option<DatabaseAt> {
    let db = d.get_ref();
    if db.port.is_some() {
        ctx.err(
            Code::Database,
            "a sqlite database has no server, so no port",
            d.span(),
            "this database",
            "remove `port`",
        );
    }
    let (Some(vol), Some(path)) = (&db.volume, &db.path) else {
        ctx.err(
            Code::Database,
            "a sqlite database needs `volume` and `path`",
            d.span(),
            "this database",
            "add `volume = \"<volume of this service>\"` and `path = \"<file inside it>\"`",
        );
        return None;
    };
    if !s.volumes.contains_key(vol.get_ref()) {
        let names: Vec<&str> = s.volumes.keys().map(|n| n.as_str()).collect();
        ctx.err(
            Code::Dangling,
            format!("this service has no volume `{}`", vol.get_ref()),
            vol.span(),
            "referenced here",
            format!(
                "declare it under [services.<name>.volumes] (volumes of this service: {})",
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            ),
        );
        return None;
    }
    let mounted = s.workloads.get(wl).is_some_and(|w| {
        w.get_ref()
            .mounts
            .iter()
            .any(|m| m.get_ref().volume.as_ref() == Some(vol.get_ref()))
    });
    if !mounted {
        ctx.err(
            Code::Database,
            format!("workload `{wl}` does not mount volume `{}`", vol.get_ref()),
            vol.span(),
            "the database's volume",
            "set `workload` to the workload that uses the file, or mount the volume in it",
        );
        return None;
    }
    if let Err(why) = inside_path(path.get_ref()) {
        ctx.err(
            Code::Database,
            format!("path `{}` {why}", path.get_ref()),
            path.span(),
            "the database file",
            "write the file's path relative to the volume, like `data/app.sqlite3`",
        );
        return None;
    }
    Some(DatabaseAt::File {
        volume: vol.get_ref().clone(),
        path: path.get_ref().clone(),
    })
}

/// A path relative to a volume that stays inside it and that the dump
/// script can use unquoted: no leading `/`, no `.`/`..` or empty segment,
/// only letters, digits, `.`, `_`, `-` and `/`.
fn inside_path(p: &str) -> Result<(), &'static str> {
    if p.starts_with('/') {
        return Err("is absolute: it must be relative to the volume");
    }
    if p.split('/')
        .any(|seg| seg.is_empty() || seg == "." || seg == "..")
    {
        return Err("leaves the volume or has an empty, `.` or `..` segment");
    }
    if !p
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'))
    {
        return Err("has a character other than letters, digits, `.`, `_`, `-` and `/`");
    }
    Ok(())
}

/// The major version a tag starts with: `16.2-alpine` and `pg16-v0.2.0` → 16.
fn major_version(tag: &str) -> Option<u32> {
    let t = tag.strip_prefix("pg").unwrap_or(tag);
    let end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    t[..end].parse().ok().filter(|m| *m > 0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_tag_shows_the_major_version_it_starts_with() {
        for (tag, major) in [
            ("16.2-alpine3.19", Some(16)),
            ("pg16-v0.2.0", Some(16)),
            ("11", Some(11)),
            ("latest", None),
            ("v1.2", None),
            ("0.1", None),
        ] {
            assert_eq!(super::major_version(tag), major, "{tag}");
        }
    }

    #[test]
    fn a_sqlite_path_stays_inside_its_volume_and_needs_no_quoting() {
        for ok in ["app.db", "db/notes.sqlite3", "a-b_c/d.e"] {
            assert_eq!(super::inside_path(ok), Ok(()), "{ok}");
        }
        for bad in [
            "/abs.db",
            "../x.db",
            "a/../../x",
            "a//b",
            "./x",
            "a/",
            "x y.db",
            "$(id)",
            "a'b",
        ] {
            assert!(super::inside_path(bad).is_err(), "{bad}");
        }
    }
}
