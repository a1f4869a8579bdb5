//! HL903: an exception naming a rule that does not exist. Reported by the
//! driver (`lint::lint`), which knows the policies of the run.
//!
//! ## What it does
//! A lint exception names a rule that does not exist.
//!
//! ## Why
//! A typo in a rule id excuses nothing and hides that fact.
//!
//! ## Example
//! ```toml
//! [services.app.workloads.web]
//! allow = [{ rule = "HL999", reason = "typo of HL099" }]
//! ```
//!
//! ## Fix
//! Use an id from `hearth lint --list-rules`.

use super::Check;

pub(super) const CHECK: Option<Check> = None;
