//! Built-in values for the charts hearth knows, derived from the site, and the
//! merge that lets a site's own `values` win over them.

use serde_json::{Map, Value, json};

use super::{ServiceMap, Target};
use crate::diag::{Code, Errors, InputError, SourceFile};
use crate::site::model::{BackupKind, RawSite};

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

/// ModSecurity's request body limit in bytes, when the ingress-nginx values
/// switch ModSecurity on (`enable-modsecurity`) and set `SecRequestBodyLimit`
/// in `modsecurity-snippet`. ModSecurity answers 413 past it, whatever nginx's
/// own `proxy-body-size` allows.
pub fn waf_body_limit(values: &Value) -> Option<u64> {
    let config = &values["controller"]["config"];
    if config["enable-modsecurity"].as_str() != Some("true") {
        return None;
    }
    config["modsecurity-snippet"]
        .as_str()?
        .lines()
        .find_map(|l| l.trim().strip_prefix("SecRequestBodyLimit "))
        .and_then(|n| n.trim().parse().ok())
}

/// The argocd-cm key of a health check for `argoproj.io/Application`.
pub const APPLICATION_HEALTH_KEY: &str = "resource.customizations.health.argoproj.io_Application";

/// An Application is as healthy as its own status says; until the controller
/// has reported one it is Progressing, so the next wave waits.
const APPLICATION_HEALTH_LUA: &str = r#"hs = { status = "Progressing", message = "" }
if obj.status ~= nil and obj.status.health ~= nil and obj.status.health.status ~= nil then
  hs.status = obj.status.health.status
  if obj.status.health.message ~= nil then
    hs.message = obj.status.health.message
  end
end
return hs
"#;

/// Values hearth contributes for a chart, before the site's own values.
fn preset(chart: &str, version: &str, raw: &RawSite, targets: &[Target]) -> Value {
    match chart {
        "ingress-nginx" => json!({
            "controller": {
                "config": {
                    "log-format-escape-json": "true",
                    "log-format-upstream": access_log_format(),
                    "enable-modsecurity": "true",
                    "modsecurity-snippet": MODSECURITY_SNIPPET,
                    "annotations-risk-level": "Critical",
                    "limit-req-status-code": "429",
                },
                // hearth writes per-ingress server and modsecurity snippets. The
                // chart writes `allow-snippet-annotations` from this switch and
                // appends `config` after it (4.11.0 controller-configmap.yaml:16,26),
                // so the key in `config` would be a duplicate.
                "allowSnippetAnnotations": true,
                "metrics": { "enabled": true },
                "podAnnotations": { "prometheus.io/scrape": "true", "prometheus.io/port": "10254" },
            }
        }),
        // ArgoCD >= 1.8 has no health check for Applications, so the sync
        // waves of child Applications order only their creation; argocd-cm gets
        // one back (argo-cd docs/operator-manual/health.md, "Argo CD App").
        // The chart copies `configs.cm` into argocd-cm as it is, without `tpl`
        // (argo-cd 7.3.7 templates/_helpers.tpl:198-206).
        "argo-cd" => json!({
            "configs": { "cm": { APPLICATION_HEALTH_KEY: APPLICATION_HEALTH_LUA } }
        }),
        "cert-manager" => json!({ "crds": { "enabled": true } }),
        // Traefik writes its Service's address into each Ingress's status
        // only with publishedService on (chart 28.3.0 values.yaml:252-253,
        // _podtemplate.tpl:473-474; on by default from chart 33.0.0, commit
        // f7a96dac). ArgoCD holds an Ingress Progressing until that status
        // has an address (argo-cd docs/faq.md), so without it no Application
        // with an ingress turns Healthy and the later sync waves never start.
        "traefik" => json!({
            "providers": { "kubernetesIngress": { "publishedService": { "enabled": true } } }
        }),
        // kubeseal looks for a controller of this name in kube-system by default.
        "sealed-secrets" => json!({ "fullnameOverride": "sealed-secrets-controller" }),
        "longhorn" => {
            let mut v = json!({
                "persistence": { "defaultClassReplicaCount": raw.site.longhorn_replicas },
                // Scraped by annotation like every pod: `annotations` are the
                // manager pods' (chart 1.6.2 values.yaml:459-460), which serve
                // /metrics on port 9500 (templates/daemonset-sa.yaml:52,
                // longhorn-manager api/router.go:56).
                "annotations": { "prometheus.io/scrape": "true", "prometheus.io/port": "9500" },
            });
            let target = raw
                .backups
                .values()
                .find(|b| b.get_ref().kind == BackupKind::Longhorn)
                .and_then(|b| b.get_ref().target.as_ref())
                .and_then(|t| targets.iter().find(|x| x.name == *t.get_ref()));
            if let Some(t) = target {
                let mut store = json!({ "backupTarget": t.url });
                if let Some(c) = &t.credentials {
                    store["backupTargetCredentialSecret"] = json!(c.secret);
                }
                // Longhorn 1.8 moved the target out of `defaultSettings` into
                // `defaultBackupStore` (the default BackupTarget object);
                // `defaultSettings.backupTarget` is read by no template there
                // (chart v1.6.2 templates/default-setting.yaml:9-14, v1.8.0
                // templates/default-resource.yaml:9-14).
                let key = if takes_backup_store(version) {
                    "defaultBackupStore"
                } else {
                    "defaultSettings"
                };
                v[key] = store;
            }
            v
        }
        _ => Value::Object(Map::new()),
    }
}

/// Whether Longhorn chart `version` takes its backup target under
/// `defaultBackupStore` (1.8.0 and later) rather than `defaultSettings`.
pub fn takes_backup_store(version: &str) -> bool {
    let mut parts = version.trim_start_matches('v').split('.');
    let num = |p: Option<&str>| p.and_then(|x| x.parse::<u32>().ok());
    match (num(parts.next()), num(parts.next())) {
        (Some(major), Some(minor)) => (major, minor) >= (1, 8),
        _ => false,
    }
}

/// Where a built-in chart passes values through Helm's `tpl`, read in each chart
/// at its pinned tag. Every string under these paths is parsed as a Go template
/// by Helm, so a literal `{{` (Grafana's `{{ $labels.x }}`) would stop the render.
/// Keys are not escaped: the charts print keys of these maps unparsed, except
/// under `toYaml` paths, where a key with `{{` is not a thing hearth writes.
const TPL_PATHS: &[(&str, &[&[&str]])] = &[
    (
        "grafana",
        &[
            // charts/grafana 8.3.4 templates/_config.tpl:17,30 (ini strings),
            // :41 (datasources), :60 (alerting); configSecret.yaml:28-40.
            &["grafana.ini"],
            &["datasources"],
            &["alerting"],
            // _pod.tpl:1077 (envValueFrom), :1081 (env), secret-env.yaml:12.
            &["envValueFrom"],
            &["env"],
            &["envRenderSecret"],
            // extra-manifests.yaml:3, ingress.yaml:23,32,37.
            &["extraObjects"],
            &["ingress", "annotations"],
            &["ingress", "tls"],
            &["ingress", "hosts"],
        ],
    ),
    (
        "ingress-nginx",
        &[
            // charts/ingress-nginx 4.11.0 templates/controller-configmap.yaml:27,
            // controller-service.yaml:7, controller-deployment.yaml:52,209,212,
            // controller-configmap-tcp.yaml:16, -udp.yaml:16.
            &["controller", "config"],
            &["controller", "service", "annotations"],
            &["controller", "hostAliases"],
            &["controller", "affinity"],
            &["controller", "topologySpreadConstraints"],
            &["tcp"],
            &["udp"],
        ],
    ),
];

/// `text` as a Go template that prints `text`: each `{{` becomes an action
/// printing the raw string literal "{{" (a raw literal has no escapes and no
/// spaces, so `toYaml` can neither quote nor fold inside it).
pub fn escape_tpl(text: &str) -> String {
    text.replace("{{", "{{`{{`}}")
}

/// Inverse of `escape_tpl`: what Helm's `tpl` prints for an escaped string.
pub fn unescape_tpl(text: &str) -> String {
    text.replace("{{`{{`}}", "{{")
}

fn escape_strings(v: &mut Value) {
    match v {
        Value::String(s) if s.contains("{{") => *s = escape_tpl(s),
        Value::Array(items) => items.iter_mut().for_each(escape_strings),
        Value::Object(m) => m.values_mut().for_each(escape_strings),
        _ => {}
    }
}

/// Escape every value the chart will pass through `tpl`, so the chart renders
/// exactly the text hearth (and the site) wrote. Runs on the final values.
pub fn escape_for_chart(chart: &str, values: &mut Value) {
    let Some((_, paths)) = TPL_PATHS.iter().find(|(c, _)| *c == chart) else {
        return;
    };
    for path in *paths {
        let mut at = Some(&mut *values);
        for key in *path {
            at = at.and_then(|v| v.get_mut(*key));
        }
        if let Some(v) = at {
            escape_strings(v);
        }
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
    targets: &[Target],
    services: &mut ServiceMap,
    errs: &mut Errors,
    src: &SourceFile,
) {
    for (name, s) in services.iter_mut() {
        if let Some(h) = &mut s.helm {
            if h.chart == "ingress-nginx"
                && h.values["controller"]["config"]
                    .get("allow-snippet-annotations")
                    .is_some()
                && let Some(raw_helm) = raw
                    .services
                    .get(name)
                    .and_then(|r| r.get_ref().helm.as_ref())
            {
                errs.push(
                    InputError::new(
                        Code::Values,
                        "`controller.config.allow-snippet-annotations` duplicates a key the chart writes itself",
                    )
                    .in_file(src)
                    .label(raw_helm.span(), "ingress-nginx values set here")
                    .help("use the chart's switch `controller.allowSnippetAnnotations` (a boolean); the chart writes `allow-snippet-annotations` from it and would write the key twice"),
                );
            }
            // longhorn v1.6.2 chart/README.md:3 says to install the chart in
            // `longhorn-system` only (its components look each other up there).
            if h.chart == "longhorn"
                && s.namespace.as_str() != "longhorn-system"
                && let Some(raw_svc) = raw.services.get(name)
            {
                let span = raw_svc
                    .get_ref()
                    .helm
                    .as_ref()
                    .map_or(raw_svc.span(), |h| h.span());
                errs.push(
                    InputError::new(
                        Code::Namespace,
                        format!(
                            "Longhorn must run in namespace `longhorn-system`, not `{}`",
                            s.namespace
                        ),
                    )
                    .in_file(src)
                    .label(span, "Longhorn's chart installs here")
                    .help("add `namespace = \"longhorn-system\"` to the service"),
                );
            }
            let mut v = preset(&h.chart, &h.version, raw, targets);
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
    fn tpl_paths_are_escaped_and_nothing_else() {
        let mut v = json!({
            "grafana.ini": { "server": { "root_url": "https://{{ host }}/" }, "n": 3 },
            "alerting": { "rules.yaml": { "groups": [{ "summary": "{{ $labels.client_ip }} {{{" }] } },
            "dashboards": { "hearth": { "x": { "json": "{{ $labels.pod }}" } } },
        });
        escape_for_chart("grafana", &mut v);
        assert_eq!(
            v["grafana.ini"]["server"]["root_url"],
            "https://{{`{{`}} host }}/"
        );
        assert_eq!(v["grafana.ini"]["n"], 3);
        let summary = v["alerting"]["rules.yaml"]["groups"][0]["summary"]
            .as_str()
            .unwrap();
        assert_eq!(summary, "{{`{{`}} $labels.client_ip }} {{`{{`}}{");
        assert_eq!(unescape_tpl(summary), "{{ $labels.client_ip }} {{{");
        // The chart puts dashboards in a ConfigMap as they are: no escape there.
        assert_eq!(v["dashboards"]["hearth"]["x"]["json"], "{{ $labels.pod }}");
        // Charts without `tpl` paths are untouched.
        let mut other = json!({ "controller": { "config": { "a": "{{ x }}" } } });
        escape_for_chart("longhorn", &mut other);
        assert_eq!(other["controller"]["config"]["a"], "{{ x }}");
        escape_for_chart("ingress-nginx", &mut other);
        assert_eq!(other["controller"]["config"]["a"], "{{`{{`}} x }}");
    }

    #[test]
    fn merge_prefers_site_values() {
        let mut a = json!({ "a": { "b": 1, "c": 2 }, "d": [1] });
        deep_merge(&mut a, &json!({ "a": { "b": 9 }, "d": [2, 3] }));
        assert_eq!(a, json!({ "a": { "b": 9, "c": 2 }, "d": [2, 3] }));
    }
}
