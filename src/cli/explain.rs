//! `hearth explain`: a lint rule's documentation, or an input-error code's.

use std::path::Path;
use std::process::ExitCode;

use hearth::diag::{Code, Errors, InputError};

use super::{Closing, report, site_policies};

pub fn explain(site: &Path, name: &str) -> ExitCode {
    // Input-error codes need no site: `hearth::dangling` or `dangling`.
    if let Some(code) = Code::find(name) {
        put!("{}", code.explain());
        return ExitCode::SUCCESS;
    }
    let policies = match site_policies(site) {
        Ok(p) => p,
        Err(e) => return report(e, "in `policies/`", Closing::Count),
    };
    if let Some(r) = hearth::lint::find_rule(name, &policies) {
        put!("{}", hearth::lint::explain(r.rule()));
        return ExitCode::SUCCESS;
    }
    let rules = hearth::lint::all_rules(&policies);
    let known = rules
        .iter()
        .map(|r| r.id())
        .chain(Code::ALL.iter().map(|c| c.as_str()));
    let help = hearth::diag::closest(name, known).map_or_else(
        || "`hearth lint --list-rules` lists the rules, `hearth explain --codes` the input-error codes".to_string(),
        |c| format!("did you mean `{c}`?"),
    );
    let e = InputError::new(Code::Usage, format!("no rule or code `{name}`")).help(help);
    report(Errors::from(e), "", Closing::Count)
}

/// `hearth explain --codes`: every input-error code and what it reports.
pub fn list_codes() -> ExitCode {
    let w = Code::ALL
        .iter()
        .map(|c| c.as_str().len())
        .max()
        .unwrap_or(0);
    for c in Code::ALL {
        out!("{:<w$}  {}", c.as_str(), c.doc().what);
    }
    ExitCode::SUCCESS
}
