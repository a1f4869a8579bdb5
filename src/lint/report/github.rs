//! GitHub workflow commands: `::error file=…,line=…,col=…,title=…::message`.

use super::place;
use crate::diag::SourceFile;
use crate::lint::Outcome;

pub fn github(o: &Outcome, src: &SourceFile, rendered_dir: &str) -> String {
    // Workflow-command escaping: data escapes %, CR and LF; properties also
    // `:` and `,`, which separate them.
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
                f.rule.severity().as_str(),
                prop(&file),
                prop(&format!("{} {}", f.rule.id(), f.rule.name())),
                esc(&f.message)
            )
        })
        .collect()
}
