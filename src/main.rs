//! The `hearth` command line. `main` returns an exit code: 0 ok, 1 findings,
//! 2 bad input or usage. Diagnostics go to stderr through miette.

use std::path::PathBuf;
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

fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Schema { markdown } => {
            if markdown {
                print!("{}", hearth::site::reference::markdown());
            } else {
                println!("{}", hearth::site::schema_json());
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
                    println!("{api} {kind}");
                }
                return ExitCode::SUCCESS;
            }
            let start = Instant::now();
            match pipeline::build(&site.site, &schemas) {
                Ok(b) => {
                    if timings {
                        print_timings(&b.timings);
                    }
                    println!(
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
        Command::Render { site, out, timings } => {
            let start = Instant::now();
            let schemas = Schemas::load();
            let built = match pipeline::build(&site.site, &schemas) {
                Ok(b) => b,
                Err(e) => return report(e, &format!("in `{}`", site.site.display())),
            };
            let out = out.unwrap_or_else(|| {
                pipeline::site_dir(&site.site).join(&built.plan.site.rendered_path)
            });
            let t = Instant::now();
            if let Err(e) = hearth::write::write(&out, &built.files) {
                return report(Errors::from(e), "writing the output");
            }
            if timings {
                let mut all = built.timings.clone();
                all.push(("write", t.elapsed()));
                print_timings(&all);
            }
            println!(
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
