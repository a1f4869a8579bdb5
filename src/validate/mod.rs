//! Validate: every rendered object against a strict JSON Schema before anything
//! is written. Kubernetes kinds use k8s-openapi's schemas; the custom resources
//! use the kube-derive types in `crds`. "Strict" means an unknown field anywhere is
//! an error, like `kubectl --validate=strict` and kubeconform `-strict`.
//!
//! Every object ends in exactly one state: valid, or invalid with its JSON paths.

pub mod apiserver;
mod core_kinds;
pub mod crds;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use jsonschema::Validator;
use kube_core::Resource;
use schemars::JsonSchema;
use serde_json::{Value, json};

use crate::diag::{Code, Errors, InputError};
use crate::render::{Manifest, Rendered};

/// Validators, one per (apiVersion, kind), each compiled the first time an
/// object of its kind is checked (most runs see a dozen of the fifty kinds).
pub struct Schemas {
    by_kind: BTreeMap<(String, String), Entry>,
}

struct Entry {
    schema: Box<dyn Fn() -> Value + Send + Sync>,
    compiled: OnceLock<Validator>,
}

impl Entry {
    fn new(schema: impl Fn() -> Value + Send + Sync + 'static) -> Self {
        Self {
            schema: Box::new(schema),
            compiled: OnceLock::new(),
        }
    }
}

pub(crate) fn schema_of<T: JsonSchema>() -> Value {
    serde_json::to_value(schemars::schema_for!(T)).expect("schemas serialise")
}

/// Make a schema strict and lean: objects with declared properties accept no
/// other keys, int-or-string fields say so, descriptions go.
fn tighten(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.remove("description");
            // A CRD's `x-kubernetes-preserve-unknown-fields` keeps any field.
            let preserve =
                map.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
            if map.contains_key("properties")
                && !map.contains_key("additionalProperties")
                && !preserve
            {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            if map.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
                map.insert(
                    "anyOf".into(),
                    json!([{ "type": "integer" }, { "type": "string" }]),
                );
            }
            for (k, child) in map.iter_mut() {
                // `properties` and `$defs` hold maps of schemas, not schemas.
                if k == "properties" || k == "$defs" || k == "definitions" {
                    if let Value::Object(m) = child {
                        m.values_mut().for_each(tighten);
                    }
                } else {
                    tighten(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(tighten),
        _ => {}
    }
}

fn kind_schema(mut schema: Value, api_version: &str, kind: &str) -> Value {
    tighten(&mut schema);
    schema["properties"]["apiVersion"] = json!({ "const": api_version });
    schema["properties"]["kind"] = json!({ "const": kind });
    let required = schema["required"].as_array().cloned().unwrap_or_default();
    let mut req: Vec<Value> = required;
    for k in ["apiVersion", "kind", "metadata"] {
        if !req.iter().any(|r| r == k) {
            req.push(json!(k));
        }
    }
    schema["required"] = Value::Array(req);
    schema
}

/// The part of ObjectMeta a rendered custom resource may carry.
fn cr_metadata_schema() -> Value {
    let string_map = json!({ "type": "object", "additionalProperties": { "type": "string" } });
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["name"],
        "properties": {
            "name": { "type": "string", "minLength": 1, "maxLength": 253 },
            "namespace": { "type": "string" },
            "labels": string_map,
            "annotations": string_map,
            "finalizers": { "type": "array", "items": { "type": "string" } }
        }
    })
}

fn kustomization_schema() -> Value {
    json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["apiVersion", "kind", "resources"],
        "properties": {
            "apiVersion": { "const": "kustomize.config.k8s.io/v1beta1" },
            "kind": { "const": "Kustomization" },
            "namespace": { "type": "string" },
            "resources": { "type": "array", "items": { "type": "string" } }
        }
    })
}

impl Schemas {
    /// Every schema hearth knows: the core kinds, the custom resources it
    /// renders, kustomize's file.
    pub fn load() -> Self {
        let mut by_kind = BTreeMap::new();
        for (api, kind, schema) in core_kinds::all() {
            let entry = Entry::new(move || kind_schema(schema(), api, kind));
            by_kind.insert((api.to_string(), kind.to_string()), entry);
        }
        macro_rules! crd {
            ($($t:ty),* $(,)?) => {$(
                let (api, kind) = (<$t>::api_version(&()).to_string(), <$t>::kind(&()).to_string());
                let (a, k) = (api.clone(), kind.clone());
                by_kind.insert((api, kind), Entry::new(move || {
                    let mut schema = schema_of::<$t>();
                    // kube-derive leaves metadata out of a CR's schema (the API server
                    // owns it); rendered CRs must still have sound metadata.
                    schema["properties"]["metadata"] = cr_metadata_schema();
                    kind_schema(schema, &a, &k)
                }));
            )*};
        }
        crd!(
            crds::Application,
            crds::AppProject,
            crds::SealedSecret,
            crds::RecurringJob,
            crds::ClusterIssuer,
            crds::Middleware
        );
        by_kind.insert(
            (
                "kustomize.config.k8s.io/v1beta1".into(),
                "Kustomization".into(),
            ),
            Entry::new(kustomization_schema),
        );
        Self { by_kind }
    }

    /// A custom resource kind served by a CRD a chart ships: its
    /// `openAPIV3Schema`, made strict, with sound metadata. Replaces a
    /// built-in schema of the same kind (the chart's CRD is what the cluster
    /// gets). Compiled now, so a broken schema is reported, not a panic.
    pub fn add_custom(
        &mut self,
        api_version: &str,
        kind: &str,
        mut schema: Value,
    ) -> Result<(), String> {
        if let Value::Object(props) = &mut schema["properties"] {
            props.insert("metadata".into(), cr_metadata_schema());
        } else {
            schema["properties"] = json!({ "metadata": cr_metadata_schema() });
        }
        let schema = kind_schema(schema, api_version, kind);
        let compiled = jsonschema::validator_for(&schema).map_err(|e| e.to_string())?;
        let entry = Entry::new(move || schema.clone());
        entry.compiled.set(compiled).ok();
        self.by_kind
            .insert((api_version.to_string(), kind.to_string()), entry);
        Ok(())
    }

    /// The (apiVersion, kind) pairs this build can validate.
    pub fn kinds(&self) -> impl Iterator<Item = &(String, String)> {
        self.by_kind.keys()
    }

    /// The validator of a kind, compiled on first use.
    pub fn validator(&self, api_version: &str, kind: &str) -> Option<&Validator> {
        let e = self
            .by_kind
            .get(&(api_version.to_string(), kind.to_string()))?;
        Some(e.compiled.get_or_init(|| {
            jsonschema::validator_for(&(e.schema)()).unwrap_or_else(|err| {
                panic!("built-in schema for {api_version} {kind} compiles: {err}")
            })
        }))
    }

    /// Why an object's (apiVersion, kind) has no schema, and what to do.
    fn unknown(&self, api_version: &str, kind: &str) -> (String, String) {
        let served: Vec<&str> = self
            .kinds()
            .filter(|(_, k)| k == kind)
            .map(|(a, _)| a.as_str())
            .collect();
        if !served.is_empty() {
            return (
                format!("kind `{kind}` is not served as `{api_version}`"),
                format!("set `apiVersion: {}`", served.join("` or `apiVersion: ")),
            );
        }
        let group = api_version.split_once('/').map_or("", |(g, _)| g);
        if !group.is_empty() && !group.ends_with(".k8s.io") {
            return (
                format!("`{kind}` of `{api_version}` is a custom resource hearth has no CRD schema for"),
                "hearth writes only objects it can validate: render custom resources through the chart that owns their CRD".into(),
            );
        }
        (
            format!("no schema for apiVersion `{api_version}` kind `{kind}`"),
            "hearth writes only objects it can validate; use a kind hearth knows (`hearth validate --list-kinds`)".into(),
        )
    }
}

/// Check every object; collect every violation.
pub fn validate(rendered: &Rendered, schemas: &Schemas) -> Result<usize, Errors> {
    let mut errs = Errors::default();
    for o in &rendered.objects {
        let key = (o.api_version().to_string(), o.kind().to_string());
        let what = format!(
            "{} `{}` in `{}`",
            if o.kind().is_empty() {
                "object"
            } else {
                o.kind()
            },
            o.name(),
            o.path
        );
        let origin = if o.site_local {
            format!("site-local template `templates/{}`", o.template)
        } else {
            format!("built-in template `{}`", o.template)
        };
        let Some(v) = schemas.validator(&key.0, &key.1) else {
            let (why, help) = schemas.unknown(&key.0, &key.1);
            errs.push(
                InputError::new(Code::Validate, format!("{what}: {why} (from {origin})"))
                    .help(help),
            );
            continue;
        };
        let problems: Vec<String> = v
            .iter_errors(&o.value)
            .map(|e| {
                let path = e.instance_path().to_string();
                format!(
                    "at `{}`: {e}",
                    if path.is_empty() { "/".into() } else { path }
                )
            })
            .collect();
        if !problems.is_empty() {
            let help = if o.site_local {
                "fix the site-local template, or delete it to use the built-in one"
            } else {
                "this is a bug in a built-in template or in hearth's plan; please report it"
            };
            errs.push(
                InputError::new(
                    Code::Validate,
                    format!(
                        "{what} (from {origin}) is invalid:\n  {}",
                        problems.join("\n  ")
                    ),
                )
                .help(help),
            );
        }
    }
    let n = rendered.objects.len();
    errs.into_result(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_schemas_reject_unknown_fields_and_wrong_kinds() {
        let s = Schemas::load();
        let v = s.validator("v1", "ConfigMap").unwrap();
        assert!(v.is_valid(&json!({ "apiVersion": "v1", "kind": "ConfigMap", "metadata": { "name": "x" }, "data": { "a": "b" } })));
        assert!(!v.is_valid(&json!({ "apiVersion": "v1", "kind": "ConfigMap", "metadata": { "name": "x" }, "dta": {} })));
        assert!(!v.is_valid(&json!({ "apiVersion": "v1", "kind": "ConfigMap", "metadata": { "name": "x", "lables": {} } })));
        let rj = s.validator("longhorn.io/v1beta2", "RecurringJob").unwrap();
        let ok = json!({ "apiVersion": "longhorn.io/v1beta2", "kind": "RecurringJob", "metadata": { "name": "d" },
            "spec": { "name": "d", "task": "backup", "cron": "0 3 * * *", "retain": 7, "concurrency": 1 } });
        assert!(rj.is_valid(&ok));
        let mut bad = ok.clone();
        bad["spec"]["task"] = json!("bakcup");
        assert!(!rj.is_valid(&bad));
        let dep = s.validator("apps/v1", "Deployment").unwrap();
        let d = json!({ "apiVersion": "apps/v1", "kind": "Deployment", "metadata": { "name": "d" }, "spec": {
            "selector": { "matchLabels": { "a": "b" } },
            "template": { "metadata": { "labels": { "a": "b" } }, "spec": { "containers": [
                { "name": "c", "image": "i:1", "ports": [{ "containerPort": 80 }],
                  "livenessProbe": { "httpGet": { "path": "/", "port": "http" } } } ] } } } });
        assert!(
            dep.is_valid(&d),
            "{:?}",
            dep.iter_errors(&d)
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
        );
        let mut bad = d.clone();
        bad["spec"]["template"]["spec"]["containers"][0]["imagePullPolcy"] = json!("Always");
        assert!(!dep.is_valid(&bad));
    }

    #[test]
    fn every_schema_compiles() {
        let s = Schemas::load();
        for (api, kind) in s.kinds() {
            assert!(s.validator(api, kind).is_some(), "{api} {kind}");
        }
        assert!(s.validator("policy/v1", "PodDisruptionBudget").is_some());
        assert!(s.validator("v1", "Widget").is_none());
    }
}
