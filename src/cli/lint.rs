//! `hearth lint`: the site's findings in one of four formats, or the rule list.

use std::path::Path;
use std::process::ExitCode;

use hearth::validate::Schemas;

use super::{Closing, build, report, site_policies, today};

pub fn lint(site: &Path, format: hearth::lint::report::Format, deny_warnings: bool) -> ExitCode {
    use hearth::lint::report::{self, Format};
    let schemas = Schemas::load();
    let built = match build(site, &schemas, Closing::Count) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let o = built.lint(&today());
    let src = &built.loaded.source;
    let dir = built.plan.site.rendered_path.clone();
    match format {
        Format::Human => {
            eprint!("{}", report::human(&o, src));
            eprint!("{}", hearth::dr::placeholder_report(&built.plan));
        }
        Format::Json => put!("{}", report::json_report(&o, src, &dir)),
        Format::Sarif => put!("{}", report::sarif(&o, src, &dir)),
        Format::Github => put!("{}", report::github(&o, src, &dir)),
    }
    if o.errors() > 0 || (deny_warnings && o.warnings() > 0) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `hearth lint --list-rules`: every rule of this site, built in and policies.
pub fn list_rules(site: &Path) -> ExitCode {
    let policies = match site_policies(site) {
        Ok(p) => p,
        Err(e) => return report(e, "in `policies/`", Closing::Count),
    };
    let rules = hearth::lint::all_rules(&policies);
    let w = rules.iter().map(|r| r.id().len()).max().unwrap_or(5);
    for r in rules {
        out!(
            "{:<w$}  {:<8} {:<34} {}",
            r.id(),
            r.severity().as_str(),
            r.name(),
            r.doc().summary
        );
    }
    ExitCode::SUCCESS
}
