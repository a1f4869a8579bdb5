//! `hearth diff`: the rendered cluster at a base ref against the work tree
//! (or another ref), object by object, with an intent summary.

use std::path::Path;
use std::process::ExitCode;

use hearth::charts::engine::Engine;
use hearth::diag::Errors;
use hearth::pipeline;
use hearth::validate::Schemas;

use super::{Closing, report, today};

/// `--exit-code` and `--charts`.
pub struct Flags {
    pub exit_code: bool,
    pub charts: bool,
}

pub fn diff(
    site: &Path,
    base: &str,
    head: Option<&str>,
    format: hearth::diff::Format,
    flags: Flags,
) -> ExitCode {
    let schemas = Schemas::load();
    let engine = flags.charts.then(Engine::find).flatten();
    // With --charts each side's charts come from the cache next to the site
    // (it holds every version pulled), help naming the side's ref.
    let opts = |git_ref: Option<&str>| hearth::charts::Options {
        engine: engine.as_ref(),
        memo: hearth::charts::memo::folder(),
        git_ref: git_ref.map(str::to_string),
    };
    let dir = pipeline::site_dir(site);
    let repo = match hearth::git::open(site) {
        Ok(r) => r,
        Err(e) => return report(Errors::from(e), "opening the repository", Closing::Count),
    };
    let rel = match hearth::git::repo_relative(&repo, site) {
        Ok(r) => r,
        Err(e) => return report(Errors::from(e), "locating the site", Closing::Count),
    };
    let at = |rev: &str| -> Result<Option<pipeline::Built>, Errors> {
        match hearth::git::site_at(&repo, rev, &rel)? {
            None => Ok(None),
            Some(folder) if flags.charts => {
                pipeline::build_folder_charts(folder, &dir, &opts(Some(rev))).map(Some)
            }
            Some(folder) => pipeline::build_folder(folder, &schemas).map(Some),
        }
    };
    let base_built = match at(base) {
        Ok(b) => b,
        Err(e) => return report(e, &format!("at base `{base}`"), Closing::Count),
    };
    let head = head
        .map(str::to_string)
        .or_else(|| repo.is_bare().then(|| "HEAD".to_string()));
    let (head_built, head_name) = match &head {
        Some(h) => match at(h) {
            Ok(Some(b)) => (b, h.clone()),
            Ok(None) => {
                let e = hearth::diag::InputError::new(
                    hearth::diag::Code::Git,
                    format!("`{rel}` does not exist at `{h}`"),
                )
                .help("pass the site's path inside the repository with --site");
                return report(Errors::from(e), &format!("at `{h}`"), Closing::Count);
            }
            Err(e) => return report(e, &format!("at `{h}`"), Closing::Count),
        },
        None => match if flags.charts {
            pipeline::build_charts(site, &opts(None))
        } else {
            pipeline::build(site, &schemas)
        } {
            Ok(b) => (b, "worktree".to_string()),
            Err(e) => return report(e, &format!("in `{}`", site.display()), Closing::Count),
        },
    };
    let r = hearth::diff::diff(base_built.as_ref(), &head_built, base, &head_name, &today());
    put!("{}", hearth::diff::render(&r, format));
    if flags.exit_code && !r.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
