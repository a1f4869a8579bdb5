//! The subcommands, one file each; this module holds the command line's shape,
//! the dispatcher and what every command shares (reports, timings, the date).

mod charts;
mod check;
mod diff;
mod dr;
mod explain;
mod hook;
mod init;
mod lint;
mod render;
mod schema;
mod seal;
mod validate;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use hearth::diag::Errors;
use hearth::pipeline;
use hearth::validate::Schemas;

const EXAMPLES: &str = "Examples:
  hearth render                      render ./site.toml into the folder it names (rendered/)
  hearth render --site lab/site.toml --out /tmp/out
  hearth validate                    render and validate in memory, write nothing
  hearth validate --charts           ... and every chart, rendered by Helm from charts/
  hearth charts pull                 fetch each chart at its pinned version into charts/
  hearth render --charts             ... and write each chart's objects into rendered-charts/
  hearth check                       is rendered/ up to date? (pre-commit)
  hearth diff --base origin/main     what this branch changes, per object
  hearth diff --base main --format markdown > comment.md
  hearth diff --base main --charts   ... with every chart's objects on both sides
  hearth schema > schema/site.schema.json
  hearth seal --cert sealed-secrets.pem  seal every placeholder (asks on the terminal, no echo)
  hearth seal --check                    list the keys still unsealed (exit 1 if any)

Exit codes: 0 ok, 1 findings, 2 bad input or usage.";

#[derive(Parser)]
#[command(name = "hearth", version, about = "One typed site.toml for a home Kubernetes cluster: render, validate, keep in Git.", after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Args)]
pub struct SiteArg {
    /// The site file.
    #[arg(long, default_value = "site.toml", value_name = "PATH")]
    pub site: PathBuf,
}

#[derive(Subcommand)]
pub enum HookAction {
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
pub enum Command {
    /// Render the site into its output folder (atomically; nothing is written on error).
    Render(render::Args),
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
        /// Also render every chart Application with Helm's engine from the
        /// chart cache (`charts/`) and validate what it prints.
        #[arg(long)]
        charts: bool,
    },
    /// The chart cache next to the site (`charts/` and `charts/charts.lock`).
    Charts {
        #[command(subcommand)]
        action: charts::Action,
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
        /// Also compare the objects every chart renders on both sides (Helm's
        /// engine, charts from the cache `charts/`: `hearth charts pull --ref
        /// <base>` fetches the base's versions).
        #[arg(long)]
        charts: bool,
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
    /// Explain a lint rule (what it checks, why, the fix) or an input-error code.
    Explain {
        #[command(flatten)]
        site: SiteArg,
        /// A rule id (HL001), name (volume-unrecoverable), policy id from
        /// `policies/`, or an input-error code (`hearth::dangling`).
        #[arg(required_unless_present = "codes")]
        rule: Option<String>,
        /// List every input-error code and exit.
        #[arg(long)]
        codes: bool,
    },
    /// Seal secret values into site.toml offline with the controller's certificate
    /// (kubeseal's format, strict scope); `--check` lists the keys still unsealed.
    Seal(seal::Args),
    /// Print the JSON Schema of site.toml (for editors: Taplo, Even Better TOML).
    Schema {
        /// Print the site.toml reference in Markdown instead.
        #[arg(long)]
        markdown: bool,
    },
}

/// How a failed command closes its report: commands that write say that
/// nothing was (render, init, hook); the others only count the problems.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Closing {
    NothingWritten,
    Count,
}

/// Print every diagnostic with miette and a closing line; exit 2.
pub fn report(errs: Errors, what: &str, closing: Closing) -> ExitCode {
    let n = errs.0.len();
    for e in errs.0 {
        eprintln!("{:?}", miette::Report::new(e));
    }
    let what = if what.is_empty() {
        String::new()
    } else {
        format!(" {what}")
    };
    let tail = match closing {
        Closing::NothingWritten => "; nothing was written",
        Closing::Count => "",
    };
    eprintln!(
        "error: {n} problem{}{what}{tail}",
        if n == 1 { "" } else { "s" }
    );
    ExitCode::from(2)
}

pub fn print_timings(t: &[(&str, std::time::Duration)]) {
    for (stage, d) in t {
        eprintln!("{stage:>10} {:>8.1} ms", d.as_secs_f64() * 1000.0);
    }
}

pub fn today() -> String {
    // HEARTH_TODAY pins the date exceptions expire against (reproducible CI).
    std::env::var("HEARTH_TODAY").unwrap_or_else(|_| hearth::lint::today_utc())
}

/// Run every stage on the site, or report why not.
pub fn build(
    site: &Path,
    schemas: &Schemas,
    closing: Closing,
) -> Result<pipeline::Built, ExitCode> {
    pipeline::build(site, schemas)
        .map_err(|e| report(e, &format!("in `{}`", site.display()), closing))
}

/// The policies beside a site (for `--list-rules` and `explain`, which need no render).
pub fn site_policies(site: &Path) -> Result<hearth::lint::policy::Policies, Errors> {
    hearth::lint::policy::Policies::load(
        &pipeline::site_dir(site).join("policies"),
        &Schemas::load(),
    )
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Render(args) => render::render(&args),
        Command::Init { dir } => init::init(&dir.unwrap_or_else(|| PathBuf::from("."))),
        Command::Hook {
            action: HookAction::Install { site, force },
        } => hook::install(&site.site, force),
        Command::Validate {
            site,
            list_kinds,
            timings,
            charts,
        } => validate::validate(&site.site, list_kinds, timings, charts),
        Command::Charts { action } => charts::run(action),
        Command::Check { site, out, no_lint } => check::check(&site.site, out, !no_lint),
        Command::Diff {
            site,
            base,
            head,
            format,
            exit_code,
            charts,
        } => diff::diff(
            &site.site,
            &base,
            head.as_deref(),
            format,
            diff::Flags { exit_code, charts },
        ),
        Command::Lint {
            site,
            format,
            deny,
            list_rules,
        } => {
            if list_rules {
                lint::list_rules(&site.site)
            } else {
                lint::lint(&site.site, format, deny.is_some())
            }
        }
        Command::Dr { site } => dr::dr(&site.site),
        Command::Explain { site, rule, codes } => {
            if codes {
                explain::list_codes()
            } else {
                explain::explain(&site.site, rule.as_deref().unwrap_or_default())
            }
        }
        Command::Schema { markdown } => schema::schema(markdown),
        Command::Seal(args) => seal::seal(&args),
    }
}
