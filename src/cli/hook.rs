//! `hearth hook install`: the plain Git pre-commit hook.

use std::path::Path;
use std::process::ExitCode;

use hearth::diag::Errors;

use super::{Closing, report};

pub fn install(site: &Path, force: bool) -> ExitCode {
    match hearth::scaffold::install_hook(site, force) {
        Ok(msg) => {
            out!("{msg}");
            ExitCode::SUCCESS
        }
        Err(e) => report(
            Errors::from(e),
            "installing the hook",
            Closing::NothingWritten,
        ),
    }
}
