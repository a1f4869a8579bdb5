//! Lint reporters: human (miette, pointing into site.toml), JSON, SARIF 2.1.0
//! (GitHub code scanning) and GitHub workflow annotations.

use serde_json::{Value, json};

use super::{Finding, Outcome, RuleRef, Severity};
use crate::diag::{InputError, SourceFile};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// (file, line, column) of a finding.
fn place(f: &Finding, src: &SourceFile, rendered_dir: &str) -> (String, usize, usize) {
    match (&f.span, &f.file) {
        (Some(span), _) => {
            let (l, c) = src.line_col(span.start);
            (src.name.clone(), l, c)
        }
        (None, Some(file)) => (format!("{rendered_dir}/{file}"), 1, 1),
        (None, None) => (src.name.clone(), 1, 1),
    }
}

/// Human output: one miette diagnostic per finding, then a summary line.
pub fn human(o: &Outcome, src: &SourceFile) -> String {
    let mut out = String::new();
    for f in &o.findings {
        let mut e = InputError::new(
            f.rule.id().to_string(),
            format!("{} ({})", f.message, f.rule.name()),
        )
        .help(format!(
            "{} `hearth explain {}` says why.",
            f.rule.doc().fix,
            f.rule.id()
        ));
        e.severity = f.rule.severity();
        if let Some(span) = &f.span {
            e = e.in_file(src).label(span.clone(), f.rule.doc().summary);
        } else if let Some(file) = &f.file {
            e.message.push_str(&format!(" [{file}]"));
        }
        out.push_str(&format!("{:?}\n", miette::Report::new(e)));
    }
    out.push_str(&format!(
        "{} error(s), {} warning(s), {} excused by exceptions\n",
        o.errors(),
        o.warnings(),
        o.excused
    ));
    out
}

pub fn json_report(o: &Outcome, src: &SourceFile, rendered_dir: &str) -> String {
    let findings: Vec<Value> = o
        .findings
        .iter()
        .map(|f| {
            let (file, line, column) = place(f, src, rendered_dir);
            json!({ "rule": f.rule.id(), "name": f.rule.name(), "severity": level(f.rule.severity()), "message": f.message, "file": file, "line": line, "column": column, "fix": f.rule.doc().fix })
        })
        .collect();
    serde_json::to_string_pretty(&json!({ "errors": o.errors(), "warnings": o.warnings(), "excused": o.excused, "findings": findings })).expect("serialises") + "\n"
}

/// `rules` is every rule of the run (`lint::all_rules`), so that results index into it.
pub fn sarif(o: &Outcome, rules: &[RuleRef], src: &SourceFile, rendered_dir: &str) -> String {
    let descriptors: Vec<Value> = rules
        .iter()
        .map(|r| {
            json!({
                "id": r.id(),
                "name": r.name(),
                "shortDescription": { "text": r.doc().summary },
                "fullDescription": { "text": r.doc().why },
                "help": { "text": r.doc().fix },
                "defaultConfiguration": { "level": level(r.severity()) },
            })
        })
        .collect();
    let results: Vec<Value> = o
        .findings
        .iter()
        .map(|f| {
            let (file, line, column) = place(f, src, rendered_dir);
            json!({
                "ruleId": f.rule.id(),
                "ruleIndex": rules.iter().position(|r| r.id() == f.rule.id()).unwrap_or(0),
                "level": level(f.rule.severity()),
                "message": { "text": f.message },
                "locations": [{ "physicalLocation": { "artifactLocation": { "uri": file }, "region": { "startLine": line, "startColumn": column } } }],
            })
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "hearth", "version": env!("CARGO_PKG_VERSION"), "rules": descriptors } },
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&doc).expect("serialises") + "\n"
}

/// `::error file=…,line=…,col=…,title=…::message` lines.
pub fn github(o: &Outcome, src: &SourceFile, rendered_dir: &str) -> String {
    let esc = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let prop = |s: &str| esc(s).replace(':', "%3A").replace(',', "%2C");
    o.findings
        .iter()
        .map(|f| {
            let (file, line, column) = place(f, src, rendered_dir);
            format!(
                "::{} file={},line={line},col={column},title={}::{}\n",
                level(f.rule.severity()),
                prop(&file),
                prop(&format!("{} {}", f.rule.id(), f.rule.name())),
                esc(&f.message)
            )
        })
        .collect()
}
