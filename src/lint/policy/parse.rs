//! Reading one policy file: its YAML shape, the id, the kinds it selects and
//! its JSON Schema, each error located in the file.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;

use super::Policy;
use crate::diag::{Code as DiagCode, Errors, InputError, Severity, SourceFile};
use crate::lint::rules::Code;

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

/// Only top-level `.yaml`/`.yml` files are policies (a README or a sub-folder of
/// drafts is not).
pub(super) fn is_policy_file(name: &str) -> bool {
    !name.contains('/') && (name.ends_with(".yaml") || name.ends_with(".yml"))
}

/// One policy file, and the span of its id (for duplicate reports).
pub(super) fn parse(src: &SourceFile, kinds: &[&str]) -> Result<(Policy, Range<usize>), Errors> {
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
