//! `hearth init`: scaffold a new site.

use std::path::Path;
use std::process::ExitCode;

use hearth::diag::Errors;

use super::{Closing, report};

pub fn init(dir: &Path) -> ExitCode {
    match hearth::scaffold::init(dir) {
        Ok(msg) => {
            out!("{msg}");
            ExitCode::SUCCESS
        }
        Err(e) => report(
            Errors::from(e),
            "creating the site",
            Closing::NothingWritten,
        ),
    }
}
