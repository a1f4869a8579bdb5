//! `kind = "rclone"`: a CronJob mirroring one volume to an rclone remote, on
//! the volume's node, refusing to mirror an empty (unmounted) folder.

use crate::diag::Code;
use std::collections::BTreeMap;

use crate::plan::*;
use crate::site::model::SecretKeyRef;

use super::super::resolve::Ctx;
use super::{Decl, Job};

/// Characters that would let a remote or path escape the job's shell line.
const SHELL: [char; 8] = ['\'', '"', '`', '$', ';', '&', '|', ' '];

pub(super) fn plan(ctx: &mut Ctx, d: &Decl, services: &mut ServiceMap) -> Option<Backup> {
    let b = d.b;
    d.fields(
        ctx,
        &["image", "volume", "remote", "config"],
        &["runs_in", "require_path", "node", "resources"],
    );
    let (Some(image), Some(vol), Some(remote), Some(config)) =
        (&b.image, &b.volume, &b.remote, &b.config)
    else {
        return None;
    };
    let (vsvc, vname) = ctx.volume_ref(services, vol)?;
    let runs_in = b
        .runs_in
        .as_ref()
        .map(|r| r.get_ref().clone())
        .unwrap_or_else(|| vsvc.clone());
    let at = b.runs_in.as_ref().map_or(d.span.clone(), |r| r.span());
    if !d.runs_in_exists(ctx, &runs_in, at) {
        return None;
    }
    let ns = ctx.namespace_of(&runs_in);
    let pv = services
        .get(&vsvc)
        .and_then(|s| s.volumes.iter().find(|v| v.name == vname))?;
    if ctx.namespace_of(&vsvc) != ns {
        ctx.err(
            Code::Backup,
            format!("volume `{vsvc}/{vname}` is not in namespace `{ns}` where the job runs"),
            vol.span(),
            "referenced here",
            "run the job in the volume's service",
        );
        return None;
    }
    if pv.per_pod {
        super::protected::per_pod(ctx, vol.span(), &vsvc, &vname);
        return None;
    }
    let source = read_only_source(ctx, (&vsvc, &vname), pv, vol.span())?;
    let node = pv
        .node
        .clone()
        .or_else(|| b.node.as_ref().map(|n| n.get_ref().clone()));
    let SecretKeyRef { secret, key } = config.get_ref();
    ctx.check_secret_key(&ns, secret, Some(key), config.span());
    let script = script(ctx, d, remote)?;
    let data = PodVolume {
        name: format!("vol-{vname}"),
        source,
    };
    let mut job = syncer(
        image.get_ref().to_string(),
        script,
        data,
        config.get_ref(),
        node,
    );
    // Where the pod using a ReadWriteOnce claim runs, as restic's job.
    if let [one] = super::protected::holding(services, &ns, pv)[..] {
        job.beside = one.clone();
    }
    let wl = job.workload(d, &runs_in, ctx.raw.site.time_zone());
    let mut pb = d.plan();
    pb.volumes.push(format!("{vsvc}/{vname}"));
    if let Some(s) = services.get_mut(&runs_in) {
        s.workloads.push(wl);
    }
    Some(pb)
}

/// The volume as the job mounts it: read-only, a host path only if it is
/// already there; a chart's volume cannot be mounted.
fn read_only_source(
    ctx: &mut Ctx,
    (vsvc, vname): (&ServiceName, &VolumeName),
    pv: &Volume,
    span: std::ops::Range<usize>,
) -> Option<PodVolumeSource> {
    let source = match pv.kind {
        VolumeKind::HostPath => PodVolumeSource::HostPath {
            volume: vname.clone(),
            path: pv.path.clone().unwrap_or_default(),
            kind: HostPathType::Directory,
        },
        VolumeKind::Chart => {
            ctx.err(
                Code::Backup,
                format!("volume `{vsvc}/{vname}` is created by a chart; hearth cannot mount it"),
                span.clone(),
                "referenced here",
                "back up chart volumes through their chart",
            );
            return None;
        }
        VolumeKind::Longhorn | VolumeKind::Local => PodVolumeSource::Claim {
            volume: vname.clone(),
            read_only: true,
        },
    };
    Some(source)
}

/// The job's shell line: `rclone sync`, guarded by `require_path` when given.
fn script(ctx: &mut Ctx, d: &Decl, remote: &str) -> Option<String> {
    if remote.contains(SHELL) {
        d.error(
            ctx,
            format!("remote `{remote}` contains shell characters"),
            "use an rclone remote such as `encrypted:` or `azure:container/path`",
        );
        return None;
    }
    let guard =
        d.b.require_path
            .as_deref()
            .map(|p| p.trim_matches('/'))
            .filter(|p| !p.is_empty());
    if guard.is_some_and(|g| g.contains(SHELL)) {
        d.error(
            ctx,
            "`require_path` contains shell characters",
            "use a plain relative path such as `library`",
        );
        return None;
    }
    let sync = format!("rclone sync /data/src {remote} --config /config/rclone/rclone.conf");
    Some(match guard {
        Some(g) => format!(
            "if [ -d /data/src/{g} ]; then exec {sync}; else echo 'refusing to sync: /data/src/{g} is missing (volume not mounted?)' >&2; exit 1; fi"
        ),
        None => format!("exec {sync}"),
    })
}

/// The CronJob: `script` with the volume read-only at `/data/src` and the
/// rclone config from the secret key.
fn syncer(
    image: String,
    script: String,
    data: PodVolume,
    config: &SecretKeyRef,
    node: Option<NodeName>,
) -> Job {
    Job {
        kind: WorkloadKind::CronJob,
        image,
        command: vec!["/bin/sh".into(), "-c".into(), script],
        args: vec![],
        env_from: vec![],
        env: vec![],
        mounts: vec![
            Mount {
                volume: data.name.clone(),
                path: "/data/src".into(),
                sub_path: None,
                read_only: true,
            },
            Mount {
                volume: "rclone-config".into(),
                path: "/config/rclone/rclone.conf".into(),
                sub_path: Some(config.key.to_string()),
                read_only: true,
            },
        ],
        volumes: vec![
            data,
            PodVolume {
                name: "rclone-config".into(),
                source: PodVolumeSource::Secret {
                    secret: config.secret.clone(),
                    mode: Some(0o400),
                },
            },
        ],
        node,
        root: false,
        beside: BTreeMap::new(),
    }
}
