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
        // Every backup, not only the first: lint's HL002 asks to keep one,
        // and until then the table says what exists.
        let each: Vec<String> = v
            .backups
            .iter()
            .map(|b| {
                format!(
                    "{} `{}` ({}{})",
                    b.kind,
                    b.name,
                    b.schedule,
                    b.target
                        .as_ref()
                        .map(|t| format!(" → {t}"))
                        .unwrap_or_default()
                )
            })
            .collect();
        let detail = match each.is_empty() {
            false => each.join(", "),
            true => v
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
    databases(&built.plan);
    out!("");
    let exported = c.secrets.iter().filter(|s| s.exported).count();
    let unsealed = c
        .secrets
        .iter()
        .filter(|s| !s.placeholders.is_empty())
        .count();
    out!(
        "secrets: {exported} in the encrypted DR export, {} regenerable, {unsealed} not sealed yet",
        c.secrets.len() - exported - unsealed
    );
    for s in c.secrets.iter().filter(|s| s.placeholders.is_empty()) {
        if let Some(why) = s.regenerable.as_deref() {
            out!("  {}: {why}", s.secret);
        }
    }
    let report = hearth::dr::placeholder_report(&built.plan);
    if !report.is_empty() {
        out!("");
        put!("{report}");
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

/// Each dumped database: its engine, the backup, and the command that loads
/// the newest dump into its server's workload.
fn databases(plan: &hearth::plan::Plan) {
    let dumps = hearth::dr::dump_restores(plan);
    if dumps.is_empty() {
        return;
    }
    out!("");
    out!(
        "{:<34} {:<9} {:<20} restore (run in the server's pod, dump on stdin)",
        "database",
        "engine",
        "dump"
    );
    for b in &dumps {
        if let Some(g) = &b.globals {
            out!(
                "{:<34} {:<9} {:<20} kubectl exec -i -n {} {} -- {}",
                "(roles, first)",
                b.engine,
                b.backup,
                g.namespace,
                g.server_ref,
                g.restore
            );
        }
        for d in &b.databases {
            if d.file.is_some() {
                out!(
                    "{:<34} {:<9} {:<20} with {} scaled to 0, in a pod mounting its volume: {}",
                    d.database,
                    b.engine,
                    b.backup,
                    d.server_ref,
                    d.restore
                );
                continue;
            }
            out!(
                "{:<34} {:<9} {:<20} kubectl exec -i -n {} {} -- {}",
                d.database,
                b.engine,
                b.backup,
                d.namespace,
                d.server_ref,
                d.restore
            );
        }
    }
}
