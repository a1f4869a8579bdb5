//! HL107: secret-looking strings in site.toml (values and comments), and in
//! the string values that site-local templates write (objects only: the
//! embedded templates are ours). Sealed Secrets carry ciphertext by design.
//! The detector itself is `lint::entropy`.
//!
//! ## What it does
//! site.toml or a site-local template holds a string that looks like a
//! generated secret.
//!
//! ## Why
//! A token, password or key written in plain text is readable by everyone who
//! can read the repository, and stays in its history after it is removed.
//! Random strings (high entropy per character) are how such values look;
//! sealed-secrets ciphertext is recognised and allowed.
//!
//! ## Example
//! ```toml
//! [services.app.config_maps.settings.data]
//! "api.env" = "API_TOKEN=ghp_Zx81kQ2mVb7LpT4wRy9NcH3sFd6GjA0eUo5I"
//! ```
//!
//! ## Fix
//! Rotate the value, then seal it with kubeseal and declare it under the
//! service's `secrets`; if the string is not a secret, excuse it with an
//! exception on the service.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Check, Code};
use crate::lint::entropy;
use crate::lint::rule::{Context, Sink};
use crate::plan::{Service, Plan};
use crate::render::Manifest;

pub(super) const CHECK: Option<Check> = Some(check);

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    let text = &cx.source.text;
    let hits = entropy::hits(text);
    // Only a hit needs to know its service (for its exceptions): the table
    // structure is read then, and the clean common case reads nothing more.
    let doc = if hits.is_empty() {
        None
    } else {
        toml::de::DeTable::parse(text).ok()
    };
    let mut seen = BTreeSet::new();
    for hit in hits {
        let token = &text[hit.clone()];
        seen.insert(token.to_string());
        let allow = doc
            .as_ref()
            .and_then(|d| service_at(cx.plan, d.get_ref(), hit.start))
            .map(|s| s.allow.iter().collect())
            .unwrap_or_default();
        out.at(
            Code::HighEntropyString,
            format!(
                "{} looks like a secret in plain text",
                entropy::redact(token)
            ),
            hit,
            allow,
        );
    }
    let site_local = cx
        .rendered
        .objects
        .iter()
        .filter(|o| o.site_local && o.kind() != "SealedSecret");
    for o in site_local {
        let mut values = Vec::new();
        strings(&o.value, &mut values);
        for text in values {
            for hit in entropy::hits(text) {
                let token = &text[hit];
                // Values that come from site.toml are reported there.
                if !seen.insert(token.to_string()) {
                    continue;
                }
                out.in_file(
                    Code::HighEntropyString,
                    format!(
                        "{} in {} `{}` looks like a secret in plain text (from site-local template `{}`)",
                        entropy::redact(token),
                        o.kind(),
                        o.name(),
                        o.template
                    ),
                    o.path.clone(),
                );
            }
        }
    }
}

fn strings<'v>(v: &'v Value, out: &mut Vec<&'v str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(m) => m.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// The service whose table holds the string value at `offset` of site.toml
/// (so its exceptions apply), if any.
fn service_at<'p>(
    plan: &'p Plan,
    doc: &toml::de::DeTable<'_>,
    offset: usize,
) -> Option<&'p Service> {
    fn holds(v: &toml::Spanned<toml::de::DeValue<'_>>, offset: usize) -> bool {
        match v.get_ref() {
            toml::de::DeValue::Table(t) => t.values().any(|x| holds(x, offset)),
            toml::de::DeValue::Array(a) => a.iter().any(|x| holds(x, offset)),
            _ => v.span().contains(&offset),
        }
    }
    let services = doc.get("services")?;
    let toml::de::DeValue::Table(t) = services.get_ref() else {
        return None;
    };
    t.iter()
        .find(|(_, v)| holds(v, offset))
        .and_then(|(k, _)| plan.service(k.get_ref()))
}
