//! `hearth render`: write the output folder atomically, or commit it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use hearth::diag::Errors;
use hearth::pipeline;
use hearth::validate::Schemas;

use super::{Closing, SiteArg, build, print_timings, report, today};

/// What `hearth render` was asked to do.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub site: SiteArg,
    /// Output folder (default: the site's `rendered_path`, next to the site file).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print the time of each stage.
    #[arg(long)]
    pub timings: bool,
    /// Commit the output on the current branch (stages only the output folder).
    #[arg(long, conflicts_with = "branch")]
    pub commit: bool,
    /// Render onto this branch instead, without touching the worktree.
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,
    /// Commit subject (default: one naming the site and the number of files).
    #[arg(short, long, value_name = "MSG")]
    pub message: Option<String>,
    /// With --commit, also stage the site file.
    #[arg(long, requires = "commit")]
    pub include_site: bool,
    /// With --commit or --branch, commit even when lint reports errors.
    #[arg(long)]
    pub allow_lint_errors: bool,
    /// Also render every chart with Helm's engine from the chart cache
    /// (`charts/`), validate its objects, and write them into a folder of
    /// their own (`rendered-charts/`, never committed): a view of what
    /// ArgoCD will apply, not part of the output.
    #[arg(long, conflicts_with = "branch")]
    pub charts: bool,
    /// Where `--charts` writes the chart objects (default: `rendered-charts/`
    /// next to the site file).
    #[arg(long, value_name = "DIR", requires = "charts")]
    pub charts_out: Option<PathBuf>,
}

pub fn render(a: &Args) -> ExitCode {
    let start = Instant::now();
    let built = match built(a) {
        Ok(b) => b,
        Err(code) => return code,
    };
    if let Some(code) = lint_gate(a, &built) {
        return code;
    }
    let out = a
        .out
        .clone()
        .unwrap_or_else(|| pipeline::site_dir(&a.site.site).join(&built.plan.site.rendered_path));
    let charts_dir = a.charts.then(|| {
        a.charts_out.clone().unwrap_or_else(|| {
            pipeline::site_dir(&a.site.site).join(hearth::charts::output::FOLDER)
        })
    });
    if let Some(dir) = &charts_dir
        && let Err(e) = apart(dir, &out)
    {
        return report(Errors::from(e), "", Closing::NothingWritten);
    }
    if let Some(branch) = &a.branch {
        return commit_output(
            &a.site.site,
            &out,
            &built,
            Some(branch),
            a.message.as_deref(),
            false,
        );
    }
    let t = Instant::now();
    if let Err(e) = hearth::write::write(&out, &built.files) {
        return report(
            Errors::from(e),
            "writing the output",
            Closing::NothingWritten,
        );
    }
    if let Some(dir) = &charts_dir {
        match write_charts(dir, &built) {
            Ok(line) => out!("{line}"),
            Err(e) => return report(Errors::from(e), "writing the chart objects", Closing::Count),
        }
    }
    if a.commit {
        return commit_output(
            &a.site.site,
            &out,
            &built,
            None,
            a.message.as_deref(),
            a.include_site,
        );
    }
    if a.timings {
        let mut all = built.timings.clone();
        all.push(("write", t.elapsed()));
        print_timings(&all);
    }
    out!(
        "rendered {} objects ({} services) into {} in {} ms",
        built.rendered.objects.len(),
        built.plan.services.len(),
        out.display(),
        start.elapsed().as_millis()
    );
    ExitCode::SUCCESS
}

/// The site built, its charts expanded too with `--charts`.
fn built(a: &Args) -> Result<pipeline::Built, ExitCode> {
    if a.charts {
        let engine = hearth::charts::engine::Engine::find();
        let opts = hearth::charts::Options {
            engine: engine.as_ref(),
            memo: hearth::charts::memo::folder(),
            git_ref: None,
        };
        match pipeline::build_charts(&a.site.site, &opts) {
            Ok(b) => Ok(b),
            Err(e) => {
                let at = format!("in `{}`", a.site.site.display());
                Err(report(e, &at, Closing::NothingWritten))
            }
        }
    } else {
        build(&a.site.site, &Schemas::load(), Closing::NothingWritten)
    }
}

/// A commit is what ArgoCD deploys: lint errors stop it before anything is
/// written, unless the user says otherwise.
fn lint_gate(a: &Args, built: &pipeline::Built) -> Option<ExitCode> {
    if (a.commit || a.branch.is_some()) && !a.allow_lint_errors {
        let o = built.lint(&today());
        if o.errors() > 0 {
            eprint!("{}", hearth::lint::report::human(&o, &built.loaded.source));
            eprintln!(
                "lint: {} error(s); nothing was written or committed (--allow-lint-errors commits anyway)",
                o.errors()
            );
            return Some(ExitCode::from(1));
        }
    }
    None
}

/// The chart objects' folder must be neither the output folder nor inside
/// it (nor hold it): they are a view, never part of what is committed.
fn apart(charts: &Path, out: &Path) -> Result<(), hearth::diag::InputError> {
    let abs = |p: &Path| {
        let p = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        p.components().collect::<PathBuf>()
    };
    let (c, o) = (abs(charts), abs(out));
    if c.starts_with(&o) || o.starts_with(&c) {
        return Err(hearth::diag::InputError::new(
            hearth::diag::Code::Write,
            format!(
                "`--charts-out {}` overlaps the output folder `{}`",
                charts.display(),
                out.display()
            ),
        )
        .help("chart objects are a view, never part of the committed output: pass a `--charts-out` outside it (default `rendered-charts/`)"));
    }
    Ok(())
}

/// `--charts`: the chart objects into their own folder, atomically.
fn write_charts(dir: &Path, built: &pipeline::Built) -> Result<String, hearth::diag::InputError> {
    use hearth::charts::output;
    let files = output::files(&built.charts)?;
    hearth::write::write_owned(dir, &files, output::INDEX)?;
    let objects: usize = built.charts.iter().map(|c| c.docs.len()).sum();
    Ok(format!(
        "wrote {objects} chart objects ({} charts) into {} (a view: not for committing)",
        built.charts.len(),
        dir.display()
    ))
}

/// `render --commit` / `render --branch`.
fn commit_output(
    site: &Path,
    out: &Path,
    built: &pipeline::Built,
    branch: Option<&str>,
    message: Option<&str>,
    include_site: bool,
) -> ExitCode {
    let result = (|| {
        let repo = hearth::git::open(site)?;
        let prefix = if repo.is_bare() {
            built.plan.site.rendered_path.clone()
        } else {
            let marker = hearth::git::repo_relative(&repo, &out.join("x"))?;
            marker.strip_suffix("/x").unwrap_or(&marker).to_string()
        };
        let name = built.plan.site.name.to_string();
        match branch {
            Some(b) => {
                hearth::git::commit::commit_branch(&repo, b, &prefix, &built.files, &name, message)
            }
            None => {
                let site_rel = if include_site {
                    Some(hearth::git::repo_relative(&repo, site)?)
                } else {
                    None
                };
                hearth::git::commit::commit_worktree(
                    &repo,
                    &prefix,
                    site_rel.as_deref(),
                    &built.files,
                    &name,
                    message,
                )
            }
        }
    })();
    match result {
        Ok(c) => {
            match c.oid {
                Some(oid) => out!(
                    "committed {} ({} files changed){}",
                    &oid.to_string()[..12],
                    c.changes.len(),
                    branch.map(|b| format!(" on {b}")).unwrap_or_default()
                ),
                None => out!("nothing to commit: the rendered output is unchanged"),
            }
            ExitCode::SUCCESS
        }
        Err(e) => report(Errors::from(e), "committing", Closing::Count),
    }
}
