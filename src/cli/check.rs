//! `hearth check`: is the output folder what site.toml renders to (and does lint pass)?

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use hearth::diag::Errors;
use hearth::pipeline;
use hearth::validate::Schemas;

use super::{Closing, build, report, today};

pub fn check(site: &Path, out: Option<PathBuf>, run_lint: bool) -> ExitCode {
    let schemas = Schemas::load();
    let built = match build(site, &schemas, Closing::Count) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let out = out.unwrap_or_else(|| pipeline::site_dir(site).join(&built.plan.site.rendered_path));
    let on_disk = match hearth::write::read_tree(&out) {
        Ok(t) => t,
        Err(e) => return report(Errors::from(e), "reading the output", Closing::Count),
    };
    let mut problems = Vec::new();
    for (path, text) in &built.files {
        match on_disk.get(path) {
            None => problems.push(format!("missing: {}/{path}", out.display())),
            Some(t) if t != text => problems.push(format!("stale:   {}/{path}", out.display())),
            _ => {}
        }
    }
    for path in on_disk.keys().filter(|p| !built.files.contains_key(*p)) {
        problems.push(format!("extra:   {}/{path}", out.display()));
    }
    let mut failed = false;
    if problems.is_empty() {
        out!(
            "{} is up to date ({} files)",
            out.display(),
            built.files.len()
        );
    } else {
        for p in &problems {
            out!("{p}");
        }
        eprintln!(
            "{} is stale: {} file(s) differ from site.toml; run `hearth render`",
            out.display(),
            problems.len()
        );
        failed = true;
    }
    if run_lint {
        let o = built.lint(&today());
        if o.errors() > 0 {
            eprint!("{}", hearth::lint::report::human(&o, &built.loaded.source));
            failed = true;
        } else if o.warnings() > 0 {
            eprintln!(
                "lint: {} warning(s); `hearth lint` shows them",
                o.warnings()
            );
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
