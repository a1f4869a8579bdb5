//! `ValidateEnv`, `validateEnvVarValueFrom` and `ValidateEnvFrom`: a container's
//! environment.

use serde_json::Value;

use super::super::{Sink, arr, names, str_of};

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
pub(super) fn env(s: &mut Sink, cp: &str, c: &Value) {
    for (i, e) in arr(&c["env"]).iter().enumerate() {
        let ep = format!("{cp}.env[{i}]");
        env_var(s, &ep, e);
        value_from(s, &ep, e);
    }
    for (i, e) in arr(&c["envFrom"]).iter().enumerate() {
        env_from(s, &format!("{cp}.envFrom[{i}]"), e);
    }
}

/// `ValidateEnv`: a name, valid under the cluster's version.
fn env_var(s: &mut Sink, ep: &str, e: &Value) {
    if let Some(name) = s.required(
        "ValidateEnv",
        format!("{ep}.name"),
        &e["name"],
        "an environment variable needs a name",
        "name the variable",
    ) {
        let (rule, help) = env_name_rule(s.minor);
        check!(
            s,
            rule,
            format!("{ep}.name"),
            name,
            names::env_var_name(name, s.minor),
            help,
        );
    }
}

/// `validateEnvVarValueFrom`: one source, not beside a value; key selectors
/// name a valid object and key.
fn value_from(s: &mut Sink, ep: &str, e: &Value) {
    let from = &e["valueFrom"];
    if from.is_null() {
        return;
    }
    let fp = || format!("{ep}.valueFrom");
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

/// `ValidateEnvFrom`: one source per entry, a valid prefix and object name.
fn env_from(s: &mut Sink, ep: &str, e: &Value) {
    if let Some(prefix) = str_of(&e["prefix"]).filter(|p| !p.is_empty()) {
        check!(
            s,
            "ValidateEnvFrom (env var name)",
            format!("{ep}.prefix"),
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
            ep,
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
                format!("{ep}.{kind}.name"),
                name,
                names::dns1123_subdomain(name),
                "name an existing secret or config map",
            );
        }
    }
}
