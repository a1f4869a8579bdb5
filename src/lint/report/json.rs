//! `--format json`: counts and one object per finding.

use serde::Serialize;

use super::place;
use crate::diag::{Severity, SourceFile};
use crate::lint::Outcome;

#[derive(Serialize)]
struct Report<'a> {
    errors: usize,
    warnings: usize,
    excused: usize,
    findings: Vec<Finding<'a>>,
    /// Secrets whose keys still hold `"placeholder"`: not sealed, not in the DR export.
    placeholders: Vec<Placeholder<'a>>,
}

#[derive(Serialize)]
struct Placeholder<'a> {
    secret: &'a str,
    keys: &'a [String],
}

#[derive(Serialize)]
struct Finding<'a> {
    rule: &'a str,
    name: &'a str,
    severity: Severity,
    message: &'a str,
    file: String,
    line: usize,
    column: usize,
    fix: &'a str,
}

pub fn json_report(o: &Outcome, src: &SourceFile, rendered_dir: &str) -> String {
    let findings = o
        .findings
        .iter()
        .map(|f| {
            let (file, line, column) = place(f, src, rendered_dir);
            Finding {
                rule: f.rule.id(),
                name: f.rule.name(),
                severity: f.rule.severity(),
                message: &f.message,
                file,
                line,
                column,
                fix: f.rule.doc().fix,
            }
        })
        .collect();
    let report = Report {
        errors: o.errors(),
        warnings: o.warnings(),
        excused: o.excused,
        findings,
        placeholders: o
            .placeholders
            .iter()
            .map(|(secret, keys)| Placeholder { secret, keys })
            .collect(),
    };
    // Strings and integers only: serialising cannot fail.
    serde_json::to_string_pretty(&report).unwrap_or_default() + "\n"
}
