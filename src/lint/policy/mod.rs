//! User policies: the site's own rules for rendered objects, kept in
//! `policies/*.yaml` beside site.toml and versioned with it. Each file is one
//! policy: an id, a severity, a message, which objects it selects (kinds,
//! namespaces, labels) and a JSON Schema every selected object must satisfy.
//! Like Polaris' custom checks, but offline and read at any Git ref. A policy
//! is a lint `Rule` like the built-in ones.

use std::collections::BTreeMap;
use std::path::Path;

mod parse;

use super::rule::{Candidate, Context, Doc, Rule, RuleRef, Sink};
use crate::diag::{Code as DiagCode, Errors, InputError, Severity, SourceFile};
use crate::render::{Manifest, Object};
use crate::site::folder::SiteFile;
use crate::validate::Schemas;

/// One loaded policy, its schema compiled.
#[derive(Debug)]
pub struct Policy {
    pub id: String,
    pub severity: Severity,
    pub message: String,
    pub why: String,
    pub fix: String,
    pub kinds: Vec<String>,
    pub namespaces: Vec<String>,
    pub labels: BTreeMap<String, String>,
    /// The file it came from, as shown in diagnostics.
    pub file: String,
    /// Its place among the site's policies (file-name order).
    index: usize,
    validator: jsonschema::Validator,
}

/// Every policy of a site, in file-name order.
#[derive(Debug, Default)]
pub struct Policies(Vec<Policy>);

impl Policy {
    /// Its place among the site's policies.
    pub fn index(&self) -> usize {
        self.index
    }

    /// Does this policy apply to `obj`?
    pub fn selects(&self, obj: &Object) -> bool {
        if !self.kinds.iter().any(|k| k == obj.kind()) {
            return false;
        }
        if !self.namespaces.is_empty()
            && !obj
                .namespace()
                .is_some_and(|ns| self.namespaces.iter().any(|n| n == ns))
        {
            return false;
        }
        let labels = &obj.value["metadata"]["labels"];
        self.labels
            .iter()
            .all(|(k, v)| labels[k].as_str() == Some(v.as_str()))
    }

    /// Why `obj` fails the schema, one line per violation (at most three), or
    /// nothing when it passes.
    pub fn violations(&self, obj: &Object) -> Vec<String> {
        let mut out: Vec<String> = self
            .validator
            .iter_errors(&obj.value)
            .map(|e| {
                let at = e.instance_path().to_string();
                let at = if at.is_empty() {
                    "the object".to_string()
                } else {
                    format!("`{}`", at.trim_start_matches('/').replace('/', "."))
                };
                format!("{at}: {e}")
            })
            .collect();
        out.sort();
        out.dedup();
        out.truncate(3);
        out
    }
}

impl Policies {
    /// Read `dir/*.yaml` (and `.yml`); a missing folder has no policies.
    pub fn load(dir: &Path, schemas: &Schemas) -> Result<Self, Errors> {
        Self::from_files(crate::site::folder::files_on_disk(dir, false)?, schemas)
    }

    /// Parse the policies among the files of a site's `policies/` (on disk or
    /// from a Git tree). Reports every bad file, not only the first.
    pub fn from_files(mut files: Vec<SiteFile>, schemas: &Schemas) -> Result<Self, Errors> {
        files.retain(|f| parse::is_policy_file(&f.rel));
        files.sort();
        let kinds: Vec<&str> = schemas.kinds().map(|(_, k)| k.as_str()).collect();
        let mut errors = Errors::default();
        let mut out: Vec<Policy> = Vec::new();
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for SiteFile { shown, text, .. } in files {
            let src = SourceFile::new(shown.clone(), text);
            match parse::parse(&src, &kinds) {
                Ok(p) => {
                    if let Some(first) = seen.get(&p.0.id) {
                        errors.push(
                            InputError::new(
                                DiagCode::Policy,
                                format!("policy id `{}` is also used by `{first}`", p.0.id),
                            )
                            .in_file(&src)
                            .label(p.1, "second use of this id")
                            .help("policy ids must be unique: rename one of them"),
                        );
                    } else {
                        seen.insert(p.0.id.clone(), shown);
                        let mut policy = p.0;
                        policy.index = out.len();
                        out.push(policy);
                    }
                }
                Err(e) => errors.0.extend(e.0),
            }
        }
        errors.into_result(Policies(out))
    }

    pub fn get(&self, id: &str) -> Option<&Policy> {
        self.0.iter().find(|p| p.id.eq_ignore_ascii_case(id))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Policy> {
        self.0.iter()
    }
}

impl Rule for Policy {
    fn id(&self) -> &str {
        &self.id
    }
    fn name(&self) -> &str {
        &self.id
    }
    fn severity(&self) -> Severity {
        self.severity
    }
    fn doc(&self) -> Doc<'_> {
        Doc {
            summary: &self.message,
            why: &self.why,
            example: "",
            fix: &self.fix,
        }
    }
    fn origin(&self) -> Option<&str> {
        Some(&self.file)
    }

    /// Every object the policy selects must pass its schema. A finding about
    /// an object of a service points at that service in site.toml (where the
    /// fix goes, and where an exception can excuse it); other objects name
    /// their file.
    fn check<'p>(&'p self, cx: &Context<'p>, out: &mut Sink<'p>) {
        for o in cx.rendered.objects.iter().filter(|o| self.selects(o)) {
            let why = self.violations(o);
            if why.is_empty() {
                continue;
            }
            let service = o
                .path
                .strip_prefix("apps/")
                .and_then(|p| p.split_once('/'))
                .and_then(|(svc, _)| cx.plan.service(svc));
            let message = format!(
                "{} {} ({}): {}: {}",
                o.kind(),
                o.namespace()
                    .map_or_else(|| o.name().to_string(), |ns| format!("{ns}/{}", o.name())),
                o.path,
                self.message,
                why.join("; ")
            );
            out.push(Candidate {
                rule: RuleRef::Policy(self),
                message,
                span: service.map(|s| s.span.clone()),
                file: service.is_none().then(|| o.path.clone()),
                allow: service
                    .map(|s| s.allow.iter().collect())
                    .unwrap_or_default(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rel: &str, shown: &str, text: &str) -> SiteFile {
        SiteFile {
            rel: rel.into(),
            shown: shown.into(),
            text: text.into(),
        }
    }

    fn load(text: &str) -> Result<Policies, Errors> {
        Policies::from_files(
            vec![file("p.yaml", "policies/p.yaml", text)],
            &Schemas::load(),
        )
    }

    const GOOD: &str = "id: pvc-class\nseverity: warning\nmessage: a claim names its storage class\nselect:\n  kinds: [PersistentVolumeClaim]\nschema:\n  required: [spec]\n  properties:\n    spec:\n      required: [storageClassName]\n";

    #[test]
    fn a_good_policy_loads() {
        let p = load(GOOD).unwrap();
        assert_eq!(p.0[0].id, "pvc-class");
        assert_eq!(p.0[0].severity, Severity::Warning);
    }

    fn first(text: &str) -> InputError {
        load(text).unwrap_err().0.remove(0)
    }

    #[test]
    fn errors_point_into_the_policy() {
        let e = first(&GOOD.replace("severity", "severty"));
        assert_eq!(e.location().as_deref(), Some("policies/p.yaml:2:1"), "{e}");
        let e = first(&GOOD.replace("PersistentVolumeClaim", "PersistentVolumeClam"));
        assert!(e.help.as_deref().unwrap().contains("PersistentVolumeClaim"));
        assert_eq!(e.location().as_deref(), Some("policies/p.yaml:5:11"), "{e}");
        let e = first(&GOOD.replace("required: [spec]", "required: spec"));
        assert!(e.message.contains("not a valid JSON Schema"), "{e}");
        assert_eq!(e.location().as_deref(), Some("policies/p.yaml:7:3"), "{e}");
        let e = first(&GOOD.replace("required: [storageClassName]", "required: 3"));
        assert_eq!(e.location().as_deref(), Some("policies/p.yaml:10:7"), "{e}");
        let e = first(&GOOD.replace("pvc-class", "HL001"));
        assert_eq!(e.location().as_deref(), Some("policies/p.yaml:1:5"), "{e}");
        let e = first("id: [\n");
        assert!(e.location().is_some(), "{e}");
    }

    #[test]
    fn duplicate_ids_are_errors() {
        let e = Policies::from_files(
            vec![
                file("a.yaml", "a.yaml", GOOD),
                file("b.yaml", "b.yaml", GOOD),
            ],
            &Schemas::load(),
        )
        .unwrap_err();
        assert!(e.0[0].message.contains("also used by `a.yaml`"));
    }
}
