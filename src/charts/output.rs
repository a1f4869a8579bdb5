//! `hearth render --charts`: the objects every chart rendered, written as
//! files for reading and grepping, beside `rendered/` and never inside it
//! (`rendered-charts/` by default): ArgoCD renders charts itself, so these
//! files are a view, not something to commit or deploy. One folder per
//! service, one file per object (`<name>.<kind>.yaml`, hearth's YAML writer,
//! the chart template in a `# Source:` line), and `index.yaml` listing each
//! chart with its files; the folder is replaced atomically like `rendered/`.

use std::collections::BTreeSet;

use serde_json::json;

use super::Expanded;
use crate::diag::{Code, InputError};
use crate::render::{Manifest, canonical};
use crate::write::Files;

/// The default folder, next to site.toml.
pub const FOLDER: &str = "rendered-charts";
/// The file listing the charts; also how hearth knows the folder is its own.
pub const INDEX: &str = "index.yaml";

/// A name as a file name: what Kubernetes allows in a name, anything else
/// replaced, so no chart can write outside its folder.
fn file_part(s: &str) -> String {
    let t: String = s
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '-' | '.' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '_',
        })
        .collect();
    let t = t.trim_start_matches('.').to_string();
    if t.is_empty() { "unnamed".into() } else { t }
}

/// The file of each object of one chart (`<service>/<name>.<kind>.yaml`), in
/// the order Helm printed them; a second object of the same name and kind
/// gets `-2`, and so on.
pub fn paths(e: &Expanded) -> Vec<String> {
    let folder = file_part(&e.app.service);
    let mut taken = BTreeSet::new();
    e.docs
        .iter()
        .map(|d| {
            let stem = format!("{}.{}", file_part(d.name()), file_part(d.kind()));
            let mut name = format!("{stem}.yaml");
            let mut n = 1;
            while !taken.insert(name.clone()) {
                n += 1;
                name = format!("{stem}-{n}.yaml");
            }
            format!("{folder}/{name}")
        })
        .collect()
}

/// The files of every chart's objects, and `index.yaml`.
pub fn files(expanded: &[Expanded]) -> Result<Files, InputError> {
    let mut out = Files::new();
    let mut index = Vec::new();
    for e in expanded {
        let app = &e.app;
        let paths = paths(e);
        for (d, path) in e.docs.iter().zip(&paths) {
            let text = canonical::to_yaml(&canonical::canonical(d.value.clone())).map_err(|e| {
                InputError::new(Code::Write, format!("cannot serialise `{path}`: {e}"))
            })?;
            let body = text.strip_prefix(canonical::HEADER).unwrap_or(&text);
            out.insert(
                path.clone(),
                format!("{}# Source: {}\n{body}", canonical::HEADER, d.source),
            );
        }
        index.push(json!({
            "service": app.service,
            "chart": app.chart,
            "version": app.version,
            "release": app.release,
            "namespace": app.namespace,
            "objects": paths,
        }));
    }
    let text = canonical::to_yaml(&json!({ "charts": index }))
        .map_err(|e| InputError::new(Code::Write, format!("cannot serialise `{INDEX}`: {e}")))?;
    out.insert(INDEX.to_string(), text);
    Ok(out)
}
