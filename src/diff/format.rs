//! The three shapes of a diff report: text for a terminal, Markdown for a
//! pull-request comment (summary table first, one collapsible block per object),
//! JSON for tools.

use std::fmt::Write;

use serde_json::Value;

use super::{ChangeKind, ObjectDiff, Report};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Markdown,
    Json,
}

fn short(v: &Option<Value>) -> String {
    match v {
        None => "(none)".into(),
        Some(Value::String(s)) if s.len() <= 80 && !s.contains('\n') => format!("{s:?}"),
        Some(Value::String(s)) => format!(
            "({} characters, {} lines)",
            s.chars().count(),
            s.lines().count()
        ),
        Some(other) => {
            let t = other.to_string();
            if t.len() > 80 {
                format!("{}…", t.chars().take(77).collect::<String>())
            } else {
                t
            }
        }
    }
}

fn sign(c: ChangeKind) -> &'static str {
    match c {
        ChangeKind::Added => "+",
        ChangeKind::Removed => "-",
        ChangeKind::Changed => "~",
    }
}

/// Intent lines, most important first.
fn intent_lines(r: &Report) -> Vec<String> {
    let i = &r.intent;
    let mut out = Vec::new();
    out.extend(
        i.new_findings
            .iter()
            .map(|x| format!("⚠ new lint finding {x}")),
    );
    out.extend(
        i.ingresses_now_public
            .iter()
            .map(|x| format!("⚠ ingress {x} is now reachable without authentication")),
    );
    out.extend(
        i.ingress_access_changed
            .iter()
            .map(|(x, was, now)| format!("ingress {x} access: {was} → {now}")),
    );
    out.extend(
        i.ports_now_on_lan
            .iter()
            .map(|(p, at)| format!("⚠ port {p} is now reachable on the LAN at {at}")),
    );
    out.extend(
        i.namespaces_opened
            .iter()
            .map(|x| format!("⚠ namespace {x} is no longer default-deny")),
    );
    out.extend(
        i.namespaces_isolated
            .iter()
            .map(|x| format!("namespace {x} is now default-deny")),
    );
    out.extend(
        i.allows_added
            .iter()
            .map(|x| format!("network policy {x} (allowed)")),
    );
    out.extend(
        i.allows_removed
            .iter()
            .map(|x| format!("network policy {x} (no longer allowed)")),
    );
    out.extend(
        i.volumes_lost_backup
            .iter()
            .map(|x| format!("⚠ volume {x} lost its backup")),
    );
    out.extend(i.volumes_resize_refused.iter().map(|(v, a, b, why)| {
        format!(
            "⚠ volume {v}: {a} → {b} is refused by the API server ({why}); ArgoCD's sync would fail"
        )
    }));
    out.extend(
        i.secrets_left_export
            .iter()
            .map(|x| format!("⚠ secret {x} left the DR export")),
    );
    out.extend(
        i.services_added
            .iter()
            .map(|x| format!("service {x} added")),
    );
    out.extend(
        i.services_removed
            .iter()
            .map(|x| format!("service {x} removed")),
    );
    out.extend(
        i.images_changed
            .iter()
            .map(|(w, a, b)| format!("image of {w}: {a} → {b}")),
    );
    out.extend(i.charts.iter().map(super::ChartChange::line));
    out.extend(
        i.volumes_gained_backup
            .iter()
            .map(|x| format!("volume {x} gained a backup")),
    );
    out
}

fn summary(r: &Report) -> String {
    format!(
        "{} added, {} removed, {} changed",
        r.count(ChangeKind::Added),
        r.count(ChangeKind::Removed),
        r.count(ChangeKind::Changed)
    )
}

pub fn render(r: &Report, format: Format) -> String {
    match format {
        Format::Json => serde_json::to_string_pretty(r).expect("reports serialise") + "\n",
        Format::Text => text(r),
        Format::Markdown => markdown(r),
    }
}

fn text(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "hearth diff {}..{}: {}", r.base, r.head, summary(r));
    if r.is_empty() {
        let _ = writeln!(s, "no change to any object");
        return s;
    }
    let lines = intent_lines(r);
    if !lines.is_empty() {
        let _ = writeln!(s, "\nWhat this change does:");
        for l in lines {
            let _ = writeln!(s, "  {l}");
        }
    }
    let _ = writeln!(s, "\nObjects:");
    for o in &r.objects {
        let _ = writeln!(s, "  {} {}  ({})", sign(o.change), o.key, whence(o));
        for f in &o.fields {
            let _ = writeln!(s, "      {}: {} → {}", f.path, short(&f.old), short(&f.new));
        }
    }
    let _ = writeln!(s);
    for o in &r.objects {
        s.push_str(&o.unified);
    }
    s
}

fn markdown(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "### hearth diff `{}`..`{}`\n", r.base, r.head);
    let _ = writeln!(
        s,
        "| added | removed | changed |\n|---:|---:|---:|\n| {} | {} | {} |\n",
        r.count(ChangeKind::Added),
        r.count(ChangeKind::Removed),
        r.count(ChangeKind::Changed)
    );
    if r.is_empty() {
        let _ = writeln!(s, "No change to any object.");
        return s;
    }
    let lines = intent_lines(r);
    if !lines.is_empty() {
        let _ = writeln!(s, "**What this change does**\n");
        for l in lines {
            let _ = writeln!(s, "- {l}");
        }
        s.push('\n');
    }
    for o in &r.objects {
        let _ = writeln!(
            s,
            "<details><summary><code>{}</code> {} <code>{}</code></summary>\n",
            sign(o.change),
            html(&o.key.to_string()),
            html(&whence(o))
        );
        if !o.fields.is_empty() {
            let _ = writeln!(s, "| field | before | after |\n|---|---|---|");
            for f in &o.fields {
                let _ = writeln!(
                    s,
                    "| `{}` | {} | {} |",
                    f.path.replace('|', "\\|"),
                    cell(&f.old),
                    cell(&f.new)
                );
            }
            s.push('\n');
        }
        let fence = if o.unified.contains("```") {
            "````"
        } else {
            "```"
        };
        let _ = writeln!(s, "{fence}diff\n{}{fence}\n\n</details>\n", o.unified);
    }
    s
}

/// Where an object is: its file, and for a chart's object the chart, its
/// version and the template that printed it.
fn whence(o: &ObjectDiff) -> String {
    match &o.chart {
        None => o.file.clone(),
        Some(c) => format!(
            "{}, chart {} {}: {}",
            o.file, c.chart, c.version, c.template
        ),
    }
}

fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn cell(v: &Option<Value>) -> String {
    format!("`{}`", short(v).replace('|', "\\|").replace('`', "'"))
}
