//! The dashboards of a cluster's health, each drawn from what the site runs:
//! nodes (node-exporter, from the prometheus chart), storage (the kubelet's
//! volume stats, Longhorn's own metrics), certificates (cert-manager) and
//! per-service traffic (ingress-nginx's controller metrics). A dashboard
//! whose producers the site does not run has no panels and is left out.

use super::Ds;
use crate::monitoring::context::{NOT_DISKS, chart_of, robustness_has_states, runs_chart};
use crate::monitoring::dashboards::PanelSpec;
use crate::plan::{Capability, Plan};

pub(super) fn nodes(plan: &Plan, prom: &Ds) -> Vec<PanelSpec> {
    if !runs_chart(plan, "prometheus") {
        return Vec::new();
    }
    vec![
        PanelSpec::new(
            "CPU busy by node",
            "timeseries",
            prom,
            "1 - avg by (instance) (rate(node_cpu_seconds_total{mode=\"idle\"}[5m]))".into(),
        )
        .legend("{{instance}}")
        .unit("percentunit"),
        PanelSpec::new(
            "Memory used by node",
            "timeseries",
            prom,
            "1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes".into(),
        )
        .legend("{{instance}}")
        .unit("percentunit"),
        PanelSpec::new(
            "Disk used by mount",
            "timeseries",
            prom,
            format!(
                "1 - node_filesystem_avail_bytes{{{NOT_DISKS}}} / node_filesystem_size_bytes{{{NOT_DISKS}}}"
            ),
        )
        .legend("{{instance}} {{mountpoint}}")
        .unit("percentunit"),
        // hwmon: the SoC sensor of a Raspberry Pi (cpu_thermal) and most boards.
        PanelSpec::new(
            "Hottest sensor by node",
            "timeseries",
            prom,
            "max by (instance) (node_hwmon_temp_celsius)".into(),
        )
        .legend("{{instance}}")
        .unit("celsius"),
    ]
}

pub(super) fn storage(plan: &Plan, prom: &Ds) -> Vec<PanelSpec> {
    let mut panels = Vec::new();
    if runs_chart(plan, "prometheus") {
        panels.push(
            PanelSpec::new(
                "Volume fill level",
                "timeseries",
                prom,
                "kubelet_volume_stats_used_bytes / kubelet_volume_stats_capacity_bytes".into(),
            )
            .legend("{{namespace}}/{{persistentvolumeclaim}}")
            .unit("percentunit")
            .wide(),
        );
    }
    if let Some(version) = chart_of(plan, Capability::Longhorn, "longhorn") {
        let (query, legend) = if robustness_has_states(version) {
            ("longhorn_volume_robustness == 1", "{{volume}} {{state}}")
        } else {
            // 1 is healthy; 2 degraded, 3 faulted, 0 unknown.
            ("longhorn_volume_robustness", "{{volume}}")
        };
        panels.push(
            PanelSpec::new("Longhorn volume robustness", "table", prom, query.into())
                .instant()
                .legend(legend),
        );
        panels.push(
            PanelSpec::new(
                "Longhorn space used by volume (largest replica)",
                "timeseries",
                prom,
                "max by (volume) (longhorn_volume_actual_size_bytes)".into(),
            )
            .legend("{{volume}}")
            .unit("bytes"),
        );
    }
    panels
}

pub(super) fn certificates(plan: &Plan, prom: &Ds) -> Vec<PanelSpec> {
    if chart_of(plan, Capability::CertManager, "cert-manager").is_none() {
        return Vec::new();
    }
    vec![
        PanelSpec::new(
            "Time until each certificate expires",
            "table",
            prom,
            "certmanager_certificate_expiration_timestamp_seconds - time()".into(),
        )
        .instant()
        .legend("{{namespace}}/{{name}}")
        .unit("s"),
        PanelSpec::new(
            "Certificates not ready",
            "stat",
            prom,
            "count(certmanager_certificate_ready_status{condition!=\"True\"} == 1) or vector(0)"
                .into(),
        ),
    ]
}

pub(super) fn services(plan: &Plan, prom: &Ds) -> Vec<PanelSpec> {
    if chart_of(plan, Capability::Ingress, "ingress-nginx").is_none() {
        return Vec::new();
    }
    let by = "sum by (namespace, ingress)";
    vec![
        PanelSpec::new(
            "Requests by ingress",
            "timeseries",
            prom,
            format!("{by} (rate(nginx_ingress_controller_requests[5m]))"),
        )
        .legend("{{namespace}}/{{ingress}}")
        .unit("reqps"),
        PanelSpec::new(
            "Server errors (5xx) by ingress",
            "timeseries",
            prom,
            format!("{by} (rate(nginx_ingress_controller_requests{{status=~\"5..\"}}[5m]))"),
        )
        .legend("{{namespace}}/{{ingress}}")
        .unit("reqps"),
        PanelSpec::new(
            "Response time by ingress (95th percentile)",
            "timeseries",
            prom,
            "histogram_quantile(0.95, sum by (le, namespace, ingress) (rate(nginx_ingress_controller_request_duration_seconds_bucket[5m])))".into(),
        )
        .legend("{{namespace}}/{{ingress}}")
        .unit("s")
        .wide(),
    ]
}
