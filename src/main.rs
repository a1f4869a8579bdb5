//! The `hearth` command line: a thin dispatcher over `cli/`, one file per
//! subcommand. `main` returns an exit code: 0 ok, 1 findings, 2 bad input or
//! usage. Diagnostics go to stderr through miette.

// Input errors carry their source text; they are built once, on the error path.
#![allow(clippy::result_large_err)]

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

mod cli;

use std::process::ExitCode;

use clap::Parser;

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
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    cli::run(cli)
}
