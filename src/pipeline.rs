//! The whole flow in one place: parse (site, templates, policies) → plan →
//! render → validate (schemas, then the API server's rules) → files.
//! Commands call this; nothing is written here.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::charts::Options;
use crate::diag::Errors;
use crate::lint::policy::Policies;
use crate::monitoring::Monitoring;
use crate::plan::Plan;
use crate::render::{Rendered, Templates};
use crate::site::Loaded;
use crate::site::folder::SiteFolder;
use crate::validate::Schemas;
use crate::write::Files;

pub struct Built {
    pub loaded: Loaded,
    pub plan: Plan,
    /// Dashboards, alerts, Grafana provisioning and log pipelines (with `[monitoring]`).
    pub monitoring: Option<Monitoring>,
    pub rendered: Rendered,
    /// The site's own lint rules (`policies/`), checked when loaded.
    pub policies: Policies,
    pub files: Files,
    /// What each chart Application's chart rendered (with `--charts` only).
    pub charts: Vec<crate::charts::Expanded>,
    /// Wall time of each stage, in order (for `--timings` and benchmarks).
    pub timings: Vec<(&'static str, Duration)>,
}

/// The folder holding the site file (where `templates/` and `rendered/` live).
pub fn site_dir(site: &Path) -> PathBuf {
    match site.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Run every stage up to (not including) writing, on the site on disk.
pub fn build(site: &Path, schemas: &Schemas) -> Result<Built, Errors> {
    let t = Instant::now();
    let folder = SiteFolder::from_disk(site)?;
    let read = t.elapsed();
    let mut built = build_folder(folder, schemas)?;
    built.timings.insert(0, ("read", read));
    Ok(built)
}

/// The same, from a site folder already read (from disk or from a Git ref).
pub fn build_folder(folder: SiteFolder, schemas: &Schemas) -> Result<Built, Errors> {
    let t = Instant::now();
    let templates = Templates::from_files(folder.templates)?;
    let policies = Policies::from_files(folder.policies, schemas)?;
    let parse = t.elapsed();
    let mut built = build_from(folder.loaded, &templates, policies, schemas)?;
    built.timings.insert(0, ("parse", parse));
    Ok(built)
}

/// The same, from a site already parsed and templates already loaded (tests).
pub fn build_from(
    loaded: Loaded,
    templates: &Templates,
    policies: Policies,
    schemas: &Schemas,
) -> Result<Built, Errors> {
    build_stages(loaded, templates, policies, Stage::Site(schemas))
}

/// With `--charts`: the site's charts expanded from the cache next to
/// `site` by `engine`, their CRDs serving as schemas for the whole site, and
/// every chart object validated too.
pub fn build_charts(site: &Path, opts: &Options) -> Result<Built, Errors> {
    let folder = SiteFolder::from_disk(site)?;
    build_folder_charts(folder, &site_dir(site), opts)
}

/// The same from a site folder read anywhere (a Git ref: `hearth diff
/// --charts`), its charts taken from the cache in `dir` (the work tree's,
/// which holds every version pulled, whichever ref pinned it).
pub fn build_folder_charts(
    folder: SiteFolder,
    dir: &Path,
    opts: &Options,
) -> Result<Built, Errors> {
    let t = Instant::now();
    let templates = Templates::from_files(folder.templates)?;
    let policies = Policies::from_files(folder.policies, &Schemas::load())?;
    let parse = t.elapsed();
    let mut built = build_stages(
        folder.loaded,
        &templates,
        policies,
        Stage::Charts {
            dir: dir.to_path_buf(),
            opts,
        },
    )?;
    built.timings.insert(0, ("parse", parse));
    Ok(built)
}

/// Which schemas validate: given, or built after the charts are expanded.
enum Stage<'a> {
    Site(&'a Schemas),
    Charts { dir: PathBuf, opts: &'a Options<'a> },
}

fn build_stages(
    loaded: Loaded,
    templates: &Templates,
    policies: Policies,
    stage: Stage,
) -> Result<Built, Errors> {
    let mut timings = Vec::new();
    let mut t = Instant::now();
    let mut lap = |name: &'static str| {
        timings.push((name, t.elapsed()));
        t = Instant::now();
    };
    let plan = crate::plan::plan(&loaded)?;
    let monitoring = crate::monitoring::plan(&loaded, &plan)?;
    lap("plan");
    let rendered = crate::render::render(&plan, monitoring.as_ref(), templates)?;
    lap("render");
    // Every problem is collected before failing: a chart that does not
    // render hides neither the other charts' findings nor the site's.
    let mut errs = Errors::default();
    let (charts, own);
    let schemas = match stage {
        Stage::Site(s) => {
            charts = Vec::new();
            s
        }
        Stage::Charts { dir, opts } => {
            let (expanded, failed) = crate::charts::expand_each(&dir, &loaded, &rendered, opts);
            charts = expanded;
            errs.0.extend(failed.0);
            lap("charts");
            let (schemas, bad) = crate::charts::check::schemas_with(&charts, &loaded);
            errs.0.extend(bad.0);
            own = schemas;
            &own
        }
    };
    if let Err(e) = crate::validate::validate(&rendered, schemas) {
        errs.0.extend(e.0);
    }
    if let Err(e) = crate::charts::check::validate(&charts, schemas, &loaded) {
        errs.0.extend(e.0);
    }
    errs.into_result(())?;
    if !charts.is_empty() {
        crate::charts::assume::check(&crate::charts::assume::Cx {
            expanded: &charts,
            plan: &plan,
            rendered: &rendered,
            loaded: &loaded,
        })?;
    }
    lap("validate");
    crate::validate::apiserver::check(&rendered, &loaded)?;
    lap("apiserver");
    let files = crate::write::files(&rendered)?;
    lap("serialise");
    Ok(Built {
        loaded,
        plan,
        monitoring,
        rendered,
        policies,
        files,
        charts,
        timings,
    })
}

impl Built {
    /// Lint this build: its plan, objects, policies and site text.
    pub fn lint(&self, today: &str) -> crate::lint::Outcome<'_> {
        crate::lint::lint(
            &self.plan,
            self.monitoring.as_ref(),
            &self.rendered,
            &self.policies,
            &self.loaded.source,
            today,
        )
    }
}
