//! The templates a render uses: the built-in ones embedded in the binary,
//! with a site's `templates/` overrides on top, in one minijinja environment.

use super::*;

/// Built-in templates with the site's overrides on top.
pub struct Templates {
    overrides: BTreeMap<String, (PathBuf, String)>,
}

impl Templates {
    /// Load every override under `dir` (if it exists).
    pub fn load(dir: Option<&Path>) -> Result<Self, InputError> {
        match dir {
            Some(d) => Self::from_files(crate::site::folder::files_on_disk(d, true)?),
            None => Self::from_files(Vec::new()),
        }
    }

    /// Overrides from the files of a site's `templates/` (on disk, or blobs of
    /// a Git tree).
    pub fn from_files(files: Vec<SiteFile>) -> Result<Self, InputError> {
        let mut overrides = BTreeMap::new();
        for SiteFile { rel, shown, text } in files {
            if rel == "README.md" {
                continue;
            }
            if !embedded::TEMPLATES.iter().any(|(n, _)| *n == rel) {
                let known: Vec<&str> = embedded::TEMPLATES.iter().map(|(n, _)| *n).collect();
                let help = crate::diag::closest(&rel, known.iter().copied()).map_or_else(
                    || format!("built-in templates: {}", known.join(", ")),
                    |c| format!("did you mean `{c}`?"),
                );
                return Err(InputError::new(
                    Code::Template,
                    format!("`{shown}` overrides no built-in template"),
                )
                .help(help));
            }
            // A copy identical to the built-in overrides nothing (this is the case
            // for the reference site, which sits next to hearth's own templates/).
            if embedded::TEMPLATES
                .iter()
                .any(|(n, t)| *n == rel && *t == text)
            {
                continue;
            }
            overrides.insert(rel, (PathBuf::from(shown), text));
        }
        Ok(Self { overrides })
    }

    /// Names of every built-in template.
    pub fn builtin_names() -> impl Iterator<Item = &'static str> {
        embedded::TEMPLATES.iter().map(|(n, _)| *n)
    }

    pub(super) fn source(&self, name: &str) -> Option<(String, bool, String)> {
        if let Some((path, text)) = self.overrides.get(name) {
            return Some((text.clone(), true, path.display().to_string()));
        }
        embedded::TEMPLATES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| (t.to_string(), false, format!("templates/{name} (built in)")))
    }

    pub(super) fn environment(&self) -> Environment<'static> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| AutoEscape::None);
        // Strict mode still lets `undefined|tojson` print `null`: a misspelt
        // variable would become an empty field. Refuse it instead.
        env.add_filter("tojson", |v: &JValue, kwargs: minijinja::value::Kwargs| {
            if v.is_undefined() {
                return Err(minijinja::Error::new(
                    minijinja::ErrorKind::UndefinedError,
                    "`tojson` of an undefined value (misspelt variable or attribute?)",
                ));
            }
            minijinja::filters::tojson(v, None, kwargs)
        });
        let overrides: BTreeMap<String, String> = self
            .overrides
            .iter()
            .map(|(k, (_, t))| (k.clone(), t.clone()))
            .collect();
        env.set_loader(move |name| {
            Ok(overrides.get(name).cloned().or_else(|| {
                embedded::TEMPLATES
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, t)| t.to_string())
            }))
        });
        env
    }
}
