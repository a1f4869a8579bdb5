//! The `hearth` command line. `main` returns an exit code: 0 ok, 1 findings,
//! 2 bad input or usage. Diagnostics go to stderr through miette.

// Input errors carry their source text; they are built once, on the error path.
#![allow(clippy::result_large_err)]

use std::path::PathBuf;

/// Write to stdout, ignoring errors: a closed pipe (`hearth diff | head`) is
/// not a failure and must never panic, as `print!` would.
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($t)*);
    }};
}
macro_rules! put {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout().lock(), $($t)*);
    }};
}
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use hearth::diag::Errors;
use hearth::pipeline;
use hearth::validate::Schemas;

const EXAMPLES: &str = "Examples:
  hearth render                      render ./site.toml into the folder it names (rendered/)
  hearth render --site lab/site.toml --out /tmp/out
  hearth validate                    render and validate in memory, write nothing
  hearth check                       is rendered/ up to date? (pre-commit)
  hearth diff --base origin/main     what this branch changes, per object
  hearth diff --base main --format markdown > comment.md
  hearth schema > schema/site.schema.json

Exit codes: 0 ok, 1 findings, 2 bad input or usage.";

#[derive(Parser)]
#[command(name = "hearth", version, about = "One typed site.toml for a home Kubernetes cluster: render, validate, keep in Git.", after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct SiteArg {
    /// The site file.
    #[arg(long, default_value = "site.toml", value_name = "PATH")]
    site: PathBuf,
}

#[derive(Subcommand)]
enum HookAction {
    /// Write .git/hooks/pre-commit running `hearth check` (never overwrites a foreign hook).
    Install {
        #[command(flatten)]
        site: SiteArg,
        /// Replace an existing hook that hearth did not write (it is kept as pre-commit.bak).
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum Command {
    /// Render the site into its output folder (atomically; nothing is written on error).
    Render {
        #[command(flatten)]
        site: SiteArg,
        /// Output folder (default: the site's `rendered_path`, next to the site file).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Print the time of each stage.
        #[arg(long)]
        timings: bool,
        /// Commit the output on the current branch (stages only the output folder).
        #[arg(long, conflicts_with = "branch")]
        commit: bool,
        /// Render onto this branch instead, without touching the worktree.
        #[arg(long, value_name = "NAME")]
        branch: Option<String>,
        /// Commit subject (default: one naming the site and the number of files).
        #[arg(short, long, value_name = "MSG")]
        message: Option<String>,
        /// With --commit, also stage the site file.
        #[arg(long, requires = "commit")]
        include_site: bool,
        /// With --commit or --branch, commit even when lint reports errors.
        #[arg(long)]
        allow_lint_errors: bool,
    },
    /// Scaffold a new site: site.toml, policies/, .pre-commit-config.yaml, .gitignore.
    Init {
        /// Folder to create the site in (default: the current one).
        dir: Option<PathBuf>,
    },
    /// Git hooks.
    Hook {
        #[command(subcommand)]
        action: HookAction,
    },
    /// Render and validate every object in memory; write nothing.
    Validate {
        #[command(flatten)]
        site: SiteArg,
        /// List the object kinds hearth can validate, and exit.
        #[arg(long)]
        list_kinds: bool,
        /// Print the time of each stage.
        #[arg(long)]
        timings: bool,
    },
    /// Render in memory and compare with the output folder: exit 1 if it is stale.
    Check {
        #[command(flatten)]
        site: SiteArg,
        /// Output folder (default: the site's `rendered_path`, next to the site file).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Skip lint (by default lint errors fail the check too).
        #[arg(long)]
        no_lint: bool,
    },
    /// Semantic diff of the rendered cluster between a Git ref and the worktree
    /// (or another ref): per object, secrets masked, with an intent summary.
    Diff {
        #[command(flatten)]
        site: SiteArg,
        /// The base: a branch, tag or commit.
        #[arg(long, value_name = "REF")]
        base: String,
        /// Compare with this ref instead of the worktree (default in a bare repository: HEAD).
        #[arg(long, value_name = "REF")]
        head: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: hearth::diff::Format,
        /// Exit 1 when anything changed.
        #[arg(long)]
        exit_code: bool,
    },
    /// Lint the site: recoverability, security and hygiene rules (exit 1 on findings).
    Lint {
        #[command(flatten)]
        site: SiteArg,
        #[arg(long, value_enum, default_value = "human")]
        format: hearth::lint::report::Format,
        /// Treat warnings as failures too.
        #[arg(long, value_name = "LEVEL", value_parser = ["warnings"])]
        deny: Option<String>,
        /// List every rule and exit.
        #[arg(long)]
        list_rules: bool,
    },
    /// Print how every volume and secret is recovered, and the restore order.
    Dr {
        #[command(flatten)]
        site: SiteArg,
    },
    /// Explain a lint rule: what it checks, why, and the fix.
    Explain {
        #[command(flatten)]
        site: SiteArg,
        /// A rule id (HL001), name (volume-unrecoverable) or policy id from `policies/`.
        rule: String,
    },
    /// Print the JSON Schema of site.toml (for editors: Taplo, Even Better TOML).
    Schema {
        /// Print the site.toml reference in Markdown instead.
        #[arg(long)]
        markdown: bool,
    },
}

fn report(errs: Errors, what: &str) -> ExitCode {
    let n = errs.0.len();
    for e in errs.0 {
        eprintln!("{:?}", miette::Report::new(e));
    }
    eprintln!(
        "error: {n} problem{} {what}; nothing was written",
        if n == 1 { "" } else { "s" }
    );
    ExitCode::from(2)
}

fn print_timings(t: &[(&str, std::time::Duration)]) {
    for (stage, d) in t {
        eprintln!("{stage:>10} {:>8.1} ms", d.as_secs_f64() * 1000.0);
    }
}

fn today() -> String {
    // HEARTH_TODAY pins the date exceptions expire against (reproducible CI).
    std::env::var("HEARTH_TODAY").unwrap_or_else(|_| hearth::lint::today_utc())
}

fn check(site: &std::path::Path, out: Option<PathBuf>, run_lint: bool) -> ExitCode {
    let schemas = Schemas::load();
    let built = match pipeline::build(site, &schemas) {
        Ok(b) => b,
        Err(e) => return report(e, &format!("in `{}`", site.display())),
    };
    let out = out.unwrap_or_else(|| pipeline::site_dir(site).join(&built.plan.site.rendered_path));
    let on_disk = match hearth::write::read_tree(&out) {
        Ok(t) => t,
        Err(e) => return report(Errors::from(e), "reading the output"),
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

fn diff(
    site: &std::path::Path,
    base: &str,
    head: Option<&str>,
    format: hearth::diff::Format,
    exit_code: bool,
) -> ExitCode {
    let schemas = Schemas::load();
    let repo = match hearth::git::open(site) {
        Ok(r) => r,
        Err(e) => return report(Errors::from(e), "opening the repository"),
    };
    let rel = match hearth::git::repo_relative(&repo, site) {
        Ok(r) => r,
        Err(e) => return report(Errors::from(e), "locating the site"),
    };
    let at = |rev: &str| -> Result<Option<pipeline::Built>, Errors> {
        match hearth::git::site_at(&repo, rev, &rel)? {
            None => Ok(None),
            Some(at) => {
                let policies = hearth::lint::policy::Policies::from_files(at.policies, &schemas)?;
                pipeline::build_from(at.loaded, &at.templates, policies, &schemas).map(Some)
            }
        }
    };
    let base_built = match at(base) {
        Ok(b) => b,
        Err(e) => return report(e, &format!("at base `{base}`")),
    };
    let head = head
        .map(str::to_string)
        .or_else(|| repo.is_bare().then(|| "HEAD".to_string()));
    let (head_built, head_name) = match &head {
        Some(h) => match at(h) {
            Ok(Some(b)) => (b, h.clone()),
            Ok(None) => {
                let e = hearth::diag::InputError::new(
                    "hearth::git",
                    format!("`{rel}` does not exist at `{h}`"),
                )
                .help("pass the site's path inside the repository with --site");
                return report(Errors::from(e), &format!("at `{h}`"));
            }
            Err(e) => return report(e, &format!("at `{h}`")),
        },
        None => match pipeline::build(site, &schemas) {
            Ok(b) => (b, "worktree".to_string()),
            Err(e) => return report(e, &format!("in `{}`", site.display())),
        },
    };
    let r = hearth::diff::diff(base_built.as_ref(), &head_built, base, &head_name, &today());
    put!("{}", hearth::diff::render(&r, format));
    if exit_code && !r.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `render --commit` / `render --branch`.
fn commit_output(
    site: &std::path::Path,
    out: &std::path::Path,
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
        Err(e) => report(Errors::from(e), "committing"),
    }
}

/// The policies beside a site (for `--list-rules` and `explain`, which need no render).
fn site_policies(site: &std::path::Path) -> Result<hearth::lint::policy::Policies, Errors> {
    hearth::lint::policy::Policies::load(
        &pipeline::site_dir(site).join("policies"),
        &Schemas::load(),
    )
}

fn lint(
    site: &std::path::Path,
    format: hearth::lint::report::Format,
    deny_warnings: bool,
) -> ExitCode {
    use hearth::lint::report::{self, Format};
    let schemas = Schemas::load();
    let built = match pipeline::build(site, &schemas) {
        Ok(b) => b,
        Err(e) => return report(e, &format!("in `{}`", site.display())),
    };
    let o = built.lint(&today());
    let src = &built.loaded.source;
    let dir = built.plan.site.rendered_path.clone();
    match format {
        Format::Human => eprint!("{}", report::human(&o, src)),
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

fn dr(site: &std::path::Path) -> ExitCode {
    let schemas = Schemas::load();
    let built = match pipeline::build(site, &schemas) {
        Ok(b) => b,
        Err(e) => return report(e, &format!("in `{}`", site.display())),
    };
    let c = hearth::dr::coverage(&built.plan, built.monitoring.as_ref());
    out!(
        "{:<34} {:<9} {:<7} {:<14} recovery",
        "volume",
        "kind",
        "size",
        "how"
    );
    for v in &c.volumes {
        let detail = match v.backups.first() {
            Some(b) => format!(
                "{} `{}` ({}{})",
                b.kind,
                b.name,
                b.schedule,
                b.target
                    .as_ref()
                    .map(|t| format!(" → {t}"))
                    .unwrap_or_default()
            ),
            None => v
                .reason
                .clone()
                .unwrap_or_else(|| "NOTHING: unrecoverable".into()),
        };
        out!(
            "{:<34} {:<9} {:<7} {:<14} {}",
            v.volume,
            v.kind,
            v.size.as_deref().unwrap_or(""),
            v.recovery,
            detail
        );
    }
    out!("");
    let exported = c.secrets.iter().filter(|s| s.exported).count();
    out!(
        "secrets: {exported} in the encrypted DR export, {} regenerable",
        c.secrets.len() - exported
    );
    for s in c.secrets.iter().filter(|s| !s.exported) {
        out!("  {}: {}", s.secret, s.regenerable.as_deref().unwrap_or(""));
    }
    out!("");
    out!("restore order (rendered/dr/RUNBOOK.md has the commands):");
    out!("  1. install ArgoCD, import its export   2. apply the sealed-secrets keys");
    for (w, names) in built.plan.waves() {
        out!("  wave {w}: {}", names.join(", "));
    }
    if c.volumes
        .iter()
        .any(|v| v.recovery == hearth::dr::Recovery::Unrecoverable)
    {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Lint {
            site,
            format,
            deny,
            list_rules,
        } => {
            if list_rules {
                let policies = match site_policies(&site.site) {
                    Ok(p) => p,
                    Err(e) => return report(e, "in `policies/`"),
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
                return ExitCode::SUCCESS;
            }
            lint(&site.site, format, deny.is_some())
        }
        Command::Dr { site } => dr(&site.site),
        Command::Explain { site, rule } => {
            let policies = match site_policies(&site.site) {
                Ok(p) => p,
                Err(e) => return report(e, "in `policies/`"),
            };
            match hearth::lint::find_rule(&rule, &policies) {
                Some(r) => {
                    put!("{}", hearth::lint::explain(r.rule()));
                    ExitCode::SUCCESS
                }
                None => {
                    let ids: Vec<&str> = hearth::lint::all_rules(&policies)
                        .iter()
                        .map(|r| r.id())
                        .collect();
                    let help = hearth::diag::closest(&rule, ids).map_or_else(
                        || "`hearth lint --list-rules` lists them".to_string(),
                        |c| format!("did you mean `{c}`?"),
                    );
                    let e =
                        hearth::diag::InputError::new("hearth::usage", format!("no rule `{rule}`"))
                            .help(help);
                    report(Errors::from(e), "")
                }
            }
        }
        Command::Check { site, out, no_lint } => check(&site.site, out, !no_lint),
        Command::Diff {
            site,
            base,
            head,
            format,
            exit_code,
        } => diff(&site.site, &base, head.as_deref(), format, exit_code),
        Command::Schema { markdown } => {
            if markdown {
                put!("{}", hearth::site::reference::markdown());
            } else {
                out!("{}", hearth::site::schema_json());
            }
            ExitCode::SUCCESS
        }
        Command::Validate {
            site,
            list_kinds,
            timings,
        } => {
            let schemas = Schemas::load();
            if list_kinds {
                for (api, kind) in schemas.kinds() {
                    out!("{api} {kind}");
                }
                return ExitCode::SUCCESS;
            }
            let start = Instant::now();
            match pipeline::build(&site.site, &schemas) {
                Ok(b) => {
                    if timings {
                        print_timings(&b.timings);
                    }
                    out!(
                        "{} objects valid ({} services) in {} ms",
                        b.rendered.objects.len(),
                        b.plan.services.len(),
                        start.elapsed().as_millis()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => report(e, &format!("in `{}`", site.site.display())),
            }
        }
        Command::Init { dir } => hearth::scaffold::init(&dir.unwrap_or_else(|| PathBuf::from(".")))
            .map_or_else(
                |e| report(Errors::from(e), "creating the site"),
                |msg| {
                    out!("{msg}");
                    ExitCode::SUCCESS
                },
            ),
        Command::Hook {
            action: HookAction::Install { site, force },
        } => hearth::scaffold::install_hook(&site.site, force).map_or_else(
            |e| report(Errors::from(e), "installing the hook"),
            |msg| {
                out!("{msg}");
                ExitCode::SUCCESS
            },
        ),
        Command::Render {
            site,
            out,
            timings,
            commit,
            branch,
            message,
            include_site,
            allow_lint_errors,
        } => {
            let start = Instant::now();
            let schemas = Schemas::load();
            let built = match pipeline::build(&site.site, &schemas) {
                Ok(b) => b,
                Err(e) => return report(e, &format!("in `{}`", site.site.display())),
            };
            // A commit is what ArgoCD deploys: lint errors stop it before
            // anything is written, unless the user says otherwise.
            if (commit || branch.is_some()) && !allow_lint_errors {
                let o = built.lint(&today());
                if o.errors() > 0 {
                    eprint!("{}", hearth::lint::report::human(&o, &built.loaded.source));
                    eprintln!(
                        "lint: {} error(s); nothing was written or committed (--allow-lint-errors commits anyway)",
                        o.errors()
                    );
                    return ExitCode::from(1);
                }
            }
            let out = out.unwrap_or_else(|| {
                pipeline::site_dir(&site.site).join(&built.plan.site.rendered_path)
            });
            if let Some(branch) = &branch {
                return commit_output(
                    &site.site,
                    &out,
                    &built,
                    Some(branch),
                    message.as_deref(),
                    false,
                );
            }
            let t = Instant::now();
            if let Err(e) = hearth::write::write(&out, &built.files) {
                return report(Errors::from(e), "writing the output");
            }
            if commit {
                return commit_output(
                    &site.site,
                    &out,
                    &built,
                    None,
                    message.as_deref(),
                    include_site,
                );
            }
            if timings {
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
    }
}

fn main() -> ExitCode {
    miette::set_hook(Box::new(|_| {
        Box::new(
            miette::MietteHandlerOpts::new()
                .width(110)
                .wrap_lines(false)
                .build(),
        )
    }))
    .ok();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    run(cli)
}
