//! HL902: an exception that excuses nothing. Reported by the driver
//! (`lint::lint`), which knows which exceptions were used.
//!
//! ## What it does
//! A lint exception excuses nothing.
//!
//! ## Why
//! Stale exceptions accumulate and would silently excuse a future finding.
//!
//! ## Example
//! ```toml
//! [services.app.workloads.web]
//! image = "nginx:1.27.0"   # pinned since, so HL103 no longer fires
//! allow = [{ rule = "HL103", reason = "upstream had no tags" }]
//! ```
//!
//! ## Fix
//! Remove the exception.

use super::Check;

pub(super) const CHECK: Option<Check> = None;
