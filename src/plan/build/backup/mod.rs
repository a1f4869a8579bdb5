//! Backups: the checks every kind shares, then one file per kind. Each kind
//! turns one `[backups.x]` into a `plan::Backup` and, where it runs a job,
//! adds the derived workload to the service that runs it.

mod clash;
mod dump;
mod job;
mod longhorn;
mod pg_backup;
mod protected;
mod rclone;
mod restic;
mod sqlite;

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use crate::diag::{Code, InputError};
use crate::plan::*;
use crate::site::model as m;
use crate::site::spanned::Spanned;

use super::resolve::Ctx;
use super::service::std_labels;

/// One backup being planned: its declaration and the error helpers that name it.
struct Decl<'a> {
    name: &'a BackupName,
    kind: BackupKind,
    b: &'a m::Backup,
    span: Range<usize>,
}

impl Decl<'_> {
    /// A kind's fields: each of `needs` must be set, and any field outside
    /// `needs` and `may` is refused, so a typo in `kind` is not silent.
    fn fields(&self, ctx: &mut Ctx, needs: &[&str], may: &[&str]) {
        let set = set_fields(self.b);
        for (f, present) in set {
            if present && !needs.contains(&f) && !may.contains(&f) {
                self.error(
                    ctx,
                    format!("`{f}` does not apply to a backup of kind `{}`", self.kind),
                    format!("remove `{f}`"),
                );
            }
        }
        for f in needs {
            if !set.iter().any(|(g, present)| g == f && *present) {
                self.error(
                    ctx,
                    format!("a backup of kind `{}` needs `{f}`", self.kind),
                    format!("add `{f}`"),
                );
            }
        }
    }

    /// An error at this `[backups.x]`.
    fn error(&self, ctx: &mut Ctx, msg: impl Into<String>, help: impl Into<String>) {
        ctx.err(Code::Backup, msg, self.span.clone(), "this backup", help);
    }

    /// Service `name`, where the job runs, exists.
    fn runs_in_exists(&self, ctx: &mut Ctx, name: &ServiceName, span: Range<usize>) -> bool {
        let exists = ctx.raw.services.contains_key(name);
        if !exists {
            ctx.err(
                Code::Dangling,
                format!("service `{name}` does not exist"),
                span,
                "referenced here",
                "declare it under [services]",
            );
        }
        exists
    }

    fn plan(&self) -> Backup {
        Backup {
            name: self.name.clone(),
            kind: self.kind,
            schedule: self.b.schedule.clone(),
            retain: self.b.retain,
            target: None,
            volumes: vec![],
            databases: vec![],
            namespace: None,
            image: None,
            engine: None,
            claim: None,
            restore: None,
            repository: None,
            check: None,
            span: self.span.clone(),
        }
    }
}

/// The dump volume `vsvc/vname` is in `ns`, where the job runs: a pod mounts
/// claims of its own namespace only.
fn dump_in_namespace(
    ctx: &mut Ctx,
    vol: &Spanned<String>,
    (vsvc, vname): (&ServiceName, &VolumeName),
    ns: &Namespace,
) -> Option<()> {
    if &ctx.namespace_of(vsvc) == ns {
        return Some(());
    }
    ctx.err(
        Code::Backup,
        format!("dump volume `{vsvc}/{vname}` is not in namespace `{ns}` where the job runs"),
        vol.span(),
        "referenced here",
        "use a volume of the `runs_in` service's namespace",
    );
    None
}

/// Which of the fields that only some kinds use are set.
fn set_fields(b: &m::Backup) -> [(&'static str, bool); 21] {
    [
        ("retain", b.retain.is_some()),
        ("target", b.target.is_some()),
        ("volumes", !b.volumes.is_empty()),
        ("databases", !b.databases.is_empty()),
        ("volume", b.volume.is_some()),
        ("runs_in", b.runs_in.is_some()),
        ("image", b.image.is_some()),
        ("user", b.user.is_some()),
        ("password", b.password.is_some()),
        ("push_gateway", b.push_gateway.is_some()),
        ("remote", b.remote.is_some()),
        ("config", b.config.is_some()),
        ("require_path", b.require_path.is_some()),
        ("node", b.node.is_some()),
        ("resources", b.resources.is_some()),
        ("repository", b.repository.is_some()),
        ("keep", b.keep.is_some()),
        ("check", b.check.is_some()),
        ("credentials", b.credentials.is_some()),
        ("command", !b.command.is_empty()),
        ("restore", b.restore.is_some()),
    ]
}

use protected::volumes_job;

/// Resolve backups, derive their jobs and the labels that make Longhorn select volumes.
pub(super) fn backups(
    ctx: &mut Ctx,
    services: &mut ServiceMap,
    providers: &BTreeMap<Capability, Vec<ServiceName>>,
    targets: &[Target],
) -> Vec<Backup> {
    let raw = ctx.raw;
    let mut out = Vec::new();
    let mut longhorn_targets: BTreeSet<TargetName> = BTreeSet::new();
    for (name, b) in &raw.backups {
        let d = Decl {
            name,
            kind: b.get_ref().kind,
            b: b.get_ref(),
            span: b.span(),
        };
        let planned = match d.kind {
            BackupKind::Longhorn => longhorn::plan(ctx, &d, services, providers),
            BackupKind::PgBackup => pg_backup::plan(ctx, &d, services),
            BackupKind::Rclone => rclone::plan(ctx, &d, services),
            BackupKind::Dump => dump::plan(ctx, &d, services),
            BackupKind::Restic => restic::plan(ctx, &d, services, targets),
            BackupKind::Job => job::plan(ctx, &d, services),
        };
        if let Some(pb) = planned {
            longhorn_targets.extend(pb.target.clone());
            out.push(pb);
        }
    }
    if longhorn_targets.len() > 1 {
        let names: Vec<String> = longhorn_targets.iter().map(|t| t.to_string()).collect();
        let e = InputError::new(
            Code::Backup,
            format!(
                "Longhorn has one backup target, but backups use {}",
                names.join(", ")
            ),
        )
        .in_file(ctx.src)
        .help("send every longhorn backup to the same target");
        ctx.errs.push(e);
    }
    clash::name_clashes(ctx, services);
    for s in services.values_mut() {
        s.workloads.sort_by(|a, b| a.name.cmp(&b.name));
    }
    out
}

/// The job a backup runs: a Deployment (a scheduler inside) or a CronJob.
struct Job {
    kind: WorkloadKind,
    image: String,
    command: Vec<String>,
    args: Vec<String>,
    env: Vec<EnvVar>,
    env_from: Vec<EnvFrom>,
    mounts: Vec<Mount>,
    volumes: Vec<PodVolume>,
    node: Option<NodeName>,
    /// Runs as root (uid 0): an image whose default user cannot read
    /// another workload's files.
    root: bool,
    /// The selector of pods the job must run beside (on their node).
    beside: BTreeMap<String, String>,
}

impl Job {
    /// A job with the claim of `volume` at `/backups`, where dumps go.
    fn into_dumps(kind: WorkloadKind, image: String, volume: VolumeName) -> Job {
        let dump = PodVolume {
            name: format!("vol-{volume}"),
            source: PodVolumeSource::Claim {
                volume,
                read_only: false,
            },
        };
        Job {
            kind,
            image,
            command: vec![],
            args: vec![],
            env: vec![],
            env_from: vec![],
            mounts: vec![Mount {
                volume: dump.name.clone(),
                path: "/backups".into(),
                sub_path: None,
                read_only: false,
            }],
            volumes: vec![dump],
            node: None,
            root: false,
            beside: BTreeMap::new(),
        }
    }
}

impl Job {
    /// The workload running this job for backup `d` in service `svc`.
    fn workload(self, d: &Decl, svc: &ServiceName, timezone: Option<String>) -> Workload {
        self.named(None, d.b.schedule.clone(), d, svc, timezone)
    }

    /// The workload under `name` (default: the backup's) on `schedule`: a
    /// backup may run a second job, such as restic's `check`.
    fn named(
        self,
        name: Option<&str>,
        schedule: Schedule,
        d: &Decl,
        svc: &ServiceName,
        timezone: Option<String>,
    ) -> Workload {
        let cron = self.kind == WorkloadKind::CronJob;
        let name = name.unwrap_or(d.name.as_str());
        let (labels, selector) = std_labels(name, svc.as_str());
        let node = self
            .node
            .or_else(|| d.b.node.as_ref().map(|n| n.get_ref().clone()));
        Workload {
            name: WorkloadName::new(name).expect("backup names are valid workload names"),
            kind: self.kind,
            api_version: self.kind.api_version(),
            replicas: (!cron).then_some(1),
            strategy: (!cron).then_some(crate::site::kinds::Strategy::Recreate),
            cron: cron.then(|| CronRun::new(schedule, timezone)),
            labels,
            selector,
            pod_annotations: BTreeMap::new(),
            placement: Placement {
                affinity: (!self.beside.is_empty()).then(|| affinity::NodeAffinity {
                    beside: self.beside,
                    ..Default::default()
                }),
                ..Placement::new(node.as_ref(), BTreeMap::new(), false, vec![])
            },
            image_pull_secrets: vec![],
            lan: None,
            node,
            tolerate_control_plane: false,
            host_network: false,
            service_account: None,
            rbac: None,
            container: Container {
                name: name.to_string(),
                image: self.image,
                command: self.command,
                args: self.args,
                working_dir: None,
                env: self.env,
                env_from: self.env_from,
                ports: vec![],
                resources: super::container::resources(&d.b.resources),
                liveness: None,
                readiness: None,
                startup: None,
                security: Some(Security {
                    no_privilege_escalation: true,
                    run_as_user: self.root.then_some(0),
                    ..Default::default()
                }),
                mounts: self.mounts,
                sidecar: false,
                lifecycle: None,
            },
            init_containers: Vec::new(),
            pod_security: None,
            termination_grace: None,
            volumes: self.volumes,
            claim_templates: Vec::new(),
            service: None,
            origin: Origin::Backup(d.name.clone()),
            security_reason: None,
            produces: Vec::new(),
            allow: Vec::new(),
            // Findings on the job point at the `[backups.x]` that makes it.
            span: d.span.clone(),
        }
    }
}

/// Where a job that reads volumes mounts volume `svc/vol`.
fn data_path(svc: &ServiceName, vol: &VolumeName) -> String {
    format!("/data/{svc}/{vol}")
}

/// The service a job runs in: `runs_in`, else `fallback`; reported when missing.
fn runs_in(ctx: &mut Ctx, d: &Decl, fallback: Option<ServiceName>) -> Option<ServiceName> {
    let (name, at) = match (&d.b.runs_in, fallback) {
        (Some(r), _) => (r.get_ref().clone(), r.span()),
        (None, Some(f)) => (f, d.span.clone()),
        (None, None) => {
            d.error(
                ctx,
                format!("a backup of kind `{}` needs `runs_in`", d.kind),
                "add `runs_in = \"<service>\"`",
            );
            return None;
        }
    };
    d.runs_in_exists(ctx, &name, at).then_some(name)
}

/// `credentials`: the secret whose keys become the job's environment.
fn credentials(ctx: &mut Ctx, d: &Decl, ns: &Namespace) -> Vec<EnvFrom> {
    let Some(c) = &d.b.credentials else {
        return vec![];
    };
    ctx.check_secret_key(ns, c.get_ref(), None, c.span());
    vec![EnvFrom::Secret(c.get_ref().clone())]
}

/// An environment variable holding a literal value.
fn plain(name: &str, value: impl Into<String>) -> EnvVar {
    EnvVar {
        name: name.into(),
        value: EnvValue::Literal(value.into()),
        span: None,
    }
}

/// An environment variable from a secret key.
fn secret_env(name: &str, r: &crate::site::model::SecretKeyRef) -> EnvVar {
    EnvVar {
        name: name.into(),
        value: EnvValue::SecretKey {
            secret: r.secret.clone(),
            key: r.key.clone(),
        },
        span: None,
    }
}
