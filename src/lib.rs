//! hearth: one typed `site.toml` for a home Kubernetes cluster, rendered into
//! ArgoCD-ready manifests, validated, and written deterministically.
//!
//! Flow, one direction: `site::load` → `plan::plan` → `render::render` →
//! `validate::validate` → `write::write`.

pub mod diag;
pub mod pipeline;
pub mod plan;
pub mod render;
pub mod site;
pub mod validate;
pub mod write;
