//! Render: the plan through minijinja templates into Kubernetes objects.
//!
//! Templates are embedded in the binary and overridable file by file by a
//! `templates/` folder next to the site file. Whatever a template prints is parsed
//! back as YAML and reduced to canonical data, so the output depends only on the
//! plan, never on a template's layout or on the order of entries in site.toml.

pub mod canonical;
mod emit;
mod service;
mod templates;
mod views;
pub mod yaml;

use emit::Renderer;
use service::application;
pub use templates::Templates;
mod embedded {
    include!(concat!(env!("OUT_DIR"), "/templates.rs"));
}

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value as JValue, context};
use serde_json::Value;

use crate::diag::{Code, Errors, InputError, SourceFile};
use crate::monitoring::Monitoring;
use crate::plan::{Capability, Plan};
use crate::site::folder::SiteFile;
use sha2::{Digest, Sha256};

/// One rendered Kubernetes object and where it came from.
#[derive(Debug, Clone)]
pub struct Object {
    /// Path under `rendered/`, e.g. `apps/immich/immich-server.deployment.yaml`.
    pub path: String,
    pub value: Value,
    /// The template that produced it, e.g. `k8s/workload.yaml`.
    pub template: String,
    /// The template came from the site's own `templates/` folder.
    pub site_local: bool,
}

/// The identifying fields of a Kubernetes object held as JSON: hearth's own
/// objects and the ones a chart prints. Empty where the field is missing, so
/// checks report the object rather than stop on it.
pub trait Manifest {
    fn value(&self) -> &Value;
    fn kind(&self) -> &str {
        self.value()["kind"].as_str().unwrap_or("")
    }
    fn api_version(&self) -> &str {
        self.value()["apiVersion"].as_str().unwrap_or("")
    }
    fn name(&self) -> &str {
        self.value()["metadata"]["name"].as_str().unwrap_or("")
    }
    fn namespace(&self) -> Option<&str> {
        self.value()["metadata"]["namespace"].as_str()
    }
}

impl Manifest for Object {
    fn value(&self) -> &Value {
        &self.value
    }
}

/// A rendered file that is not a Kubernetes object (runbook, scripts, JSON).
#[derive(Debug, Clone)]
pub struct TextFile {
    pub path: String,
    pub content: String,
}

/// Everything one render produced, sorted by path.
#[derive(Debug, Default)]
pub struct Rendered {
    pub objects: Vec<Object>,
    pub files: Vec<TextFile>,
}

/// `rendered/dr/`: coverage.json from data, the runbook and the export script
/// `dr.sh` from templates.
fn dr_files(r: &mut Renderer, plan: &Plan, monitoring: Option<&Monitoring>) -> Vec<TextFile> {
    let coverage = crate::dr::coverage(plan, monitoring);
    let mut files = vec![TextFile {
        path: "dr/coverage.json".into(),
        content: serde_json::to_string_pretty(&coverage).expect("serialises") + "\n",
    }];
    let waves = plan.waves();
    let provider = |cap| plan.provider(cap);
    let ctx = context! {
        coverage => s(&coverage),
        waves => s(&waves),
        exported => s(&coverage.secrets.iter().filter(|x| x.exported).collect::<Vec<_>>()),
        gitops => provider(Capability::Gitops).map(s),
        sealed => provider(Capability::SealedSecrets).map(s),
        longhorn => provider(Capability::Longhorn).map(s),
        dr => s(&plan.dr),
        databases => s(&crate::dr::database_restores(plan)),
        dumps => s(&crate::dr::dump_restores(plan)),
        own_jobs => s(&crate::dr::job_restores(plan)),
    };
    for name in ["RUNBOOK.md", "dr.sh"] {
        let template = format!("dr/{name}");
        let result = r
            .env
            .get_template(&template)
            .and_then(|t| t.render(context! { ..ctx.clone(), ..r.base.clone() }));
        match result {
            Ok(content) => files.push(TextFile {
                path: template,
                content,
            }),
            Err(e) => r.errs.push(InputError::new(
                Code::Template,
                format!("template `{template}` failed: {e}"),
            )),
        }
    }
    files
}

fn s<T: serde::Serialize>(v: &T) -> JValue {
    JValue::from(Serde(v))
}

/// Render every object of the plan.
pub fn render(
    plan: &Plan,
    monitoring: Option<&Monitoring>,
    templates: &Templates,
) -> Result<Rendered, Errors> {
    let base = context! { site => s(&plan.site), argocd => s(&plan.argocd), plan => s(plan) };
    let generated = &monitoring_files(monitoring)?;
    let mut r = Renderer {
        env: templates.environment(),
        templates,
        generated,
        base,
        objects: Vec::new(),
        errs: Errors::default(),
    };
    root(&mut r, plan);
    for (objects, errs) in services(&r, plan, monitoring) {
        r.objects.extend(objects);
        r.errs.0.extend(errs.0);
    }
    let mut argocd: Vec<String> = r
        .objects
        .iter()
        .filter_map(|o| o.path.strip_prefix("argocd/").map(str::to_string))
        .collect();
    argocd.sort();
    r.emit(
        "kustomization.yaml",
        context! { resources => s(&argocd) },
        "argocd",
        "the kustomization of `argocd`",
    );
    r.objects.sort_by(|a, b| a.path.cmp(&b.path));
    for pair in r.objects.windows(2) {
        if pair[0].path == pair[1].path {
            r.errs.push(
                InputError::new(
                    Code::Duplicate,
                    format!("two objects render to `{}`", pair[0].path),
                )
                .help("each kind and name may appear once per folder; rename one object"),
            );
        }
    }
    let mut files = dr_files(&mut r, plan, monitoring);
    files.extend(generated.iter().map(|(path, content)| TextFile {
        path: format!("monitoring/{path}"),
        content: content.clone(),
    }));
    let Renderer { objects, errs, .. } = r;
    errs.into_result(Rendered { objects, files })
}

/// The root Application and the AppProject every Application belongs to.
fn root(r: &mut Renderer, plan: &Plan) {
    r.emit(
        "argocd/root.yaml",
        context! {},
        "argocd",
        "the root Application",
    );
    let mut repos: BTreeSet<String> = BTreeSet::from([plan.site.repo_url.clone()]);
    repos.extend(
        plan.services
            .iter()
            .filter_map(|s| s.helm.as_ref().map(|h| h.repo_url.clone())),
    );
    let mut namespaces: BTreeSet<String> = plan
        .services
        .iter()
        .map(|s| s.namespace.to_string())
        .collect();
    namespaces.insert(plan.argocd.namespace.to_string());
    r.emit(
        "argocd/project.yaml",
        context! { source_repos => s(&repos), namespaces => s(&namespaces) },
        "argocd",
        "the AppProject",
    );
}

/// Every service's objects and Application. Services are independent: they
/// render on every core, in contiguous chunks so that errors keep the order
/// of service names.
fn services(
    r: &Renderer,
    plan: &Plan,
    monitoring: Option<&Monitoring>,
) -> Vec<(Vec<Object>, Errors)> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let chunk = plan.services.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = plan
            .services
            .chunks(chunk)
            .map(|services| {
                let mut w = r.fork();
                scope.spawn(move || {
                    for svc in services {
                        application(&mut w, plan, svc, monitoring);
                    }
                    (w.objects, w.errs)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("render threads do not panic"))
            .collect()
    })
}

/// The monitoring documents laid out: YAML in canonical form, the rest as is.
fn monitoring_files(monitoring: Option<&Monitoring>) -> Result<BTreeMap<String, String>, Errors> {
    let Some(m) = monitoring else {
        return Ok(BTreeMap::new());
    };
    let mut out = BTreeMap::new();
    for (path, doc) in &m.files {
        let text = match doc {
            crate::monitoring::Doc::Yaml(v) => canonical::to_yaml(v).map_err(|e| {
                InputError::new(
                    Code::Render,
                    format!("cannot write `monitoring/{path}`: {e}"),
                )
            })?,
            crate::monitoring::Doc::Text(t) => t.clone(),
        };
        out.insert(path.clone(), text);
    }
    Ok(out)
}
