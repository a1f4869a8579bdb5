//! One miette diagnostic per finding, as rustc prints errors, then a summary.

use crate::diag::{InputError, SourceFile};
use crate::lint::Outcome;

pub fn human(o: &Outcome, src: &SourceFile) -> String {
    let mut out = String::new();
    for f in &o.findings {
        let doc = f.rule.doc();
        let mut e = InputError::finding(
            f.rule.id().to_string(),
            format!("{} ({})", f.message, f.rule.name()),
        )
        .help(format!(
            "{} `hearth explain {}` says why.",
            doc.fix,
            f.rule.id()
        ));
        e.severity = f.rule.severity();
        if let Some(span) = &f.span {
            e = e.in_file(src).label(span.clone(), doc.summary);
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
