//! HL903: an exception naming a rule that does not exist. Reported by the
//! driver (`lint::lint`), which knows the policies of the run.

use super::Builtin;
use crate::diag::Severity;

pub static RULE: Builtin = Builtin {
    name: "exception-unknown-rule",
    severity: Severity::Error,
    summary: "A lint exception names a rule that does not exist.",
    why: "A typo in a rule id excuses nothing and hides that fact.",
    example: r#"[services.app.workloads.web]
allow = [{ rule = "HL999", reason = "typo of HL099" }]
"#,
    fix: "Use an id from `hearth lint --list-rules`.",
    check: None,
};
