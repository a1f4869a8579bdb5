//! Contact points and the notification policy. Credentials stay in sealed
//! secrets of the Grafana service: Grafana reads them from environment
//! variables the chart fills from those secrets (`envValueFrom`).

use serde_json::{Map, Value, json};

use super::context::Ctx;
use super::rules::contact_missing;
use crate::site::kinds::Word;
use crate::site::model::{ContactKind, ContactPoint, Monitoring, SecretKeyRef};
use crate::site::spanned::Spanned;

/// Grafana's contact points and the environment that carries their secrets.
pub(super) struct Contacts {
    /// `envValueFrom` of the grafana chart: variable → secret key.
    pub env: Map<String, Value>,
    /// Provisioned contact points.
    pub receivers: Vec<Value>,
    /// The chart's `grafana.ini` `[smtp]` section, when email is sent.
    pub smtp: Option<Value>,
}

pub(super) fn contacts(c: &mut Ctx, m: &Monitoring) -> Contacts {
    if !m.contact_points.contains_key(m.notify.get_ref()) {
        contact_missing(c, m, m.notify.get_ref().as_str(), m.notify.span());
    }
    let mut env = Map::new();
    let mut receivers = Vec::new();
    for (name, cp) in &m.contact_points {
        let Some(r) = receiver(c, cp) else { continue };
        let suffix = name.as_str().to_uppercase().replace('-', "_");
        // The secret settings first, then the plain ones.
        let mut settings = Map::new();
        for s in &r.secrets {
            check_secret(c, m, s);
            let var = format!("{}_{suffix}", s.var);
            let key = s.key.get_ref();
            env.insert(
                var.clone(),
                json!({ "secretKeyRef": { "name": key.secret.as_str(), "key": key.key.as_str() } }),
            );
            settings.insert(s.setting.into(), json!(format!("${{{var}}}")));
        }
        settings.extend(r.settings);
        receivers.push(json!({
            "orgId": 1,
            "name": name.as_str(),
            "receivers": [{ "uid": format!("hearth-{name}"), "type": r.kind, "settings": settings }],
        }));
    }
    let emails = m
        .contact_points
        .values()
        .find(|cp| cp.get_ref().kind == ContactKind::Email);
    let smtp = emails.and_then(|cp| smtp(c, m, cp, &mut env));
    Contacts {
        env,
        receivers,
        smtp,
    }
}

/// Grafana's `[smtp]` settings for email contact points; the password
/// reaches Grafana as `GF_SMTP_PASSWORD`, which overrides `smtp.password`.
fn smtp(
    c: &mut Ctx,
    m: &Monitoring,
    email: &Spanned<ContactPoint>,
    env: &mut Map<String, Value>,
) -> Option<Value> {
    let Some(smtp) = &m.smtp else {
        c.err(
            "an email contact point needs `[monitoring.smtp]`, the mail server Grafana sends through".into(),
            email.span(),
            "this contact point sends email",
            "add `[monitoring.smtp]` with `host = \"smtp.example.org:587\"` and `from = \"grafana@example.org\"`",
        );
        return None;
    };
    let s = smtp.get_ref();
    let port_ok = s
        .host
        .rsplit_once(':')
        .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok_and(|p| p > 0));
    if !port_ok {
        c.err(
            format!("`{}` is not `host:port`", s.host),
            smtp.span(),
            "in [monitoring.smtp]",
            "write the server with its port, e.g. `smtp.example.org:587`",
        );
    }
    let mut ini = json!({ "enabled": true, "host": s.host, "from_address": s.from });
    if let Some(user) = &s.user {
        ini["user"] = json!(user);
    }
    if let Some(password) = &s.password {
        let setting = SecretSetting {
            what: "SMTP password",
            setting: "password",
            var: "GF_SMTP_PASSWORD",
            key: password,
        };
        check_secret(c, m, &setting);
        let key = password.get_ref();
        env.insert(
            "GF_SMTP_PASSWORD".into(),
            json!({ "secretKeyRef": { "name": key.secret.as_str(), "key": key.key.as_str() } }),
        );
    }
    Some(ini)
}

/// One Grafana integration: its type, its plain settings, and the settings
/// that carry a secret.
struct Receiver<'a> {
    kind: &'static str,
    settings: Map<String, Value>,
    secrets: Vec<SecretSetting<'a>>,
}

/// A setting whose value Grafana reads from the environment variable
/// `<var>_<CONTACT POINT>`, filled from a secret key by the chart.
struct SecretSetting<'a> {
    /// What the user calls it, for diagnostics.
    what: &'static str,
    setting: &'static str,
    var: &'static str,
    key: &'a Spanned<SecretKeyRef>,
}

impl<'a> SecretSetting<'a> {
    fn new(
        what: &'static str,
        setting: &'static str,
        var: &'static str,
        key: &'a Spanned<SecretKeyRef>,
    ) -> Self {
        SecretSetting {
            what,
            setting,
            var,
            key,
        }
    }
}

/// The integration of each kind, with the setting names of Grafana's
/// receivers (grafana/alerting `receivers/<kind>/config.go`: telegram
/// `bottoken`/`chatid`, discord and slack `url`, pushover
/// `userKey`/`apiToken`, webhook `url`/`httpMethod`/
/// `authorization_credentials`). ntfy has no integration of its own in
/// Grafana: its webhook posts to the topic, and ntfy's templates (`tpl=1`,
/// ntfy 2.10) turn the JSON body's `title` and `message` into the
/// notification.
fn receiver<'a>(c: &mut Ctx, cp: &'a Spanned<ContactPoint>) -> Option<Receiver<'a>> {
    let p = cp.get_ref();
    let secret = SecretSetting::new;
    let mut settings = Map::new();
    let mut secrets = Vec::new();
    match p.kind {
        ContactKind::Telegram => {
            let [Some(bot_token)] = fields(c, cp, &[("bot_token", &p.bot_token)], &["chat_id"])
            else {
                return None;
            };
            let Some(chat_id) = &p.chat_id else {
                missing(c, cp, "chat_id");
                return None;
            };
            secrets.push(secret(
                "bot token",
                "bottoken",
                "TELEGRAM_BOT_TOKEN",
                bot_token,
            ));
            settings.insert("chatid".into(), json!(chat_id));
        }
        ContactKind::Discord | ContactKind::Slack => {
            let [Some(webhook)] = fields(c, cp, &[("webhook", &p.webhook)], &[]) else {
                return None;
            };
            let var = if p.kind == ContactKind::Discord {
                "DISCORD_WEBHOOK_URL"
            } else {
                "SLACK_WEBHOOK_URL"
            };
            secrets.push(secret("webhook URL", "url", var, webhook));
        }
        ContactKind::Pushover => {
            let needs = [("user_key", &p.user_key), ("api_token", &p.api_token)];
            let [Some(user), Some(app)] = fields(c, cp, &needs, &[]) else {
                return None;
            };
            secrets.push(secret("user key", "userKey", "PUSHOVER_USER_KEY", user));
            secrets.push(secret("API token", "apiToken", "PUSHOVER_API_TOKEN", app));
        }
        ContactKind::Ntfy | ContactKind::Webhook => {
            web_hook_receiver(c, cp, &mut settings, &mut secrets)?;
        }
        ContactKind::Email => {
            let [] = fields(c, cp, &[], &["addresses"]);
            let addresses = email_addresses(c, cp)?;
            // Grafana splits the list at `;`, `,` and newlines
            // (grafana/alerting receivers/email/config.go).
            settings.insert("addresses".into(), json!(addresses.join(";")));
        }
    }
    Some(Receiver {
        kind: p.kind.as_str(),
        settings,
        secrets,
    })
}

/// ntfy and webhook: Grafana's webhook integration, with an optional bearer
/// token from a secret.
fn web_hook_receiver<'a>(
    c: &mut Ctx,
    cp: &'a Spanned<ContactPoint>,
    settings: &mut Map<String, Value>,
    secrets: &mut Vec<SecretSetting<'a>>,
) -> Option<()> {
    let p = cp.get_ref();
    let (url, var) = if p.kind == ContactKind::Ntfy {
        let [] = fields(c, cp, &[], &["topic", "server", "token"]);
        (ntfy_url(c, cp)?, "NTFY_TOKEN")
    } else {
        let [] = fields(c, cp, &[], &["url", "token"]);
        let Some(url) = &p.url else {
            missing(c, cp, "url");
            return None;
        };
        (http_url(c, cp, url)?, "WEBHOOK_TOKEN")
    };
    web_hook(settings, url);
    secrets.extend(
        p.token
            .as_ref()
            .map(|t| SecretSetting::new("token", "authorization_credentials", var, t)),
    );
    Some(())
}

/// Grafana's webhook: a JSON POST to `url`.
fn web_hook(settings: &mut Map<String, Value>, url: String) {
    settings.insert("url".into(), json!(url));
    settings.insert("httpMethod".into(), json!("POST"));
}

/// The recipients of an email contact point: at least one, each `a@b`.
fn email_addresses<'a>(c: &mut Ctx, cp: &'a Spanned<ContactPoint>) -> Option<&'a [String]> {
    let Some(list) = cp.get_ref().addresses.as_deref().filter(|l| !l.is_empty()) else {
        missing(c, cp, "addresses");
        return None;
    };
    let bad: Vec<&str> = list
        .iter()
        .map(String::as_str)
        .filter(|a| {
            let parts = a.split_once('@');
            !parts.is_some_and(|(u, d)| !u.is_empty() && d.contains('.'))
                || a.contains([';', ',', ' ', '\n'])
        })
        .collect();
    if !bad.is_empty() {
        c.err(
            format!("not an email address: {}", bad.join(", ")),
            cp.span(),
            "in this contact point",
            "write each recipient as `name@example.org`",
        );
        return None;
    }
    Some(list)
}

/// The secret keys a kind needs (each reported when missing), with every
/// field outside `needs` and `may` refused, so a field of another kind is
/// not silently ignored.
fn fields<'a, const N: usize>(
    c: &mut Ctx,
    cp: &Spanned<ContactPoint>,
    needs: &[(&str, &'a Option<Spanned<SecretKeyRef>>); N],
    may: &[&str],
) -> [Option<&'a Spanned<SecretKeyRef>>; N] {
    let p = cp.get_ref();
    let set = [
        ("bot_token", p.bot_token.is_some()),
        ("chat_id", p.chat_id.is_some()),
        ("webhook", p.webhook.is_some()),
        ("user_key", p.user_key.is_some()),
        ("api_token", p.api_token.is_some()),
        ("server", p.server.is_some()),
        ("topic", p.topic.is_some()),
        ("url", p.url.is_some()),
        ("token", p.token.is_some()),
        ("addresses", p.addresses.is_some()),
    ];
    for (f, present) in set {
        if present && !may.contains(&f) && !needs.iter().any(|(n, _)| *n == f) {
            c.err(
                format!(
                    "`{f}` does not apply to a contact point of kind `{}`",
                    p.kind.word()
                ),
                cp.span(),
                "in this contact point",
                format!("remove `{f}`"),
            );
        }
    }
    needs.map(|(f, v)| {
        if v.is_none() {
            missing(c, cp, f);
        }
        v.as_ref()
    })
}

fn missing(c: &mut Ctx, cp: &Spanned<ContactPoint>, field: &str) {
    c.err(
        format!(
            "a contact point of kind `{}` needs `{field}`",
            cp.get_ref().kind.word()
        ),
        cp.span(),
        "in this contact point",
        format!("add `{field}`"),
    );
}

/// The topic's URL on its server, with ntfy's templates (`tpl=1`) making
/// the title and message of Grafana's JSON body the notification's
/// (`{{.title}}`, `{{.message}}`, percent-encoded).
fn ntfy_url(c: &mut Ctx, cp: &Spanned<ContactPoint>) -> Option<String> {
    let p = cp.get_ref();
    let Some(topic) = &p.topic else {
        missing(c, cp, "topic");
        return None;
    };
    let topic_ok = !topic.is_empty()
        && topic.len() <= 64
        && topic
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !topic_ok {
        c.err(
            format!("`{topic}` is not an ntfy topic"),
            cp.span(),
            "in this contact point",
            "a topic is 1 to 64 letters, digits, `-` and `_`",
        );
        return None;
    }
    let server = http_url(c, cp, p.server.as_deref().unwrap_or("https://ntfy.sh"))?;
    Some(format!(
        "{}/{topic}?tpl=1&t=%7B%7B.title%7D%7D&m=%7B%7B.message%7D%7D",
        server.trim_end_matches('/')
    ))
}

/// A URL Grafana can post to: `http://` or `https://`, no spaces.
fn http_url(c: &mut Ctx, cp: &Spanned<ContactPoint>, url: &str) -> Option<String> {
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && !url.contains(char::is_whitespace);
    if !ok {
        c.err(
            format!("`{url}` is not an http(s) URL"),
            cp.span(),
            "in this contact point",
            "write the full URL, e.g. `https://ntfy.example.org`",
        );
    }
    ok.then(|| url.to_string())
}

/// The secret key a contact point names exists in a secret of the Grafana
/// service (the chart mounts only those).
fn check_secret(c: &mut Ctx, m: &Monitoring, s: &SecretSetting) {
    let r = s.key.get_ref();
    let grafana = c.plan.service(m.grafana.get_ref().as_str());
    let ok = grafana.is_some_and(|g| {
        g.secrets
            .iter()
            .any(|x| x.name == r.secret && x.encrypted.contains_key(r.key.as_str()))
    });
    if !ok {
        c.err(
            format!(
                "the {} `{}/{}` is not a key of a secret of the Grafana service",
                s.what, r.secret, r.key
            ),
            s.key.span(),
            "no such secret key",
            format!(
                "add the key to a secret of `{}` (sealed with kubeseal)",
                m.grafana.get_ref()
            ),
        );
    }
}
