//! The renderer: one template at a time into objects, each YAML document of
//! its output parsed back and placed at `<folder>/<name>.<kind>.yaml`.

use super::*;

pub(super) struct Renderer<'a> {
    pub(super) env: Environment<'static>,
    pub(super) templates: &'a Templates,
    /// `rendered/monitoring/` files laid out once: written as files and
    /// carried by ConfigMaps (`generated`).
    pub(super) generated: &'a BTreeMap<String, String>,
    pub(super) base: JValue,
    pub(super) objects: Vec<Object>,
    pub(super) errs: Errors,
}

impl<'a> Renderer<'a> {
    /// A renderer for another thread: same templates and context, no output yet.
    pub(super) fn fork(&self) -> Renderer<'a> {
        Renderer {
            env: self.env.clone(),
            templates: self.templates,
            generated: self.generated,
            base: self.base.clone(),
            objects: Vec::new(),
            errs: Errors::default(),
        }
    }

    /// Render `template` with `extra` merged into the base context; `what` names the
    /// object for diagnostics. Each YAML document becomes one object under `folder`.
    pub(super) fn emit(&mut self, template: &str, extra: JValue, folder: &str, what: &str) {
        let (tsrc, site_local, tname) = self.templates.source(template).unwrap_or_default();
        let ctx = context! { ..extra, ..self.base.clone() };
        let text = match self.env.get_template(template).and_then(|t| t.render(ctx)) {
            Ok(t) => t,
            Err(e) => {
                let src = SourceFile::new(tname, tsrc);
                let msg = format!(
                    "template `{template}` failed while rendering {what}: {}",
                    e.detail().unwrap_or(&e.kind().to_string())
                );
                let mut err =
                    InputError::new(Code::Template, msg)
                        .in_file(&src)
                        .help(if site_local {
                            "fix the site-local template, or delete it to use the built-in one"
                        } else {
                            BUILT_IN_BUG
                        });
                if let Some(r) = e.range() {
                    err = err.label(r, "here");
                } else if let Some(line) = e.line() {
                    let start = src.offset(line, 1);
                    err = err.label(start..start + 1, "here");
                }
                self.errs.push(err);
                return;
            }
        };
        let docs = match yaml::documents(&text) {
            Ok(d) => d,
            Err(e) => {
                let src = SourceFile::new(format!("{tname} → {what}"), text.clone());
                let start = src.offset(e.line, e.col);
                let msg = format!("template `{template}` rendered invalid YAML for {what}");
                let err = InputError::new(Code::Template, msg)
                    .in_file(&src)
                    .label(start..start + 1, e.message)
                    .help(if site_local {
                        "write values with `|tojson` so quoting is always right"
                    } else {
                        BUILT_IN_BUG
                    });
                self.errs.push(err);
                return;
            }
        };
        let from = Placement {
            template,
            site_local,
            folder,
            what,
        };
        for doc in docs.into_iter().filter(|d| !d.is_null()) {
            self.place(doc, &from);
        }
    }

    /// One rendered document as an object at `folder/<name>.<kind>.yaml`.
    fn place(&mut self, doc: Value, from: &Placement) {
        let Placement {
            template,
            site_local,
            folder,
            what,
        } = *from;
        let object = |path: String, doc: Value| Object {
            path,
            value: canonical::canonical(doc),
            template: template.into(),
            site_local,
        };
        let kind = doc["kind"].as_str().map(str::to_string);
        let name = doc["metadata"]["name"].as_str().map(str::to_string);
        let (Some(kind), Some(name), Some(_)) = (kind, name, doc["apiVersion"].as_str()) else {
            if doc["kind"] == "Kustomization" {
                self.objects
                    .push(object(format!("{folder}/kustomization.yaml"), doc));
                return;
            }
            let msg = format!(
                "template `{template}` rendered a document without apiVersion, kind and metadata.name for {what}"
            );
            self.errs
                .push(InputError::new(Code::Template, msg).help(if site_local {
                    "every document a template prints must be a Kubernetes object"
                } else {
                    BUILT_IN_BUG
                }));
            return;
        };
        if !file_safe(&kind, &name) {
            let msg = format!(
                "template `{template}` rendered {kind} `{name}` for {what}: not a valid object name"
            );
            self.errs.push(
                InputError::new(Code::Template, msg).help(
                    "metadata.name must be lowercase letters, digits, `-` and `.` (RFC 1123)",
                ),
            );
            return;
        }
        let path = format!("{folder}/{name}.{}.yaml", kind.to_lowercase());
        self.objects.push(object(path, doc));
    }
}

const BUILT_IN_BUG: &str = "this is a bug in a built-in template; please report it";

/// Where a rendered document comes from, and where it goes.
struct Placement<'a> {
    template: &'a str,
    site_local: bool,
    folder: &'a str,
    what: &'a str,
}

/// The name becomes a file name: only what Kubernetes allows in a name (an
/// RFC 1123 subdomain), so no template can write outside the output.
fn file_safe(kind: &str, name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && !name.starts_with(['.', '-'])
        && kind.bytes().all(|b| b.is_ascii_alphanumeric())
}
