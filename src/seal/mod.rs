//! `hearth seal`: the secret keys of site.toml (sealed or still
//! `"placeholder"`), kubeseal's ciphertext for them (`kubeseal.rs`), and the
//! edit of site.toml in place that keeps its comments and layout.
//!
//! Nothing here prints or keeps a value: a value goes from the caller into
//! `SealingKey::seal` and only its ciphertext comes back.

pub mod kubeseal;

use std::ops::Range;
use std::path::Path;

use crate::diag::{Code, InputError};
use crate::site::Loaded;
use crate::site::names::{DataKey, Namespace, SecretName, ServiceName};

pub use kubeseal::{CertProblem, Scope, SealingKey};

/// One key of one secret in site.toml: of a service (one namespace), or of a
/// `[secrets.<name>]` shared into several (one ciphertext per namespace).
#[derive(Debug, Clone)]
pub struct Slot {
    /// The service declaring the secret; None for a shared secret.
    pub service: Option<ServiceName>,
    pub secret: SecretName,
    pub key: DataKey,
    /// Its namespaces, each sealed or not.
    pub places: Vec<Place>,
    /// The value's span in site.toml (a shared key: its table of ciphertexts).
    pub span: Range<usize>,
}

/// One namespace a key is rendered into.
#[derive(Debug, Clone)]
pub struct Place {
    pub namespace: Namespace,
    pub sealed: bool,
}

impl Slot {
    /// `service/secret/KEY`, or `secret/KEY` for a shared secret: how the
    /// command line names a key.
    pub fn id(&self) -> String {
        match &self.service {
            Some(svc) => format!("{svc}/{}/{}", self.secret, self.key),
            None => format!("{}/{}", self.secret, self.key),
        }
    }

    /// Some namespace still has no ciphertext.
    pub fn placeholder(&self) -> bool {
        self.places.iter().any(|p| !p.sealed)
    }

    /// `namespace app`, `namespaces data, web`: the namespaces named.
    pub fn namespaces(&self, only_unsealed: bool) -> String {
        let names: Vec<&str> = self
            .places
            .iter()
            .filter(|p| !(only_unsealed && p.sealed))
            .map(|p| p.namespace.as_str())
            .collect();
        let s = if names.len() == 1 { "" } else { "s" };
        format!("namespace{s} {}", names.join(", "))
    }

    /// Strict scope: the namespace and the secret's name, as the SealedSecret
    /// hearth renders carries them (no scope annotation).
    pub fn scope<'a>(&'a self, place: &'a Place) -> Scope<'a> {
        Scope::Strict {
            namespace: place.namespace.as_str(),
            name: self.secret.as_str(),
        }
    }
}

/// Every secret key of the site, in file order.
pub fn slots(loaded: &Loaded) -> Vec<Slot> {
    let mut out = Vec::new();
    for (service, s) in &loaded.raw.services {
        let s = s.get_ref();
        let namespace = s.namespace.clone().unwrap_or_else(|| {
            Namespace::new(service.as_str()).expect("service names are valid namespaces")
        });
        for (secret, sec) in s.secrets.iter().filter(|(_, x)| !x.get_ref().shared) {
            for (key, value) in &sec.get_ref().keys {
                out.push(Slot {
                    service: Some(service.clone()),
                    secret: secret.clone(),
                    key: key.clone(),
                    places: vec![Place {
                        namespace: namespace.clone(),
                        sealed: !value.get_ref().is_placeholder(),
                    }],
                    span: value.span(),
                });
            }
        }
    }
    for (secret, sec) in &loaded.raw.secrets {
        let sec = sec.get_ref();
        for (key, per_ns) in &sec.keys {
            let places = sec
                .namespaces
                .iter()
                .map(|ns| Place {
                    namespace: ns.get_ref().clone(),
                    sealed: per_ns
                        .get_ref()
                        .get(ns.get_ref())
                        .is_some_and(|v| !v.get_ref().is_placeholder()),
                })
                .collect();
            out.push(Slot {
                service: None,
                secret: secret.clone(),
                key: key.clone(),
                places,
                span: per_ns.span(),
            });
        }
    }
    out.sort_by_key(|s| s.span.start);
    out
}

/// site.toml with each slot's ciphertexts (one per place, in order) written
/// in; everything else (comments, order, quoting of other values, inline
/// tables) is kept.
pub fn apply(text: &str, edits: &[(&Slot, Vec<String>)]) -> Result<String, String> {
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e| format!("{e}"))?;
    for (slot, ciphertexts) in edits {
        let path: Vec<&str> = match &slot.service {
            Some(svc) => vec![
                "services",
                svc.as_str(),
                "secrets",
                slot.secret.as_str(),
                "keys",
            ],
            None => vec!["secrets", slot.secret.as_str(), "keys"],
        };
        let mut item = doc.as_item_mut();
        for part in path {
            item = item
                .get_mut(part)
                .ok_or_else(|| format!("`{}` is not in the file", slot.id()))?;
        }
        let missing = || format!("`{}` is not in the file", slot.id());
        let keys = item.as_table_like_mut().ok_or_else(missing)?;
        if slot.service.is_some() {
            let c = ciphertexts.first().ok_or_else(missing)?;
            let value = keys.get_mut(slot.key.as_str()).ok_or_else(missing)?;
            replace(value, c).ok_or_else(missing)?;
            continue;
        }
        let per_ns = keys
            .get_mut(slot.key.as_str())
            .and_then(|i| i.as_table_like_mut())
            .ok_or_else(missing)?;
        for (place, c) in slot.places.iter().zip(ciphertexts) {
            match per_ns.get_mut(place.namespace.as_str()) {
                Some(v) => replace(v, c).ok_or_else(missing)?,
                None => {
                    per_ns.insert(
                        place.namespace.as_str(),
                        toml_edit::Item::Value(c.as_str().into()),
                    );
                }
            }
        }
    }
    Ok(doc.to_string())
}

/// A string value replaced, its surrounding whitespace and comment kept.
fn replace(item: &mut toml_edit::Item, ciphertext: &str) -> Option<()> {
    let value = item.as_value_mut()?;
    let decor = value.decor().clone();
    let mut sealed = toml_edit::Value::from(ciphertext);
    *sealed.decor_mut() = decor;
    *value = sealed;
    Some(())
}

/// Replace `path` with `text` atomically: a sibling temporary file, synced,
/// with the old file's permissions, renamed over it. An error leaves the old
/// file as it was.
pub fn write_atomic(path: &Path, text: &str) -> Result<(), InputError> {
    use std::io::Write as _;
    let io = |what: &str, e: std::io::Error| {
        InputError::new(Code::Io, format!("cannot {what} `{}`: {e}", path.display()))
            .help("nothing was changed; check the folder's permissions and free space")
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or("site.toml".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.hearth-seal-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp).map_err(|e| io("write next to", e))?;
        if let Ok(meta) = std::fs::metadata(path) {
            f.set_permissions(meta.permissions())
                .map_err(|e| io("copy the permissions of", e))?;
        }
        f.write_all(text.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(|e| io("write next to", e))?;
        std::fs::rename(&tmp, path).map_err(|e| io("replace", e))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    const SITE: &str = r#"# my site
[site]
name = "lab"
domain = "lab.example"
repo_url = "https://git.example/lab.git"

[services.app] # the app
namespace = "web"
[services.app.secrets.creds]
keys = { A = "placeholder", B = "placeholder" } # two keys
[services.db.secrets.pg]
keys.PASSWORD = "placeholder"   # dotted
"#;

    #[test]
    fn slots_in_file_order_with_their_namespace() {
        let loaded = crate::site::parse("site.toml", SITE.into()).unwrap();
        let s = slots(&loaded);
        let ids: Vec<String> = s.iter().map(Slot::id).collect();
        assert_eq!(ids, ["app/creds/A", "app/creds/B", "db/pg/PASSWORD"]);
        assert_eq!(s[0].scope(&s[0].places[0]).label(), "web/creds");
        assert_eq!(s[2].scope(&s[2].places[0]).label(), "db/pg");
        assert!(s.iter().all(Slot::placeholder));
    }

    #[test]
    fn apply_keeps_comments_and_layout() {
        let loaded = crate::site::parse("site.toml", SITE.into()).unwrap();
        let s = slots(&loaded);
        let c = format!("Ag{}", "x".repeat(300));
        let out = apply(SITE, &[(&s[1], vec![c.clone()]), (&s[2], vec![c.clone()])]).unwrap();
        let expected = SITE
            .replace(r#"B = "placeholder" }"#, &format!(r#"B = "{c}" }}"#))
            .replace(
                r#"keys.PASSWORD = "placeholder"   # dotted"#,
                &format!(r#"keys.PASSWORD = "{c}"   # dotted"#),
            );
        assert_eq!(out, expected);
    }
}
