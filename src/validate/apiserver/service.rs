//! Services: `ValidateService` and `validateServicePort` of kubernetes/kubernetes
//! `pkg/apis/core/validation/validation.go` (the name rule, NameIsDNS1035Label,
//! is in `meta`).

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Sink, arr, names, str_of};

pub(super) fn service(s: &mut Sink, v: &Value) {
    let spec = &v["spec"];
    traffic_distribution(s, spec);
    let ty = str_of(&spec["type"]).unwrap_or("ClusterIP");
    if !matches!(
        ty,
        "ClusterIP" | "NodePort" | "LoadBalancer" | "ExternalName"
    ) {
        s.refuse(
            "ValidateService (NotSupported)",
            "spec.type",
            Some(ty),
            format!("`{ty}` is not a Service type"),
            "use ClusterIP, NodePort, LoadBalancer or ExternalName",
        );
    }
    let headless = str_of(&spec["clusterIP"]) == Some("None");
    let ports = arr(&spec["ports"]);
    if ports.is_empty() && !headless && ty != "ExternalName" {
        s.refuse("ValidateService (Required)", "spec.ports", None, "a Service needs at least one port", "give the workload a port with `service = <number>` in site.toml, or render no Service for it");
    }
    let mut seen = Seen::default();
    for (i, p) in ports.iter().enumerate() {
        port(s, i, p, ty, ports.len() > 1, &mut seen);
    }
    super::meta::labels(s, "spec.selector", &spec["selector"]);
}

/// Port names and (number, protocol) pairs already taken, with their index.
#[derive(Default)]
struct Seen<'a> {
    names: BTreeMap<&'a str, usize>,
    pairs: BTreeMap<(i64, &'a str), usize>,
}

/// `validateServicePort`: a name when there are several ports (RFC 1123,
/// unique), a port number, a protocol, a unique port/protocol pair, a valid
/// target, and no nodePort on a ClusterIP Service.
fn port<'a>(
    s: &mut Sink,
    i: usize,
    p: &'a Value,
    ty: &str,
    require_name: bool,
    seen: &mut Seen<'a>,
) {
    let pp = format!("spec.ports[{i}]");
    let name = str_of(&p["name"]).unwrap_or("");
    if name.is_empty() {
        if require_name {
            s.refuse(
                "validateServicePort (Required)",
                format!("{pp}.name"),
                None,
                "every port of a Service with more than one port needs a name",
                "name every port of the workload in site.toml",
            );
        }
    } else {
        check!(
            s,
            "validateServicePort (ValidateDNS1123Label)",
            format!("{pp}.name"),
            name,
            names::dns1123_label(name),
            "rename the port in the workload's `ports` in site.toml (an RFC 1123 label)",
        );
        if let Some(first) = seen.names.insert(name, i) {
            s.refuse(
                "validateServicePort (Duplicate)",
                format!("{pp}.name"),
                Some(name),
                format!("port name `{name}` is already used by spec.ports[{first}]"),
                "give every Service port its own name",
            );
        }
    }
    let num = p["port"].as_i64().unwrap_or(0);
    check!(
        s,
        "validateServicePort (IsValidPortNum)",
        format!("{pp}.port"),
        &num.to_string(),
        names::port_num(num),
        "set the port's `service` number in site.toml from 1 to 65535",
    );
    let proto = str_of(&p["protocol"]).unwrap_or("TCP");
    super::pod::protocol(s, || format!("{pp}.protocol"), proto);
    if let Some(first) = seen.pairs.insert((num, proto), i) {
        s.refuse(
            "ValidateService (Duplicate port and protocol)",
            pp.to_string(),
            None,
            format!("port {num}/{proto} is already exposed by spec.ports[{first}]"),
            "give each port of the workload its own `service` number in site.toml",
        );
    }
    target_port(s, &pp, &p["targetPort"]);
    if p["nodePort"].as_i64().is_some_and(|n| n != 0) && ty == "ClusterIP" {
        s.refuse(
            "ValidateService (Forbidden)",
            format!("{pp}.nodePort"),
            None,
            "may not be used when `type` is 'ClusterIP'",
            "remove nodePort or change the Service type",
        );
    }
}

/// `ValidatePortNumOrName` for a targetPort (0 is defaulted to `port` first).
fn target_port(s: &mut Sink, pp: &str, target: &Value) {
    match target {
        Value::Number(n) => {
            let n = n.as_i64().unwrap_or(-1);
            // 0 is defaulted to `port` before validation.
            if n != 0 {
                check!(
                    s,
                    "validateServicePort (ValidatePortNumOrName)",
                    format!("{pp}.targetPort"),
                    &n.to_string(),
                    names::port_num(n),
                    "target a container port from 1 to 65535",
                );
            }
        }
        Value::String(t) if !t.is_empty() => {
            check!(
                s,
                "validateServicePort (ValidatePortNumOrName → IsValidPortName)",
                format!("{pp}.targetPort"),
                t,
                names::port_name(t),
                "target a container port by a valid port name (at most 15 characters, at least one letter)"
            );
        }
        _ => {}
    }
}

/// The `trafficDistribution` values the API server of 1.`minor` takes with
/// its default feature gates, or None when it drops the field.
/// ServiceTrafficDistribution (KEP-4444): alpha 1.30 (off: dropped), beta 1.31,
/// GA 1.33, `PreferClose` only. PreferSameTrafficDistribution (KEP-3015):
/// alpha 1.33 (off), beta 1.34 (on) adds `PreferSameZone` and `PreferSameNode`.
pub fn traffic_distributions(minor: u32) -> Option<&'static [&'static str]> {
    match minor {
        ..=30 => None,
        31..=33 => Some(&["PreferClose"]),
        _ => Some(&["PreferClose", "PreferSameZone", "PreferSameNode"]),
    }
}

/// `validateServiceTrafficDistribution`, version-gated.
fn traffic_distribution(s: &mut Sink, spec: &Value) {
    let Some(td) = str_of(&spec["trafficDistribution"]) else {
        return;
    };
    let path = "spec.trafficDistribution";
    match traffic_distributions(s.minor) {
        None => s.refuse(
            "hearth: ServiceTrafficDistribution is off by default in 1.30 (dropServiceDisabledFields)",
            path,
            Some(td),
            format!("Kubernetes 1.{} drops `trafficDistribution: {td}` without a word", s.minor),
            "remove `trafficDistribution` from the site-local template, or set `[site] kubernetes` to \"1.31\" or later if the cluster runs it",
        ),
        Some(ok) if !ok.contains(&td) => s.refuse(
            "validateServiceTrafficDistribution (NotSupported)",
            path,
            Some(td),
            format!(
                "`{td}` is not a traffic distribution Kubernetes 1.{} takes ({})",
                s.minor,
                ok.join(", ")
            ),
            if s.minor < 34 {
                "use PreferClose (PreferSameZone and PreferSameNode need 1.34), or set `[site] kubernetes` to the version the cluster runs"
            } else {
                "use PreferClose, PreferSameZone or PreferSameNode"
            },
        ),
        Some(_) => {}
    }
}
