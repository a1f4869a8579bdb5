//! Grafana dashboards as JSON (schemaVersion 39, Grafana 11): the built-in
//! ones, laid out from the site, and the site's own.

use serde_json::{Value, json};

/// The dashboard JSON schema version of Grafana 11.
pub const SCHEMA_VERSION: u32 = 39;

/// The seed's query for requests by client IP, for a counter of `client_ip`
/// alone (the blog's exact text when the prefix and name are the seed's).
pub fn requests_by_ip(metric: &str) -> String {
    format!(
        "sum by(client_ip) (increase({metric}{{}}[1h]) > 0 or last_over_time({metric}{{}}[5m])) > 0"
    )
}

/// Fields of a ModSecurity v3 line in the ingress controller's error log
/// (the seed's column names). A `regexp`, not the seed's `pattern`: a pattern
/// capture ends at the next literal, and ModSecurity v3 writes `[rev ""]`
/// between `[id]` and `[msg]`, so the seed's `<rule_id>` read `949110"] [rev "`.
/// `[rev]` and `[ver]` are optional (rules outside the CRS have neither), the
/// rule file may sit anywhere, and `Warning.` rule matches and `Access denied`
/// lines (one per blocked request) both match; `modsec_action` tells them apart.
pub const WAF_REGEXP: &str = r#"^(?P<date>\S+) (?P<time>\S+) \[(?P<level>\w+)\] .*?ModSecurity: (?P<modsec_action>[^.]*)\..*? \[file "(?:[^"]*/)?(?P<rule_set>[^"/]*?)(?:\.conf)?"\] \[line "\d+"\] \[id "(?P<rule_id>\d+)"\](?: \[rev "[^"]*"\])? \[msg "(?P<msg>[^"]*)"\](?:.*? \[ver "(?P<owasp_version>[^"]*)"\])?.*, client: (?P<client>[^,]*), server: (?P<server>[^,]*), request: "(?P<request_method>\S+) (?P<ressource>\S+) (?P<http_version>[^"\s]+)""#;

/// ModSecurity's lines in the ingress controller's logs, parsed into columns;
/// lines the regexp does not match (no rule id) are left out.
pub fn waf_query(namespace: &str) -> String {
    format!(
        "{{namespace=\"{namespace}\"}} |= `ModSecurity:` | regexp `{WAF_REGEXP}` | rule_id != \"\""
    )
}

/// The raw search of the same lines.
pub fn waf_search(namespace: &str) -> String {
    format!("{{namespace=\"{namespace}\"}} |= `ModSecurity:`")
}

/// One panel before layout.
#[derive(Debug, Clone)]
pub struct PanelSpec {
    pub title: String,
    /// timeseries, table, stat, logs, geomap
    pub kind: &'static str,
    pub datasource: (String, &'static str),
    pub query: String,
    pub legend: Option<String>,
    /// Instant table query (geomap, tables of current values).
    pub instant: bool,
    pub unit: Option<&'static str>,
    pub full_width: bool,
}

impl PanelSpec {
    pub fn new(
        title: &str,
        kind: &'static str,
        ds: &(String, &'static str),
        query: String,
    ) -> Self {
        PanelSpec {
            title: title.to_string(),
            kind,
            datasource: ds.clone(),
            query,
            legend: None,
            instant: false,
            unit: None,
            full_width: false,
        }
    }
    pub fn legend(mut self, l: &str) -> Self {
        self.legend = Some(l.to_string());
        self
    }
    pub fn instant(mut self) -> Self {
        self.instant = true;
        self
    }
    pub fn unit(mut self, u: &'static str) -> Self {
        self.unit = Some(u);
        self
    }
    pub fn wide(mut self) -> Self {
        self.full_width = true;
        self
    }
}

fn panel(id: usize, p: &PanelSpec, x: u32, y: u32) -> Value {
    let ds = json!({ "type": p.datasource.1, "uid": p.datasource.0 });
    let mut target = json!({ "refId": "A", "datasource": ds, "expr": p.query });
    if let Some(l) = &p.legend {
        target["legendFormat"] = json!(l);
    }
    if p.instant {
        target["instant"] = json!(true);
        target["range"] = json!(false);
        target["format"] = json!("table");
    }
    if p.datasource.1 == "loki" {
        target["queryType"] = json!("range");
    }
    let mut defaults = json!({});
    if let Some(u) = p.unit {
        defaults["unit"] = json!(u);
    }
    let mut v = json!({
        "id": id,
        "type": p.kind,
        "title": p.title,
        "datasource": ds,
        "gridPos": { "x": x, "y": y, "w": if p.full_width { 24 } else { 12 }, "h": 9 },
        "targets": [target],
        "fieldConfig": { "defaults": defaults, "overrides": [] },
        "options": {},
    });
    match p.kind {
        "geomap" => {
            v["options"] = json!({
                "view": { "id": "zero", "lat": 0, "lon": 0, "zoom": 1 },
                "controls": { "showZoom": true, "mouseWheelZoom": true },
                "layers": [{
                    "type": "markers",
                    "name": "Requests",
                    "location": {
                        "mode": "coords",
                        "latitude": "geoip_location_latitude",
                        "longitude": "geoip_location_longitude",
                    },
                    "config": {
                        "size": { "field": "Value", "min": 3, "max": 20, "fixed": 5 },
                        "color": { "fixed": "red" },
                        "showLegend": true,
                    },
                }],
            });
            v["transformations"] = json!([{
                "id": "convertFieldType",
                "options": { "conversions": [
                    { "targetField": "geoip_location_latitude", "destinationType": "number" },
                    { "targetField": "geoip_location_longitude", "destinationType": "number" },
                ] },
            }]);
        }
        "table" if p.datasource.1 == "loki" => {
            // Labels the pattern extracted become columns.
            v["transformations"] =
                json!([{ "id": "extractFields", "options": { "source": "labels" } }]);
        }
        "logs" => {
            v["options"] =
                json!({ "showTime": true, "wrapLogMessage": true, "sortOrder": "Descending" });
        }
        _ => {}
    }
    v
}

/// A whole dashboard: panels laid out two per row (wide ones alone).
pub fn dashboard(uid: &str, title: &str, panels: &[PanelSpec]) -> Value {
    let (mut x, mut y) = (0, 0);
    let mut out = Vec::new();
    for (i, p) in panels.iter().enumerate() {
        if p.full_width && x != 0 {
            x = 0;
            y += 9;
        }
        out.push(panel(i + 1, p, x, y));
        if p.full_width || x == 12 {
            x = 0;
            y += 9;
        } else {
            x = 12;
        }
    }
    json!({
        "uid": uid,
        "title": title,
        "tags": ["hearth"],
        "timezone": "browser",
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "editable": false,
        "graphTooltip": 1,
        "time": { "from": "now-24h", "to": "now" },
        "refresh": "1m",
        "panels": out,
        "templating": { "list": [] },
        "annotations": { "list": [] },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_queries_verbatim() {
        assert_eq!(
            requests_by_ip("promtail_custom_http_requests_total_ip"),
            "sum by(client_ip) (increase(promtail_custom_http_requests_total_ip{}[1h]) > 0 or last_over_time(promtail_custom_http_requests_total_ip{}[5m])) > 0"
        );
        assert!(crate::monitoring::logql::check(&waf_query("ingress-nginx")).is_ok());
    }

    #[test]
    fn ids_are_unique_and_panels_do_not_overlap() {
        let ds = ("prometheus".to_string(), "prometheus");
        let ps: Vec<PanelSpec> = (0..5)
            .map(|i| {
                let p = PanelSpec::new(&format!("p{i}"), "timeseries", &ds, "up".into());
                if i == 2 { p.wide() } else { p }
            })
            .collect();
        let d = dashboard("u", "t", &ps);
        let panels = d["panels"].as_array().unwrap();
        let mut cells = std::collections::BTreeSet::new();
        for p in panels {
            let g = &p["gridPos"];
            let key = (g["x"].as_u64().unwrap(), g["y"].as_u64().unwrap());
            assert!(cells.insert(key), "overlap at {key:?}");
        }
        let ids: std::collections::BTreeSet<u64> =
            panels.iter().map(|p| p["id"].as_u64().unwrap()).collect();
        assert_eq!(ids.len(), panels.len());
    }
}
