//! NetworkPolicies: `ValidateNetworkPolicySpec` of kubernetes/kubernetes
//! `pkg/apis/networking/validation/validation.go` — the pod selector, each
//! rule's ports (`ValidateNetworkPolicyPort`) and peers
//! (`ValidateNetworkPolicyPeer`, `ValidateIPBlock`), the policy types. hearth's
//! own policies pass by construction; these rules catch a site-local template.

use std::net::IpAddr;

use serde_json::Value;

use super::{Sink, arr, map, names, str_of};

const HELP: &str = "fix the NetworkPolicy in the site's `templates/`";

pub(super) fn network_policy(s: &mut Sink, v: &Value) {
    let spec = &v["spec"];
    super::meta::label_selector(s, "spec.podSelector", &spec["podSelector"]);
    for (dir, peers) in [("ingress", "from"), ("egress", "to")] {
        for (i, rule) in arr(&spec[dir]).iter().enumerate() {
            let rp = format!("spec.{dir}[{i}]");
            for (j, p) in arr(&rule["ports"]).iter().enumerate() {
                port(s, &format!("{rp}.ports[{j}]"), p);
            }
            for (j, p) in arr(&rule[peers]).iter().enumerate() {
                peer(s, &format!("{rp}.{peers}[{j}]"), p);
            }
        }
    }
    let types = arr(&spec["policyTypes"]);
    if types.len() > 2 {
        s.refuse(
            "ValidateNetworkPolicySpec (TooMany)",
            "spec.policyTypes",
            None,
            "may list at most 2 policy types",
            HELP,
        );
    }
    for (i, t) in types.iter().enumerate() {
        let t = str_of(t).unwrap_or("");
        if !matches!(t, "Ingress" | "Egress") {
            s.refuse(
                "ValidateNetworkPolicySpec (NotSupported)",
                format!("spec.policyTypes[{i}]"),
                Some(t),
                format!("`{t}` is not a policy type (Ingress, Egress)"),
                HELP,
            );
        }
    }
}

/// `ValidateNetworkPolicyPort`: a known protocol; the port a number or an
/// IANA port name; `endPort` only after a numeric port, not below it.
fn port(s: &mut Sink, path: &str, p: &Value) {
    if let Some(proto) = str_of(&p["protocol"])
        && !matches!(proto, "TCP" | "UDP" | "SCTP")
    {
        s.refuse(
            "ValidateNetworkPolicyPort (NotSupported)",
            format!("{path}.protocol"),
            Some(proto),
            format!("`{proto}` is not a protocol (TCP, UDP, SCTP)"),
            HELP,
        );
    }
    let number = p["port"].as_i64();
    if let Some(n) = number {
        check!(
            s,
            "ValidateNetworkPolicyPort",
            format!("{path}.port"),
            &n.to_string(),
            names::port_num(n),
            HELP
        );
    } else if let Some(name) = str_of(&p["port"]) {
        check!(
            s,
            "ValidateNetworkPolicyPort",
            format!("{path}.port"),
            name,
            names::port_name(name),
            HELP
        );
    }
    let Some(end) = p["endPort"].as_i64() else {
        return;
    };
    match number {
        None => s.refuse(
            "ValidateNetworkPolicyPort (Forbidden)",
            format!("{path}.endPort"),
            None,
            "may not be specified when `port` is not a number",
            HELP,
        ),
        Some(n) if end < n => s.refuse(
            "ValidateNetworkPolicyPort (Invalid)",
            format!("{path}.endPort"),
            Some(&end.to_string()),
            format!("must be greater than or equal to `port` ({n})"),
            HELP,
        ),
        Some(_) => check!(
            s,
            "ValidateNetworkPolicyPort",
            format!("{path}.endPort"),
            &end.to_string(),
            names::port_num(end),
            HELP
        ),
    }
}

/// `ValidateNetworkPolicyPeer`: something named; an `ipBlock` alone.
fn peer(s: &mut Sink, path: &str, p: &Value) {
    let present = |k: &str| map(&p[k]).is_some();
    for k in ["podSelector", "namespaceSelector"] {
        if present(k) {
            super::meta::label_selector(s, &format!("{path}.{k}"), &p[k]);
        }
    }
    let count = ["podSelector", "namespaceSelector", "ipBlock"]
        .iter()
        .filter(|k| present(k))
        .count();
    if count == 0 {
        s.refuse(
            "ValidateNetworkPolicyPeer (Required)",
            path,
            None,
            "must specify a peer",
            HELP,
        );
    } else if count > 1 && present("ipBlock") {
        s.refuse(
            "ValidateNetworkPolicyPeer (Forbidden)",
            path,
            None,
            "may not specify both ipBlock and another peer",
            HELP,
        );
    }
    if present("ipBlock") {
        ip_block(s, &format!("{path}.ipBlock"), &p["ipBlock"]);
    }
}

/// `ValidateIPBlock`: a CIDR, and each `except` a strict subset of it.
fn ip_block(s: &mut Sink, path: &str, b: &Value) {
    let text = str_of(&b["cidr"]).unwrap_or("");
    let Some(outer) = cidr(text) else {
        let msg = format!("`{text}` is not a CIDR (address/prefix length)");
        s.refuse(
            "ValidateIPBlock (Invalid)",
            format!("{path}.cidr"),
            Some(text),
            msg,
            HELP,
        );
        return;
    };
    for (i, e) in arr(&b["except"]).iter().enumerate() {
        let et = str_of(e).unwrap_or("");
        let ep = format!("{path}.except[{i}]");
        match cidr(et) {
            None => s.refuse(
                "ValidateIPBlock (Invalid)",
                ep,
                Some(et),
                format!("`{et}` is not a CIDR"),
                HELP,
            ),
            Some(inner) if !(inner.1 > outer.1 && contains(outer, inner.0)) => s.refuse(
                "ValidateIPBlock (Invalid)",
                ep,
                Some(et),
                format!("`{et}` must be a strict subset of `{text}`"),
                HELP,
            ),
            Some(_) => {}
        }
    }
}

/// `address/length`, the length within the address's family.
fn cidr(text: &str) -> Option<(IpAddr, u8)> {
    let (addr, len) = text.split_once('/')?;
    let addr: IpAddr = addr.parse().ok()?;
    let len: u8 = len.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    (len <= max).then_some((addr, len))
}

/// Whether `ip` lies in the network `net`: both left-aligned in 128 bits,
/// the first `len` bits equal.
fn contains((net, len): (IpAddr, u8), ip: IpAddr) -> bool {
    let bits = |a: IpAddr| match a {
        IpAddr::V4(a) => (u128::from(u32::from(a)) << 96, true),
        IpAddr::V6(a) => (u128::from(a), false),
    };
    let ((n, v4), (i, v4_too)) = (bits(net), bits(ip));
    let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
    v4 == v4_too && n & mask == i & mask
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(spec: Value) -> Vec<String> {
        let v = serde_json::json!({
            "apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": { "name": "p", "namespace": "n" }, "spec": spec,
        });
        super::super::check_object(&v)
            .into_iter()
            .map(|p| format!("{}: {}", p.path, p.message))
            .collect()
    }

    #[test]
    fn valid_policies_pass() {
        let spec = serde_json::json!({
            "podSelector": {}, "policyTypes": ["Ingress", "Egress"],
            "ingress": [{ "from": [{ "podSelector": {} }], "ports": [{ "port": "http", "protocol": "TCP" }] }],
            "egress": [{ "to": [{ "ipBlock": { "cidr": "10.0.0.0/8", "except": ["10.1.0.0/16"] } }, { "ipBlock": { "cidr": "::/0" } }],
                         "ports": [{ "port": 8000, "endPort": 8100 }] }],
        });
        assert_eq!(problems(spec), Vec::<String>::new());
    }

    #[test]
    fn bad_ports_peers_and_blocks_are_refused() {
        let spec = serde_json::json!({
            "podSelector": {}, "policyTypes": ["Ingress", "Sideways"],
            "ingress": [{ "from": [{}, { "ipBlock": { "cidr": "10.0.0.0/8" }, "podSelector": {} }],
                          "ports": [{ "port": 0, "protocol": "ICMP" }, { "port": "http", "endPort": 90 }, { "port": 90, "endPort": 80 }] }],
            "egress": [{ "to": [{ "ipBlock": { "cidr": "10.0.0.0/33", "except": [] } }, { "ipBlock": { "cidr": "10.0.0.0/8", "except": ["10.0.0.0/8", "192.168.0.0/16"] } }] }],
        });
        let got = problems(spec);
        for want in [
            "spec.policyTypes[1]: `Sideways` is not a policy type",
            "spec.ingress[0].ports[0].protocol: `ICMP` is not a protocol",
            "spec.ingress[0].ports[0].port: `0` must be between 1 and 65535",
            "spec.ingress[0].ports[1].endPort: may not be specified",
            "spec.ingress[0].ports[2].endPort: must be greater than or equal to `port` (90)",
            "spec.ingress[0].from[0]: must specify a peer",
            "spec.ingress[0].from[1]: may not specify both ipBlock and another peer",
            "spec.egress[0].to[0].ipBlock.cidr: `10.0.0.0/33` is not a CIDR",
            "spec.egress[0].to[1].ipBlock.except[0]: `10.0.0.0/8` must be a strict subset of `10.0.0.0/8`",
            "spec.egress[0].to[1].ipBlock.except[1]: `192.168.0.0/16` must be a strict subset",
        ] {
            assert!(
                got.iter().any(|g| g.starts_with(want)),
                "missing {want:?} in {got:#?}"
            );
        }
        assert_eq!(got.len(), 10, "{got:#?}");
    }
}
