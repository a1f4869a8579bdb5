//! Lint reporters, one file per format: human (miette, pointing into
//! site.toml), JSON, SARIF 2.1.0 (GitHub code scanning) and GitHub workflow
//! annotations. The machine formats are built from typed structs.

mod github;
mod human;
mod json;
mod sarif;

pub use github::github;
pub use human::human;
pub use json::json_report;
pub use sarif::sarif;

use super::Finding;
use crate::diag::SourceFile;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

/// (file, line, column) of a finding: its place in site.toml, else the first
/// line of the rendered file it is about.
fn place(f: &Finding, src: &SourceFile, rendered_dir: &str) -> (String, usize, usize) {
    match (&f.span, &f.file) {
        (Some(span), _) => {
            let (l, c) = src.line_col(span.start);
            (src.name.clone(), l, c)
        }
        (None, Some(file)) => (format!("{rendered_dir}/{file}"), 1, 1),
        (None, None) => (src.name.clone(), 1, 1),
    }
}
