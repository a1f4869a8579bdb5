//! The Grafana service and its datasources: one default per kind, a Prometheus
//! required.

use super::Datasource;
use super::context::Ctx;
use crate::site::model::{DatasourceKind, Monitoring};

/// `[monitoring] grafana` must name a service running the grafana chart.
pub(super) fn check_grafana(c: &mut Ctx, m: &Monitoring) {
    match c.plan.service(m.grafana.get_ref().as_str()) {
        Some(s) if s.helm.as_ref().is_some_and(|h| h.chart == "grafana") => {}
        Some(_) => c.err(
            format!("service `{}` is not the Grafana Helm chart", m.grafana.get_ref()),
            m.grafana.span(),
            "not chart `grafana`",
            "hearth provisions Grafana through the chart's values: point `grafana` at a service with `helm.chart = \"grafana\"`",
        ),
        None => c.err(
            format!("service `{}` does not exist", m.grafana.get_ref()),
            m.grafana.span(),
            "unknown service",
            "name the service that runs Grafana",
        ),
    }
}

fn kind_name(k: DatasourceKind) -> &'static str {
    match k {
        DatasourceKind::Prometheus => "prometheus",
        DatasourceKind::Loki => "loki",
    }
}

/// The datasources, each marked default when it is the only one of its kind.
pub(super) fn datasources(
    c: &mut Ctx,
    m: &Monitoring,
    span: std::ops::Range<usize>,
) -> Vec<Datasource> {
    for kind in [DatasourceKind::Prometheus, DatasourceKind::Loki] {
        let defaults: Vec<_> = m
            .datasources
            .iter()
            .filter(|(_, d)| d.get_ref().kind == kind && d.get_ref().default)
            .collect();
        if defaults.len() > 1 {
            c.err(
                "more than one default datasource of a kind".into(),
                defaults[1].1.span(),
                "second default",
                "keep `default = true` on one of them",
            );
        }
    }
    let out: Vec<Datasource> = m
        .datasources
        .iter()
        .map(|(uid, d)| {
            let dr = d.get_ref();
            let only = m
                .datasources
                .values()
                .filter(|x| x.get_ref().kind == dr.kind)
                .count()
                == 1;
            Datasource {
                uid: uid.to_string(),
                kind: kind_name(dr.kind),
                url: dr.url.get_ref().clone(),
                default: dr.default || only,
                span: d.span(),
            }
        })
        .collect();
    if default_of(&out, "prometheus").is_none() {
        c.err(
            "no Prometheus datasource".into(),
            span,
            "in this [monitoring]",
            "add `[monitoring.datasources.prometheus]` with `kind = \"prometheus\"` and its URL",
        );
    }
    out
}

/// The default datasource of a kind, as (uid, kind).
pub(super) fn default_of(ds: &[Datasource], kind: &str) -> Option<(String, &'static str)> {
    ds.iter()
        .find(|d| d.kind == kind && d.default)
        .map(|d| (d.uid.clone(), d.kind))
}
