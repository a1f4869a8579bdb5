//! HL901: an exception past its `until` date. Reported by the driver
//! (`lint::lint`), which applies the exceptions.
//!
//! ## What it does
//! A lint exception is past its `until` date.
//!
//! ## Why
//! Exceptions are temporary by design; an expired one hides a finding nobody
//! re-examined.
//!
//! ## Example
//! ```toml
//! [services.app.workloads.web]
//! allow = [{ rule = "HL202", reason = "no endpoint yet", until = "2026-01-31" }]
//! ```
//!
//! ## Fix
//! Fix the finding and remove the exception, or extend `until` with a new
//! reason.

use super::Check;

pub(super) const CHECK: Option<Check> = None;
