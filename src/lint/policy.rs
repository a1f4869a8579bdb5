//! User policies: the site's own rules for rendered objects, kept in
//! `policies/*.yaml` beside site.toml and versioned with it. Each file is one
//! policy: an id, a severity, a message, which objects it selects (kinds,
//! namespaces, labels) and a JSON Schema every selected object must satisfy.
//! Like Polaris' custom checks, but offline and read at any Git ref. A policy
//! is a lint `Rule` like the built-in ones.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;

use super::rule::{Candidate, Context, Doc, Rule, RuleRef, Sink};
use super::rules::Code;
use crate::diag::{Code as DiagCode, Errors, InputError, Severity, SourceFile};
use crate::render::Object;
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    id: Spanned<String>,
    #[serde(default = "default_severity")]
    severity: Severity,
    message: String,
    #[serde(default)]
    why: Option<String>,
    #[serde(default)]
    fix: Option<String>,
    select: Spanned<RawSelect>,
    schema: Spanned<Value>,
}

fn default_severity() -> Severity {
    Severity::Error
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSelect {
    kinds: Vec<Spanned<String>>,
    #[serde(default)]
    namespaces: Vec<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
}

const FORMAT_HELP: &str = "a policy is YAML with `id`, `severity` (error|warning), `message`, optional `why` and `fix`, `select` (`kinds`, optional `namespaces` and `labels`) and a JSON Schema under `schema`; see policies/README.md";

/// Byte range of a serde-saphyr location (1-based line and column) in `src`.
fn span_of(src: &SourceFile, line: u32, column: u32) -> Range<usize> {
    let at = src.offset(line as usize, column as usize);
    let end = src.text[at..]
        .find('\n')
        .map_or(src.text.len(), |n| at + n)
        .max(at + 1)
        .min(src.text.len());
    at..end
}

fn is_policy_id(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && !s.ends_with('-')
}

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
        files.retain(|f| is_policy_file(&f.rel));
        files.sort();
        let kinds: Vec<&str> = schemas.kinds().map(|(_, k)| k.as_str()).collect();
        let mut errors = Errors::default();
        let mut out: Vec<Policy> = Vec::new();
        let mut seen: BTreeMap<String, String> = BTreeMap::new();
        for SiteFile { shown, text, .. } in files {
            let src = SourceFile::new(shown.clone(), text);
            match parse(&src, &kinds) {
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

/// Only top-level `.yaml`/`.yml` files are policies (a README or a sub-folder of
/// drafts is not).
fn is_policy_file(name: &str) -> bool {
    !name.contains('/') && (name.ends_with(".yaml") || name.ends_with(".yml"))
}

/// One policy file, and the span of its id (for duplicate reports).
fn parse(src: &SourceFile, kinds: &[&str]) -> Result<(Policy, Range<usize>), Errors> {
    let raw: RawPolicy = serde_saphyr::from_str(&src.text).map_err(|e| {
        let msg = first_line(&e);
        let mut err = InputError::new(
            DiagCode::Policy,
            format!("`{}` is not a valid policy: {msg}", src.name),
        )
        .help(FORMAT_HELP);
        err = match e.location() {
            Some(l) => err
                .in_file(src)
                .label(span_of(src, l.line() as u32, l.column() as u32), msg),
            None => err.in_file(src).label(0..0, msg),
        };
        Errors::from(err)
    })?;
    let at = |s: &serde_saphyr::Location| span_of(src, s.line() as u32, s.column() as u32);
    let mut errors = Errors::default();
    let id_span = at(&raw.id.referenced);
    check_id(&raw.id.value, src, &id_span, &mut errors);
    check_kinds(&raw.select, kinds, src, &mut errors);
    let validator = schema(&raw.schema, src, &mut errors);
    match validator {
        Some(validator) if errors.is_empty() => {
            let id = raw.id.value;
            Ok((
                Policy {
                    why: raw.why.unwrap_or_else(|| {
                        format!("A rule of this site, defined in `{}`.", src.name)
                    }),
                    fix: raw
                        .fix
                        .unwrap_or_else(|| format!("Change site.toml so that {}.", raw.message)),
                    id,
                    severity: raw.severity,
                    message: raw.message,
                    kinds: raw
                        .select
                        .value
                        .kinds
                        .into_iter()
                        .map(|k| k.value)
                        .collect(),
                    namespaces: raw.select.value.namespaces,
                    labels: raw.select.value.labels,
                    file: src.name.clone(),
                    index: 0,
                    validator,
                },
                id_span,
            ))
        }
        _ => Err(errors),
    }
}

/// A policy id is lowercase kebab-case and not a built-in rule's.
fn check_id(id: &str, src: &SourceFile, id_span: &Range<usize>, errors: &mut Errors) {
    if !is_policy_id(id) {
        errors.push(
            InputError::new(
                DiagCode::Policy,
                format!("policy id `{id}` is not a valid id"),
            )
            .in_file(src)
            .label(id_span.clone(), "not lowercase letters, digits and `-`")
            .help("use lowercase letters, digits and `-`, starting with a letter (for example `pvc-storage-class`); `HL…` ids belong to hearth's built-in rules"),
        );
    }
    if Code::find(id).is_some() {
        errors.push(
            InputError::new(
                DiagCode::Policy,
                format!("policy id `{id}` is the name of a built-in rule"),
            )
            .in_file(src)
            .label(id_span.clone(), "taken by a built-in rule")
            .help("pick another id: `hearth lint --list-rules` lists the built-in ones"),
        );
    }
}

/// The policy selects at least one kind, and only kinds hearth renders.
fn check_kinds(select: &Spanned<RawSelect>, kinds: &[&str], src: &SourceFile, errors: &mut Errors) {
    let at = |s: &serde_saphyr::Location| span_of(src, s.line() as u32, s.column() as u32);
    if select.value.kinds.is_empty() {
        errors.push(
            InputError::new(DiagCode::Policy, "the policy selects no kind")
                .in_file(src)
                .label(at(&select.referenced), "`kinds` is empty")
                .help(
                    "list the kinds it applies to, for example `kinds: [Deployment, StatefulSet]`",
                ),
        );
    }
    for k in &select.value.kinds {
        if !kinds.contains(&k.value.as_str()) {
            let help = crate::diag::closest(&k.value, kinds.iter().copied()).map_or_else(
                || "`hearth validate --list-kinds` lists the kinds hearth renders".to_string(),
                |c| format!("did you mean `{c}`?"),
            );
            errors.push(
                InputError::new(
                    DiagCode::Policy,
                    format!("unknown kind `{}` in `select.kinds`", k.value),
                )
                .in_file(src)
                .label(at(&k.referenced), "hearth never renders this kind")
                .help(help),
            );
        }
    }
}

/// The policy's JSON Schema, compiled (draft 2020-12).
fn schema(
    schema: &Spanned<Value>,
    src: &SourceFile,
    errors: &mut Errors,
) -> Option<jsonschema::Validator> {
    let at = |s: &serde_saphyr::Location| span_of(src, s.line() as u32, s.column() as u32);
    match jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&schema.value)
    {
        Ok(v) => Some(v),
        Err(e) => {
            let path = e.instance_path().to_string();
            let within = if path.is_empty() {
                String::new()
            } else {
                format!(" at `schema{}`", path.replace('/', "."))
            };
            let root = at(&schema.referenced);
            let span = locate(&src.text, root.start, &path).unwrap_or(root);
            errors.push(
                InputError::new(
                    DiagCode::Policy,
                    format!("the policy's schema is not a valid JSON Schema{within}: {e}"),
                )
                .in_file(src)
                .label(span, "invalid JSON Schema")
                .help("the schema follows JSON Schema 2020-12 (https://json-schema.org/understanding-json-schema)"),
            );
            None
        }
    }
}

/// serde-saphyr's message without its own position and snippet (miette draws
/// ours).
fn first_line(e: &serde_saphyr::Error) -> String {
    let s = e.to_string();
    let mut line = s.lines().next().unwrap_or("malformed YAML").trim();
    line = line.strip_prefix("error: ").unwrap_or(line);
    if line.starts_with("line ")
        && let Some((_, rest)) = line.split_once(": ")
    {
        line = rest;
    }
    line.split(" at line ").next().unwrap_or(line).to_string()
}

/// The span of the key a JSON pointer inside the schema names, found by
/// looking for each key in turn after the previous one (array indexes are
/// skipped). Good enough for hand-written YAML; None when a key is not found.
fn locate(text: &str, from: usize, pointer: &str) -> Option<Range<usize>> {
    let mut at = from;
    let mut last = None;
    for seg in pointer.split('/').filter(|s| !s.is_empty()) {
        if seg.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let key = seg.replace("~1", "/").replace("~0", "~");
        let hit = text[at..].match_indices(key.as_str()).find(|(i, _)| {
            let start = at + i;
            let before = text[..start].chars().next_back();
            let after = text[start + key.len()..].trim_start_matches(['"', '\'']);
            !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-')
                && after.starts_with(':')
        })?;
        let start = at + hit.0;
        last = Some(start..start + key.len());
        at = start + key.len();
    }
    last
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
