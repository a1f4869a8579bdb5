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

/// One key of one secret in site.toml.
#[derive(Debug, Clone)]
pub struct Slot {
    pub service: ServiceName,
    pub namespace: Namespace,
    pub secret: SecretName,
    pub key: DataKey,
    /// The value's span in site.toml.
    pub span: Range<usize>,
    pub placeholder: bool,
}

impl Slot {
    /// `service/secret/KEY`: how the command line names a key.
    pub fn id(&self) -> String {
        format!("{}/{}/{}", self.service, self.secret, self.key)
    }

    /// Strict scope: the secret's namespace and name, as the SealedSecret
    /// hearth renders carries them (no scope annotation).
    pub fn scope(&self) -> Scope<'_> {
        Scope::Strict {
            namespace: self.namespace.as_str(),
            name: self.secret.as_str(),
        }
    }

    /// Where the value sits in site.toml: the keys under `[services]`.
    fn path(&self) -> [&str; 6] {
        [
            "services",
            self.service.as_str(),
            "secrets",
            self.secret.as_str(),
            "keys",
            self.key.as_str(),
        ]
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
        for (secret, sec) in &s.secrets {
            for (key, value) in &sec.get_ref().keys {
                out.push(Slot {
                    service: service.clone(),
                    namespace: namespace.clone(),
                    secret: secret.clone(),
                    key: key.clone(),
                    span: value.span(),
                    placeholder: value.get_ref().is_placeholder(),
                });
            }
        }
    }
    out.sort_by_key(|s| s.span.start);
    out
}

/// site.toml with each slot's value replaced by its ciphertext; everything
/// else (comments, order, quoting of other values, inline tables) is kept.
pub fn apply(text: &str, edits: &[(&Slot, String)]) -> Result<String, String> {
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e| format!("{e}"))?;
    for (slot, ciphertext) in edits {
        let mut item = doc.as_item_mut();
        for part in slot.path() {
            item = item
                .get_mut(part)
                .ok_or_else(|| format!("`{}` is not in the file", slot.id()))?;
        }
        let value = item
            .as_value_mut()
            .ok_or_else(|| format!("`{}` is not a value", slot.id()))?;
        let decor = value.decor().clone();
        let mut sealed = toml_edit::Value::from(ciphertext.as_str());
        *sealed.decor_mut() = decor;
        *value = sealed;
    }
    Ok(doc.to_string())
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
        assert_eq!(s[0].scope().label(), "web/creds");
        assert_eq!(s[2].scope().label(), "db/pg");
        assert!(s.iter().all(|s| s.placeholder));
    }

    #[test]
    fn apply_keeps_comments_and_layout() {
        let loaded = crate::site::parse("site.toml", SITE.into()).unwrap();
        let s = slots(&loaded);
        let c = format!("Ag{}", "x".repeat(300));
        let out = apply(SITE, &[(&s[1], c.clone()), (&s[2], c.clone())]).unwrap();
        let expected = SITE
            .replace(r#"B = "placeholder" }"#, &format!(r#"B = "{c}" }}"#))
            .replace(
                r#"keys.PASSWORD = "placeholder"   # dotted"#,
                &format!(r#"keys.PASSWORD = "{c}"   # dotted"#),
            );
        assert_eq!(out, expected);
    }
}
