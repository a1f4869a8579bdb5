//! Mounts of a workload and the pod volumes behind them, each declared once.

use crate::diag::Code;
use std::collections::BTreeMap;
use std::ops::Range;

use crate::plan::*;
use crate::site::model as m;
use crate::site::spanned::Spanned;

use super::resolve::Ctx;

fn parse_mode(ctx: &mut Ctx, mode: &Option<String>, span: Range<usize>) -> Option<u32> {
    let m = mode.as_ref()?;
    match u32::from_str_radix(m.trim_start_matches("0o"), 8) {
        Ok(v) if v <= 0o777 => Some(v),
        _ => {
            ctx.err(
                Code::Mode,
                format!("`{m}` is not an octal file mode"),
                span,
                "this mount",
                "write the mode as an octal string, e.g. \"0440\"",
            );
            None
        }
    }
}

/// The pod volumes of a workload, collected over its containers' mounts so
/// that each is declared once however many containers mount it.
#[derive(Default)]
pub(super) struct PodVolumes {
    volumes: BTreeMap<String, PodVolume>,
    /// Mounts seen so far: numbers the next container's scratch folders, so
    /// each container's `empty_dir` is its own.
    seen: usize,
}

impl PodVolumes {
    /// The container mounts of `list` (a mount list of workload `w`), adding
    /// the pod volumes they need.
    pub(super) fn mounts(
        &mut self,
        ctx: &mut Ctx,
        ns: &Namespace,
        (wname, w): (&WorkloadName, &m::Workload),
        list: &[Spanned<m::Mount>],
    ) -> Vec<Mount> {
        let mut mounts = Vec::new();
        for (i, mt) in list.iter().enumerate() {
            let m = mt.get_ref();
            let sources = m.volume.is_some() as u8
                + m.secret.is_some() as u8
                + m.config_map.is_some() as u8
                + m.empty_dir as u8;
            if sources != 1 {
                ctx.err(
                    Code::Mount,
                    "a mount has exactly one of `volume`, `secret`, `config_map` or `empty_dir`",
                    mt.span(),
                    "this mount",
                    "split it into one mount per source",
                );
                continue;
            }
            let Some(vol) = pod_volume(ctx, ns, wname, w, mt, self.seen + i) else {
                continue;
            };
            mounts.push(Mount {
                volume: vol.name.clone(),
                path: m.path.to_string(),
                sub_path: m
                    .key
                    .as_ref()
                    .map(|k| k.to_string())
                    .or_else(|| m.sub_path.clone()),
                read_only: m.read_only,
            });
            self.volumes.insert(vol.name.clone(), vol);
        }
        self.seen += list.len();
        mounts
    }

    /// The pod's volumes by name, and apart the per-pod site volumes its
    /// StatefulSet makes claims for.
    pub(super) fn into_parts(self) -> (Vec<PodVolume>, Vec<VolumeName>) {
        let mut volumes = Vec::new();
        let mut claims = Vec::new();
        for v in self.volumes.into_values() {
            match v.source {
                PodVolumeSource::ClaimTemplate { volume } => claims.push(volume),
                _ => volumes.push(v),
            }
        }
        (volumes, claims)
    }
}

/// A local or host-path volume lives on one node: its workload must too.
fn same_node(
    ctx: &mut Ctx,
    (wname, w): (&WorkloadName, &m::Workload),
    (v, vol): (&VolumeName, &m::Volume),
    span: std::ops::Range<usize>,
) {
    if let (Some(vnode), Some(wnode)) = (&vol.node, &w.node)
        && matches!(vol.kind, VolumeKind::Local | VolumeKind::HostPath)
        && vnode.get_ref() != wnode.get_ref()
    {
        ctx.err(
            Code::Node,
            format!(
                "`{wname}` is pinned to `{}` but volume `{v}` lives on `{}`",
                wnode.get_ref(),
                vnode.get_ref()
            ),
            span,
            "this mount",
            "pin the workload to the volume's node",
        );
    }
}

/// The pod volume of a mount of one of the site's volumes.
fn site_volume(
    ctx: &mut Ctx,
    ns: &Namespace,
    (wname, w): (&WorkloadName, &m::Workload),
    mt: &Spanned<m::Mount>,
    v: &VolumeName,
) -> Option<PodVolume> {
    let (span, m) = (mt.span(), mt.get_ref());
    let Some(vol) = ctx.find_volume(ns, v) else {
        ctx.err(
            Code::Dangling,
            format!("volume `{v}` does not exist in namespace `{ns}`"),
            span,
            "referenced here",
            "declare it under [services.<name>.volumes]",
        );
        return None;
    };
    same_node(ctx, (wname, w), (v, vol), span.clone());
    if vol.per_pod {
        if w.kind != WorkloadKind::StatefulSet {
            ctx.err(
                Code::Mount,
                format!("volume `{v}` is per pod, and only a stateful set has a claim per pod; `{wname}` is a {}", w.kind),
                span,
                "this mount",
                "mount it from a stateful set, or drop `per_pod` from the volume",
            );
            return None;
        }
        // The claim template's name is what the containers mount.
        return Some(PodVolume {
            name: v.to_string(),
            source: PodVolumeSource::ClaimTemplate { volume: v.clone() },
        });
    }
    let source = match vol.kind {
        VolumeKind::HostPath => PodVolumeSource::HostPath {
            volume: v.clone(),
            path: vol
                .path
                .as_ref()
                .map_or_else(|| "/".to_string(), |p| p.to_string()),
            // What is read or kept must already be there: a missing disk
            // must stop the pod, not become an empty folder a backup copies.
            kind: vol.host_type.unwrap_or(if m.read_only || vol.holds_data {
                HostPathType::Directory
            } else {
                HostPathType::DirectoryOrCreate
            }),
        },
        VolumeKind::Chart => {
            ctx.err(
                Code::Mount,
                format!("volume `{v}` is created by a Helm chart and cannot be mounted here"),
                span,
                "this mount",
                "mount a volume declared with kind longhorn, local or host-path",
            );
            return None;
        }
        VolumeKind::Longhorn | VolumeKind::Local => PodVolumeSource::Claim {
            volume: v.clone(),
            read_only: false,
        },
    };
    Some(PodVolume {
        name: format!("vol-{v}"),
        source,
    })
}

/// The pod volume one mount needs, named by its source so two mounts of one
/// source share it.
fn pod_volume(
    ctx: &mut Ctx,
    ns: &Namespace,
    wname: &WorkloadName,
    w: &m::Workload,
    mt: &Spanned<m::Mount>,
    index: usize,
) -> Option<PodVolume> {
    let (span, m) = (mt.span(), mt.get_ref());
    let mode = parse_mode(ctx, &m.mode, span.clone());
    if let Some(v) = &m.volume {
        return site_volume(ctx, ns, (wname, w), mt, v);
    }
    let (name, source) = if let Some(s) = &m.secret {
        ctx.check_secret_key(ns, s, m.key.as_ref(), span);
        (
            format!("secret-{s}"),
            PodVolumeSource::Secret {
                secret: s.clone(),
                mode,
            },
        )
    } else if let Some(c) = &m.config_map {
        ctx.check_config_map_key(ns, c, m.key.as_ref(), span);
        (
            format!("cm-{c}"),
            PodVolumeSource::ConfigMap {
                config_map: c.clone(),
                mode,
            },
        )
    } else {
        (format!("empty-{index}"), PodVolumeSource::EmptyDir)
    };
    Some(PodVolume { name, source })
}
