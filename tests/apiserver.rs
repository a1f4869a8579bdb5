//! The API server's rules over rendered objects (`src/validate/apiserver`): one
//! test per rule family, each with a site (or a site-local template object)
//! that breaks it → exit 2, the message with the object and field path, the
//! location in site.toml and a help line; the reference site stays clean; and a
//! property test against an independent encoding of the upstream formats.

mod common;

use common::{MINIMAL, Scratch, stderr};
use proptest::prelude::*;
use serde_json::{Value, json};

/// 1-based line of the first line of `text` that starts with `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.starts_with(needle))
        .unwrap_or_else(|| panic!("no line starts with {needle:?}"))
        + 1
}

/// Render `site` (with extra files), expect exit 2 with every `expect` string
/// in stderr and nothing written. Returns stderr.
fn refused(site: &str, extra: &[(&str, &str)], expect: &[&str]) -> String {
    let s = Scratch::with_site(site);
    for (rel, text) in extra {
        s.write(rel, text);
    }
    let err = common::refused_render(&s, expect);
    common::contains_all(
        "stderr",
        &err,
        ["hearth::apiserver", "help:", "nothing was written"],
    );
    err
}

/// A site-local namespace template that also prints `objects` (YAML documents)
/// into service `app`'s folder.
fn with_objects(objects: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{{{ service.namespace|tojson }}}}\n  labels:\n    app.kubernetes.io/managed-by: hearth\n{{%- if service.name == \"app\" %}}\n---\n{objects}\n{{%- endif %}}\n"
    )
}

/// Where service `app` is declared in MINIMAL (objects of the service that are
/// not one of its workloads, ingresses or volumes are located there).
fn app_line() -> String {
    format!("site.toml:{}:1", line_of(MINIMAL, "[services.app]"))
}

#[test]
fn the_reference_site_and_minimal_are_clean() {
    let out = common::hearth()
        .arg("validate")
        .arg("--site")
        .arg(common::repo().join("site.toml"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    common::rendered(MINIMAL);
}

#[test]
fn pod_rules_from_site_toml_point_at_the_workload_and_the_value() {
    let site = common::minimal_with(
        "ports.http = { port = 8080, service = 80 }",
        "ports.http = { port = 8080, service = 80 }\nports.8081 = { port = 8081 }\nenv.\"A=B\" = \"x\"\nresources = { requests = { cpu = \"2\" }, limits = { cpu = \"1\" } }",
    );
    // `site.toml:line:column` of `token` on the line starting with `line_start`.
    let at = |line_start: &str, token: &str| {
        let l = line_of(&site, line_start);
        let col = site.lines().nth(l - 1).unwrap().find(token).unwrap();
        format!("site.toml:{l}:{}", col + 1)
    };
    let err = refused(
        &site,
        &[],
        &[
            "Deployment `web` in `apps/app/web.deployment.yaml`",
            "at `spec.template.spec.containers[0].ports[0].name`: `8081` must contain at least one letter (a-z)",
            "[validateContainerPorts (IsValidPortName)]",
            "at `spec.template.spec.containers[0].env[0].name`: `A=B` must consist only of printable ASCII characters other than '='",
            "at `spec.template.spec.containers[0].resources.requests[cpu]`: request 2 must be less than or equal to the cpu limit of 1",
            "workload `web` of service `app` renders this",
            "help: rename the port in the workload's `ports` in site.toml",
            "help: lower `requests.cpu` or raise `limits.cpu`",
            "3 problems",
        ],
    );
    // Each label is on the refused value in site.toml.
    assert!(err.contains(&at("ports.8081", "8081")), "{err}");
    assert!(err.contains(&at("env.\"A=B", "A=B")), "{err}");
    assert!(err.contains(&at("resources = ", "2\"")), "{err}");
}

#[test]
fn volume_names_count_the_vol_prefix() {
    let long = "v".repeat(60);
    let site = format!(
        "{}[services.app.volumes.{long}]\nkind = \"longhorn\"\nsize = \"1Gi\"\n",
        common::minimal_with(
            "mounts = [{ path = \"/data\", volume = \"data\" }]",
            &format!(
                "mounts = [{{ path = \"/data\", volume = \"data\" }}, {{ path = \"/long\", volume = \"{long}\" }}]"
            ),
        )
    );
    let l = line_of(&site, "mounts = ");
    let err = refused(
        &site,
        &[],
        &[
            &format!(
                "at `spec.template.spec.volumes[1].name`: `vol-{long}` must be no more than 63 characters"
            ),
            "[validateVolumes (IsDNS1123Label)]",
            "at most 59 characters",
        ],
    );
    assert!(err.contains(&format!("site.toml:{l}:")), "{err}");
}

#[test]
fn pod_rules_on_a_site_local_template_object() {
    let objects = r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: odd, namespace: app}
spec:
  selector: {matchLabels: {app: odd}}
  template:
    metadata: {labels: {app: odd}}
    spec:
      restartPolicy: Never
      volumes: [{name: v, emptyDir: {}}, {name: v, emptyDir: {}}]
      containers:
        - name: c
          image: "i:1"
          ports: [{containerPort: 80, name: http}, {containerPort: 80, name: web}]
          env:
            - {name: X, valueFrom: {secretKeyRef: {name: s, key: k}, configMapKeyRef: {name: c, key: k}}}
          volumeMounts:
            - {name: missing, mountPath: /a}
            - {name: v, mountPath: /a}
            - {name: v, mountPath: /b, subPath: ../up}
          resources: {limits: {memory: 1GB}}
          livenessProbe: {httpGet: {path: /, port: metrics}, tcpSocket: {port: 80}}
        - name: c
          image: "i:1"
"#;
    refused(
        MINIMAL,
        &[("templates/k8s/namespace.yaml", &with_objects(objects))],
        &[
            "Deployment `odd` in `apps/app/odd.deployment.yaml` (from site-local template `templates/k8s/namespace.yaml`)",
            "at `spec.template.spec.restartPolicy`: `Never` is not supported here",
            "at `spec.template.spec.volumes[1].name`: volume `v` is declared twice",
            "at `spec.template.spec.containers[1].name`: container name `c` is used twice",
            "at `spec.template.spec.containers[0].ports[1].containerPort`: duplicate port definition 80/TCP",
            "at `spec.template.spec.containers[0].env[0].valueFrom`: may not have more than one field specified at a time",
            "at `spec.template.spec.containers[0].volumeMounts[0].name`: volume `missing` is not declared",
            "at `spec.template.spec.containers[0].volumeMounts[1].mountPath`: `/a` is already mounted by volumeMounts[0]",
            "at `spec.template.spec.containers[0].volumeMounts[2].subPath`: `../up` must not contain '..'",
            "at `spec.template.spec.containers[0].resources.limits[memory]`: `1GB` is not a quantity",
            "at `spec.template.spec.containers[0].livenessProbe`: may not specify more than 1 handler type",
            "at `spec.template.spec.containers[0].livenessProbe.httpGet.port`: the container has no port named `metrics`",
            "or fix the site-local template `templates/k8s/namespace.yaml`",
            &app_line(),
        ],
    );
}

#[test]
fn metadata_names_labels_and_annotations() {
    let objects = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: odd-labels
  namespace: app
  labels: {"bad key!": x, tier: "-front"}
  annotations: {"a/b/c": v}
data: {}
---
apiVersion: v1
kind: Service
metadata: {name: 1web, namespace: app}
spec: {selector: {app: web}, ports: [{port: 80}]}
"#;
    refused(
        MINIMAL,
        &[("templates/k8s/namespace.yaml", &with_objects(objects))],
        &[
            "ConfigMap `odd-labels`",
            "at `metadata.labels[bad key!]`: `bad key!` name part must be alphanumerics",
            "[ValidateLabels (IsQualifiedName)]",
            "at `metadata.labels[tier]`: `-front` a label value must be empty or alphanumerics",
            "at `metadata.annotations[a/b/c]`: `a/b/c` a qualified name is a name with an optional DNS subdomain prefix",
            "Service `1web`",
            "at `metadata.name`: `1web` must be lowercase letters, digits and `-`, starting with a letter",
            "[ValidateServiceName (NameIsDNS1035Label)]",
            &app_line(),
        ],
    );
}

#[test]
fn service_ports_and_selector() {
    let objects = r#"apiVersion: v1
kind: Service
metadata: {name: multi, namespace: app}
spec:
  selector: {app: "bad value!"}
  ports:
    - {port: 80, targetPort: "http_x"}
    - {port: 80, name: b}
    - {port: 81, name: b, protocol: UDP}
"#;
    refused(
        MINIMAL,
        &[("templates/k8s/namespace.yaml", &with_objects(objects))],
        &[
            "Service `multi`",
            "at `spec.ports[0].name`: every port of a Service with more than one port needs a name",
            "at `spec.ports[0].targetPort`: `http_x` must contain only lowercase letters",
            "at `spec.ports[1]`: port 80/TCP is already exposed by spec.ports[0]",
            "at `spec.ports[2].name`: port name `b` is already used by spec.ports[1]",
            "at `spec.selector[app]`: `bad value!`",
            &app_line(),
        ],
    );
}

#[test]
fn ingress_hosts_paths_and_backends() {
    let objects = r#"apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: wild, namespace: app}
spec:
  tls: [{hosts: ["*.lab.example", "10.0.0.1"], secretName: wild-tls}]
  rules:
    - host: "foo.*.lab.example"
      http:
        paths:
          - path: relative
            pathType: Prefix
            backend: {service: {name: 9web, port: {name: http, number: 80}}}
          - path: /x/../y
            pathType: Exact
            backend: {service: {name: web, port: {name: "http--x"}}}
          - path: /z
            pathType: Regex
            backend: {service: {name: web, port: {number: 80}}}
"#;
    refused(
        MINIMAL,
        &[("templates/k8s/namespace.yaml", &with_objects(objects))],
        &[
            "Ingress `wild`",
            "at `spec.rules[0].host`: `foo.*.lab.example` a wildcard host must be `*.` followed by an RFC 1123 subdomain",
            "at `spec.tls[0].hosts[1]`: must be a DNS name, not an IP address",
            "at `spec.rules[0].http.paths[0].path`: `relative` must be an absolute path",
            "at `spec.rules[0].http.paths[0].backend`: cannot set both port name & port number",
            "at `spec.rules[0].http.paths[0].backend.service.name`: `9web`",
            "at `spec.rules[0].http.paths[1].path`: `/x/../y` must not contain '/../'",
            "at `spec.rules[0].http.paths[1].backend.service.port.name`: `http--x` must not contain consecutive hyphens",
            "at `spec.rules[0].http.paths[2].pathType`: `Regex` is not a path type",
            &app_line(),
        ],
    );
}

#[test]
fn workload_selectors_cronjob_names_and_job_limits() {
    let long = format!("c{}", "x".repeat(52));
    let objects = format!(
        r#"apiVersion: apps/v1
kind: Deployment
metadata: {{name: drift, namespace: app}}
spec:
  selector: {{matchLabels: {{app: drift}}}}
  template:
    metadata: {{labels: {{app: other}}}}
    spec: {{containers: [{{name: c, image: "i:1"}}]}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: db, namespace: app}}
spec:
  serviceName: Bad_Name
  selector: {{matchLabels: {{}}}}
  template:
    metadata: {{labels: {{app: db}}}}
    spec: {{containers: [{{name: c, image: "i:1"}}]}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {{name: {long}, namespace: app}}
spec:
  schedule: "0 3 * *"
  successfulJobsHistoryLimit: -1
  jobTemplate:
    spec:
      backoffLimit: -1
      template:
        spec: {{containers: [{{name: c, image: "i:1"}}]}}
"#
    );
    refused(
        MINIMAL,
        &[("templates/k8s/namespace.yaml", &with_objects(&objects))],
        &[
            "Deployment `drift`",
            "at `spec.template.metadata.labels`: `selector` does not match template `labels`",
            "StatefulSet `db`",
            "at `spec.selector`: empty selector is invalid for statefulset",
            "at `spec.serviceName`: `Bad_Name`",
            &format!("CronJob `{long}`"),
            "a CronJob name must be no more than 52 characters (the controller appends 11 to name its Jobs)",
            "[ValidateCronJobCreate]",
            "at `spec.schedule`: `0 3 * *` has 4 fields",
            "at `spec.successfulJobsHistoryLimit`: -1 must be greater than or equal to 0",
            "at `spec.jobTemplate.spec.backoffLimit`: -1 must be greater than or equal to 0",
            "at `spec.jobTemplate.spec.template.spec.restartPolicy`: `Always (the default)` is not supported for a Job",
            &app_line(),
        ],
    );
}

#[test]
fn rbac_rules_and_bindings() {
    let objects = r#"apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: app}
rules:
  - {apiGroups: [""], resources: [pods], verbs: []}
  - {nonResourceURLs: [/healthz], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader, namespace: app}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRoleX, name: reader}
subjects: [{kind: ServiceAccount, name: web, apiGroup: rbac.authorization.k8s.io}]
"#;
    refused(
        MINIMAL,
        &[("templates/k8s/namespace.yaml", &with_objects(objects))],
        &[
            "Role `reader`",
            "at `rules[0].verbs`: verbs must contain at least one value",
            "at `rules[1].nonResourceURLs`: namespaced rules cannot apply to non-resource URLs",
            "RoleBinding `reader`",
            "at `roleRef.kind`: must be Role or ClusterRole",
            "at `subjects[0].apiGroup`: a ServiceAccount subject has the core group",
            &app_line(),
        ],
    );
}

#[test]
fn validate_and_check_run_the_stage_too() {
    let s = Scratch::with_site(common::minimal_with(
        "ports.http = { port = 8080, service = 80 }",
        "ports.http = { port = 8080, service = 80 }\nports.8081 = { port = 8081 }",
    ));
    for cmd in ["validate", "check"] {
        let out = common::hearth()
            .arg(cmd)
            .arg("--site")
            .arg(s.site())
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{cmd}: {err}");
        assert!(
            err.contains("`8081` must contain at least one letter"),
            "{cmd}: {err}"
        );
    }
}

#[test]
fn diff_refuses_a_head_the_api_server_would_refuse() {
    let s = Scratch::new();
    let out = s.diff_between(
        MINIMAL,
        &common::minimal_with(
            "ports.http = { port = 8080, service = 80 }",
            "ports.http = { port = 8080, service = 80 }\nports.8081 = { port = 8081 }",
        ),
    );
    common::refused_with(&out, &["`8081` must contain at least one letter"]);
}

// ---------------------------------------------------------------------------
// Property: what the stage accepts, an independent encoding of the upstream
// formats (regular expressions and lengths as documented in apimachinery's
// validation.go and quantity.go) accepts too, and the other way round.

mod oracle {
    use regex::Regex;
    use std::sync::LazyLock;

    static LABEL: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$").unwrap());
    static DNS1035: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[a-z]([-a-z0-9]*[a-z0-9])?$").unwrap());
    static QNAME: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$").unwrap());
    static QUANTITY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$",
        )
        .unwrap()
    });

    pub fn dns1123_label(s: &str) -> bool {
        s.len() <= 63 && LABEL.is_match(s)
    }
    pub fn dns1123_subdomain(s: &str) -> bool {
        s.len() <= 253 && s.split('.').all(|p| LABEL.is_match(p))
    }
    pub fn dns1035_label(s: &str) -> bool {
        s.len() <= 63 && DNS1035.is_match(s)
    }
    pub fn port_name(s: &str) -> bool {
        s.len() <= 15
            && Regex::new(r"^[a-z0-9]+(-[a-z0-9]+)*$").unwrap().is_match(s)
            && s.chars().any(|c| c.is_ascii_lowercase())
    }
    pub fn label_value(s: &str) -> bool {
        s.is_empty() || (s.len() <= 63 && QNAME.is_match(s))
    }
    pub fn qualified_name(s: &str) -> bool {
        let (prefix, name) = match s.split_once('/') {
            Some((p, n)) => (Some(p), n),
            None => (None, s),
        };
        prefix.is_none_or(dns1123_subdomain) && name.len() <= 63 && QNAME.is_match(name)
    }
    /// `Some(negative)` for a quantity (negative: `-` before a non-zero number).
    pub fn quantity(s: &str) -> Option<bool> {
        let c = QUANTITY.captures(s)?;
        Some(s.starts_with('-') && c[1].bytes().any(|b| (b'1'..=b'9').contains(&b)))
    }
}

/// Short strings over an alphabet that hits every edge of the formats.
fn candidate() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9.-]{0,8}",
        "[a-zA-Z0-9._/-]{0,10}",
        "[-a-z0-9]{10,20}",
        "[a-z]{60,66}",
        "[a-z0-9]{1,3}(\\.[a-z0-9]{1,3}){0,3}/[A-Za-z0-9_.-]{0,6}",
        "[ !=_A-Z]{0,4}",
    ]
}

fn quantity_candidate() -> impl Strategy<Value = String> {
    prop_oneof![
        "[+-]?[0-9]{0,3}(\\.[0-9]{0,2})?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|e[+-]?[0-9]{0,3}|E[0-9]{1,2}|KiB|mi|i|x)?",
        "[0-9a-zA-Z.+-]{0,6}",
    ]
}

/// A Deployment + Service carrying `name` in several places.
fn objects_with(name: &str, quantity: &str) -> (Value, Value) {
    let dep = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": { "name": "d", "labels": { "k": name } },
        "spec": {
            "selector": { "matchLabels": { "app": "d" } },
            "template": {
                "metadata": { "labels": { "app": "d" } },
                "spec": {
                    "volumes": [{ "name": name, "emptyDir": {} }],
                    "containers": [{
                        "name": "c", "image": "i:1",
                        "ports": [{ "name": name, "containerPort": 80 }],
                        "resources": { "limits": { "cpu": quantity } }
                    }]
                }
            }
        }
    });
    let svc = json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": { "name": name, "annotations": { name: "x" } },
        "spec": { "selector": { "app": "d" }, "ports": [{ "port": 80 }] }
    });
    (dep, svc)
}

fn refused_at(problems: &[hearth::validate::apiserver::Problem], path: &str) -> bool {
    problems.iter().any(|p| p.path == path)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2048, ..ProptestConfig::default() })]

    #[test]
    fn the_stage_agrees_with_the_upstream_formats(name in candidate(), q in quantity_candidate()) {
        use hearth::validate::apiserver::check_object;
        let (dep, svc) = objects_with(&name, &q);
        let d = check_object(&dep);
        let s = check_object(&svc);
        let c = "spec.template.spec";
        prop_assert_eq!(!refused_at(&d, &format!("{c}.volumes[0].name")), oracle::dns1123_label(&name), "volume {:?}: {:?}", name, d);
        prop_assert_eq!(!refused_at(&d, &format!("{c}.containers[0].ports[0].name")), name.is_empty() || oracle::port_name(&name), "port {:?}: {:?}", name, d);
        prop_assert_eq!(!refused_at(&d, "metadata.labels[k]"), oracle::label_value(&name), "label value {:?}: {:?}", name, d);
        prop_assert_eq!(!refused_at(&s, "metadata.name"), oracle::dns1035_label(&name), "service {:?}: {:?}", name, s);
        prop_assert_eq!(!refused_at(&s, &format!("metadata.annotations[{name}]")), oracle::qualified_name(&name.to_lowercase()), "annotation {:?}: {:?}", name, s);
        // Quantities: the stage accepts exactly the documented grammar
        // (exponents beyond six digits aside, which it refuses).
        let q_ok = !refused_at(&d, &format!("{c}.containers[0].resources.limits[cpu]"));
        prop_assert_eq!(q_ok, oracle::quantity(&q) == Some(false), "quantity {:?}: {:?}", q, d);
    }
}
