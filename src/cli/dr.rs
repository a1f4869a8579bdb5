//! `hearth dr`: how every volume and secret comes back, and the restore order.

use std::path::Path;
use std::process::ExitCode;

use hearth::validate::Schemas;

use super::{Closing, build};

pub fn dr(site: &Path) -> ExitCode {
    let schemas = Schemas::load();
    let built = match build(site, &schemas, Closing::Count) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let c = hearth::dr::coverage(&built.plan, built.monitoring.as_ref());
    out!(
        "{:<34} {:<9} {:<7} {:<14} recovery",
        "volume",
        "kind",
        "size",
        "how"
    );
    for v in &c.volumes {
        let detail = match v.backups.first() {
            Some(b) => format!(
                "{} `{}` ({}{})",
                b.kind,
                b.name,
                b.schedule,
                b.target
                    .as_ref()
                    .map(|t| format!(" → {t}"))
                    .unwrap_or_default()
            ),
            None => v
                .reason
                .clone()
                .unwrap_or_else(|| "NOTHING: unrecoverable".into()),
        };
        out!(
            "{:<34} {:<9} {:<7} {:<14} {}",
            v.volume,
            v.kind,
            v.size.as_deref().unwrap_or(""),
            v.recovery,
            detail
        );
    }
    out!("");
    let exported = c.secrets.iter().filter(|s| s.exported).count();
    out!(
        "secrets: {exported} in the encrypted DR export, {} regenerable",
        c.secrets.len() - exported
    );
    for s in c.secrets.iter().filter(|s| !s.exported) {
        out!("  {}: {}", s.secret, s.regenerable.as_deref().unwrap_or(""));
    }
    out!("");
    out!("restore order (rendered/dr/RUNBOOK.md has the commands):");
    out!("  1. install ArgoCD, import its export   2. apply the sealed-secrets keys");
    for (w, names) in built.plan.waves() {
        out!("  wave {w}: {}", names.join(", "));
    }
    if c.volumes
        .iter()
        .any(|v| v.recovery == hearth::dr::Recovery::Unrecoverable)
    {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
