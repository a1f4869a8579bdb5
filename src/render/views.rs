//! What templates see of a service and a workload beyond the plan: the chart
//! values in their final form, and the `checksum/config` of a pod template.

use super::*;
use crate::plan::{Service, Workload};

/// The service as its Application sees it: chart values in their final form.
/// The Grafana service's values get monitoring's provisioning underneath the
/// site's own (which win); then every value the chart passes through Helm's
/// `tpl` is escaped, once, so the chart prints exactly what hearth wrote.
pub(super) fn application_view(svc: &Service, monitoring: Option<&Monitoring>) -> JValue {
    let Some(h) = &svc.helm else {
        return s(svc);
    };
    let mut values = match monitoring {
        Some(m) if m.grafana == svc.name => {
            let mut v = m.grafana_values.clone();
            crate::plan::helm::deep_merge(&mut v, &h.values);
            v
        }
        _ => h.values.clone(),
    };
    crate::plan::helm::escape_for_chart(&h.chart, &mut values);
    let mut v = serde_json::to_value(svc).expect("plan types serialise");
    v["helm"]["values"] = values;
    s(&v)
}

/// The workload as its templates see it: with `checksum/config`, a digest of
/// every ConfigMap and Secret its pod reads, in the pod template's
/// annotations. A change of that data changes the pod template, so the
/// controller rolls the pods (Kubernetes itself never restarts a pod for a
/// changed ConfigMap, and a `subPath` mount never sees the new data).
pub(super) fn workload_view(r: &Renderer, plan: &Plan, svc: &Service, w: &Workload) -> JValue {
    let sources = w.config_sources();
    if sources.config_maps.is_empty() && sources.secrets.is_empty() {
        return s(w);
    }
    let mut h = Sha256::new();
    let mut feed = |parts: &[&str]| {
        for p in parts {
            h.update((p.len() as u64).to_le_bytes());
            h.update(p.as_bytes());
        }
    };
    let neighbours = plan
        .services
        .iter()
        .filter(|o| o.namespace == svc.namespace);
    for o in neighbours {
        for c in o
            .config_maps
            .iter()
            .filter(|c| sources.config_maps.contains(&c.name))
        {
            for (k, v) in &c.data {
                feed(&["configmap", c.name.as_str(), k, v]);
            }
            for g in &c.generated {
                let text = r.generated.get(g).map_or("", String::as_str);
                feed(&["configmap", c.name.as_str(), g, text]);
            }
        }
        for sec in o
            .secrets
            .iter()
            .filter(|x| sources.secrets.contains(&x.name))
        {
            for (k, v) in &sec.encrypted {
                feed(&["secret", sec.name.as_str(), k, v]);
            }
        }
    }
    let digest: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let mut v = serde_json::to_value(w).expect("plan types serialise");
    v["pod_annotations"]["checksum/config"] = Value::String(digest);
    s(&v)
}
