//! Workloads of the plan: what runs, where, how often, and the Service and RBAC
//! around it.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use k8s_openapi::api::rbac::v1 as rbac;
use serde::{Serialize, Serializer};

use super::Exception;
use super::exposure::LanService;
use super::placement::Placement;
use super::pod::{
    Container, EnvFrom, EnvValue, PodSecurity, PodVolume, PodVolumeSource, ServicePort,
};
use crate::site::kinds::{Strategy, WorkloadKind};
use crate::site::model::RbacRule;
use crate::site::names::{
    BackupName, ConfigMapName, NodeName, SecretName, VolumeName, WorkloadName,
};
use crate::site::values::Cron as Schedule;

#[derive(Debug, Serialize)]
pub struct Workload {
    pub name: WorkloadName,
    pub kind: WorkloadKind,
    /// `kind.api_version()`, for templates.
    pub api_version: &'static str,
    pub replicas: Option<u32>,
    pub strategy: Option<Strategy>,
    /// Cron jobs: when and how they run.
    pub cron: Option<CronRun>,
    pub labels: BTreeMap<String, String>,
    pub selector: BTreeMap<String, String>,
    pub pod_annotations: BTreeMap<String, String>,
    pub node: Option<NodeName>,
    pub tolerate_control_plane: bool,
    /// The node selector and tolerations of its pods.
    pub placement: Placement,
    /// Secrets the kubelet pulls its image with.
    pub image_pull_secrets: Vec<SecretName>,
    pub host_network: bool,
    pub service_account: Option<String>,
    pub rbac: Option<Rbac>,
    pub container: Container,
    /// Init containers, then native sidecars, in the order they start.
    pub init_containers: Vec<Container>,
    pub pod_security: Option<PodSecurity>,
    /// `terminationGracePeriodSeconds`, when the site sets it.
    pub termination_grace: Option<u64>,
    pub volumes: Vec<PodVolume>,
    /// Per-pod site volumes: the StatefulSet's volume claim templates.
    pub claim_templates: Vec<VolumeName>,
    /// The Service in front of the workload, when a port is exposed.
    pub service: Option<WorkloadService>,
    /// The Service putting some of its ports on the LAN.
    pub lan: Option<LanService>,
    pub origin: Origin,
    /// Why it needs privileges or the host network, when it says.
    pub security_reason: Option<String>,
    /// Metric names (or `prefix_*` families) it serves, for monitoring's checks.
    pub produces: Vec<String>,
    pub allow: Vec<Exception>,
    #[serde(skip)]
    pub span: Range<usize>,
}

impl Workload {
    /// The site volumes its pod mounts.
    pub fn site_volumes(&self) -> impl Iterator<Item = &VolumeName> {
        let claims = self.claim_templates.iter();
        self.volumes
            .iter()
            .filter_map(|v| v.site_volume())
            .chain(claims)
    }

    /// Every container of its pod: the main one, then the init containers
    /// and sidecars.
    pub fn containers(&self) -> impl Iterator<Item = &Container> {
        std::iter::once(&self.container).chain(&self.init_containers)
    }

    /// Whether `c` is the main container (named after the workload).
    pub fn is_main(&self, c: &Container) -> bool {
        std::ptr::eq(c, &self.container)
    }

    /// How a finding names container `c`: nothing for the main container
    /// (the workload speaks for it), else "container `name` ".
    pub fn which(&self, c: &Container) -> String {
        if self.is_main(c) {
            String::new()
        } else {
            format!("container `{}` ", c.name)
        }
    }

    /// The ConfigMaps and Secrets its pod reads (environment and mounts), each once.
    pub fn config_sources(&self) -> ConfigSources {
        let mut out = ConfigSources::default();
        for c in self.containers() {
            out.add_env(c);
        }
        for v in &self.volumes {
            match &v.source {
                PodVolumeSource::Secret { secret, .. } => {
                    out.secrets.insert(secret.clone());
                }
                PodVolumeSource::ConfigMap { config_map, .. } => {
                    out.config_maps.insert(config_map.clone());
                }
                _ => {}
            }
        }
        out
    }
}

impl ConfigSources {
    /// What one container's environment reads.
    fn add_env(&mut self, c: &Container) {
        let out = self;
        for e in &c.env {
            match &e.value {
                EnvValue::SecretKey { secret, .. } => {
                    out.secrets.insert(secret.clone());
                }
                EnvValue::ConfigMapKey { config_map, .. } => {
                    out.config_maps.insert(config_map.clone());
                }
                EnvValue::Literal(_) | EnvValue::Field(_) => {}
            }
        }
        for e in &c.env_from {
            match e {
                EnvFrom::Secret(s) => {
                    out.secrets.insert(s.clone());
                }
                EnvFrom::ConfigMap(m) => {
                    out.config_maps.insert(m.clone());
                }
            }
        }
    }
}

/// What a pod reads from ConfigMaps and Secrets of its namespace.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ConfigSources {
    pub config_maps: BTreeSet<ConfigMapName>,
    pub secrets: BTreeSet<SecretName>,
}

/// Where a workload came from: the site's own `[workloads]`, or a backup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Site,
    Backup(BackupName),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Site => f.write_str("site"),
            Self::Backup(b) => write!(f, "backup:{b}"),
        }
    }
}

impl Serialize for Origin {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// How a CronJob runs. Home-cluster defaults: never two runs at once (a backup
/// must not race itself), a failed run retried twice then left for inspection,
/// three runs of history kept.
#[derive(Debug, Serialize)]
pub struct CronRun {
    pub schedule: Schedule,
    pub time_zone: Option<String>,
    pub concurrency_policy: ConcurrencyPolicy,
    pub backoff_limit: u32,
    pub history: u32,
    pub restart_policy: RestartPolicy,
}

impl CronRun {
    pub fn new(schedule: Schedule, time_zone: Option<String>) -> Self {
        Self {
            schedule,
            time_zone,
            concurrency_policy: ConcurrencyPolicy::Forbid,
            backoff_limit: 2,
            history: 3,
            restart_policy: RestartPolicy::Never,
        }
    }
}

/// `spec.concurrencyPolicy` of a CronJob.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ConcurrencyPolicy {
    Forbid,
}

/// `restartPolicy` of a Job's pod.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RestartPolicy {
    Never,
}

#[derive(Debug, Serialize)]
pub struct Rbac {
    pub cluster: bool,
    pub rules: Vec<PolicyRule>,
}

/// One RBAC rule, as the Role lists it.
#[derive(Debug, Clone, Serialize)]
#[serde(into = "rbac::PolicyRule")]
pub struct PolicyRule(pub RbacRule);

impl From<PolicyRule> for rbac::PolicyRule {
    fn from(PolicyRule(r): PolicyRule) -> Self {
        Self {
            api_groups: Some(r.api_groups),
            resources: Some(r.resources),
            verbs: r.verbs,
            ..Default::default()
        }
    }
}

/// The ClusterIP Service in front of a workload.
#[derive(Debug, Serialize)]
pub struct WorkloadService {
    pub name: String,
    pub ports: Vec<ServicePort>,
}
