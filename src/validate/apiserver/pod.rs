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

use super::quantity;
use super::{Sink, arr, map, names, str_of};

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
    let volumes = volumes(s, path, spec);
    scheduling(s, path, spec);

    // Container names: unique across init and regular containers
    // (validateInitContainers checks against the regular ones), RFC 1123 labels.
    let mut seen = BTreeSet::new();
    let mut host_ports = BTreeSet::new();
    // hearth: one port name and one containerPort/protocol per pod.
    let mut port_names: BTreeMap<&str, String> = BTreeMap::new();
    let mut port_nums: BTreeMap<(i64, &str), String> = BTreeMap::new();
    for list in ["containers", "initContainers"] {
        for (i, c) in arr(&spec[list]).iter().enumerate() {
            let cp = format!("{path}.{list}[{i}]");
            container_restart(s, &cp, c, list == "initContainers");
            let name = str_of(&c["name"]).unwrap_or("");
            if name.is_empty() {
                s.refuse(
                    "validateContainerCommon",
                    format!("{cp}.name"),
                    None,
                    "a container needs a name",
                    "name the container",
                );
            } else {
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
            container(s, &cp, c, &volumes);
            for (j, p) in arr(&c["ports"]).iter().enumerate() {
                let pp = || format!("{cp}.ports[{j}]");
                let proto = str_of(&p["protocol"]).unwrap_or("TCP");
                if let Some(hp) = p["hostPort"].as_i64().filter(|n| *n != 0) {
                    let key = format!("{proto}/{}/{hp}", str_of(&p["hostIP"]).unwrap_or(""));
                    if !host_ports.insert(key.clone()) {
                        s.refuse(
                            "AccumulateUniqueHostPorts (Duplicate)",
                            format!("{}.hostPort", pp()),
                            None,
                            format!("host port {key} is taken twice in this pod"),
                            "use each host port once per pod",
                        );
                    }
                }
                if let Some(n) = str_of(&p["name"]).filter(|n| !n.is_empty()) {
                    if let Some(first) = port_names.get(n) {
                        if !first.starts_with(&format!("{cp}.")) {
                            s.refuse(
                                "hearth: one port name per pod",
                                format!("{}.name", pp()),
                                Some(n),
                                format!("port name `{n}` is already used by `{first}`; a Service's named targetPort would be ambiguous"),
                                "rename one of the ports in site.toml",
                            );
                        }
                    } else {
                        port_names.insert(n, pp());
                    }
                }
                if let Some(num) = p["containerPort"].as_i64() {
                    let key = (num, proto);
                    if let Some(first) = port_nums.get(&key) {
                        s.refuse(
                            "hearth: the API server only warns (warningsForPodSpecAndMeta)",
                            format!("{}.containerPort", pp()),
                            None,
                            format!("duplicate port definition {num}/{proto} with `{first}`"),
                            "declare each container port (number and protocol) once per workload in site.toml",
                        );
                    } else {
                        port_nums.insert(key, pp());
                    }
                }
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

/// `validateVolumes`: names required, RFC 1123 labels, unique; exactly one
/// volume source each (`validateVolumeSource`); a claim needs a claimName.
/// Returns the declared names.
fn volumes<'a>(s: &mut Sink, path: &str, spec: &'a Value) -> BTreeSet<&'a str> {
    let mut declared = BTreeSet::new();
    for (i, v) in arr(&spec["volumes"]).iter().enumerate() {
        let vp = || format!("{path}.volumes[{i}]");
        let name = str_of(&v["name"]).unwrap_or("");
        if name.is_empty() {
            s.refuse(
                "validateVolumes",
                format!("{}.name", vp()),
                None,
                "a volume needs a name",
                "name the volume",
            );
        } else {
            check!(
                s,
                "validateVolumes (IsDNS1123Label)",
                format!("{}.name", vp()),
                name,
                names::dns1123_label(name),
                "shorten the volume's name in site.toml: hearth names pod volumes `vol-<volume>`, so a volume name may have at most 59 characters",
            );
            if !declared.insert(name) {
                s.refuse(
                    "validateVolumes (Duplicate)",
                    format!("{}.name", vp()),
                    Some(name),
                    format!("volume `{name}` is declared twice in this pod"),
                    "mount each volume once by name; give the volumes distinct names",
                );
            }
        }
        let sources: Vec<&String> = map(v)
            .map(|m| m.keys().filter(|k| *k != "name").collect())
            .unwrap_or_default();
        match sources.len() {
            0 => s.refuse(
                "validateVolumeSource",
                vp(),
                None,
                "must specify a volume type",
                "give the volume a source (persistentVolumeClaim, configMap, secret, …)",
            ),
            1 => {}
            _ => s.refuse(
                "validateVolumeSource",
                vp(),
                None,
                format!(
                    "may not specify more than 1 volume type (has {})",
                    sources
                        .iter()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "keep one source per volume",
            ),
        }
        if let Some(pvc) = map(&v["persistentVolumeClaim"])
            && pvc
                .get("claimName")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
        {
            s.refuse(
                "validatePersistentClaimVolumeSource",
                format!("{}.persistentVolumeClaim.claimName", vp()),
                None,
                "claimName is required",
                "name the claim",
            );
        }
    }
    declared
}

/// A container's own `restartPolicy`. `Always` on an init container makes it
/// a native sidecar (SidecarContainers: beta and on by default since 1.29, GA
/// 1.33, so every version of the window takes it); any other value there, and
/// any value on a regular container, is refused (ContainerRestartRules, alpha
/// in 1.34, is off by default).
fn container_restart(s: &mut Sink, cp: &str, c: &Value, init: bool) {
    let Some(p) = str_of(&c["restartPolicy"]) else {
        return;
    };
    let path = format!("{cp}.restartPolicy");
    if !init {
        s.refuse(
            "validateContainers (Forbidden)",
            path,
            Some(p),
            "may not be set for non-init containers",
            "remove the container's `restartPolicy` (the pod's applies), or make it an init container with `restartPolicy: Always` (a sidecar)",
        );
    } else if p != "Always" {
        s.refuse(
            "validateInitContainerRestartPolicy (NotSupported)",
            path,
            Some(p),
            format!("`{p}` is not supported for an init container (Always: a sidecar)"),
            "set `restartPolicy: Always` to run it as a sidecar, or remove it",
        );
    }
}

fn container(s: &mut Sink, cp: &str, c: &Value, volumes: &BTreeSet<&str>) {
    // validateContainerPorts: names valid and unique within the container,
    // containerPort required and in range, hostPort in range, known protocol.
    let mut declared_ports: BTreeSet<&str> = BTreeSet::new();
    for (j, p) in arr(&c["ports"]).iter().enumerate() {
        let pp = || format!("{cp}.ports[{j}]");
        if let Some(n) = str_of(&p["name"]).filter(|n| !n.is_empty()) {
            let reasons = names::port_name(n);
            if !reasons.is_empty() {
                check!(
                    s,
                    "validateContainerPorts (IsValidPortName)",
                    format!("{}.name", pp()),
                    n,
                    reasons,
                    "rename the port in the workload's `ports` in site.toml: at most 15 characters of lowercase letters, digits and single inner `-`, with at least one letter",
                );
            } else if !declared_ports.insert(n) {
                s.refuse(
                    "validateContainerPorts (Duplicate)",
                    format!("{}.name", pp()),
                    Some(n),
                    format!("port name `{n}` is used twice in this container"),
                    "give every port its own name",
                );
            }
        }
        match p["containerPort"].as_i64() {
            None | Some(0) => s.refuse(
                "validateContainerPorts",
                format!("{}.containerPort", pp()),
                None,
                "containerPort is required",
                "give the port a number",
            ),
            Some(n) => check!(
                s,
                "validateContainerPorts (IsValidPortNum)",
                format!("{}.containerPort", pp()),
                &n.to_string(),
                names::port_num(n),
                "use a port number from 1 to 65535 in site.toml",
            ),
        }
        if let Some(h) = p["hostPort"].as_i64().filter(|n| *n != 0) {
            check!(
                s,
                "validateContainerPorts (IsValidPortNum)",
                format!("{}.hostPort", pp()),
                &h.to_string(),
                names::port_num(h),
                "use a host port from 1 to 65535",
            );
        }
        if let Some(proto) = str_of(&p["protocol"]) {
            protocol(s, || format!("{}.protocol", pp()), proto);
        }
    }
    env(s, cp, c);
    mounts(s, cp, c, volumes);
    resources(s, cp, &c["resources"]);
    for (field, must_be_one) in [
        ("livenessProbe", true),
        ("readinessProbe", false),
        ("startupProbe", true),
    ] {
        if !c[field].is_null() {
            probe(
                s,
                &format!("{cp}.{field}"),
                &c[field],
                must_be_one,
                &declared_ports,
            );
        }
    }
}

/// `supportedPortProtocols`: TCP, UDP, SCTP.
pub(crate) fn protocol(s: &mut Sink, path: impl FnOnce() -> String, proto: &str) {
    if !matches!(proto, "TCP" | "UDP" | "SCTP") {
        s.refuse(
            "supportedPortProtocols (NotSupported)",
            path(),
            Some(proto),
            format!("`{proto}` is not a protocol (TCP, UDP, SCTP)"),
            "set the port's `protocol` in site.toml to tcp or udp",
        );
    }
}

/// The upstream rule and the help for an environment variable name under
/// Kubernetes 1.`minor` (the version-gated rule; see `names::env_var_name`).
fn env_name_rule(minor: u32) -> (&'static str, &'static str) {
    if names::relaxed_env_names(minor) {
        (
            "ValidateEnv (IsRelaxedEnvVarName, on by default since 1.32)",
            "rename the key in the workload's `env` in site.toml: printable ASCII without `=`",
        )
    } else {
        (
            "ValidateEnv (IsEnvVarName, before 1.32)",
            "rename the key in the workload's `env` in site.toml to letters, digits, `_`, `-` and `.` (not starting with a digit), or set `[site] kubernetes` to \"1.32\" or later if the cluster runs it",
        )
    }
}

/// `ValidateEnv` + `validateEnvVarValueFrom` + `ValidateEnvFrom`.
fn env(s: &mut Sink, cp: &str, c: &Value) {
    for (i, e) in arr(&c["env"]).iter().enumerate() {
        let ep = || format!("{cp}.env[{i}]");
        let name = str_of(&e["name"]).unwrap_or("");
        if name.is_empty() {
            s.refuse(
                "ValidateEnv",
                format!("{}.name", ep()),
                None,
                "an environment variable needs a name",
                "name the variable",
            );
        } else {
            let (rule, help) = env_name_rule(s.minor);
            check!(
                s,
                rule,
                format!("{}.name", ep()),
                name,
                names::env_var_name(name, s.minor),
                help,
            );
        }
        let from = &e["valueFrom"];
        if from.is_null() {
            continue;
        }
        let fp = || format!("{}.valueFrom", ep());
        let sources: Vec<&str> = [
            "fieldRef",
            "resourceFieldRef",
            "configMapKeyRef",
            "secretKeyRef",
        ]
        .into_iter()
        .filter(|k| !from[*k].is_null())
        .collect();
        let has_value = str_of(&e["value"]).is_some_and(|v| !v.is_empty());
        if sources.is_empty() {
            s.refuse("validateEnvVarValueFrom", fp(), None, "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`", "give the variable one source (`secret` + `key`, `config_map` + `key`, or `field`)");
        } else if has_value {
            s.refuse(
                "validateEnvVarValueFrom",
                fp(),
                None,
                "may not be specified when `value` is not empty",
                "give the variable either a value or a source, not both",
            );
        } else if sources.len() > 1 {
            s.refuse(
                "validateEnvVarValueFrom",
                fp(),
                None,
                format!(
                    "may not have more than one field specified at a time (has {})",
                    sources.join(", ")
                ),
                "give the variable exactly one source",
            );
        }
        for kind in ["configMapKeyRef", "secretKeyRef"] {
            let r = &from[kind];
            if r.is_null() {
                continue;
            }
            let name = str_of(&r["name"]).unwrap_or("");
            check!(
                s,
                "validateConfigMapKeySelector/validateSecretKeySelector (NameIsDNSSubdomain)",
                format!("{}.{kind}.name", fp()),
                name,
                names::dns1123_subdomain(name),
                "name an existing secret or config map",
            );
            let key = str_of(&r["key"]).unwrap_or("");
            check!(
                s,
                "validateConfigMapKeySelector/validateSecretKeySelector (IsConfigMapKey)",
                format!("{}.{kind}.key", fp()),
                key,
                names::config_map_key(key),
                "use a key of letters, digits, `-`, `_` or `.`",
            );
        }
    }
    for (i, e) in arr(&c["envFrom"]).iter().enumerate() {
        let ep = || format!("{cp}.envFrom[{i}]");
        if let Some(prefix) = str_of(&e["prefix"]).filter(|p| !p.is_empty()) {
            check!(
                s,
                "ValidateEnvFrom (env var name)",
                format!("{}.prefix", ep()),
                prefix,
                names::env_var_name(prefix, s.minor),
                "use a prefix of printable ASCII without `=`",
            );
        }
        let n = ["configMapRef", "secretRef"]
            .iter()
            .filter(|k| !e[**k].is_null())
            .count();
        if n != 1 {
            s.refuse(
                "ValidateEnvFrom",
                ep(),
                None,
                if n == 0 {
                    "must specify one of: `configMapRef` or `secretRef`"
                } else {
                    "may not have more than one field specified at a time"
                },
                "give each `env_from` entry exactly one of `secret` or `config_map`",
            );
        }
        for kind in ["configMapRef", "secretRef"] {
            if let Some(name) = str_of(&e[kind]["name"]) {
                check!(
                    s,
                    "validateConfigMapEnvSource/validateSecretEnvSource (NameIsDNSSubdomain)",
                    format!("{}.{kind}.name", ep()),
                    name,
                    names::dns1123_subdomain(name),
                    "name an existing secret or config map",
                );
            }
        }
    }
}

/// `ValidateVolumeMounts`: the volume exists, mountPath is set and unique in
/// the container, subPath/subPathExpr are relative without `..`
/// (`validateLocalDescendingPath`) and not both.
fn mounts(s: &mut Sink, cp: &str, c: &Value, volumes: &BTreeSet<&str>) {
    let mut paths: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, m) in arr(&c["volumeMounts"]).iter().enumerate() {
        let mp = || format!("{cp}.volumeMounts[{i}]");
        let name = str_of(&m["name"]).unwrap_or("");
        if !volumes.contains(name) {
            s.refuse(
                "ValidateVolumeMounts (NotFound)",
                format!("{}.name", mp()),
                Some(name),
                format!("volume `{name}` is not declared in the pod's `volumes`"),
                "mount a volume the service declares (`mounts = [{ path = …, volume = … }]` in site.toml)",
            );
        }
        let path = str_of(&m["mountPath"]).unwrap_or("");
        if path.is_empty() {
            s.refuse(
                "ValidateVolumeMounts",
                format!("{}.mountPath", mp()),
                None,
                "mountPath is required",
                "give the mount a path",
            );
        } else if let Some(first) = paths.insert(path, i) {
            s.refuse(
                "ValidateVolumeMounts (must be unique)",
                format!("{}.mountPath", mp()),
                Some(path),
                format!("`{path}` is already mounted by volumeMounts[{first}]"),
                "mount each path once per workload in site.toml",
            );
        }
        let sub = str_of(&m["subPath"]).filter(|p| !p.is_empty());
        let expr = str_of(&m["subPathExpr"]).filter(|p| !p.is_empty());
        for (field, p) in [("subPath", sub), ("subPathExpr", expr)] {
            if let Some(p) = p {
                descending_path(s, &format!("{}.{field}", mp()), p);
            }
        }
        if sub.is_some() && expr.is_some() {
            s.refuse(
                "ValidateVolumeMounts",
                format!("{}.subPathExpr", mp()),
                None,
                "subPathExpr and subPath are mutually exclusive",
                "keep one of them",
            );
        }
    }
}

/// `validateLocalDescendingPath`: relative, and no `..` component.
fn descending_path(s: &mut Sink, path: &str, p: &str) {
    if p.starts_with('/') {
        s.refuse(
            "validateLocalDescendingPath",
            path,
            Some(p),
            format!("`{p}` must be a relative path"),
            "write the sub-path relative to the volume's root, without a leading `/`",
        );
    }
    if p.replace('\\', "/").split('/').any(|c| c == "..") {
        s.refuse(
            "validateLocalDescendingPath (validatePathNoBacksteps)",
            path,
            Some(p),
            format!("`{p}` must not contain '..'"),
            "a sub-path must stay inside its volume: remove `..`",
        );
    }
}

/// `ValidateResourceRequirements`: names are standard (or qualified extended)
/// resources, quantities parse and are not negative, requests ≤ limits.
fn resources(s: &mut Sink, cp: &str, r: &Value) {
    let mut limits = BTreeMap::new();
    for section in ["limits", "requests"] {
        let Some(m) = map(&r[section]) else { continue };
        for (name, q) in m {
            let rp = || format!("{cp}.resources.{section}[{name}]");
            if !name.contains('/')
                && !matches!(name.as_str(), "cpu" | "memory" | "ephemeral-storage")
                && !name.starts_with("hugepages-")
            {
                s.refuse(
                    "validateContainerResourceName",
                    rp(),
                    Some(name),
                    format!("`{name}` is not a standard resource (cpu, memory, ephemeral-storage, hugepages-*) and has no domain prefix"),
                    "use `cpu` and `memory` in the workload's `resources` in site.toml",
                );
            }
            match quantity::from_json(q) {
                Err(e) => s.refuse(
                    "resource.ParseQuantity",
                    rp(),
                    q.as_str(),
                    e,
                    "write quantities like `250m`, `0.5`, `512Mi` or `1Gi` in site.toml",
                ),
                Ok(v) if v.is_negative() => s.refuse(
                    "ValidateResourceQuantityValue (ValidateNonnegativeQuantity)",
                    rp(),
                    q.as_str(),
                    "must be greater than or equal to 0",
                    "use a non-negative quantity",
                ),
                Ok(v) => {
                    if section == "limits" {
                        limits.insert(name.as_str(), (v, q));
                    } else if let Some((l, lq)) = limits.get(name.as_str())
                        && v.compare(l) == std::cmp::Ordering::Greater
                    {
                        let show =
                            |q: &Value| q.as_str().map_or_else(|| q.to_string(), str::to_string);
                        s.refuse(
                                "ValidateResourceRequirements",
                                rp(),
                                q.as_str(),
                                format!("request {} must be less than or equal to the {name} limit of {}", show(q), show(lq)),
                                format!("lower `requests.{name}` or raise `limits.{name}` in the workload's `resources` in site.toml"),
                            );
                    }
                }
            }
        }
    }
}

/// `validateProbe` + `validateHandler`: exactly one handler, ports as
/// `ValidatePortNumOrName`, non-negative timings, successThreshold 1 for
/// liveness and startup probes. hearth adds: a named port must be one of the
/// container's ports (the kubelet cannot resolve it otherwise and the probe
/// fails at run time).
fn probe(s: &mut Sink, pp: &str, p: &Value, must_be_one: bool, ports: &BTreeSet<&str>) {
    let handlers: Vec<&str> = ["exec", "httpGet", "tcpSocket", "grpc"]
        .into_iter()
        .filter(|k| !p[*k].is_null())
        .collect();
    match handlers.len() {
        0 => s.refuse(
            "validateHandler",
            pp,
            None,
            "must specify a handler type",
            "give the probe one of `http`, `tcp`, `exec` or `grpc` in site.toml",
        ),
        1 => {}
        _ => s.refuse(
            "validateHandler",
            pp,
            None,
            format!(
                "may not specify more than 1 handler type (has {})",
                handlers.join(", ")
            ),
            "keep one handler per probe",
        ),
    }
    for h in ["httpGet", "tcpSocket"] {
        let port = &p[h]["port"];
        let path = format!("{pp}.{h}.port");
        match port {
            Value::Number(n) => {
                let n = n.as_i64().unwrap_or(-1);
                check!(
                    s,
                    "ValidatePortNumOrName (IsValidPortNum)",
                    path,
                    &n.to_string(),
                    names::port_num(n),
                    "probe a port number from 1 to 65535",
                );
            }
            Value::String(name) => {
                let reasons = names::port_name(name);
                if !reasons.is_empty() {
                    check!(
                        s,
                        "ValidatePortNumOrName (IsValidPortName)",
                        path,
                        name,
                        reasons,
                        "probe a port by a valid name or by number",
                    );
                } else if !ports.contains(name.as_str()) {
                    s.refuse(
                        "hearth: a named probe port must exist (kubelet findPortByName)",
                        path,
                        Some(name),
                        format!("the container has no port named `{name}`"),
                        "probe one of the workload's `ports` in site.toml",
                    );
                }
            }
            _ => {}
        }
    }
    if let Some(n) = p["grpc"]["port"].as_i64() {
        check!(
            s,
            "validateGRPCAction (IsValidPortNum)",
            format!("{pp}.grpc.port"),
            &n.to_string(),
            names::port_num(n),
            "probe a port number from 1 to 65535",
        );
    }
    for f in [
        "initialDelaySeconds",
        "timeoutSeconds",
        "periodSeconds",
        "successThreshold",
        "failureThreshold",
    ] {
        if let Some(n) = p[f].as_i64().filter(|n| *n < 0) {
            s.refuse(
                "validateProbe (ValidateNonnegativeField)",
                format!("{pp}.{f}"),
                None,
                format!("{n} must be greater than or equal to 0"),
                "use a non-negative number",
            );
        }
    }
    if must_be_one && let Some(n) = p["successThreshold"].as_i64().filter(|n| *n != 1) {
        s.refuse(
            "validateContainers (successThreshold must be 1)",
            format!("{pp}.successThreshold"),
            None,
            format!("{n}: must be 1 for liveness and startup probes"),
            "remove successThreshold from liveness and startup probes",
        );
    }
}

/// The rest of `ValidatePodSpec` a rendered template can get wrong: the node
/// selector is a label map (`ValidateLabels`), tolerations
/// (`ValidateTolerations`), the service account name
/// (`ValidateServiceAccountName`, a DNS subdomain), and user and group IDs in
/// security contexts (`IsValidUserID`/`IsValidGroupID`: 0 to 2^31-1).
fn scheduling(s: &mut Sink, path: &str, spec: &Value) {
    super::meta::labels(s, &format!("{path}.nodeSelector"), &spec["nodeSelector"]);
    if let Some(sa) = str_of(&spec["serviceAccountName"]).filter(|n| !n.is_empty()) {
        check!(
            s,
            "ValidatePodSpec (ValidateServiceAccountName)",
            format!("{path}.serviceAccountName"),
            sa,
            names::dns1123_subdomain(sa),
            "name the service account as an RFC 1123 subdomain",
        );
    }
    for (i, t) in arr(&spec["tolerations"]).iter().enumerate() {
        let tp = format!("{path}.tolerations[{i}]");
        let key = str_of(&t["key"]).unwrap_or("");
        if !key.is_empty() {
            check!(
                s,
                "ValidateTolerations (IsQualifiedName)",
                format!("{tp}.key"),
                key,
                names::qualified_name(key),
                "use a qualified taint key",
            );
        }
        let value = str_of(&t["value"]).unwrap_or("");
        let op = str_of(&t["operator"]).unwrap_or("");
        if key.is_empty() && op != "Exists" {
            s.refuse("ValidateTolerations", format!("{tp}.operator"), None, "operator must be Exists when `key` is empty, which means \"match all values and all keys\"", "set operator Exists or give a key");
        }
        match op {
            "Equal" | "" => {
                check!(
                    s,
                    "ValidateTolerations (IsValidLabelValue)",
                    format!("{tp}.value"),
                    value,
                    names::label_value(value),
                    "use a label value",
                );
            }
            "Exists" => {
                if !value.is_empty() {
                    s.refuse(
                        "ValidateTolerations",
                        format!("{tp}.value"),
                        Some(value),
                        "value must be empty when `operator` is 'Exists'",
                        "remove the value or use operator Equal",
                    );
                }
            }
            other => s.refuse(
                "ValidateTolerations (NotSupported)",
                format!("{tp}.operator"),
                Some(other),
                format!("`{other}` is not a toleration operator (Equal, Exists)"),
                "use Equal or Exists",
            ),
        }
        let effect = str_of(&t["effect"]).unwrap_or("");
        if !matches!(effect, "" | "NoSchedule" | "PreferNoSchedule" | "NoExecute") {
            s.refuse(
                "ValidateTolerations (validateTaintEffect)",
                format!("{tp}.effect"),
                Some(effect),
                format!(
                    "`{effect}` is not a taint effect (NoSchedule, PreferNoSchedule, NoExecute)"
                ),
                "use NoSchedule, PreferNoSchedule or NoExecute",
            );
        }
        if !t["tolerationSeconds"].is_null() && effect != "NoExecute" {
            s.refuse(
                "ValidateTolerations",
                format!("{tp}.effect"),
                None,
                "effect must be 'NoExecute' when `tolerationSeconds` is set",
                "remove tolerationSeconds or use NoExecute",
            );
        }
    }
    let mut contexts = vec![(format!("{path}.securityContext"), &spec["securityContext"])];
    for list in ["containers", "initContainers"] {
        for (i, c) in arr(&spec[list]).iter().enumerate() {
            contexts.push((
                format!("{path}.{list}[{i}].securityContext"),
                &c["securityContext"],
            ));
        }
    }
    for (cp, ctx) in contexts {
        for (field, rule) in [
            ("runAsUser", "IsValidUserID"),
            ("runAsGroup", "IsValidGroupID"),
            ("fsGroup", "IsValidGroupID"),
        ] {
            if let Some(n) = ctx[field]
                .as_i64()
                .filter(|n| !(0..=i64::from(i32::MAX)).contains(n))
            {
                s.refuse(rule, format!("{cp}.{field}"), None, format!("{n} must be between 0 and 2147483647, inclusive"), "use a user or group ID from 0 to 2147483647 in the workload's `security` in site.toml");
            }
        }
        for (j, g) in arr(&ctx["supplementalGroups"]).iter().enumerate() {
            if let Some(n) = g
                .as_i64()
                .filter(|n| !(0..=i64::from(i32::MAX)).contains(n))
            {
                s.refuse(
                    "IsValidGroupID",
                    format!("{cp}.supplementalGroups[{j}]"),
                    None,
                    format!("{n} must be between 0 and 2147483647, inclusive"),
                    "use group IDs from 0 to 2147483647",
                );
            }
        }
    }
}
