//! Pod specs (in every workload's template): kubernetes/kubernetes
//! `pkg/apis/core/validation/validation.go` — `ValidatePodSpec`,
//! `validateVolumes`, `validateContainers`/`validateInitContainers`,
//! `validateContainerPorts`, `AccumulateUniqueHostPorts`, `ValidateEnv`,
//! `validateEnvVarValueFrom`, `ValidateEnvFrom`, `ValidateVolumeMounts`,
//! `validateLocalDescendingPath`, `ValidateResourceRequirements`,
//! `validateProbe`/`validateHandler`, `ValidatePortNumOrName`,
//! `ValidateTolerations`, `IsValidUserID`/`IsValidGroupID` — and
//! `pkg/api/pod/warnings.go` for the duplicate-port warning hearth refuses.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{Sink, arr, names, str_of};

mod container;
mod env;
mod scheduling;
mod volumes;

pub(crate) use container::protocol;

/// What the owner of a pod template allows as `restartPolicy`.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Restart {
    /// Deployments, StatefulSets, DaemonSets: `Always` (the default) only.
    Always,
    /// Jobs (and CronJobs' job templates): `OnFailure` or `Never`, set explicitly
    /// (the default, `Always`, is refused).
    OnFailureOrNever,
    /// A bare pod: any of the three.
    Any,
}

/// `ValidatePodTemplateSpec`: the template's labels and annotations, then its spec.
pub(crate) fn template(s: &mut Sink, path: &str, t: &Value, restart: Restart) {
    super::meta::labels(
        s,
        &format!("{path}.metadata.labels"),
        &t["metadata"]["labels"],
    );
    super::meta::annotations(
        s,
        &format!("{path}.metadata.annotations"),
        &t["metadata"]["annotations"],
    );
    pod_spec(s, &format!("{path}.spec"), &t["spec"], restart);
}

pub(crate) fn pod_spec(s: &mut Sink, path: &str, spec: &Value, restart: Restart) {
    restart_policy(s, path, spec, restart);
    let volumes = volumes::volumes(s, path, spec);
    scheduling::scheduling(s, path, spec);
    let mut names = BTreeSet::new();
    let mut ports = PodPorts::default();
    for list in ["containers", "initContainers"] {
        for (i, c) in arr(&spec[list]).iter().enumerate() {
            let cp = format!("{path}.{list}[{i}]");
            container::container_restart(s, &cp, c, list == "initContainers");
            container_name(s, &cp, c, &mut names);
            container::container(s, &cp, c, &volumes);
            for (j, p) in arr(&c["ports"]).iter().enumerate() {
                ports.add(s, &cp, &format!("{cp}.ports[{j}]"), p);
            }
        }
    }
}

/// Container names: RFC 1123 labels, unique across init and regular
/// containers (validateInitContainers checks against the regular ones).
fn container_name<'a>(s: &mut Sink, cp: &str, c: &'a Value, seen: &mut BTreeSet<&'a str>) {
    let Some(name) = s.required(
        "validateContainerCommon",
        format!("{cp}.name"),
        &c["name"],
        "a container needs a name",
        "name the container",
    ) else {
        return;
    };
    check!(
        s,
        "validateContainerCommon (IsDNS1123Label)",
        format!("{cp}.name"),
        name,
        names::dns1123_label(name),
        "rename the workload in site.toml (its container is named after it)",
    );
    if !seen.insert(name) {
        s.refuse(
            "validateContainers/validateInitContainers (Duplicate)",
            format!("{cp}.name"),
            Some(name),
            format!("container name `{name}` is used twice in this pod (containers and initContainers share names)"),
            "give every container of the pod its own name",
        );
    }
}

/// hearth's rule: one port name per pod (the API server checks names per
/// container only).
pub(crate) const ONE_PORT_NAME: &str = "hearth: one port name per pod";
/// hearth's rule: one containerPort/protocol per pod (the API server warns).
pub(crate) const ONE_PORT_NUMBER: &str =
    "hearth: the API server only warns (warningsForPodSpecAndMeta)";

/// Ports across the whole pod: host ports unique (`AccumulateUniqueHostPorts`),
/// and, hearth's own rules, one port name and one containerPort/protocol per
/// pod (the first holder's field path is kept for the message).
#[derive(Default)]
struct PodPorts<'a> {
    host: BTreeSet<String>,
    names: BTreeMap<&'a str, String>,
    numbers: BTreeMap<(i64, &'a str), String>,
}

impl<'a> PodPorts<'a> {
    fn add(&mut self, s: &mut Sink, cp: &str, pp: &str, p: &'a Value) {
        let proto = str_of(&p["protocol"]).unwrap_or("TCP");
        if let Some(hp) = p["hostPort"].as_i64().filter(|n| *n != 0) {
            let key = format!("{proto}/{}/{hp}", str_of(&p["hostIP"]).unwrap_or(""));
            if !self.host.insert(key.clone()) {
                s.refuse(
                    "AccumulateUniqueHostPorts (Duplicate)",
                    format!("{pp}.hostPort"),
                    None,
                    format!("host port {key} is taken twice in this pod"),
                    "use each host port once per pod",
                );
            }
        }
        if let Some(n) = str_of(&p["name"]).filter(|n| !n.is_empty()) {
            match self.names.get(n) {
                // The same name twice in one container is validateContainerPorts' finding.
                Some(first) if first.starts_with(&format!("{cp}.")) => {}
                Some(first) => s.refuse(
                    ONE_PORT_NAME,
                    format!("{pp}.name"),
                    Some(n),
                    format!("port name `{n}` is already used by `{first}`; a Service's named targetPort would be ambiguous"),
                    "rename one of the ports in site.toml",
                ),
                None => {
                    self.names.insert(n, pp.to_string());
                }
            }
        }
        if let Some(num) = p["containerPort"].as_i64() {
            if let Some(first) = self.numbers.get(&(num, proto)) {
                s.refuse(
                    ONE_PORT_NUMBER,
                    format!("{pp}.containerPort"),
                    None,
                    format!("duplicate port definition {num}/{proto} with `{first}`"),
                    "declare each container port (number and protocol) once per workload in site.toml",
                );
            } else {
                self.numbers.insert((num, proto), pp.to_string());
            }
        }
    }
}

fn restart_policy(s: &mut Sink, path: &str, spec: &Value, restart: Restart) {
    let policy = str_of(&spec["restartPolicy"]);
    let p = format!("{path}.restartPolicy");
    match (restart, policy) {
        (Restart::Always, None | Some("Always")) => {}
        (Restart::Always, Some(other)) => s.refuse(
            "ValidatePodTemplateSpecForReplicaSet / ValidateStatefulSetSpec / ValidateDaemonSetSpec (NotSupported)",
            p,
            Some(other),
            format!("`{other}` is not supported here: a Deployment, StatefulSet or DaemonSet restarts its pods `Always`"),
            "remove `restartPolicy` (long-running workloads always restart), or make the workload a cronjob",
        ),
        (Restart::OnFailureOrNever, Some("OnFailure" | "Never")) => {}
        (Restart::OnFailureOrNever, other) => s.refuse(
            "validateJobSpec (NotSupported)",
            p,
            other,
            format!(
                "`{}` is not supported for a Job: use `OnFailure` or `Never`",
                other.unwrap_or("Always (the default)")
            ),
            "set the job template's restartPolicy to OnFailure or Never",
        ),
        (Restart::Any, None | Some("Always" | "OnFailure" | "Never")) => {}
        (Restart::Any, Some(other)) => s.refuse(
            "validateRestartPolicy (NotSupported)",
            p,
            Some(other),
            format!("`{other}` is not a restart policy (Always, OnFailure, Never)"),
            "use Always, OnFailure or Never",
        ),
    }
}
