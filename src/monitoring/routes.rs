//! Grafana's notification policy: the default contact point, and the site's
//! routes under it, each a list of label matchers (`object_matchers`) on the
//! labels every alert carries: `severity` (the rule's), `alertname` (its
//! title, added by Grafana) and `namespace` (from the query, where it has one).

use serde_json::{Value, json};

use super::alerts::AlertRule;
use super::context::Ctx;
use super::rules::contact_missing;
use crate::site::model::{AlertSeverity, Monitoring, Route as RawRoute};
use crate::site::spanned::Spanned;

/// One route, checked: where its alerts go and which labels select them.
#[derive(Debug, Clone)]
pub(super) struct Route {
    pub receiver: String,
    /// `[label, operator, value]`, Grafana's matcher triples.
    pub matchers: Vec<[String; 3]>,
    pub continue_: bool,
    pub repeat: Option<String>,
}

/// The site's routes, each checked against the contact points, services and
/// alerts it names.
pub(super) fn routes(c: &mut Ctx, m: &Monitoring, rules: &[AlertRule]) -> Vec<Route> {
    m.routes
        .iter()
        .filter_map(|r| route(c, m, r, rules))
        .collect()
}

fn route(c: &mut Ctx, m: &Monitoring, r: &Spanned<RawRoute>, rules: &[AlertRule]) -> Option<Route> {
    let raw = r.get_ref();
    let receiver = raw.notify.get_ref();
    if !m.contact_points.contains_key(receiver) {
        contact_missing(c, m, receiver.as_str(), raw.notify.span());
    }
    let mut matchers = Vec::new();
    if let Some(s) = raw.severity {
        let word = match s {
            AlertSeverity::Warning => "warning",
            AlertSeverity::Critical => "critical",
        };
        matchers.push(triple("severity", &[word.to_string()]));
    }
    let namespaces = namespaces(c, raw);
    if !namespaces.is_empty() {
        matchers.push(triple("namespace", &namespaces));
    }
    let names = alert_names(c, raw, rules);
    if !names.is_empty() {
        matchers.push(triple("alertname", &names));
    }
    if matchers.is_empty() && raw.services.is_empty() && raw.alerts.is_empty() {
        c.err(
            "this route matches every alert".into(),
            r.span(),
            "no `severity`, `services` or `alerts`",
            format!(
                "give the route a matcher, or send every alert to `{receiver}` with `monitoring.notify`"
            ),
        );
        return None;
    }
    let repeat = raw.repeat.as_ref().map(|d| c.duration(Some(d), "4h"));
    Some(Route {
        receiver: receiver.to_string(),
        matchers,
        continue_: raw.continue_,
        repeat,
    })
}

/// `=` for one value, else an anchored regular expression over them all
/// (Grafana anchors `=~`; the values are names, without regex metacharacters
/// but `-` and `.`, which are escaped).
fn triple(label: &str, values: &[String]) -> [String; 3] {
    if let [one] = values {
        return [label.into(), "=".into(), one.clone()];
    }
    let alternatives: Vec<String> = values.iter().map(|v| v.replace('.', "\\.")).collect();
    [label.into(), "=~".into(), alternatives.join("|")]
}

/// The namespaces of the route's services, each service checked.
fn namespaces(c: &mut Ctx, raw: &RawRoute) -> Vec<String> {
    let mut out = Vec::new();
    for s in &raw.services {
        match c.plan.services.iter().find(|p| p.name == *s.get_ref()) {
            Some(p) => out.push(p.namespace.to_string()),
            None => {
                let known: Vec<&str> = c.plan.services.iter().map(|p| p.name.as_str()).collect();
                let help = crate::diag::closest(s.get_ref().as_str(), known.iter().copied())
                    .map_or_else(
                        || "name a service of site.toml".to_string(),
                        |k| format!("did you mean `{k}`?"),
                    );
                c.err(
                    format!("service `{}` is not declared", s.get_ref()),
                    s.span(),
                    "unknown service",
                    help,
                );
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The route's alert names, each one an alert the site has.
fn alert_names(c: &mut Ctx, raw: &RawRoute, rules: &[AlertRule]) -> Vec<String> {
    let mut out = Vec::new();
    for a in &raw.alerts {
        let name = a.get_ref();
        if rules.iter().any(|r| r.name == *name) {
            out.push(name.clone());
            continue;
        }
        let help = crate::diag::closest(name, rules.iter().map(|r| r.name.as_str())).map_or_else(
            || {
                "name a built-in alert (see the rendered alerts.rules.yaml) or one of `[alerts]`"
                    .to_string()
            },
            |k| format!("did you mean `{k}`?"),
        );
        c.err(
            format!("the site has no alert `{name}`"),
            a.span(),
            "unknown alert",
            help,
        );
    }
    out
}

/// The notification policy tree: everything to `notify`, but what a route takes.
pub(super) fn policy(m: &Monitoring, routes: &[Route]) -> Value {
    let mut root = json!({
        "orgId": 1,
        "receiver": m.notify.get_ref().as_str(),
        "group_by": ["grafana_folder", "alertname"],
        "group_wait": "30s",
        "group_interval": "5m",
        "repeat_interval": "4h",
    });
    if !routes.is_empty() {
        root["routes"] = routes
            .iter()
            .map(|r| {
                let mut v = json!({
                    "receiver": r.receiver,
                    "object_matchers": r.matchers,
                });
                if r.continue_ {
                    v["continue"] = json!(true);
                }
                if let Some(d) = &r.repeat {
                    v["repeat_interval"] = json!(d);
                }
                v
            })
            .collect();
    }
    json!({ "apiVersion": 1, "policies": [root] })
}
