//! Validation of what charts print: every object against its strict schema
//! and the API server's rules, as hearth's own objects are (less hearth's
//! rules about its own style, `Problem::site_style_only`). A CRD a chart
//! ships (in `crds/` or among its templates) becomes the schema of its kind
//! for every object of the site: the chart's own custom resources, and those
//! of site-local templates.

use serde_json::Value;

use super::{Doc, Expanded};
use crate::diag::{Code, Errors, InputError};
use crate::render::Manifest;
use crate::site::Loaded;
use crate::validate::Schemas;
use crate::validate::apiserver::check_object_for;

/// One served version of a CRD a chart ships.
#[derive(Debug, Clone)]
pub struct CustomKind {
    pub api_version: String,
    pub kind: String,
    /// The version's `openAPIV3Schema`.
    pub schema: Value,
    /// The chart file that ships the CRD.
    pub source: String,
}

fn is_crd(d: &Doc) -> bool {
    d.kind() == "CustomResourceDefinition" && d.api_version() == "apiextensions.k8s.io/v1"
}

/// The served versions of every CRD the charts ship.
pub fn custom_kinds(expanded: &[Expanded]) -> Vec<CustomKind> {
    let mut out = Vec::new();
    for doc in expanded.iter().flat_map(|e| &e.docs).filter(|d| is_crd(d)) {
        let spec = &doc.value["spec"];
        let (Some(group), Some(kind)) = (spec["group"].as_str(), spec["names"]["kind"].as_str())
        else {
            continue;
        };
        for v in spec["versions"].as_array().into_iter().flatten() {
            let served = v["served"].as_bool().unwrap_or(false);
            let (Some(name), Some(schema)) = (
                v["name"].as_str(),
                v["schema"]["openAPIV3Schema"].as_object(),
            ) else {
                continue;
            };
            if served {
                out.push(CustomKind {
                    api_version: format!("{group}/{name}"),
                    kind: kind.to_string(),
                    schema: Value::Object(schema.clone()),
                    source: doc.source.clone(),
                });
            }
        }
    }
    out
}

/// The schemas of `load()` and those of the charts' CRDs (that compile), and
/// an error at the chart that ships each CRD schema that does not compile.
pub fn schemas_with(expanded: &[Expanded], loaded: &Loaded) -> (Schemas, Errors) {
    let mut s = Schemas::load();
    let mut errs = Errors::default();
    for e in expanded {
        for k in custom_kinds(std::slice::from_ref(e)) {
            if let Err(why) = s.add_custom(&k.api_version, &k.kind, k.schema) {
                errs.push(
                    InputError::new(
                        Code::ChartObject,
                        format!(
                            "chart `{}` {}, `{}`: the CRD schema of {} `{}` is not a valid schema: {why}",
                            e.app.chart, e.app.version, k.source, k.api_version, k.kind
                        ),
                    )
                    .in_file(&loaded.source)
                    .label(e.app.span.clone(), "this chart")
                    .help("pin a chart version whose CRD the API server accepts"),
                );
            }
        }
    }
    (s, errs)
}

/// Every problem of every chart object, each naming the chart, the template
/// file and the object, labelled at the service's `[services.x.helm]`.
pub fn validate(
    expanded: &[Expanded],
    schemas: &Schemas,
    loaded: &Loaded,
) -> Result<usize, Errors> {
    let minor = crate::site::kube::minor(&loaded.raw.site);
    let mut errs = Errors::default();
    let mut n = 0;
    for e in expanded {
        let app = &e.app;
        for d in &e.docs {
            n += 1;
            let what = format!(
                "chart `{}` {} of service `{}`, template `{}`: {} `{}`",
                app.chart,
                app.version,
                app.service,
                d.source,
                if d.kind().is_empty() {
                    "object"
                } else {
                    d.kind()
                },
                d.name()
            );
            let problems = problems(d, schemas, minor);
            if problems.is_empty() {
                continue;
            }
            let lines: Vec<&str> = problems.iter().map(|p| p.0.as_str()).collect();
            let e = InputError::new(
                Code::ChartObject,
                format!("{what} is invalid:\n  {}", lines.join("\n  ")),
            )
            .in_file(&loaded.source)
            .help("change the chart values that print this field, or pin a chart version that prints a valid object");
            // A refused value the site wrote verbatim: point at it.
            let at = problems.iter().find_map(|(_, v)| {
                super::locate::verbatim(&loaded.source, &app.service, v.as_deref()?)
            });
            errs.push(match at {
                Some((path, span)) => e.label(span, format!("`{path}` prints the refused value")),
                None => e.label(app.span.clone(), "this chart's values render it"),
            });
        }
    }
    errs.into_result(n)
}

/// One object's problems: its schema's, then the API server's; each with
/// the refused value when it is a scalar (to find it in site.toml).
fn problems(d: &Doc, schemas: &Schemas, minor: u32) -> Vec<(String, Option<String>)> {
    // A CRD is read as a schema above; hearth has no schema for CRDs themselves.
    if is_crd(d) {
        return Vec::new();
    }
    let Some(v) = schemas.validator(d.api_version(), d.kind()) else {
        return vec![(
            format!(
                "no schema for apiVersion `{}` kind `{}` (no chart of the site ships its CRD)",
                d.api_version(),
                d.kind()
            ),
            None,
        )];
    };
    let mut out: Vec<(String, Option<String>)> = v
        .iter_errors(&d.value)
        .map(|e| {
            let path = e.instance_path().to_string();
            let value = match e.instance().as_ref() {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            };
            (
                format!("at `{}`: {e}", if path.is_empty() { "/" } else { &path }),
                value,
            )
        })
        .collect();
    if out.is_empty() {
        let rules = check_object_for(&d.value, minor).into_iter();
        out.extend(rules.filter(|p| !p.site_style_only()).map(|p| {
            (
                format!("at `{}`: {} [{}]", p.path, p.message, p.rule),
                p.value,
            )
        }));
    }
    out
}
