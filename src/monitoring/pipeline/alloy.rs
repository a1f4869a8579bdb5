//! The pipeline in Grafana Alloy's configuration language, Promtail's successor.

use super::*;

fn alloy_str(s: &str) -> String {
    serde_json::to_string(s).expect("a string serialises")
}

fn alloy_list(v: &[String]) -> String {
    let items: Vec<String> = v.iter().map(|s| alloy_str(s)).collect();
    format!("[{}]", items.join(", "))
}

fn alloy_stage(s: &Stage, out: &mut String) {
    let ind = "  ";
    match s {
        Stage::Cri => out.push_str(&format!("{ind}stage.cri {{}}\n")),
        Stage::Json { expressions } => {
            out.push_str(&format!("{ind}stage.json {{\n{ind}  expressions = {{\n"));
            for (k, v) in expressions {
                out.push_str(&format!("{ind}    {k} = {},\n", alloy_str(v)));
            }
            out.push_str(&format!("{ind}  }}\n{ind}  drop_malformed = true\n{ind}}}\n"));
        }
        Stage::Geoip { db, source } => out.push_str(&format!(
            "{ind}stage.geoip {{\n{ind}  db      = {}\n{ind}  source  = {}\n{ind}  db_type = \"city\"\n{ind}}}\n",
            alloy_str(db),
            alloy_str(source)
        )),
        Stage::LabelKeep { labels } => out.push_str(&format!(
            "{ind}stage.label_keep {{\n{ind}  values = {}\n{ind}}}\n",
            alloy_list(labels)
        )),
        Stage::LabelDrop { labels } => out.push_str(&format!(
            "{ind}stage.label_drop {{\n{ind}  values = {}\n{ind}}}\n",
            alloy_list(labels)
        )),
        Stage::Labels { labels } => {
            out.push_str(&format!("{ind}stage.labels {{\n{ind}  values = {{\n"));
            for l in labels {
                out.push_str(&format!("{ind}    {l} = \"\",\n"));
            }
            out.push_str(&format!("{ind}  }}\n{ind}}}\n"));
        }
        Stage::Counter {
            name,
            prefix,
            help,
            max_idle,
        } => out.push_str(&format!(
            "{ind}stage.metrics {{\n{ind}  metric.counter {{\n{ind}    name              = {}\n{ind}    description       = {}\n{ind}    prefix            = {}\n{ind}    max_idle_duration = {}\n{ind}    match_all         = true\n{ind}    action            = \"inc\"\n{ind}  }}\n{ind}}}\n",
            alloy_str(name),
            alloy_str(help),
            alloy_str(prefix),
            alloy_str(&max_idle.to_string())
        )),
        Stage::DropAll => out.push_str(&format!(
            "{ind}stage.drop {{\n{ind}  expression = \".*\"\n{ind}}}\n"
        )),
    }
}

/// Discovery of this node's pods (the field selector keeps a DaemonSet's
/// instances from reading each other's files), their log files, a tail.
fn alloy_source(out: &mut String, name: &str, namespaces: Option<&[String]>, forward: &str) {
    out.push_str(&format!(
        "discovery.kubernetes \"{name}\" {{\n  role = \"pod\"\n  selectors {{\n    role  = \"pod\"\n    field = \"spec.nodeName=\" + sys.env(\"HOSTNAME\")\n  }}\n"
    ));
    if let Some(ns) = namespaces {
        out.push_str(&format!(
            "  namespaces {{\n    names = {}\n  }}\n",
            alloy_list(ns)
        ));
    }
    out.push_str("}\n\n");
    out.push_str(&format!(
        "discovery.relabel \"{name}\" {{\n  targets = discovery.kubernetes.{name}.targets\n"
    ));
    if namespaces.is_none() {
        for (src, target) in [
            ("[\"__meta_kubernetes_namespace\"]", "namespace"),
            ("[\"__meta_kubernetes_pod_name\"]", "pod"),
            ("[\"__meta_kubernetes_pod_container_name\"]", "container"),
        ] {
            out.push_str(&format!(
                "  rule {{\n    source_labels = {src}\n    target_label  = \"{target}\"\n  }}\n"
            ));
        }
        out.push_str("  rule {\n    action = \"labelmap\"\n    regex  = \"__meta_kubernetes_pod_label_(.+)\"\n  }\n");
    }
    out.push_str("  rule {\n    source_labels = [\"__meta_kubernetes_pod_uid\", \"__meta_kubernetes_pod_container_name\"]\n    separator     = \"/\"\n    replacement   = \"/var/log/pods/*$1/*.log\"\n    target_label  = \"__path__\"\n  }\n}\n\n");
    out.push_str(&format!(
        "local.file_match \"{name}\" {{\n  path_targets = discovery.relabel.{name}.output\n}}\n\n"
    ));
    out.push_str(&format!(
        "loki.source.file \"{name}\" {{\n  targets    = local.file_match.{name}.targets\n  forward_to = [{forward}]\n}}\n\n"
    ));
}

/// The whole Alloy configuration (`config.alloy`).
pub fn alloy(p: &Pipeline) -> String {
    let mut out = String::from(
        "// Rendered by hearth from site.toml. Do not edit: change site.toml and run `hearth render`.\n// The same pipeline as promtail.yaml, in Grafana Alloy's configuration language.\n\n",
    );
    if let Some(url) = &p.loki_push {
        alloy_source(&mut out, "pod_logs", None, "loki.process.pod_logs.receiver");
        out.push_str(
            "loki.process \"pod_logs\" {\n  forward_to = [loki.write.default.receiver]\n\n",
        );
        for s in &p.pod_log_stages {
            alloy_stage(s, &mut out);
        }
        out.push_str("}\n\n");
        out.push_str(&format!(
            "loki.write \"default\" {{\n  endpoint {{\n    url = {}\n  }}\n}}\n\n",
            alloy_str(url)
        ));
    }
    if p.agent_counts {
        alloy_source(
            &mut out,
            "ingress_metrics",
            Some(&p.namespaces),
            "loki.process.ingress_metrics.receiver",
        );
        out.push_str("loki.process \"ingress_metrics\" {\n  forward_to = []\n\n");
        for s in &p.metric_stages {
            alloy_stage(s, &mut out);
        }
        out.push_str("}\n");
    }
    out
}
