//! The API server's own checks, over the rendered objects.
//!
//! A strict JSON Schema says which fields exist and their types; the API server
//! refuses much more than that: names in the wrong format, a volume mount naming
//! no volume, two ports with one name, requests above limits, a CronJob name the
//! controller cannot extend. ArgoCD would report those only at sync time, one
//! object at a time. This stage runs the same rules on every rendered object
//! (built-in or site-local template) after schema validation, and reports them
//! as input errors in site.toml's terms.
//!
//! Every rule names the upstream function it follows (Kubernetes 1.33, the
//! version k8s-openapi's `v1_33` feature describes: `pkg/apis/*/validation` of
//! kubernetes/kubernetes, `pkg/util/validation` and `pkg/api/validation` of
//! kubernetes/apimachinery). A few rules are hearth's own and say so: upstream
//! only warns, or the object is accepted but cannot work.
//!
//! Only rules a rendered object can break are here: nothing that needs a
//! defaulted field or the cluster's state. The one rule across objects is
//! ingress-nginx's host/path overlap (`overlap.rs`), which its admission
//! webhook enforces over every Ingress of the cluster.

pub mod names;
pub mod quantity;

/// Report what a format predicate says about a value, building the field path,
/// the shown value and the help only when there is something to report (the
/// common case, a valid value, allocates nothing).
macro_rules! check {
    ($s:expr, $rule:expr, $path:expr, $value:expr, $reasons:expr, $help:expr $(,)?) => {{
        let reasons: Vec<String> = $reasons;
        if !reasons.is_empty() {
            $s.format($rule, $path, $value, reasons, $help);
        }
    }};
}

mod affinity;
mod containers;
mod jobs;
mod meta;
mod netpol;
mod networking;
mod overlap;
mod pod;
mod rbac;
mod service;
mod workloads;

use std::ops::Range;

use serde_json::{Map, Value};

use crate::diag::{Code, Errors, InputError};
use crate::render::{Manifest, Object, Rendered};
use crate::site::Loaded;

/// The Kubernetes minor version whose rules apply when site.toml names none
/// (k8s-openapi's `v1_33`). `[site] kubernetes` picks another one of
/// `site::kube::SUPPORTED`; version-gated rules (the environment variable
/// name) read it from the `Sink`.
pub const KUBE_MINOR: u32 = crate::site::kube::DEFAULT_MINOR;

/// One refusal: where in the object, why, and what to change.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Field path, e.g. `spec.template.spec.containers[0].ports[1].name`.
    pub path: String,
    pub message: String,
    /// The refused value, when it is a string worth finding in site.toml.
    pub value: Option<String>,
    /// What to change, in site.toml's terms.
    pub help: String,
    /// The upstream rule (function) this follows.
    pub rule: &'static str,
}

impl Problem {
    /// A rule of hearth's for the objects it writes, about an object the
    /// cluster stores and runs as it is: a port name or number used by two
    /// containers of a pod (a named targetPort goes to the first container
    /// declaring it; a number twice is only a warning). Not held against a
    /// chart's objects: the site cannot rename a chart's ports, and the
    /// cluster takes them (MetalLB 0.14's speaker pod names two ports
    /// `monitoring`).
    pub fn site_style_only(&self) -> bool {
        [pod::ONE_PORT_NAME, pod::ONE_PORT_NUMBER].contains(&self.rule)
    }
}

/// Collects the problems of one object, checked against one minor version.
pub(crate) struct Sink {
    pub problems: Vec<Problem>,
    /// The Kubernetes minor version the site targets.
    pub minor: u32,
}

impl Sink {
    pub(crate) fn refuse(
        &mut self,
        rule: &'static str,
        path: impl Into<String>,
        value: Option<&str>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.problems.push(Problem {
            path: path.into(),
            message: message.into(),
            value: value.map(str::to_string),
            help: help.into(),
            rule,
        });
    }

    /// A string field the API server requires: its value, or a refusal
    /// (`message` at `path`) when it is missing or empty.
    pub(crate) fn required<'v>(
        &mut self,
        rule: &'static str,
        path: impl Into<String>,
        field: &'v Value,
        message: &str,
        help: &str,
    ) -> Option<&'v str> {
        let value = str_of(field).filter(|v| !v.is_empty());
        if value.is_none() {
            self.refuse(rule, path, None, message, help);
        }
        value
    }

    /// Report what a format predicate said about `value`, if anything.
    pub(crate) fn format(
        &mut self,
        rule: &'static str,
        path: impl Into<String>,
        value: &str,
        reasons: Vec<String>,
        help: impl Into<String>,
    ) {
        if !reasons.is_empty() {
            let message = format!("`{value}` {}", reasons.join("; "));
            self.refuse(rule, path, Some(value), message, help);
        }
    }
}

// Small readers over `serde_json::Value` (schema validation ran first, but a
// missing or oddly typed field must never panic here).
pub(crate) fn arr(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}
pub(crate) fn map(v: &Value) -> Option<&Map<String, Value>> {
    v.as_object()
}
pub(crate) fn str_of(v: &Value) -> Option<&str> {
    v.as_str()
}

/// Every problem of one object under the default version (pure; the
/// property test calls this).
pub fn check_object(v: &Value) -> Vec<Problem> {
    check_object_for(v, KUBE_MINOR)
}

/// Every problem of one object under the rules of Kubernetes 1.`minor`.
pub fn check_object_for(v: &Value, minor: u32) -> Vec<Problem> {
    let mut s = Sink {
        problems: Vec::new(),
        minor,
    };
    let kind = v["kind"].as_str().unwrap_or("");
    if kind.is_empty() || kind == "Kustomization" {
        return Vec::new();
    }
    meta::object_meta(&mut s, v, kind);
    containers::check(&mut s, v, kind);
    match kind {
        "Deployment" | "StatefulSet" | "DaemonSet" => workloads::apps(&mut s, v, kind),
        "CronJob" => jobs::cron_job(&mut s, v),
        "Job" => jobs::job_spec(&mut s, "spec", &v["spec"]),
        "Pod" => pod::pod_spec(&mut s, "spec", &v["spec"], pod::Restart::Any),
        "Service" => service::service(&mut s, v),
        "Ingress" => networking::ingress(&mut s, v),
        "NetworkPolicy" => netpol::network_policy(&mut s, v),
        "Role" | "ClusterRole" => rbac::role(&mut s, v, kind == "Role"),
        "RoleBinding" | "ClusterRoleBinding" => rbac::binding(&mut s, v, kind == "RoleBinding"),
        _ => {}
    }
    s.problems
}

/// Where an object's input is in site.toml: its service, and within it the
/// workload, ingress or volume of the same name when there is one.
struct Locator<'a> {
    loaded: &'a Loaded,
}

impl Locator<'_> {
    /// The service an object was rendered for (`apps/<service>/…`, or the
    /// Application `argocd/<service>.application.yaml`).
    fn service<'p>(&self, o: &'p Object) -> Option<&'p str> {
        if let Some(rest) = o.path.strip_prefix("apps/") {
            return rest.split('/').next();
        }
        o.path
            .strip_prefix("argocd/")
            .and_then(|f| f.strip_suffix(".application.yaml"))
    }

    fn span(&self, o: &Object, value: Option<&str>) -> Option<(Range<usize>, String)> {
        let svc_name = self.service(o)?;
        let (key, svc) = self
            .loaded
            .raw
            .services
            .iter()
            .find(|(k, _)| k.as_str() == svc_name)?;
        let name = o.name();
        let mut span = svc.span();
        let mut what = format!("service `{key}`");
        let body = svc.get_ref();
        // An Ingress is its site.toml ingress, even when a workload shares its name.
        let is_ingress = o.kind() == "Ingress";
        if let Some((k, w)) = body
            .workloads
            .iter()
            .find(|(k, _)| !is_ingress && k.as_str() == name)
        {
            span = w.span();
            what = format!("workload `{k}` of service `{key}`");
        } else if let Some((k, i)) = body.ingresses.iter().find(|(k, _)| k.as_str() == name) {
            span = i.span();
            what = format!("ingress `{k}` of service `{key}`");
        } else if let Some((k, v)) = body
            .volumes
            .iter()
            .filter(|_| matches!(o.kind(), "PersistentVolumeClaim" | "PersistentVolume"))
            .find(|(k, _)| name.ends_with(k.as_str()))
        {
            span = v.span();
            what = format!("volume `{k}` of service `{key}`");
        } else if let Some((k, sec)) = body.secrets.iter().find(|(k, _)| k.as_str() == name) {
            span = sec.span();
            what = format!("secret `{k}` of service `{key}`");
        } else if let Some((k, b)) = self
            .loaded
            .raw
            .backups
            .iter()
            .find(|(k, _)| k.as_str() == name)
        {
            span = b.span();
            what = format!("backup `{k}`");
        }
        // Narrow to the refused value when site.toml spells it inside that
        // entry (a table's span is its header: its body and sub-tables follow).
        let text: &str = &self.loaded.source.text;
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            let region = entry_region(text, span.clone());
            // Pod volumes are named `vol-<volume>` after site.toml's volume.
            for v in [Some(v), v.strip_prefix("vol-")].into_iter().flatten() {
                if let Some(at) = find_token(&text[region.clone()], v) {
                    let start = region.start + at;
                    return Some((start..start + v.len(), what));
                }
            }
        }
        Some((span, what))
    }
}

/// The text of a site.toml entry: an inline value's own span, or a table's
/// header, body and sub-tables (up to the next header outside it).
fn entry_region(text: &str, span: Range<usize>) -> Range<usize> {
    let head = text.get(span.clone()).unwrap_or("");
    let Some(prefix) = head
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .filter(|h| !h.starts_with('['))
    else {
        return span;
    };
    let mut end = span.end;
    for line in text[span.end..].split_inclusive('\n') {
        let t = line.trim_start();
        if t.starts_with('[') {
            let inner = t.trim_start_matches('[');
            if !(inner.starts_with(prefix) && inner[prefix.len()..].starts_with(['.', ']'])) {
                break;
            }
        }
        end += line.len();
    }
    span.start..end
}

/// The first occurrence of `v` in `hay` not inside a longer word.
fn find_token(hay: &str, v: &str) -> Option<usize> {
    let word = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_');
    hay.match_indices(v).map(|(i, _)| i).find(|&i| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + v.len()..].chars().next();
        !before.is_some_and(word) && !after.is_some_and(word)
    })
}

/// Run every rule on every object; collect every problem.
pub fn check(rendered: &Rendered, loaded: &Loaded) -> Result<usize, Errors> {
    let locator = Locator { loaded };
    let minor = crate::site::kube::minor(&loaded.raw.site);
    let mut errs = Errors::default();
    for o in &rendered.objects {
        let problems = check_object_for(&o.value, minor);
        if problems.is_empty() {
            continue;
        }
        let origin = if o.site_local {
            format!("site-local template `templates/{}`", o.template)
        } else {
            format!("built-in template `{}`", o.template)
        };
        for p in problems {
            // hearth's own rules: accepted by the API server, broken in the cluster.
            let verdict = if p.rule.starts_with("hearth") {
                "the cluster would accept but not run"
            } else {
                "the API server would refuse"
            };
            let message = format!(
                "{verdict} {} `{}` in `{}` (from {origin}): at `{}`: {} [{}]",
                o.kind(),
                o.name(),
                o.path,
                p.path,
                p.message,
                p.rule
            );
            let mut e = InputError::new(Code::Apiserver, message);
            let help = if o.site_local {
                format!(
                    "{}; or fix the site-local template `templates/{}`",
                    p.help, o.template
                )
            } else {
                p.help.clone()
            };
            e = e.help(help);
            if let Some((span, what)) = locator.span(o, p.value.as_deref()) {
                e = e
                    .in_file(&loaded.source)
                    .label(span, format!("{what} renders this"));
            }
            errs.push(e);
        }
    }
    overlap::check(rendered, &locator, &mut errs);
    errs.into_result(rendered.objects.len())
}

#[cfg(test)]
mod tests;
