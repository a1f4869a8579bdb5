//! Monitoring as code, a stage after the plan: Grafana provisioning
//! (datasources, dashboards, contact points, notification policy, alert rules),
//! the same alerts as a Prometheus rule file with promtool tests, and the
//! ingress log pipeline as Promtail, Alloy and hearth-exporter configuration.
//! Every query is parsed here (a bad one is an input error); lint then checks
//! that each metric it reads is produced by something in the site. The stage
//! reads the plan and returns its own output; render merges the Grafana values
//! and carries the generated files.

pub mod alerts;
mod boards;
pub mod catalog;
mod contacts;
mod context;
pub mod dashboards;
mod datasources;
pub mod logql;
mod logs;
pub mod pipeline;
pub mod promql;
mod provisioning;
mod routes;
mod rules;

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Serialize;
use serde_json::Value;

use alerts::AlertRule;
use catalog::Catalog;
use context::Ctx;
use pipeline::Pipeline;

use crate::diag::{Code, Errors, InputError};
use crate::plan::Plan;
use crate::site::Loaded;
use crate::site::names::ServiceName;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Promql,
    Logql,
}

/// A query of a panel or an alert, kept for lint's cross-checks.
#[derive(Debug, Clone, Serialize)]
pub struct Query {
    pub lang: Lang,
    pub text: String,
    /// "alert `X`", "panel `Y` of dashboard `Z`".
    pub origin: String,
    pub metrics: Vec<String>,
    #[serde(skip)]
    pub span: Range<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Datasource {
    pub uid: String,
    pub kind: &'static str,
    pub url: String,
    pub default: bool,
    #[serde(skip)]
    pub span: Range<usize>,
}

/// Everything monitoring contributes to the render and to lint.
#[derive(Debug, Serialize)]
pub struct Monitoring {
    pub grafana: ServiceName,
    pub datasources: Vec<Datasource>,
    pub alerts: Vec<AlertRule>,
    pub pipeline: Option<Pipeline>,
    pub queries: Vec<Query>,
    /// (metric, estimated series, span of its counter).
    pub cardinality: Vec<(String, u64, Range<usize>)>,
    pub max_series: u64,
    /// backup name → the alerts that watch it.
    pub watches: BTreeMap<String, Vec<String>>,
    /// `rendered/monitoring/` files: relative path → document (the render
    /// stage lays YAML out, like every other document).
    pub files: BTreeMap<String, Doc>,
    /// Merged under the Grafana service's own chart values.
    pub grafana_values: Value,
    #[serde(skip)]
    pub catalog: Catalog,
    #[serde(skip)]
    pub span: Range<usize>,
}

/// A generated file before layout.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Doc {
    /// Written as canonical YAML by the render stage.
    Yaml(Value),
    /// Already text in its own syntax (JSON dashboards, Alloy configuration).
    Text(String),
}

/// Names of the generated files a ConfigMap can carry (`generated = [...]`).
pub const CARRIABLE: [&str; 3] = ["promtail.yaml", "config.alloy", "exporter.yaml"];

/// Build everything monitoring renders; None when the site has no `[monitoring]`.
pub fn plan(loaded: &Loaded, plan: &Plan) -> Result<Option<Monitoring>, Errors> {
    let raw = &loaded.raw;
    let mut c = Ctx {
        src: &loaded.source,
        raw,
        plan,
        errs: Errors::default(),
        queries: Vec::new(),
    };
    let out = raw.monitoring.as_ref().map(|mon| {
        let (m, span) = (mon.get_ref(), mon.span());
        datasources::check_grafana(&mut c, m);
        let datasources = datasources::datasources(&mut c, m, span.clone());
        let contacts = contacts::contacts(&mut c, m);
        let pipeline = logs::pipeline(&mut c, m, &datasources);
        let cardinality = logs::cardinality(&c, m, pipeline.as_ref());
        let runbook = format!(
            "{}/blob/{}/{}/dr/RUNBOOK.md",
            raw.site.repo_url.trim_end_matches(".git"),
            raw.site.revision,
            raw.site.rendered_path.trim_matches('/')
        );
        let alerts = rules::alerts(&mut c, m, pipeline.as_ref(), &runbook, span.clone());
        let routes = routes::routes(&mut c, m, &alerts.rules);
        let boards = boards::dashboards(&mut c, m, pipeline.as_ref(), &datasources, span.clone());
        let has_prometheus = datasources::default_of(&datasources, "prometheus").is_some();
        let catalog = catalog::of_site(plan, pipeline.as_ref(), has_prometheus);
        let (files, grafana_values) = provisioning::provisioning(
            m,
            &datasources,
            contacts,
            &routes,
            &alerts.rules,
            &boards,
            pipeline.as_ref(),
        );
        Monitoring {
            grafana: m.grafana.get_ref().clone(),
            datasources,
            alerts: alerts.rules,
            pipeline,
            queries: std::mem::take(&mut c.queries),
            cardinality,
            max_series: m.max_series,
            watches: alerts.watches,
            files,
            grafana_values,
            catalog,
            span,
        }
    });
    if out.is_none() {
        for (name, a) in &raw.alerts {
            c.errs.push(
                InputError::new(
                    Code::Monitoring,
                    format!("alert `{name}` needs a [monitoring] section"),
                )
                .in_file(c.src)
                .label(a.span(), "nowhere to deliver it")
                .help("add [monitoring] with `grafana`, `datasources` and a contact point"),
            );
        }
    }
    check_generated(&mut c, out.as_ref());
    c.errs.into_result(out)
}

/// Every `generated = [...]` of a ConfigMap names a file this stage writes, and
/// one the ConfigMap does not also carry by hand.
fn check_generated(c: &mut Ctx, mon: Option<&Monitoring>) {
    for svc in c.raw.services.values() {
        for (cname, cm) in &svc.get_ref().config_maps {
            for g in &cm.generated {
                let file = g.get_ref();
                if !mon.is_some_and(|m| m.files.contains_key(file.as_str())) {
                    let help = if mon.is_some_and(|m| m.pipeline.is_some())
                        || !CARRIABLE.contains(&file.as_str())
                    {
                        crate::diag::closest(file, CARRIABLE).map_or_else(
                            || format!("a ConfigMap can carry {}", CARRIABLE.join(", ")),
                            |k| format!("did you mean `{k}`?"),
                        )
                    } else {
                        "these files come from `[monitoring.logs]`: declare the pipeline"
                            .to_string()
                    };
                    c.errs.push(
                        InputError::new(
                            Code::Monitoring,
                            format!("`{file}` is not a generated monitoring file"),
                        )
                        .in_file(c.src)
                        .label(g.span(), "nothing generates this")
                        .help(help),
                    );
                } else if cm.data.keys().any(|k| k.as_str() == file.as_str()) {
                    c.errs.push(
                        InputError::new(
                            Code::Monitoring,
                            format!("ConfigMap `{cname}` has `{file}` both in `data` and in `generated`"),
                        )
                        .in_file(c.src)
                        .label(g.span(), "also written by hand")
                        .help("remove the hand-written copy: hearth generates it from [monitoring.logs]"),
                    );
                }
            }
        }
    }
}
