//! Rule-by-rule checks of `check_object` on hand-written objects (the
//! end-to-end cases, with site.toml locations, are in `tests/apiserver.rs`).

use serde_json::{Value, json};

use super::check_object;

/// `(path, rule)` of every problem.
pub(super) fn found(v: &Value) -> Vec<(String, &'static str)> {
    check_object(v)
        .into_iter()
        .map(|p| (p.path, p.rule))
        .collect()
}

fn has(v: &Value, path: &str, rule_part: &str) {
    let f = found(v);
    assert!(
        f.iter().any(|(p, r)| p == path && r.contains(rule_part)),
        "no `{rule_part}` at `{path}` in {f:#?}"
    );
}

/// A Deployment whose pod template's spec is `pod`.
pub(super) fn deployment(pod: Value) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": { "name": "web", "namespace": "app" },
        "spec": {
            "selector": { "matchLabels": { "app": "web" } },
            "template": { "metadata": { "labels": { "app": "web", "tier": "front" } }, "spec": pod }
        }
    })
}

#[test]
fn a_sound_workload_has_no_problems() {
    let d = deployment(json!({
        "volumes": [{ "name": "vol-data", "persistentVolumeClaim": { "claimName": "data" } }],
        "containers": [{
            "name": "web", "image": "nginx:1",
            "ports": [{ "name": "http", "containerPort": 8080 }, { "name": "metrics", "containerPort": 9090 }],
            "env": [{ "name": "A", "value": "1" },
                    { "name": "B", "valueFrom": { "secretKeyRef": { "name": "s", "key": "K" } } }],
            "envFrom": [{ "secretRef": { "name": "s" } }],
            "volumeMounts": [{ "name": "vol-data", "mountPath": "/data", "subPath": "a/b" }],
            "resources": { "requests": { "cpu": "100m", "memory": "128Mi" }, "limits": { "cpu": 1, "memory": "1Gi" } },
            "livenessProbe": { "httpGet": { "path": "/", "port": "http" } },
            "readinessProbe": { "tcpSocket": { "port": 8080 }, "successThreshold": 3 }
        }]
    }));
    assert_eq!(found(&d), vec![]);
}

#[test]
fn pod_level_ports() {
    let d = deployment(json!({
        "containers": [
            { "name": "a", "image": "i:1", "ports": [{ "name": "http", "containerPort": 80, "hostPort": 80 }] },
            { "name": "b", "image": "i:1", "ports": [{ "name": "http", "containerPort": 81, "hostPort": 80 },
                                                     { "name": "dup", "containerPort": 0 }] }
        ]
    }));
    let c = "spec.template.spec.containers";
    has(
        &d,
        &format!("{c}[1].ports[0].name"),
        "one port name per pod",
    );
    has(
        &d,
        &format!("{c}[1].ports[0].hostPort"),
        "AccumulateUniqueHostPorts",
    );
    has(
        &d,
        &format!("{c}[1].ports[1].containerPort"),
        "validateContainerPorts",
    );
}

#[test]
fn env_from_probes_and_resources() {
    let d = deployment(json!({
        "containers": [{
            "name": "a", "image": "i:1",
            "env": [{ "name": "", "value": "x" },
                    { "name": "B", "value": "x", "valueFrom": { "fieldRef": { "fieldPath": "metadata.name" } } },
                    { "name": "C", "valueFrom": {} }],
            "envFrom": [{ "prefix": "P=", "secretRef": { "name": "s" }, "configMapRef": { "name": "c" } }, {}],
            "resources": { "requests": { "gpu": "1", "memory": "-1Mi" } },
            "livenessProbe": { "exec": { "command": ["true"] }, "successThreshold": 2 },
            "startupProbe": {},
            "readinessProbe": { "httpGet": { "path": "/", "port": 70000 } }
        }]
    }));
    let c = "spec.template.spec.containers[0]";
    has(&d, &format!("{c}.env[0].name"), "ValidateEnv");
    has(
        &d,
        &format!("{c}.env[1].valueFrom"),
        "validateEnvVarValueFrom",
    );
    has(
        &d,
        &format!("{c}.env[2].valueFrom"),
        "validateEnvVarValueFrom",
    );
    has(&d, &format!("{c}.envFrom[0].prefix"), "ValidateEnvFrom");
    has(&d, &format!("{c}.envFrom[0]"), "ValidateEnvFrom");
    has(&d, &format!("{c}.envFrom[1]"), "ValidateEnvFrom");
    has(
        &d,
        &format!("{c}.resources.requests[gpu]"),
        "validateContainerResourceName",
    );
    has(
        &d,
        &format!("{c}.resources.requests[memory]"),
        "ValidateNonnegativeQuantity",
    );
    has(
        &d,
        &format!("{c}.livenessProbe.successThreshold"),
        "successThreshold must be 1",
    );
    has(&d, &format!("{c}.startupProbe"), "validateHandler");
    has(
        &d,
        &format!("{c}.readinessProbe.httpGet.port"),
        "IsValidPortNum",
    );
}

#[test]
fn volumes_need_one_source() {
    let d = deployment(json!({
        "volumes": [{ "name": "a" }, { "name": "b", "emptyDir": {}, "secret": { "secretName": "s" } },
                    { "name": "c", "persistentVolumeClaim": {} }],
        "containers": [{ "name": "a", "image": "i:1",
                         "volumeMounts": [{ "name": "a", "mountPath": "/x", "subPath": "/abs", "subPathExpr": "y" }] }]
    }));
    let s = "spec.template.spec";
    has(&d, &format!("{s}.volumes[0]"), "validateVolumeSource");
    has(&d, &format!("{s}.volumes[1]"), "validateVolumeSource");
    has(
        &d,
        &format!("{s}.volumes[2].persistentVolumeClaim.claimName"),
        "validatePersistentClaimVolumeSource",
    );
    has(
        &d,
        &format!("{s}.containers[0].volumeMounts[0].subPath"),
        "validateLocalDescendingPath",
    );
    has(
        &d,
        &format!("{s}.containers[0].volumeMounts[0].subPathExpr"),
        "ValidateVolumeMounts",
    );
}

#[test]
fn deployment_strategy_and_counts() {
    let mut d = deployment(
        json!({ "containers": [{ "name": "a", "image": "i:1" }], "activeDeadlineSeconds": 5 }),
    );
    d["spec"]["replicas"] = json!(-1);
    d["spec"]["strategy"] = json!({ "type": "RollingUpdate", "rollingUpdate": { "maxSurge": 0, "maxUnavailable": "0%" } });
    d["spec"]["minReadySeconds"] = json!(30);
    d["spec"]["progressDeadlineSeconds"] = json!(30);
    has(&d, "spec.replicas", "ValidateNonnegativeField");
    has(
        &d,
        "spec.strategy.rollingUpdate.maxUnavailable",
        "ValidateRollingUpdateDeployment",
    );
    has(&d, "spec.progressDeadlineSeconds", "ValidateDeploymentSpec");
    has(
        &d,
        "spec.template.spec.activeDeadlineSeconds",
        "ValidatePodTemplateSpecForReplicaSet",
    );
    d["spec"]["strategy"] = json!({ "type": "Recreate", "rollingUpdate": {} });
    has(
        &d,
        "spec.strategy.rollingUpdate",
        "ValidateDeploymentStrategy",
    );
    d["spec"]["strategy"] =
        json!({ "rollingUpdate": { "maxSurge": "x%", "maxUnavailable": "101%" } });
    has(&d, "spec.strategy.rollingUpdate.maxSurge", "IsValidPercent");
    has(
        &d,
        "spec.strategy.rollingUpdate.maxUnavailable",
        "100Percent",
    );
    d["spec"]["selector"] =
        json!({ "matchExpressions": [{ "key": "app", "operator": "In", "values": [] }] });
    has(
        &d,
        "spec.selector.matchExpressions[0].values",
        "ValidateLabelSelectorRequirement",
    );
}

#[test]
fn selector_expressions_match_like_the_api_server() {
    let mut d = deployment(json!({ "containers": [{ "name": "a", "image": "i:1" }] }));
    d["spec"]["selector"] = json!({ "matchLabels": { "app": "web" },
        "matchExpressions": [{ "key": "tier", "operator": "In", "values": ["front", "back"] },
                             { "key": "legacy", "operator": "DoesNotExist" }] });
    assert_eq!(found(&d), vec![]);
    d["spec"]["selector"]["matchExpressions"][1]["operator"] = json!("Exists");
    has(
        &d,
        "spec.template.metadata.labels",
        "ValidatePodTemplateSpecForReplicaSet",
    );
}

#[test]
fn jobs_and_cronjobs() {
    let cj = json!({
        "apiVersion": "batch/v1", "kind": "CronJob", "metadata": { "name": "nightly", "namespace": "app" },
        "spec": {
            "schedule": "TZ=UTC 0 3 * * *", "timeZone": "Local", "concurrencyPolicy": "Sometimes",
            "jobTemplate": { "spec": {
                "completionMode": "Indexed", "parallelism": -2,
                "template": { "spec": { "restartPolicy": "OnFailure", "containers": [{ "name": "a", "image": "i:1" }] } }
            } }
        }
    });
    has(&cj, "spec.schedule", "validateScheduleFormat");
    has(&cj, "spec.timeZone", "validateTimeZone");
    has(&cj, "spec.concurrencyPolicy", "validateConcurrencyPolicy");
    has(&cj, "spec.jobTemplate.spec.completions", "validateJobSpec");
    has(&cj, "spec.jobTemplate.spec.parallelism", "validateJobSpec");
    assert!(!found(&cj).iter().any(|(p, _)| p.ends_with("restartPolicy")));
    let ok = json!({
        "apiVersion": "batch/v1", "kind": "CronJob", "metadata": { "name": "x".repeat(52) },
        "spec": { "schedule": "@daily", "timeZone": "Europe/Berlin", "jobTemplate": { "spec": {
            "template": { "spec": { "restartPolicy": "Never", "containers": [{ "name": "a", "image": "i:1" }] } } } } }
    });
    assert_eq!(found(&ok), vec![]);
}

#[test]
fn services_ingresses_rbac_and_metadata() {
    let svc = json!({ "apiVersion": "v1", "kind": "Service", "metadata": { "name": "s" },
        "spec": { "type": "ClusterIP", "ports": [{ "port": 80, "nodePort": 30080, "protocol": "HTTP" }] } });
    has(&svc, "spec.ports[0].nodePort", "ValidateService");
    has(&svc, "spec.ports[0].protocol", "supportedPortProtocols");
    let empty = json!({ "apiVersion": "v1", "kind": "Service", "metadata": { "name": "s" }, "spec": { "ports": [] } });
    has(&empty, "spec.ports", "ValidateService");
    let headless = json!({ "apiVersion": "v1", "kind": "Service", "metadata": { "name": "s" }, "spec": { "clusterIP": "None" } });
    assert_eq!(found(&headless), vec![]);

    let ing = json!({ "apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": { "name": "i" },
        "spec": { "ingressClassName": "Nginx", "tls": [{ "hosts": ["a.example"], "secretName": "Bad_Secret" }] } });
    has(&ing, "spec", "ValidateIngressSpec");
    has(&ing, "spec.ingressClassName", "ValidateIngressClassName");
    has(&ing, "spec.tls[0].secretName", "validateTLSSecretName");

    let crb = json!({ "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": { "name": "system:reader" },
        "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "a/b" },
        "subjects": [{ "kind": "ServiceAccount", "name": "web" }, { "kind": "User", "name": "u" }, { "kind": "Robot", "name": "r" }] });
    has(&crb, "roleRef.kind", "ValidateClusterRoleBinding");
    has(&crb, "roleRef.name", "ValidateRBACName");
    has(&crb, "subjects[0].namespace", "ValidateRoleBindingSubject");
    has(&crb, "subjects[1].apiGroup", "ValidateRoleBindingSubject");
    has(&crb, "subjects[2].kind", "ValidateRoleBindingSubject");
    assert!(
        !found(&crb).iter().any(|(p, _)| p == "metadata.name"),
        "RBAC names may hold `:`"
    );
    let cr = json!({ "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": { "name": "r" },
        "rules": [{ "verbs": ["get"] }, { "nonResourceURLs": ["/metrics"], "verbs": ["get"] }] });
    has(&cr, "rules[0].apiGroups", "ValidatePolicyRule");
    has(&cr, "rules[0].resources", "ValidatePolicyRule");
    assert!(!found(&cr).iter().any(|(p, _)| p.starts_with("rules[1]")));

    let ns = json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": "a.b", "namespace": "x" } });
    has(&ns, "metadata.name", "NameIsDNSLabel");
    has(&ns, "metadata.namespace", "ValidateObjectMetaAccessor");
    let big = "x".repeat(256 * 1024);
    let cm = json!({ "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": { "name": "c", "namespace": "Bad", "annotations": { "a": big } } });
    has(&cm, "metadata.annotations", "ValidateAnnotationsSize");
    has(&cm, "metadata.namespace", "ValidateNamespaceName");
}

#[test]
fn scheduling_and_security_ids() {
    let d = deployment(json!({
        "serviceAccountName": "Web_SA",
        "nodeSelector": { "kubernetes.io/hostname": "pi 1" },
        "securityContext": { "fsGroup": -1, "supplementalGroups": [1000, 4294967296_i64] },
        "tolerations": [
            { "key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule" },
            { "operator": "Exists", "value": "x" },
            { "value": "x" },
            { "key": "k", "operator": "Near", "effect": "Sometimes", "tolerationSeconds": 5 }
        ],
        "containers": [{ "name": "a", "image": "i:1", "securityContext": { "runAsUser": 2147483648_i64, "runAsGroup": 0 } }]
    }));
    let s = "spec.template.spec";
    has(
        &d,
        &format!("{s}.serviceAccountName"),
        "ValidateServiceAccountName",
    );
    has(
        &d,
        &format!("{s}.nodeSelector[kubernetes.io/hostname]"),
        "IsValidLabelValue",
    );
    has(
        &d,
        &format!("{s}.securityContext.fsGroup"),
        "IsValidGroupID",
    );
    has(
        &d,
        &format!("{s}.securityContext.supplementalGroups[1]"),
        "IsValidGroupID",
    );
    has(
        &d,
        &format!("{s}.containers[0].securityContext.runAsUser"),
        "IsValidUserID",
    );
    has(
        &d,
        &format!("{s}.tolerations[1].value"),
        "ValidateTolerations",
    );
    has(
        &d,
        &format!("{s}.tolerations[2].operator"),
        "ValidateTolerations",
    );
    has(
        &d,
        &format!("{s}.tolerations[3].operator"),
        "ValidateTolerations",
    );
    has(
        &d,
        &format!("{s}.tolerations[3].effect"),
        "validateTaintEffect",
    );
    assert!(
        !found(&d)
            .iter()
            .any(|(p, _)| p.starts_with(&format!("{s}.tolerations[0]")))
    );
    assert!(!found(&d).iter().any(|(p, _)| p.contains("runAsGroup")));
}

#[test]
fn env_var_names_follow_the_targeted_version() {
    use super::check_object_for;
    let d = deployment(json!({
        "containers": [{ "name": "web", "image": "nginx:1",
            "env": [{ "name": "my.setting[0]", "value": "x" }] }]
    }));
    let at = "spec.template.spec.containers[0].env[0].name";
    // 1.31: the strict C-identifier-like rule refuses `[` and `]`.
    let old = check_object_for(&d, 31);
    assert!(
        old.iter()
            .any(|p| p.path == at && p.rule.contains("IsEnvVarName, before 1.32")),
        "{old:#?}"
    );
    // 1.32 and later: printable ASCII without `=` is fine.
    for minor in [32, 33, 34] {
        assert!(check_object_for(&d, minor).is_empty(), "1.{minor}");
    }
}

#[test]
fn cron_job_time_zones_are_looked_up_in_the_iana_database() {
    let cj = |tz: &str| {
        json!({
            "apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": { "name": "nightly", "namespace": "app" },
            "spec": { "schedule": "0 3 * * *", "timeZone": tz, "jobTemplate": { "spec": {
                "template": { "spec": { "restartPolicy": "OnFailure",
                    "containers": [{ "name": "job", "image": "busybox:1" }] } } } } }
        })
    };
    assert!(found(&cj("Europe/Madrid")).is_empty());
    let p = check_object(&cj("Europe/Madird"));
    assert_eq!(p.len(), 1, "{p:#?}");
    assert_eq!(p[0].path, "spec.timeZone");
    assert!(p[0].help.contains("did you mean `Europe/Madrid`"), "{p:#?}");
}

#[test]
fn service_traffic_distribution_follows_the_targeted_version() {
    use super::check_object_for;
    let svc = |td: &str| {
        json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": { "name": "web", "namespace": "app" },
            "spec": { "selector": { "app": "web" }, "trafficDistribution": td,
                "ports": [{ "name": "http", "port": 80, "targetPort": "http" }] }
        })
    };
    let rules = |td: &str, minor: u32| -> Vec<&'static str> {
        check_object_for(&svc(td), minor)
            .into_iter()
            .filter(|p| p.path == "spec.trafficDistribution")
            .map(|p| p.rule)
            .collect()
    };
    // 1.30: the gate is off, the field would be dropped.
    assert!(rules("PreferClose", 30)[0].contains("off by default in 1.30"));
    // 1.31 to 1.33: PreferClose only; 1.34: the PreferSame* values too.
    for minor in [31, 32, 33] {
        assert!(rules("PreferClose", minor).is_empty(), "1.{minor}");
        assert!(
            rules("PreferSameNode", minor)[0].contains("NotSupported"),
            "1.{minor}"
        );
    }
    for td in ["PreferClose", "PreferSameZone", "PreferSameNode"] {
        assert!(rules(td, 34).is_empty(), "{td}");
    }
    assert!(!rules("Nearby", 34).is_empty());
}

#[test]
fn container_restart_policies_allow_native_sidecars_only() {
    let d = deployment(json!({
        "initContainers": [
            { "name": "proxy", "image": "envoy:1", "restartPolicy": "Always" },
            { "name": "setup", "image": "busybox:1", "restartPolicy": "OnFailure" }
        ],
        "containers": [{ "name": "web", "image": "nginx:1", "restartPolicy": "Always" }]
    }));
    let p = "spec.template.spec";
    has(
        &d,
        &format!("{p}.initContainers[1].restartPolicy"),
        "validateInitContainerRestartPolicy",
    );
    has(
        &d,
        &format!("{p}.containers[0].restartPolicy"),
        "validateContainers (Forbidden)",
    );
    let f = found(&d);
    assert!(
        !f.iter()
            .any(|(path, _)| path == &format!("{p}.initContainers[0].restartPolicy")),
        "a sidecar is refused: {f:#?}"
    );
}
