//! Chart expansion (`--charts`): every chart Application rendered by Helm's
//! own engine with exactly what ArgoCD gives it (the Application's chart,
//! `valuesObject`, release name, destination namespace, and the site's
//! Kubernetes version, as `helm template --include-crds`), the output read
//! with hearth's YAML reader, one object per document, each remembering the
//! chart template it came from (Helm's `# Source:` line).
//!
//! Charts come from the cache (`cache.rs`) after it is verified against its
//! lock; the engine runs out of process (`engine.rs`), charts in parallel.
//! `check.rs` validates what they print; `assume.rs` and `scrape.rs` check
//! the names hearth takes for granted against it.

pub mod assume;
pub mod cache;
pub mod check;
pub mod engine;
pub mod locate;
mod manifest;
pub mod memo;
pub mod output;
pub mod scrape;

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::diag::{Code, Errors, InputError};
use crate::render::{Manifest, Rendered};
use crate::site::Loaded;
use engine::{Engine, Request};
use locate::render_error;
use manifest::drop_nulls;
pub use manifest::split;

/// One chart Application, as ArgoCD would render it.
#[derive(Debug, Clone)]
pub struct ChartApp {
    pub service: String,
    pub chart: String,
    pub version: String,
    pub release: String,
    pub namespace: String,
    /// The Application's `valuesObject`.
    pub values: Value,
    /// `[services.x.helm]` in site.toml.
    pub span: Range<usize>,
}

/// One object a chart printed.
#[derive(Debug, Clone)]
pub struct Doc {
    /// The chart file it came from, e.g. `grafana/templates/configmap.yaml`.
    pub source: String,
    pub value: Value,
}

impl Manifest for Doc {
    fn value(&self) -> &Value {
        &self.value
    }
}

/// A chart Application and every object its chart rendered.
#[derive(Debug, Clone)]
pub struct Expanded {
    pub app: ChartApp,
    pub docs: Vec<Doc>,
}

/// The chart Applications of a render, read from the Applications themselves
/// (what ArgoCD reads), with their site.toml spans.
pub fn apps(rendered: &Rendered, loaded: &Loaded) -> Vec<ChartApp> {
    let mut out = Vec::new();
    for pin in cache::pins(loaded) {
        let path = format!("argocd/{}.application.yaml", pin.service);
        let Some(app) = rendered.objects.iter().find(|o| o.path == path) else {
            continue;
        };
        let spec = &app.value["spec"];
        let Some(source) = spec["sources"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s.get("chart").is_some()))
        else {
            continue;
        };
        let text = |v: &Value| v.as_str().unwrap_or("").to_string();
        out.push(ChartApp {
            service: pin.service,
            chart: text(&source["chart"]),
            version: text(&source["targetRevision"]),
            release: text(&source["helm"]["releaseName"]),
            namespace: text(&spec["destination"]["namespace"]),
            values: source["helm"]["valuesObject"].clone(),
            span: pin.span,
        });
    }
    out
}

/// How to expand: the engine (None: only remembered outputs can be used),
/// the folder remembering outputs (`memo::folder()` by default; None: none),
/// and the Git ref the site was read at (None: the work tree), which the help
/// of a chart missing from the cache names (`hearth charts pull --ref`).
#[derive(Debug, Clone, Default)]
pub struct Options<'a> {
    pub engine: Option<&'a Engine>,
    pub memo: Option<PathBuf>,
    pub git_ref: Option<String>,
}

/// Verify the cache, then render every chart Application (in parallel, at
/// most one per core; a chart rendered before with the same inputs comes from
/// the memo). A chart that does not render is an input error at its
/// `[services.x.helm]`, with the engine's first line.
pub fn expand(
    site_dir: &Path,
    loaded: &Loaded,
    rendered: &Rendered,
    opts: &Options,
) -> Result<Vec<Expanded>, Errors> {
    let (out, errs) = expand_each(site_dir, loaded, rendered, opts);
    errs.into_result(out)
}

/// The same, keeping going: every chart that could be expanded, and the
/// problems of the others (one chart missing from the cache or failing to
/// render hides nothing about the rest).
pub fn expand_each(
    site_dir: &Path,
    loaded: &Loaded,
    rendered: &Rendered,
    opts: &Options,
) -> (Vec<Expanded>, Errors) {
    let (engine, memo_dir) = (opts.engine, opts.memo.as_deref());
    let apps = apps(rendered, loaded);
    let mut errs = Errors::default();
    if apps.is_empty() {
        return (Vec::new(), errs);
    }
    let dir = site_dir.join(cache::FOLDER);
    let cached = match cache::verify_each(loaded, &dir, opts.git_ref.as_deref()) {
        Ok(c) => c,
        Err(e) => return (Vec::new(), Errors(vec![e])),
    };
    let pins = cache::pins(loaded);
    let kube = format!("1.{}.0", crate::site::kube::minor(&loaded.raw.site));
    let mut jobs = Vec::new();
    for app in apps {
        let Some(i) = pins.iter().position(|p| p.service == app.service) else {
            continue;
        };
        match &cached[i] {
            Ok(c) => {
                let key = memo::key(&c.sha256, &app, &kube);
                let hit = memo::get(memo_dir, &key);
                jobs.push(Job {
                    app,
                    chart: c.path.clone(),
                    key,
                    hit,
                });
            }
            Err(e) => errs.push(e.clone()),
        }
    }
    // The engine is needed only for charts not rendered before.
    let engine = match engine {
        Some(e) => Some(e),
        None if jobs.iter().all(|j| j.hit.is_some()) => None,
        None => {
            errs.push(
                InputError::new(
                    Code::ChartRender,
                    "`--charts` needs Helm's template engine, and none was found",
                )
                .help(engine::INSTALL),
            );
            return (Vec::new(), errs);
        }
    };
    if jobs.is_empty() {
        return (Vec::new(), errs);
    }
    let results = run(engine, &jobs, &kube, memo_dir, loaded);
    let mut out = Vec::new();
    for r in results {
        match r {
            Ok(e) => out.push(e),
            Err(e) => errs.push(e),
        }
    }
    (out, errs)
}

/// Every job, at most one thread per core.
fn run(
    engine: Option<&Engine>,
    jobs: &[Job],
    kube: &str,
    memo_dir: Option<&Path>,
    loaded: &Loaded,
) -> Vec<Result<Expanded, InputError>> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per = jobs.len().div_ceil(cores);
    std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .chunks(per)
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|job| expand_one(engine, job, kube, memo_dir, loaded))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a chart thread does not panic"))
            .collect()
    })
}

/// One chart to expand: its cached archive, and its output from an earlier
/// run when the memo has it.
struct Job {
    app: ChartApp,
    chart: PathBuf,
    key: String,
    hit: Option<String>,
}

fn expand_one(
    engine: Option<&Engine>,
    job: &Job,
    kube: &str,
    memo_dir: Option<&Path>,
    loaded: &Loaded,
) -> Result<Expanded, InputError> {
    let app = &job.app;
    let at = |message: String, help: &str| {
        InputError::new(Code::ChartRender, message)
            .in_file(&loaded.source)
            .label(app.span.clone(), "this chart's values")
            .help(help.to_string())
    };
    let req = Request {
        chart: &job.chart,
        release: &app.release,
        namespace: &app.namespace,
        kube_version: kube,
        values: &app.values,
    };
    let rendered = match (&job.hit, engine) {
        (Some(m), _) => Ok(m.clone()),
        (None, Some(engine)) => engine
            .template(&req)
            .inspect(|m| memo::put(memo_dir, &job.key, m)),
        (None, None) => Err("no Helm engine".to_string()),
    };
    let manifest = rendered.map_err(|err| render_error(&err, app, loaded))?;
    let mut docs = Vec::new();
    for (source, text) in split(&manifest) {
        let values = crate::render::yaml::documents(text).map_err(|e| {
            at(
                format!(
                    "chart `{}` {}: template `{source}` printed invalid YAML (line {} of its output): {}",
                    app.chart, app.version, e.line, e.message
                ),
                &format!(
                    "the chart's output cannot be read; check the values of `[services.{}.helm]` this template prints",
                    app.service
                ),
            )
        })?;
        docs.extend(
            values
                .into_iter()
                .filter(|v| !v.is_null())
                .map(|mut value| {
                    drop_nulls(&mut value);
                    Doc {
                        source: source.to_string(),
                        value,
                    }
                }),
        );
    }
    Ok(Expanded {
        app: app.clone(),
        docs,
    })
}
