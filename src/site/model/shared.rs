//! `[secrets.<name>]`: one secret declared once and rendered into several
//! namespaces, one SealedSecret each. The strict scope binds a ciphertext to
//! one namespace and name, so each key holds one ciphertext per namespace;
//! `hearth seal` writes them all from one value. After parsing, each copy is
//! handed to the service owning its namespace (`expand`), so everything past
//! loading (references, duplicates, render, DR, lint) sees an ordinary secret.

use std::ops::Range;

use super::*;
use crate::diag::{Code, InputError, SourceFile};

/// A secret used from several namespaces.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SharedSecret {
    /// The namespaces it is rendered into; each needs a service of the site
    /// (the SealedSecret goes with the service owning that namespace).
    pub namespaces: Vec<Spanned<Namespace>>,
    /// Each key: its kubeseal ciphertext per namespace (`{}` until `hearth seal`
    /// fills it); a namespace without one is unsealed, as "placeholder" is.
    pub keys: BTreeMap<DataKey, Spanned<BTreeMap<Namespace, Spanned<SealedValue>>>>,
    /// Secret type, default `Opaque`.
    pub r#type: Option<String>,
    /// This secret can be recreated from nothing, so the DR export skips it: say why.
    pub regenerable: Option<String>,
    /// Lint rules this object is excused from, each with a reason.
    #[serde(default)]
    pub allow: Vec<Spanned<Exception>>,
}

/// The service that carries a namespace's objects: the one named like the
/// namespace, else the first by name (as for the Namespace object).
fn owner<'a>(raw: &'a RawSite, ns: &Namespace) -> Option<&'a ServiceName> {
    let in_ns = |(n, s): &(&'a ServiceName, &Spanned<Service>)| {
        s.get_ref()
            .namespace
            .as_ref()
            .map_or(n.as_str() == ns.as_str(), |x| x == ns)
    };
    let mut all = raw.services.iter().filter(in_ns).map(|(n, _)| n);
    let first = all.next()?;
    Some(
        std::iter::once(first)
            .chain(all)
            .find(|n| n.as_str() == ns.as_str())
            .unwrap_or(first),
    )
}

/// Hand each namespace's copy of every shared secret to the service owning
/// that namespace; report namespaces without a service, names already taken,
/// ciphertexts for namespaces not listed.
pub(crate) fn expand(raw: &mut RawSite, source: &SourceFile) -> Result<(), InputError> {
    let shared = std::mem::take(&mut raw.secrets);
    let err = |code, span: Range<usize>, msg: String, label: &str, help: String| {
        InputError::new(code, msg)
            .in_file(source)
            .label(span, label)
            .help(help)
    };
    for (name, sec) in &shared {
        let s = sec.get_ref();
        for (key, per_ns) in &s.keys {
            if let Some((ns, v)) = per_ns
                .get_ref()
                .iter()
                .find(|(ns, _)| !s.namespaces.iter().any(|n| n.get_ref() == *ns))
            {
                return Err(err(
                    Code::Dangling,
                    v.span(),
                    format!(
                        "`{name}` key `{key}` has a value for namespace `{ns}`, which `namespaces` does not list"
                    ),
                    "not in `namespaces`",
                    format!("add `{ns}` to `namespaces`, or remove this value"),
                ));
            }
        }
        for (i, ns) in s.namespaces.iter().enumerate() {
            let nsv = ns.get_ref();
            if s.namespaces[..i].iter().any(|n| n.get_ref() == nsv) {
                return Err(err(
                    Code::Duplicate,
                    ns.span(),
                    format!("namespace `{nsv}` is listed twice"),
                    "again here",
                    "list each namespace once".into(),
                ));
            }
            let Some(svc) = owner(raw, nsv).cloned() else {
                return Err(err(
                    Code::Dangling,
                    ns.span(),
                    format!("no service of the site is in namespace `{nsv}`"),
                    "no service here",
                    format!(
                        "the SealedSecret goes with a service of its namespace: add a service with `namespace = \"{nsv}\"`, or remove `{nsv}`"
                    ),
                ));
            };
            let copy = copy_for(s, nsv);
            let target = raw.services.get_mut(&svc).expect("owner exists");
            if let Some(other) = target.get_ref().secrets.get(name) {
                return Err(err(
                    Code::Duplicate,
                    ns.span(),
                    format!("secret `{name}` is already declared in namespace `{nsv}` by service `{svc}`"),
                    "shared into this namespace",
                    "rename one of them; names are unique per namespace and kind".into(),
                )
                .label(other.span(), "declared here"));
            }
            target
                .get_mut()
                .secrets
                .insert(name.clone(), Spanned::new(sec.span(), copy));
        }
    }
    raw.secrets = shared;
    Ok(())
}

/// One namespace's copy of a shared secret: that namespace's ciphertexts,
/// placeholders where it has none yet.
fn copy_for(s: &SharedSecret, ns: &Namespace) -> Secret {
    Secret {
        keys: s
            .keys
            .iter()
            .map(|(k, per_ns)| {
                let v = per_ns
                    .get_ref()
                    .get(ns)
                    .cloned()
                    .unwrap_or_else(|| Spanned::new(per_ns.span(), SealedValue::placeholder()));
                (k.clone(), v)
            })
            .collect(),
        r#type: s.r#type.clone(),
        regenerable: s.regenerable.clone(),
        allow: s.allow.clone(),
        shared: true,
    }
}
