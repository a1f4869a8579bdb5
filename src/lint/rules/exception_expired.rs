//! HL901: an exception past its `until` date. Reported by the driver
//! (`lint::lint`), which applies the exceptions.

use super::Builtin;
use crate::diag::Severity;

pub static RULE: Builtin = Builtin {
    name: "exception-expired",
    severity: Severity::Error,
    summary: "A lint exception is past its `until` date.",
    why: "Exceptions are temporary by design; an expired one hides a finding nobody re-examined.",
    example: r#"[services.app.workloads.web]
allow = [{ rule = "HL202", reason = "no endpoint yet", until = "2026-01-31" }]
"#,
    fix: "Fix the finding and remove the exception, or extend `until` with a new reason.",
    check: None,
};
