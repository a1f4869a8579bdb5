//! HL108: an environment variable whose name says it holds a secret, given a
//! literal value in site.toml instead of a key of a sealed secret.
//!
//! ## What it does
//! An environment variable named like a secret (PASSWORD, TOKEN, API_KEY, …)
//! has a literal value.
//!
//! ## Why
//! A literal env value is plain text in site.toml, in Git history and in the
//! rendered Deployment; anyone who can read the repository can read it. A name
//! such as `DB_PASSWORD` says the value is a credential even when it does not
//! look random (HL107 only catches random-looking strings).
//!
//! ## Example
//! ```toml
//! [services.app.workloads.web]
//! kind = "deployment"
//! image = "nginx:1.27.0"
//! env.DB_PASSWORD = "hunter2"
//! ```
//!
//! ## Fix
//! Seal the value with kubeseal, declare it under the service's `secrets`
//! (`[services.app.secrets.app-secret] keys = { DB_PASSWORD = "Ag…" }`) and
//! reference it: `env.DB_PASSWORD = { secret = "app-secret", key =
//! "DB_PASSWORD" }`. Names ending in `_FILE`, `_PATH` or `_DIR` (a path to a
//! mounted secret) are not reported.

use super::{Check, Code};
use crate::lint::rule::{Context, Sink, allow};
use crate::plan::pod::EnvValue;

pub(super) const CHECK: Option<Check> = Some(check);

/// Words, or word endings, that say credential (`WEBPASSWORD`, `AUTHTOKEN`;
/// not `MAX_TOKENS` or `PASSWORDLESS`).
const SECRET_PARTS: &[&str] = &["PASSWORD", "PASSWD", "PASSPHRASE", "TOKEN", "SECRET", "APIKEY"];

/// Short words that say credential only as a whole word (between `_`, `-` and
/// `.`): `SMTP_PASS`, not `PASSTHROUGH`.
const SECRET_WORDS: &[&str] = &["PASS", "PWD", "CREDENTIALS"];

/// Two adjacent words that name a credential (`API_KEY`, `PRIVATE_KEY`).
const SECRET_PAIRS: &[(&str, &str)] = &[
    ("API", "KEY"),
    ("PRIVATE", "KEY"),
    ("ACCESS", "KEY"),
    ("LICENSE", "KEY"),
    ("SECRET", "KEY"),
];

/// A last word saying the variable holds something about a secret, not the
/// secret: a path to a mounted file, a length, a name.
const NOT_THE_VALUE: &[&str] = &[
    "FILE", "PATH", "DIR", "NAME", "LENGTH", "TTL", "HEADER", "ENABLED", "TYPE",
];

/// Whether an environment variable's name says it holds a credential.
pub fn names_a_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let words: Vec<&str> = upper
        .split(['_', '-', '.'])
        .filter(|w| !w.is_empty())
        .collect();
    if words.last().is_some_and(|w| NOT_THE_VALUE.contains(w)) {
        return false;
    }
    let single = words
        .iter()
        .any(|w| SECRET_WORDS.contains(w) || SECRET_PARTS.iter().any(|p| w.ends_with(p)));
    let pair = words
        .windows(2)
        .any(|p| SECRET_PAIRS.contains(&(p[0], p[1])));
    single || pair
}

/// A value that cannot be a credential: empty, a boolean, or only `$(VAR)`
/// references to other variables.
fn harmless(value: &str) -> bool {
    let v = value.trim();
    if v.is_empty() || matches!(v.to_ascii_lowercase().as_str(), "true" | "false") {
        return true;
    }
    let mut rest = v;
    while let Some(after) = rest.strip_prefix("$(") {
        match after.find(')') {
            Some(end) => rest = &after[end + 1..],
            None => return false,
        }
    }
    rest.is_empty()
}

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    for s in &cx.plan.services {
        for w in &s.workloads {
            for e in w.containers().flat_map(|c| &c.env) {
                let (EnvValue::Literal(v), Some(span)) = (&e.value, &e.span) else {
                    continue;
                };
                if harmless(v) || !names_a_secret(&e.name) {
                    continue;
                }
                out.at(
                    Code::SecretEnvLiteral,
                    format!(
                        "env `{}` of workload `{}/{}` is named like a secret but has a literal value",
                        e.name, s.name, w.name
                    ),
                    span.clone(),
                    allow(s, &w.allow),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_and_their_exceptions() {
        for n in [
            "PASSWORD",
            "DB_PASSWORD",
            "WEBPASSWORD",
            "OPENAI_AUTHTOKEN",
            "smtp_pass",
            "GITHUB_TOKEN",
            "API_KEY",
            "OPENAI_APIKEY",
            "TLS_PRIVATE_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "app.secret",
        ] {
            assert!(names_a_secret(n), "{n}");
        }
        for n in [
            "PASSWORD_FILE",
            "DB_PASSWORD_PATH",
            "TOKEN_TTL",
            "SECRET_NAME",
            "PASSTHROUGH",
            "USERNAME",
            "KEYBOARD",
            "POSTGRES_USER",
            "TZ",
            "MAX_TOKENS",
            "PASSWORDLESS_LOGIN",
        ] {
            assert!(!names_a_secret(n), "{n}");
        }
        assert!(harmless(""));
        assert!(harmless("false"));
        assert!(harmless("$(DB_PASSWORD)"));
        assert!(!harmless("$(A)x"));
        assert!(!harmless("hunter2"));
    }
}
