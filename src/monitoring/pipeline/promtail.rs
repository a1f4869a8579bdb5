//! The pipeline as Promtail YAML (what the seed ran; end of life on 2026-03-02).

use super::*;

fn promtail_stage(s: &Stage) -> Value {
    match s {
        Stage::Cri => json!({ "cri": {} }),
        Stage::Json { expressions } => {
            let m: serde_json::Map<String, Value> = expressions
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            json!({ "json": { "expressions": m, "drop_malformed": true } })
        }
        Stage::Geoip { db, source } => {
            json!({ "geoip": { "db": db, "source": source, "db_type": "city" } })
        }
        Stage::LabelKeep { labels } => json!({ "labelallow": labels }),
        Stage::LabelDrop { labels } => json!({ "labeldrop": labels }),
        Stage::Labels { labels } => {
            let m: serde_json::Map<String, Value> =
                labels.iter().map(|l| (l.clone(), json!(""))).collect();
            json!({ "labels": m })
        }
        Stage::Counter {
            name,
            prefix,
            help,
            max_idle,
        } => json!({ "metrics": { name.as_str(): {
            "type": "Counter",
            "description": help,
            "prefix": prefix,
            "max_idle_duration": max_idle.to_string(),
            "config": { "match_all": true, "action": "inc" },
        } } }),
        Stage::DropAll => json!({ "drop": { "expression": ".*" } }),
    }
}

/// `__path__` of a pod's container logs, from its uid and container name.
fn path_relabel() -> Value {
    json!({
        "source_labels": ["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"],
        "separator": "/",
        "replacement": "/var/log/pods/*$1/*.log",
        "target_label": "__path__",
    })
}

/// Promtail finds targets through the API server and tails only the files of
/// its own node (`__host__` must equal its HOSTNAME).
fn host_relabel() -> Value {
    json!({ "source_labels": ["__meta_kubernetes_pod_node_name"], "target_label": "__host__" })
}

/// The whole `promtail.yaml`.
pub fn promtail(p: &Pipeline) -> Value {
    let mut jobs = Vec::new();
    if p.loki_push.is_some() {
        jobs.push(json!({
            "job_name": "pod-logs",
            "kubernetes_sd_configs": [{ "role": "pod" }],
            "relabel_configs": [
                host_relabel(),
                { "action": "labelmap", "regex": "__meta_kubernetes_pod_label_(.+)" },
                { "source_labels": ["__meta_kubernetes_namespace", "__meta_kubernetes_pod_name"], "separator": "/", "target_label": "job" },
                { "source_labels": ["__meta_kubernetes_namespace"], "target_label": "namespace" },
                { "source_labels": ["__meta_kubernetes_pod_name"], "target_label": "pod" },
                { "source_labels": ["__meta_kubernetes_pod_container_name"], "target_label": "container" },
                path_relabel(),
            ],
            "pipeline_stages": p.pod_log_stages.iter().map(promtail_stage).collect::<Vec<_>>(),
        }));
    }
    if p.agent_counts {
        jobs.push(json!({
        "job_name": "ingress-nginx-metrics",
        "kubernetes_sd_configs": [{ "role": "pod", "namespaces": { "names": p.namespaces } }],
        "relabel_configs": [host_relabel(), path_relabel()],
        "pipeline_stages": p.metric_stages.iter().map(promtail_stage).collect::<Vec<_>>(),
        }));
    }
    let mut doc = json!({
        "server": { "http_listen_port": 9080, "grpc_listen_port": 0 },
        "positions": { "filename": p.positions },
        "target_config": { "sync_period": "10s" },
        "scrape_configs": jobs,
    });
    if let Some(url) = &p.loki_push {
        doc["clients"] = json!([{ "url": url }]);
    }
    doc
}
