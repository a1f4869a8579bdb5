//! HL902: an exception that excuses nothing. Reported by the driver
//! (`lint::lint`), which knows which exceptions were used.

use super::Builtin;
use crate::diag::Severity;

pub static RULE: Builtin = Builtin {
    name: "exception-unused",
    severity: Severity::Warning,
    summary: "A lint exception excuses nothing.",
    why: "Stale exceptions accumulate and would silently excuse a future finding.",
    example: r#"[services.app.workloads.web]
image = "nginx:1.27.0"   # pinned since, so HL103 no longer fires
allow = [{ rule = "HL103", reason = "upstream had no tags" }]
"#,
    fix: "Remove the exception.",
    check: None,
};
