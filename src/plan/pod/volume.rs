//! A pod's volumes and the containers' mounts of them.

use k8s_openapi::api::core::v1 as k8s;
use serde::Serialize;

use crate::site::kinds::HostPathType;
use crate::site::names::{ConfigMapName, SecretName, VolumeName};

/// A mount of a pod volume into the container.
#[derive(Debug, Clone, Serialize)]
#[serde(into = "k8s::VolumeMount")]
pub struct Mount {
    /// The pod volume's name.
    pub volume: String,
    pub path: String,
    pub sub_path: Option<String>,
    pub read_only: bool,
}

impl From<Mount> for k8s::VolumeMount {
    fn from(m: Mount) -> Self {
        Self {
            name: m.volume,
            mount_path: m.path,
            sub_path: m.sub_path,
            read_only: m.read_only.then_some(true),
            ..Default::default()
        }
    }
}

/// A volume of the pod.
#[derive(Debug, Clone, Serialize)]
#[serde(into = "k8s::Volume")]
pub struct PodVolume {
    pub name: String,
    pub source: PodVolumeSource,
}

#[derive(Debug, Clone)]
pub enum PodVolumeSource {
    /// A per-pod volume of the site: the StatefulSet's claim template of
    /// that name (not listed among the pod's volumes).
    ClaimTemplate {
        volume: VolumeName,
    },
    /// A volume of the site through its claim.
    Claim {
        volume: VolumeName,
        read_only: bool,
    },
    /// A folder of the node: a host-path volume of the site.
    HostPath {
        volume: VolumeName,
        path: String,
        kind: HostPathType,
    },
    Secret {
        secret: SecretName,
        mode: Option<u32>,
    },
    ConfigMap {
        config_map: ConfigMapName,
        mode: Option<u32>,
    },
    EmptyDir,
}

impl PodVolume {
    /// The site volume behind this pod volume, if any.
    pub fn site_volume(&self) -> Option<&VolumeName> {
        match &self.source {
            PodVolumeSource::Claim { volume, .. }
            | PodVolumeSource::HostPath { volume, .. }
            | PodVolumeSource::ClaimTemplate { volume } => Some(volume),
            _ => None,
        }
    }
}

fn mode(m: Option<u32>) -> Option<i32> {
    m.and_then(|m| i32::try_from(m).ok())
}

impl From<PodVolume> for k8s::Volume {
    fn from(v: PodVolume) -> Self {
        let mut out = Self {
            name: v.name,
            ..Default::default()
        };
        match v.source {
            PodVolumeSource::Claim { volume, read_only } => {
                out.persistent_volume_claim = Some(k8s::PersistentVolumeClaimVolumeSource {
                    claim_name: volume.to_string(),
                    read_only: read_only.then_some(true),
                });
            }
            PodVolumeSource::HostPath { path, kind, .. } => {
                out.host_path = Some(k8s::HostPathVolumeSource {
                    path,
                    type_: Some(kind.as_str().into()),
                });
            }
            PodVolumeSource::Secret { secret, mode: m } => {
                out.secret = Some(k8s::SecretVolumeSource {
                    secret_name: Some(secret.to_string()),
                    default_mode: mode(m),
                    ..Default::default()
                });
            }
            PodVolumeSource::ConfigMap {
                config_map,
                mode: m,
            } => {
                out.config_map = Some(k8s::ConfigMapVolumeSource {
                    name: config_map.to_string(),
                    default_mode: mode(m),
                    ..Default::default()
                });
            }
            PodVolumeSource::EmptyDir => out.empty_dir = Some(Default::default()),
            // Never listed: `Workload::volumes` leaves claim templates out.
            PodVolumeSource::ClaimTemplate { .. } => {}
        }
        out
    }
}
