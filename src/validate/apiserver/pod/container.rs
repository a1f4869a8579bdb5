//! One container: `validateContainerPorts`, `ValidateResourceRequirements`,
//! `validateProbe`/`validateHandler`, and its own restart policy.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::super::{Sink, arr, map, names, quantity, str_of};

/// A container's own `restartPolicy`. `Always` on an init container makes it
/// a native sidecar (SidecarContainers: beta and on by default since 1.29, GA
/// 1.33, so every version of the window takes it); any other value there, and
/// any value on a regular container, is refused (ContainerRestartRules, alpha
/// in 1.34, is off by default).
pub(super) fn container_restart(s: &mut Sink, cp: &str, c: &Value, init: bool) {
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

pub(super) fn container(s: &mut Sink, cp: &str, c: &Value, volumes: &BTreeSet<&str>) {
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
    super::env::env(s, cp, c);
    super::volumes::mounts(s, cp, c, volumes);
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
        probe_port(s, format!("{pp}.{h}.port"), &p[h]["port"], ports);
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

/// `ValidatePortNumOrName` for a probe's port; a name must also be one of the
/// container's ports (kubelet's `findPortByName`).
fn probe_port(s: &mut Sink, path: String, port: &Value, ports: &BTreeSet<&str>) {
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
