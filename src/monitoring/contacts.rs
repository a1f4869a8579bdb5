//! Contact points and the notification policy. Credentials stay in sealed
//! secrets of the Grafana service: Grafana reads them from environment
//! variables the chart fills from those secrets (`envValueFrom`).

use serde_json::{Map, Value, json};

use super::context::Ctx;
use super::rules::contact_missing;
use crate::site::model::Monitoring;

/// Grafana's contact points and the environment that carries their secrets.
pub(super) struct Contacts {
    /// `envValueFrom` of the grafana chart: variable → secret key.
    pub env: Map<String, Value>,
    /// Provisioned contact points.
    pub receivers: Vec<Value>,
}

pub(super) fn contacts(c: &mut Ctx, m: &Monitoring) -> Contacts {
    if !m.contact_points.contains_key(m.notify.get_ref()) {
        contact_missing(c, m, m.notify.get_ref().as_str(), m.notify.span());
    }
    let grafana = c.plan.service(m.grafana.get_ref().as_str());
    let mut env = Map::new();
    let mut receivers = Vec::new();
    for (name, cp) in &m.contact_points {
        let r = cp.get_ref().bot_token.get_ref();
        let ok = grafana.is_some_and(|g| {
            g.secrets
                .iter()
                .any(|s| s.name == r.secret && s.encrypted.contains_key(r.key.as_str()))
        });
        if !ok {
            c.err(
                format!(
                    "the bot token `{}/{}` is not a key of a secret of the Grafana service",
                    r.secret, r.key
                ),
                cp.get_ref().bot_token.span(),
                "no such secret key",
                format!(
                    "add the key to a secret of `{}` (sealed with kubeseal)",
                    m.grafana.get_ref()
                ),
            );
        }
        let var = format!(
            "TELEGRAM_BOT_TOKEN_{}",
            name.as_str().to_uppercase().replace('-', "_")
        );
        env.insert(
            var.clone(),
            json!({ "secretKeyRef": { "name": r.secret.as_str(), "key": r.key.as_str() } }),
        );
        receivers.push(json!({
            "orgId": 1,
            "name": name.as_str(),
            "receivers": [{ "uid": format!("hearth-{name}"), "type": "telegram", "settings": { "bottoken": format!("${{{var}}}"), "chatid": cp.get_ref().chat_id } }],
        }));
    }
    Contacts { env, receivers }
}

/// The default notification policy: everything to `notify`.
pub(super) fn policy(m: &Monitoring) -> Value {
    json!({
        "apiVersion": 1,
        "policies": [{
            "orgId": 1,
            "receiver": m.notify.get_ref().as_str(),
            "group_by": ["grafana_folder", "alertname"],
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "4h",
        }],
    })
}
