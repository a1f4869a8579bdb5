//! Grafana provisioning and the other `rendered/monitoring/` files, and the
//! same documents as the grafana chart's values.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::alerts::{self, AlertRule};
use super::contacts::Contacts;
use super::pipeline::{self, Pipeline};
use super::routes::Route;
use super::{Datasource, Doc};
use crate::site::model::Monitoring;

/// The files (relative path → document) and the grafana chart's values.
pub(super) fn provisioning(
    m: &Monitoring,
    datasources: &[Datasource],
    contacts: Contacts,
    routes: &[Route],
    rules: &[AlertRule],
    boards: &[(String, Value)],
    pipeline: Option<&Pipeline>,
) -> (BTreeMap<String, Doc>, Value) {
    let mut files = BTreeMap::new();
    let yaml = |v: &Value| Doc::Yaml(v.clone());
    let ds_doc = datasources_doc(datasources);
    let provider = provider_doc();
    let contact_doc = json!({ "apiVersion": 1, "contactPoints": contacts.receivers });
    let policy_doc = super::routes::policy(m, routes);
    let prom = super::datasources::default_of(datasources, "prometheus");
    let prom_uid = prom.as_ref().map_or("prometheus", |p| p.0.as_str());
    let rules_doc = alerts::grafana_rules(rules, prom_uid, "hearth");
    files.insert("grafana/datasources.yaml".into(), yaml(&ds_doc));
    files.insert("grafana/dashboards.yaml".into(), yaml(&provider));
    files.insert(
        "grafana/alerting/contact-points.yaml".into(),
        yaml(&contact_doc),
    );
    files.insert("grafana/alerting/policies.yaml".into(), yaml(&policy_doc));
    files.insert("grafana/alerting/rules.yaml".into(), yaml(&rules_doc));
    let mut board_values = serde_json::Map::new();
    for (uid, d) in boards {
        let text = serde_json::to_string_pretty(d).expect("serialises") + "\n";
        files.insert(
            format!("grafana/dashboards/{uid}.json"),
            Doc::Text(text.clone()),
        );
        board_values.insert(uid.clone(), json!({ "json": text }));
    }
    files.insert(
        "alerts.rules.yaml".into(),
        yaml(&alerts::prometheus_rules(rules)),
    );
    files.insert(
        "alerts.test.yaml".into(),
        yaml(&alerts::promtool_tests(rules, "alerts.rules.yaml")),
    );
    if let Some(p) = pipeline {
        pipeline_files(&mut files, p);
    }
    let mut grafana_values = json!({
        "datasources": { "datasources.yaml": ds_doc },
        "dashboardProviders": { "dashboardproviders.yaml": provider },
        "dashboards": { "hearth": board_values },
        "alerting": {
            "contactpoints.yaml": contact_doc,
            "policies.yaml": policy_doc,
            "rules.yaml": rules_doc,
        },
        "envValueFrom": contacts.env,
    });
    if let Some(smtp) = contacts.smtp {
        grafana_values["grafana.ini"] = json!({ "smtp": smtp });
    }
    (files, grafana_values)
}

/// Grafana's datasource provisioning file.
fn datasources_doc(datasources: &[Datasource]) -> Value {
    json!({
        "apiVersion": 1,
        "datasources": datasources.iter().map(|d| json!({
            "name": d.uid,
            "uid": d.uid,
            "type": d.kind,
            "url": d.url,
            "access": "proxy",
            "isDefault": d.default && d.kind == "prometheus",
        })).collect::<Vec<_>>(),
    })
}

/// Grafana's dashboard provider: hearth's dashboards, read-only in the UI.
fn provider_doc() -> Value {
    json!({
        "apiVersion": 1,
        "providers": [{
            "name": "hearth",
            "folder": "hearth",
            "type": "file",
            "disableDeletion": true,
            "allowUiUpdates": false,
            "options": { "path": "/var/lib/grafana/dashboards/hearth" },
        }],
    })
}

/// The log pipeline three ways: Promtail, Alloy, and hearth-exporter's config.
fn pipeline_files(files: &mut BTreeMap<String, Doc>, p: &Pipeline) {
    files.insert("promtail.yaml".into(), Doc::Yaml(pipeline::promtail(p)));
    files.insert("config.alloy".into(), Doc::Text(pipeline::alloy(p)));
    let exporter = serde_json::to_value(pipeline::exporter(p)).expect("the config serialises");
    files.insert("exporter.yaml".into(), Doc::Yaml(exporter));
}
