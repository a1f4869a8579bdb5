//! Contact points of every kind: what Grafana is provisioned with, where each
//! credential comes from, and the input errors around them.

mod common;

use common::{MINIMAL, MONITORING, Scratch};
use serde_json::Value;

/// MINIMAL with monitoring and one contact point of each kind; the secret
/// keys they read are in the Grafana service's sealed secret.
fn every_kind() -> String {
    let monitoring = MONITORING.replace(
        "keys = { TELEGRAM = \"placeholder\" }",
        "keys = { TELEGRAM = \"placeholder\", DISCORD = \"placeholder\", SLACK = \"placeholder\", PO_USER = \"placeholder\", PO_APP = \"placeholder\", NTFY = \"placeholder\", HOOK = \"placeholder\" }",
    );
    format!(
        r#"{MINIMAL}{monitoring}
[monitoring.contact_points.chat]
kind = "discord"
webhook = {{ secret = "grafana-secret", key = "DISCORD" }}
[monitoring.contact_points.team]
kind = "slack"
webhook = {{ secret = "grafana-secret", key = "SLACK" }}
[monitoring.contact_points.phone]
kind = "pushover"
user_key = {{ secret = "grafana-secret", key = "PO_USER" }}
api_token = {{ secret = "grafana-secret", key = "PO_APP" }}
[monitoring.contact_points.public-ntfy]
kind = "ntfy"
topic = "lab-alerts_42"
[monitoring.contact_points.own-ntfy]
kind = "ntfy"
server = "https://ntfy.lab.example/"
topic = "alerts"
token = {{ secret = "grafana-secret", key = "NTFY" }}
[monitoring.contact_points.hook]
kind = "webhook"
url = "https://hooks.lab.example/grafana"
token = {{ secret = "grafana-secret", key = "HOOK" }}
"#
    )
}

fn rendered(dir: &Scratch, rel: &str) -> Value {
    let text = std::fs::read_to_string(dir.path().join("rendered").join(rel)).unwrap();
    serde_saphyr::from_str(&text).unwrap()
}

/// Each contact point becomes one Grafana integration with the setting names
/// of Grafana's receivers (grafana/alerting `receivers/<kind>/config.go`), and
/// each credential an environment variable the chart fills from the secret.
#[test]
fn every_kind_is_provisioned_with_its_credentials_from_the_secret() {
    let s = common::rendered(every_kind());
    let cp = rendered(&s, "monitoring/grafana/alerting/contact-points.yaml");
    let by_name = |n: &str| -> Value {
        cp["contactPoints"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == n)
            .unwrap_or_else(|| panic!("no contact point {n}"))["receivers"][0]
            .clone()
    };
    let expect = [
        (
            "chat",
            "discord",
            serde_json::json!({ "url": "${DISCORD_WEBHOOK_URL_CHAT}" }),
        ),
        (
            "team",
            "slack",
            serde_json::json!({ "url": "${SLACK_WEBHOOK_URL_TEAM}" }),
        ),
        (
            "phone",
            "pushover",
            serde_json::json!({ "userKey": "${PUSHOVER_USER_KEY_PHONE}", "apiToken": "${PUSHOVER_API_TOKEN_PHONE}" }),
        ),
        (
            "public-ntfy",
            "webhook",
            serde_json::json!({ "url": "https://ntfy.sh/lab-alerts_42?tpl=1&t=%7B%7B.title%7D%7D&m=%7B%7B.message%7D%7D", "httpMethod": "POST" }),
        ),
        (
            "own-ntfy",
            "webhook",
            serde_json::json!({ "authorization_credentials": "${NTFY_TOKEN_OWN_NTFY}", "url": "https://ntfy.lab.example/alerts?tpl=1&t=%7B%7B.title%7D%7D&m=%7B%7B.message%7D%7D", "httpMethod": "POST" }),
        ),
        (
            "hook",
            "webhook",
            serde_json::json!({ "authorization_credentials": "${WEBHOOK_TOKEN_HOOK}", "url": "https://hooks.lab.example/grafana", "httpMethod": "POST" }),
        ),
        (
            "ops",
            "telegram",
            serde_json::json!({ "bottoken": "${TELEGRAM_BOT_TOKEN_OPS}", "chatid": "-100123" }),
        ),
    ];
    for (name, kind, settings) in &expect {
        let r = by_name(name);
        assert_eq!(r["type"], *kind, "{name}");
        assert_eq!(r["settings"], *settings, "{name}");
        assert_eq!(r["uid"], format!("hearth-{name}"));
    }
    assert_eq!(cp["contactPoints"].as_array().unwrap().len(), expect.len());
    // No credential is in Git: each variable comes from the sealed secret.
    let app = rendered(&s, "argocd/grafana.application.yaml");
    let env = &app["spec"]["sources"][0]["helm"]["valuesObject"]["envValueFrom"];
    for (var, key) in [
        ("DISCORD_WEBHOOK_URL_CHAT", "DISCORD"),
        ("SLACK_WEBHOOK_URL_TEAM", "SLACK"),
        ("PUSHOVER_USER_KEY_PHONE", "PO_USER"),
        ("PUSHOVER_API_TOKEN_PHONE", "PO_APP"),
        ("NTFY_TOKEN_OWN_NTFY", "NTFY"),
        ("WEBHOOK_TOKEN_HOOK", "HOOK"),
        ("TELEGRAM_BOT_TOKEN_OPS", "TELEGRAM"),
    ] {
        let r = &env[var]["secretKeyRef"];
        assert_eq!(r["name"], "grafana-secret", "{var}: {env}");
        assert_eq!(r["key"], key, "{var}");
    }
    assert_eq!(env.as_object().unwrap().len(), 7, "{env}");
}

/// Render `site`, require exit 2 and each of `expect` in what it prints.
fn refused(site: &str, expect: &[&str]) {
    common::refused(site, expect);
}

#[test]
fn contact_point_mistakes_are_refused_at_their_line() {
    let site = every_kind();
    // A kind Grafana has no integration for here.
    let bad = site.replacen("kind = \"discord\"", "kind = \"discrod\"", 1);
    refused(
        &bad,
        &["unknown variant `discrod`", "telegram", "discord", "ntfy"],
    );
    // A credential the Grafana service does not hold.
    let bad = site.replace("key = \"SLACK\"", "key = \"SLAK\"");
    refused(
        &bad,
        &[
            "the webhook URL `grafana-secret/SLAK` is not a key of a secret of the Grafana service",
            &format!("site.toml:{}:", common::line_of(&bad, "key = \"SLAK\"")),
        ],
    );
    // An ntfy topic ntfy refuses, and a URL Grafana cannot post to.
    let bad = site.replace("topic = \"alerts\"", "topic = \"my alerts\"");
    refused(
        &bad,
        &["`my alerts` is not an ntfy topic", "1 to 64 letters"],
    );
    let bad = site.replace(
        "url = \"https://hooks.lab.example/grafana\"",
        "url = \"hooks.lab.example/grafana\"",
    );
    refused(&bad, &["`hooks.lab.example/grafana` is not an http(s) URL"]);
    // A field of another kind.
    let bad = site.replace(
        "topic = \"lab-alerts_42\"",
        "topic = \"a\"\nchat_id = \"1\"",
    );
    refused(
        &bad,
        &["`chat_id` does not apply to a contact point of kind `ntfy`"],
    );
}

/// Email goes through the mail server of `[monitoring.smtp]`: Grafana's
/// `[smtp]` settings in the chart's `grafana.ini`, the password from the
/// secret as `GF_SMTP_PASSWORD`.
#[test]
fn email_is_sent_through_the_sites_mail_server() {
    let site = MINIMAL.to_string()
        + &MONITORING.replace(
            "keys = { TELEGRAM = \"placeholder\" }",
            "keys = { TELEGRAM = \"placeholder\", SMTP = \"placeholder\" }",
        )
        + r#"
[monitoring.smtp]
host = "smtp.lab.example:587"
from = "grafana@lab.example"
user = "grafana"
password = { secret = "grafana-secret", key = "SMTP" }
[monitoring.contact_points.mail]
kind = "email"
addresses = ["ops@lab.example", "me@lab.example"]
"#;
    let s = common::rendered(&site);
    let cp = rendered(&s, "monitoring/grafana/alerting/contact-points.yaml");
    let mail = cp["contactPoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "mail")
        .expect("the mail contact point");
    assert_eq!(mail["receivers"][0]["type"], "email");
    assert_eq!(
        mail["receivers"][0]["settings"],
        serde_json::json!({ "addresses": "ops@lab.example;me@lab.example" })
    );
    let app = rendered(&s, "argocd/grafana.application.yaml");
    let values = &app["spec"]["sources"][0]["helm"]["valuesObject"];
    assert_eq!(
        values["grafana.ini"]["smtp"],
        serde_json::json!({ "enabled": true, "host": "smtp.lab.example:587", "from_address": "grafana@lab.example", "user": "grafana" })
    );
    assert_eq!(
        values["envValueFrom"]["GF_SMTP_PASSWORD"]["secretKeyRef"],
        serde_json::json!({ "name": "grafana-secret", "key": "SMTP" })
    );
    // Without a mail server, with a malformed address or server: refused.
    let no_smtp = site.replace("[monitoring.smtp]\nhost = \"smtp.lab.example:587\"\nfrom = \"grafana@lab.example\"\nuser = \"grafana\"\npassword = { secret = \"grafana-secret\", key = \"SMTP\" }\n", "");
    refused(
        &no_smtp,
        &["an email contact point needs `[monitoring.smtp]`"],
    );
    refused(
        &site.replace("\"me@lab.example\"", "\"me at lab\""),
        &["not an email address: me at lab"],
    );
    refused(
        &site.replace("smtp.lab.example:587", "smtp.lab.example"),
        &["`smtp.lab.example` is not `host:port`"],
    );
}

/// `every_kind()` with routes: critical alerts to the phone, alerts about
/// `app` to the chat (and on), one alert by name to the team, and a site
/// alert pinned to the webhook.
fn routed() -> String {
    format!(
        r#"{}
[[monitoring.routes]]
notify = "phone"
severity = "critical"
[[monitoring.routes]]
notify = "chat"
services = ["app", "longhorn"]
continue = true
repeat = "1h"
[[monitoring.routes]]
notify = "team"
alerts = ["PodRestarting", "DiskAlmostFull"]

[alerts.DiskAlmostFull]
expr = "kubelet_volume_stats_available_bytes / kubelet_volume_stats_capacity_bytes < 0.1"
summary = "a volume is almost full"
[alerts.Paged]
expr = "up == 0"
severity = "critical"
summary = "down"
notify = "hook"
"#,
        every_kind()
    )
}

/// Routes become Grafana's notification policy tree under the default
/// contact point, matching on `severity`, `namespace` (a service's) and
/// `alertname`; only a pinned site alert keeps `notification_settings`.
#[test]
fn routes_become_the_notification_policy_tree() {
    let s = common::rendered(routed());
    let policies = rendered(&s, "monitoring/grafana/alerting/policies.yaml");
    assert_eq!(
        policies["policies"][0]["routes"],
        serde_json::json!([
            { "receiver": "phone", "object_matchers": [["severity", "=", "critical"]] },
            {
                "receiver": "chat",
                "object_matchers": [["namespace", "=~", "app|longhorn-system"]],
                "continue": true,
                "repeat_interval": "1h",
            },
            {
                "receiver": "team",
                "object_matchers": [["alertname", "=~", "PodRestarting|DiskAlmostFull"]],
            },
        ])
    );
    assert_eq!(policies["policies"][0]["receiver"], "ops");
    let rules = rendered(&s, "monitoring/grafana/alerting/rules.yaml");
    let pinned: Vec<(String, Value)> = rules["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_array().unwrap().iter())
        .map(|r| {
            (
                r["title"].as_str().unwrap().to_string(),
                r["notification_settings"].clone(),
            )
        })
        .filter(|(_, n)| !n.is_null())
        .collect();
    assert_eq!(
        pinned,
        vec![(
            "Paged".to_string(),
            serde_json::json!({ "receiver": "hook" })
        )]
    );
}

/// The policy tree as Alertmanager configuration: Grafana routes alerts with
/// Alertmanager's own routing tree (`dispatch.Route`), so `amtool config
/// routes test` answers where an alert with given labels goes.
fn alertmanager_yaml(policies: &Value) -> String {
    let root = &policies["policies"][0];
    let mut receivers = vec![root["receiver"].as_str().unwrap().to_string()];
    let mut routes = String::new();
    for r in root["routes"].as_array().unwrap() {
        let name = r["receiver"].as_str().unwrap();
        receivers.push(name.to_string());
        let matchers: Vec<String> = r["object_matchers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                format!(
                    "'{}{}\"{}\"'",
                    m[0].as_str().unwrap(),
                    m[1].as_str().unwrap(),
                    m[2].as_str().unwrap()
                )
            })
            .collect();
        routes.push_str(&format!(
            "    - receiver: {name}\n      matchers: [{}]\n      continue: {}\n",
            matchers.join(", "),
            r["continue"].as_bool().unwrap_or(false)
        ));
    }
    receivers.sort();
    receivers.dedup();
    let receivers: String = receivers
        .iter()
        .map(|r| format!("  - name: {r}\n"))
        .collect();
    format!(
        "route:\n  receiver: {}\n  routes:\n{routes}receivers:\n{receivers}",
        root["receiver"].as_str().unwrap()
    )
}

#[test]
#[cfg_attr(no_amtool, ignore = "no amtool: run scripts/test (CI=true fails)")]
fn alertmanagers_routing_tree_sends_each_alert_where_the_site_says() {
    let Some(amtool) = common::tool("amtool", &[]) else {
        return;
    };
    let s = common::rendered(routed());
    let policies = rendered(&s, "monitoring/grafana/alerting/policies.yaml");
    s.write("alertmanager.yml", alertmanager_yaml(&policies));
    let cases: [(&[&str], &str); 6] = [
        (&["alertname=BruteForce", "severity=warning"], "ops"),
        (
            &["alertname=Anything", "severity=critical", "namespace=app"],
            "phone",
        ),
        // `continue`: the chat, then the next route that matches.
        (
            &[
                "alertname=PodRestarting",
                "severity=warning",
                "namespace=app",
            ],
            "chat,team",
        ),
        (
            &[
                "alertname=BackupStale",
                "severity=warning",
                "namespace=longhorn-system",
            ],
            "chat",
        ),
        (&["alertname=DiskAlmostFull", "severity=warning"], "team"),
        (
            &[
                "alertname=PodRestarting",
                "severity=warning",
                "namespace=other",
            ],
            "team",
        ),
    ];
    for (labels, expect) in cases {
        let out = common::succeeds(
            std::process::Command::new(&amtool)
                .current_dir(s.path())
                .args(["config", "routes", "test", "--config.file=alertmanager.yml"])
                .args(labels),
        );
        let got = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert_eq!(got, expect, "{labels:?}");
    }
}

#[test]
fn route_mistakes_are_refused_at_their_line() {
    let site = routed();
    let bad = site.replace("notify = \"team\"", "notify = \"teem\"");
    refused(
        &bad,
        &[
            "contact point `teem` is not declared",
            "did you mean `team`?",
            &format!("site.toml:{}:", common::line_of(&bad, "notify = \"teem\"")),
        ],
    );
    let bad = site.replace("services = [\"app\", \"longhorn\"]", "services = [\"ap\"]");
    refused(
        &bad,
        &[
            "service `ap` is not declared",
            "did you mean `app`?",
            &format!(
                "site.toml:{}:",
                common::line_of(&bad, "services = [\"ap\"]")
            ),
        ],
    );
    let bad = site.replace("\"PodRestarting\", ", "\"PodRestart\", ");
    refused(
        &bad,
        &[
            "the site has no alert `PodRestart`",
            "did you mean `PodRestarting`?",
        ],
    );
    let bad = site.replace("severity = \"critical\"\n[[", "\n[[");
    refused(
        &bad,
        &[
            "this route matches every alert",
            "send every alert to `phone` with `monitoring.notify`",
        ],
    );
    let bad = site.replace("repeat = \"1h\"", "repeat = \"an hour\"");
    refused(&bad, &["not a duration"]);
}
