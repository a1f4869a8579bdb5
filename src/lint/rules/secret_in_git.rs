//! HL106: a plain Secret in the rendered output. Only rendered objects can
//! say this: a site-local template that emits a Secret.
//!
//! ## What it does
//! A rendered Secret carries data in Git.
//!
//! ## Why
//! Secret data is only base64: anyone who can read the repository can read it.
//! Secrets go into Git sealed.
//!
//! ## Example
//! ```toml
//! # templates/sealed-secrets/sealedsecret.yaml, a site-local template,
//! # renders `kind: Secret` with `data:` instead of a SealedSecret.
//! [services.app.secrets.app-secret]
//! keys = { PASSWORD = "placeholder" }
//! ```
//!
//! ## Fix
//! Declare it under `secrets` (rendered as a SealedSecret) instead of in a
//! template.

use super::{Check, Code};
use crate::lint::rule::{Context, Sink};
use crate::render::Manifest;

pub(super) const CHECK: Option<Check> = Some(check);

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    for o in cx.rendered.objects.iter().filter(|o| o.kind() == "Secret") {
        let has_data = ["data", "stringData"]
            .iter()
            .any(|k| o.value[*k].as_object().is_some_and(|m| !m.is_empty()));
        if has_data {
            out.in_file(
                Code::SecretInGit,
                format!(
                    "Secret `{}` carries data in Git (from template `{}`)",
                    o.name(),
                    o.template
                ),
                o.path.clone(),
            );
        }
    }
}
