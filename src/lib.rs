//! hearth: one typed `site.toml` for a home Kubernetes cluster, rendered into
//! ArgoCD-ready manifests, validated, and written deterministically.
//!
//! Flow, one direction: `site::load` → `plan::plan` → `render::render` →
//! `validate::validate` → `write::write`.

// Input errors carry their source text for diagnostics; they are built once per
// run on the error path, so their size does not matter.
#![allow(clippy::result_large_err)]

pub mod charts;
pub mod diag;
pub mod diff;
pub mod dr;
pub mod git;
pub mod lint;
pub mod monitoring;
pub mod pipeline;
pub mod plan;
pub mod render;
pub mod scaffold;
pub mod seal;
pub mod site;
pub mod validate;
pub mod write;
