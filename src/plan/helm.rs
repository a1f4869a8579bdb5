//! Built-in values for the charts hearth knows, derived from the site, and the
//! merge that lets a site's own `values` win over them.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::Service;
use crate::diag::{Errors, InputError, SourceFile};
use crate::site::model::{BackupKind, RawSite};
use crate::site::names::ServiceName;

/// The ingress-nginx JSON access-log format of the reference cluster: field name,
/// nginx variable, and whether the value is written unquoted (a JSON number).
/// The exporter and the log pipelines parse exactly these fields.
pub const ACCESS_LOG_FIELDS: [(&str, &str, bool); 22] = [
    ("time", "$time_iso8601", false),
    ("remote_address", "$remote_addr", false),
    ("request", "$request", false),
    ("status", "$status", true),
    ("http_user_agent", "$http_user_agent", false),
    ("request_length", "$request_length", true),
    ("body_bytes_sent", "$body_bytes_sent", false),
    ("http_referrer", "$http_referer", false),
    ("request_time", "$request_time", true),
    ("host", "$host", false),
    ("request_id", "$req_id", false),
    ("x_forwarded_for", "$proxy_add_x_forwarded_for", false),
    ("remote_user", "$remote_user", false),
    ("ingress_namespace", "$namespace", false),
    ("path", "$uri", false),
    ("request_proto", "$server_protocol", false),
    ("method", "$request_method", false),
    ("request_query", "$args", false),
    ("service_name", "$service_name", false),
    ("service_port", "$service_port", false),
    ("upstream_addr", "$upstream_addr", false),
    ("ingress_name", "$ingress_name", false),
];

/// `log-format-upstream` for ingress-nginx, built from `ACCESS_LOG_FIELDS`.
pub fn access_log_format() -> String {
    let fields: Vec<String> = ACCESS_LOG_FIELDS
        .iter()
        .map(|(name, var, number)| {
            if *number {
                format!("\"{name}\": {var}")
            } else {
                format!("\"{name}\": \"{var}\"")
            }
        })
        .collect();
    format!("{{{}}}", fields.join(", "))
}

const MODSECURITY_SNIPPET: &str = "Include /etc/nginx/owasp-modsecurity-crs/nginx-modsecurity.conf
SecRequestBodyLimit 300000000
SecAction \"id:900110,phase:1,pass,nolog,setvar:tx.inbound_anomaly_score_threshold=5,setvar:tx.outbound_anomaly_score_threshold=4\"
SecAction \"id:900000,phase:1,pass,nolog,setvar:tx.paranoia_level=1\"
SecRuleEngine On
";

/// Values hearth contributes for a chart, before the site's own values.
fn preset(chart: &str, raw: &RawSite, errs: &mut Errors, src: &SourceFile) -> Value {
    match chart {
        "ingress-nginx" => json!({
            "controller": {
                "config": {
                    "log-format-escape-json": "true",
                    "log-format-upstream": access_log_format(),
                    "enable-modsecurity": "true",
                    "modsecurity-snippet": MODSECURITY_SNIPPET,
                    // hearth writes per-ingress server and modsecurity snippets.
                    "allow-snippet-annotations": "true",
                    "annotations-risk-level": "Critical",
                    "limit-req-status-code": "429",
                },
                "metrics": { "enabled": true },
                "podAnnotations": { "prometheus.io/scrape": "true", "prometheus.io/port": "10254" },
            }
        }),
        "cert-manager" => json!({ "crds": { "enabled": true } }),
        // kubeseal looks for a controller of this name in kube-system by default.
        "sealed-secrets" => json!({ "fullnameOverride": "sealed-secrets-controller" }),
        "longhorn" => {
            let mut v = json!({ "persistence": { "defaultClassReplicaCount": raw.site.longhorn_replicas } });
            let target = raw
                .backups
                .values()
                .find(|b| b.get_ref().kind == BackupKind::Longhorn)
                .and_then(|b| b.get_ref().target.as_ref())
                .and_then(|t| raw.backup_targets.get(t.get_ref()));
            if let Some(t) = target {
                v["defaultSettings"] = json!({ "backupTarget": t.get_ref().url });
                if let Some(c) = &t.get_ref().credentials {
                    match c.get_ref().split_once('/') {
                    Some((svc, secret)) if raw.services.iter().any(|(n, s)| n.as_str() == svc && s.get_ref().secrets.keys().any(|k| k.as_str() == secret)) => {
                        v["defaultSettings"]["backupTargetCredentialSecret"] = json!(secret);
                    }
                    _ => errs.push(
                        InputError::new("hearth::dangling", format!("credentials `{}` do not name a secret of a service", c.get_ref()))
                            .in_file(src)
                            .label(c.span(), "referenced here")
                            .help("write `<service>/<secret>` naming a secret in Longhorn's namespace"),
                    ),
                }
                }
            }
            v
        }
        _ => Value::Object(Map::new()),
    }
}

/// Merge `over` into `base`: tables merge key by key, anything else is replaced.
pub fn deep_merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(bv) => deep_merge(bv, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, o) => *b = o.clone(),
    }
}

pub(super) fn apply_presets(
    raw: &RawSite,
    services: &mut BTreeMap<ServiceName, Service>,
    errs: &mut Errors,
    src: &SourceFile,
) {
    for s in services.values_mut() {
        if let Some(h) = &mut s.helm {
            let mut v = preset(&h.chart, raw, errs, src);
            deep_merge(&mut v, &h.values);
            h.values = v;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_format_has_22_fields_and_is_json_shaped() {
        let f = access_log_format();
        assert_eq!(f.matches("\": ").count(), 22);
        assert!(f.contains("\"status\": $status,"));
        assert!(f.contains("\"remote_address\": \"$remote_addr\""));
        assert!(f.starts_with('{') && f.ends_with('}'));
    }

    #[test]
    fn merge_prefers_site_values() {
        let mut a = json!({ "a": { "b": 1, "c": 2 }, "d": [1] });
        deep_merge(&mut a, &json!({ "a": { "b": 9 }, "d": [2, 3] }));
        assert_eq!(a, json!({ "a": { "b": 9, "c": 2 }, "d": [2, 3] }));
    }
}
