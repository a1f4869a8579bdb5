//! `kind = "dump"` of SQLite files: no server to connect to, so the CronJob
//! mounts the volume holding the files beside the dump volume and takes each
//! with sqlite's online backup (`.backup`), which copies a consistent state
//! while the workload keeps writing. Retention, the `.partial` rename and the
//! CronJob alerts are the other dumps'.

use crate::dr::dump_ext;
use crate::plan::*;

use super::super::resolve::Ctx;
use super::dump::{Dumped, SCRIPT_START, Server, dumper, kept};
use super::{Decl, Job, data_path};

/// The image with the `sqlite3` shell: KEINOS/Dockerfile_of_SQLite3 builds it
/// from SQLite's release source on Alpine (busybox `sh`, `ls`, `sort`,
/// `xargs`) and pushes a tag per SQLite version. SQLite has no official image.
pub const IMAGE: &str = "keinos/sqlite3:3.52.0";

/// The job and its image for the SQLite files `names`, all in one volume of
/// the service `server.svc` (planning of `dump` checks that), dumping into
/// `dump_vol` of namespace `ns`.
#[allow(clippy::too_many_arguments)]
pub(super) fn job(
    ctx: &mut Ctx,
    d: &Decl,
    server: &Server,
    names: &[Dumped],
    services: &ServiceMap,
    ns: &Namespace,
    dump_vol: VolumeName,
    retain: u32,
) -> Option<(String, Job)> {
    let DatabaseAt::File { volume, .. } = &server.at else {
        return None;
    };
    let svc = services.get(&server.svc)?;
    let (pv, source) = file_volume(ctx, d, server, svc, ns)?;
    let dir = data_path(&svc.name, volume);
    let image =
        d.b.image
            .as_ref()
            .map_or_else(|| IMAGE.to_string(), |i| i.get_ref().to_string());
    let mut job = dumper(image.clone(), script(names, &dir, retain), vec![], dump_vol);
    let name = format!("vol-{}-{volume}", svc.name);
    job.mounts.push(Mount {
        volume: name.clone(),
        path: dir,
        sub_path: None,
        read_only: false,
    });
    job.volumes.push(PodVolume { name, source });
    // The image runs as its own `sqlite` user, which can neither read the
    // workload's file nor write the dump volume.
    job.root = true;
    // On the node of the pod using the file: a ReadWriteOnce volume is
    // attached to one node, and SQLite's locks hold between processes of
    // one kernel only.
    job.beside = svc
        .workloads
        .iter()
        .find(|w| w.name == server.workload)
        .map(|w| w.selector.clone())
        .unwrap_or_default();
    job.node = pv.node.clone();
    Some((image, job))
}

/// The volume holding the files, as the job mounts it: in the job's
/// namespace, shared by the workload's pods, and a claim.
fn file_volume<'s>(
    ctx: &mut Ctx,
    d: &Decl,
    server: &Server,
    svc: &'s Service,
    ns: &Namespace,
) -> Option<(&'s Volume, PodVolumeSource)> {
    let DatabaseAt::File { volume, .. } = &server.at else {
        return None;
    };
    if &svc.namespace != ns {
        d.error(
            ctx,
            format!(
                "the file of `{}` is in namespace `{}`, the job runs in `{ns}`",
                server.first, svc.namespace
            ),
            "set `runs_in` (or the dump volume) to the database's service or namespace",
        );
        return None;
    }
    let pv = svc.volumes.iter().find(|v| &v.name == volume)?;
    if pv.per_pod {
        let msg = format!(
            "volume `{}/{volume}` is per pod: each pod has its own file, and the job cannot tell which to dump",
            svc.name
        );
        d.error(
            ctx,
            msg,
            "keep the file on a volume shared by the workload (no `per_pod`)",
        );
        return None;
    }
    let source = match pv.kind {
        VolumeKind::HostPath | VolumeKind::Chart => {
            let msg = format!(
                "volume `{}/{volume}` is a {} volume; a sqlite dump mounts a claim (and the runbook's restore pod too)",
                svc.name, pv.kind
            );
            let help = "keep the file on a longhorn or local volume, or back the folder up with a `restic` or `job` backup";
            d.error(ctx, msg, help);
            return None;
        }
        // Read-write: SQLite takes its locks (and a WAL file's shared memory)
        // in files beside the database.
        VolumeKind::Longhorn | VolumeKind::Local => PodVolumeSource::Claim {
            volume: volume.clone(),
            read_only: false,
        },
    };
    Some((pv, source))
}

/// Each file copied with `.backup` (refusing a missing file: sqlite3 would
/// create an empty one and back that up).
fn script(names: &[Dumped], dir: &str, retain: u32) -> String {
    let mut s = String::from(SCRIPT_START);
    for x in names {
        let DatabaseAt::File { path, .. } = &x.at else {
            continue;
        };
        let file = format!("{dir}/{path}");
        let write = |out: &str| format!("test -f {file}\nsqlite3 {file} \".backup '{out}'\"");
        s.push_str(&kept(
            x.name.as_str(),
            dump_ext(DatabaseEngine::Sqlite),
            write,
            retain,
        ));
    }
    s
}
