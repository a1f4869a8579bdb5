//! Ingresses: `ValidateIngressSpec`, `validateIngressRules`,
//! `validateHTTPIngressPath`, `validateIngressBackend` and `validateIngressTLS`
//! of kubernetes/kubernetes `pkg/apis/networking/validation/validation.go`.

use serde_json::Value;

use super::{Sink, arr, names, str_of};

/// Host rules: not an IP; a `*` only as `*.` + subdomain; else a subdomain.
fn host(s: &mut Sink, path: String, h: &str, rule: &'static str) {
    if h.parse::<std::net::IpAddr>().is_ok() {
        s.refuse(
            rule,
            path.clone(),
            Some(h),
            "must be a DNS name, not an IP address",
            "use a host name (the site `domain` or an ingress `host` in site.toml)",
        );
    }
    let reasons = if h.contains('*') {
        names::wildcard_dns1123_subdomain(h)
    } else {
        names::dns1123_subdomain(h)
    };
    check!(
        s,
        rule,
        path,
        h,
        reasons,
        "use a lowercase DNS name for the ingress `host` in site.toml; a wildcard only as the whole first label (`*.example.org`)"
    );
}

pub(super) fn ingress(s: &mut Sink, v: &Value) {
    let spec = &v["spec"];
    let rules = arr(&spec["rules"]);
    if rules.is_empty() && spec["defaultBackend"].is_null() {
        s.refuse(
            "ValidateIngressSpec",
            "spec",
            None,
            "either `defaultBackend` or `rules` must be specified",
            "give the ingress a workload port to route to",
        );
    }
    if !spec["defaultBackend"].is_null() {
        backend(s, "spec.defaultBackend", &spec["defaultBackend"]);
    }
    for (i, r) in rules.iter().enumerate() {
        let rp = format!("spec.rules[{i}]");
        if let Some(h) = str_of(&r["host"]).filter(|h| !h.is_empty()) {
            host(s, format!("{rp}.host"), h, "validateIngressRules");
        }
        if r["http"].is_null() {
            continue;
        }
        let paths = arr(&r["http"]["paths"]);
        if paths.is_empty() {
            s.refuse(
                "validateHTTPIngressRuleValue (Required)",
                format!("{rp}.http.paths"),
                None,
                "at least one path is required",
                "give the ingress a path",
            );
        }
        for (j, p) in paths.iter().enumerate() {
            http_path(s, &format!("{rp}.http.paths[{j}]"), p);
        }
    }
    for (i, t) in arr(&spec["tls"]).iter().enumerate() {
        tls(s, i, t);
    }
    if let Some(c) = str_of(&spec["ingressClassName"]) {
        check!(
            s,
            "ValidateIngressSpec (ValidateIngressClassName)",
            "spec.ingressClassName",
            c,
            names::dns1123_subdomain(c),
            "set `ingress_class` in site.toml to an RFC 1123 subdomain",
        );
    }
}

/// `validateHTTPIngressPath`: absolute paths (an ImplementationSpecific one
/// may be empty), a known path type, and for Exact and Prefix no empty, `.`
/// or `..` segments or encoded slashes; then the backend.
fn http_path(s: &mut Sink, pp: &str, p: &Value) {
    let path = str_of(&p["path"]).unwrap_or("");
    let path_type = str_of(&p["pathType"]);
    // Exact and Prefix paths are absolute; an ImplementationSpecific
    // one is absolute or empty.
    let absolute = match path_type {
        Some("Exact" | "Prefix") => path.starts_with('/'),
        Some("ImplementationSpecific") => path.is_empty() || path.starts_with('/'),
        _ => true,
    };
    if !absolute {
        s.refuse(
            "validateHTTPIngressPath",
            format!("{pp}.path"),
            Some(path),
            format!("`{path}` must be an absolute path"),
            "start the ingress `path` with `/` in site.toml",
        );
    }
    match path_type {
        None => s.refuse(
            "validateHTTPIngressPath (Required)",
            format!("{pp}.pathType"),
            None,
            "pathType must be specified",
            "set pathType to Prefix, Exact or ImplementationSpecific",
        ),
        Some("Exact" | "Prefix") => {
            for bad in ["//", "/./", "/../", "%2f", "%2F"] {
                if path.contains(bad) {
                    s.refuse("validateHTTPIngressPath (invalidPathSequences)", format!("{pp}.path"), Some(path), format!("`{path}` must not contain '{bad}'"), "write the ingress `path` without empty, `.` or `..` segments or encoded slashes");
                }
            }
            for bad in ["/..", "/."] {
                if path.ends_with(bad) {
                    s.refuse(
                        "validateHTTPIngressPath (invalidPathSuffixes)",
                        format!("{pp}.path"),
                        Some(path),
                        format!("`{path}` cannot end with '{bad}'"),
                        "write the ingress `path` without a trailing `.` or `..` segment",
                    );
                }
            }
        }
        Some("ImplementationSpecific") => {}
        Some(other) => s.refuse(
            "validateHTTPIngressPath (NotSupported)",
            format!("{pp}.pathType"),
            Some(other),
            format!("`{other}` is not a path type (Exact, ImplementationSpecific, Prefix)"),
            "use Prefix, Exact or ImplementationSpecific",
        ),
    }
    backend(s, &format!("{pp}.backend"), &p["backend"]);
}

/// `validateIngressTLS`: hosts as in rules, a secret name that is a subdomain.
fn tls(s: &mut Sink, i: usize, t: &Value) {
    for (j, h) in arr(&t["hosts"]).iter().enumerate() {
        if let Some(h) = str_of(h) {
            host(
                s,
                format!("spec.tls[{i}].hosts[{j}]"),
                h,
                "validateIngressTLS",
            );
        }
    }
    if let Some(name) = str_of(&t["secretName"]).filter(|n| !n.is_empty()) {
        check!(
            s,
            "validateIngressTLS (validateTLSSecretName)",
            format!("spec.tls[{i}].secretName"),
            name,
            names::dns1123_subdomain(name),
            "use a secret name that is an RFC 1123 subdomain",
        );
    }
}

/// `validateIngressBackend`: a service xor a resource; a service backend has a
/// DNS-1035 name and exactly one of a port name (IsValidPortName) or number.
fn backend(s: &mut Sink, bp: &str, b: &Value) {
    let (svc, res) = (&b["service"], &b["resource"]);
    match (svc.is_null(), res.is_null()) {
        (false, false) => s.refuse(
            "validateIngressBackend",
            bp,
            None,
            "cannot set both resource and service backends",
            "route to a service",
        ),
        (true, true) => s.refuse(
            "validateIngressBackend",
            bp,
            None,
            "resource or service backend is required",
            "route to a service",
        ),
        (true, false) => {}
        (false, true) => {
            if let Some(name) = s.required(
                "validateIngressBackend (Required)",
                format!("{bp}.service.name"),
                &svc["name"],
                "the backend service needs a name",
                "route the ingress to a workload with a Service",
            ) {
                check!(
                    s,
                    "validateIngressBackend (ValidateServiceName)",
                    format!("{bp}.service.name"),
                    name,
                    names::dns1035_label(name),
                    "route to a workload whose name starts with a letter (Service names are RFC 1035 labels)"
                );
            }
            let port_name = str_of(&svc["port"]["name"]).unwrap_or("");
            let number = svc["port"]["number"].as_i64().unwrap_or(0);
            match (port_name.is_empty(), number == 0) {
                (false, false) => s.refuse(
                    "validateIngressBackend",
                    bp,
                    None,
                    "cannot set both port name & port number",
                    "route to a port by name or by number",
                ),
                (true, true) => s.refuse(
                    "validateIngressBackend (Required)",
                    bp,
                    None,
                    "port name or number is required",
                    "route to a port",
                ),
                (false, true) => check!(
                    s,
                    "validateIngressBackend (IsValidPortName)",
                    format!("{bp}.service.port.name"),
                    port_name,
                    names::port_name(port_name),
                    "route to a port with a valid name (at most 15 characters, at least one letter)"
                ),
                (true, false) => check!(
                    s,
                    "validateIngressBackend (IsValidPortNum)",
                    format!("{bp}.service.port.number"),
                    &number.to_string(),
                    names::port_num(number),
                    "route to a port number from 1 to 65535"
                ),
            }
        }
    }
}
