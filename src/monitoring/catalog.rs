//! Which metric names the site produces, and who produces them: the log
//! pipeline's counters, the exporters the charts and images of the site are
//! known to run, and what a service declares (`metrics.produces`). A query
//! reading anything else would draw an empty panel or an alert that never
//! fires: `hearth lint` reports it (HL301).

use std::collections::BTreeMap;

use super::pipeline::Pipeline;
use crate::plan::{BackupKind, Plan};

/// Families known by prefix (`longhorn_…`), names known exactly.
#[derive(Debug, Default)]
pub struct Catalog {
    pub exact: BTreeMap<String, String>,
    pub prefixes: Vec<(String, String)>,
    /// Names under this prefix are the pipeline's own: exact only, so a typo
    /// in `promtail_custom_…` is never excused by the `promtail_` family.
    pub pipeline_prefix: Option<String>,
}

/// What a Helm chart's default install exposes to an annotation-scraping
/// Prometheus.
fn chart_families(chart: &str) -> &'static [&'static str] {
    match chart {
        // The prometheus-community chart: the server, kube-state-metrics,
        // node-exporter and the Pushgateway (all enabled by default), plus what
        // its default jobs scrape from the kubelet and API server.
        "prometheus" => &[
            "prometheus_",
            "kube_",
            "node_",
            "pushgateway_",
            "push_time_seconds",
            "push_failure_time_seconds",
            "container_",
            "kubelet_",
            "apiserver_",
            "alertmanager_",
        ],
        "longhorn" => &["longhorn_"],
        "ingress-nginx" => &["nginx_ingress_controller_"],
        "argo-cd" => &["argocd_"],
        "grafana" => &["grafana_"],
        "cert-manager" => &["certmanager_"],
        "sealed-secrets" => &["sealed_secrets_"],
        _ => &[],
    }
}

/// What a container image is known to expose.
fn image_families(image: &str) -> &'static [&'static str] {
    let repo = image.split([':', '@']).next().unwrap_or(image);
    match repo.rsplit('/').next().unwrap_or(repo) {
        "loki" => &["loki_"],
        "promtail" => &["promtail_"],
        "alloy" => &["alloy_", "loki_process_", "loki_source_"],
        "pi-metrics" => &["pi_temperature"],
        "pihole" | "pihole-exporter" => &["pihole_"],
        _ => &[],
    }
}

impl Catalog {
    pub fn add_exact(&mut self, name: &str, by: &str) {
        self.exact
            .entry(name.to_string())
            .or_insert_with(|| by.to_string());
    }
    pub fn add_family(&mut self, prefix: &str, by: &str) {
        self.prefixes.push((prefix.to_string(), by.to_string()));
    }
    pub fn add_chart(&mut self, chart: &str, by: &str) {
        for f in chart_families(chart) {
            self.add_family(f, by);
        }
    }
    pub fn add_image(&mut self, image: &str, by: &str) {
        for f in image_families(image) {
            self.add_family(f, by);
        }
    }

    /// Who produces `name`, if anyone. Histogram and summary series
    /// (`_bucket`, `_sum`, `_count`) belong to their family.
    pub fn producer(&self, name: &str) -> Option<&str> {
        let base = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s))
            .unwrap_or(name);
        for n in [name, base] {
            if let Some(by) = self.exact.get(n) {
                return Some(by);
            }
        }
        if self
            .pipeline_prefix
            .as_deref()
            .is_some_and(|p| name.starts_with(p))
        {
            return None;
        }
        self.prefixes
            .iter()
            .find(|(p, _)| {
                if p.ends_with('_') {
                    name.starts_with(p.as_str())
                } else {
                    name == p
                }
            })
            .map(|(_, by)| by.as_str())
    }

    /// The known name closest to a misspelt one.
    pub fn closest(&self, name: &str) -> Option<&str> {
        crate::diag::closest(name, self.exact.keys().map(String::as_str))
    }
}

/// What the site produces: the pipeline's counters, Prometheus' own series,
/// the charts and images it runs, what workloads say they serve, and backup
/// metrics.
pub fn of_site(plan: &Plan, pipeline: Option<&Pipeline>, has_prometheus: bool) -> Catalog {
    let mut catalog = Catalog {
        pipeline_prefix: pipeline.map(|p| p.prefix.clone()),
        ..Catalog::default()
    };
    if let Some(p) = pipeline {
        for ctr in &p.counters {
            catalog.add_exact(&format!("{}{}", p.prefix, ctr.0), "the log pipeline");
        }
    }
    if has_prometheus {
        for f in [
            "up",
            "scrape_duration_seconds",
            "scrape_samples_scraped",
            "ALERTS",
            "ALERTS_FOR_STATE",
        ] {
            catalog.add_exact(f, "Prometheus");
        }
        for f in ["go_", "process_", "promhttp_"] {
            catalog.add_family(f, "every Go exporter");
        }
    }
    for s in &plan.services {
        if let Some(h) = &s.helm {
            catalog.add_chart(&h.chart, &format!("service `{}`", s.name));
        }
        for w in &s.workloads {
            catalog.add_image(&w.container.image, &format!("service `{}`", s.name));
            for name in &w.produces {
                if let Some(prefix) = name.strip_suffix('*') {
                    catalog.add_family(prefix, &format!("workload `{}/{}`", s.name, w.name));
                } else {
                    catalog.add_exact(name, &format!("workload `{}/{}`", s.name, w.name));
                }
            }
        }
    }
    for b in plan
        .backups
        .iter()
        .filter(|b| b.kind == BackupKind::PgBackup)
    {
        catalog.add_exact("pg_backup_last_success", &format!("pg-backup `{}`", b.name));
        catalog.add_exact("pg_backup_last_failure", &format!("pg-backup `{}`", b.name));
    }
    catalog
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_in_pipeline_names_are_not_excused_by_a_family() {
        let mut c = Catalog {
            pipeline_prefix: Some("promtail_custom_".into()),
            ..Catalog::default()
        };
        c.add_exact("promtail_custom_http_requests_total_ip", "the log pipeline");
        c.add_image("grafana/promtail:3.0.0", "promtail");
        c.add_chart("prometheus", "prometheus");
        assert!(
            c.producer("promtail_custom_http_requests_total_ip")
                .is_some()
        );
        assert!(
            c.producer("promtail_custom_http_request_total_ip")
                .is_none()
        );
        assert_eq!(
            c.closest("promtail_custom_http_request_total_ip"),
            Some("promtail_custom_http_requests_total_ip")
        );
        assert!(c.producer("promtail_read_bytes_total").is_some());
        assert!(
            c.producer("kube_pod_container_status_restarts_total")
                .is_some()
        );
        assert!(c.producer("push_time_seconds").is_some());
        assert!(c.producer("push_time_seconds_x").is_none());
        assert!(c.producer("nginx_ingress_controller_requests").is_none());
    }
}
