//! Lint: rules over the plan (and, for what only exists there, the rendered
//! objects as data; never YAML text). Every finding has a rule from the
//! registry, a message and the place in site.toml it comes from. Exceptions
//! written next to an object excuse a rule for it, with a reason and an
//! optional expiry; expired, unused or misspelt exceptions are findings too.

pub mod entropy;
pub mod registry;
pub mod report;

use std::collections::BTreeSet;
use std::ops::Range;

use serde_json::Value;

pub use registry::{RULES, Rule, Severity};

use crate::diag::SourceFile;
use crate::monitoring::Monitoring;
use crate::plan::{
    BackupKind, Capability, Exception, Origin, Plan, Service, VolumeKind, WorkloadKind,
};
use crate::policy::{Policies, Policy};
use crate::render::Rendered;

/// A rule a finding breaks: built in, or a user policy from `policies/`.
#[derive(Debug, Clone, Copy)]
pub enum RuleRef<'a> {
    Builtin(&'static Rule),
    Policy(&'a Policy),
}

impl<'a> RuleRef<'a> {
    pub fn id(&self) -> &'a str {
        match self {
            RuleRef::Builtin(r) => r.id,
            RuleRef::Policy(p) => &p.id,
        }
    }
    /// The kebab-case name (a policy's id is its name).
    pub fn name(&self) -> &'a str {
        match self {
            RuleRef::Builtin(r) => r.name,
            RuleRef::Policy(p) => &p.id,
        }
    }
    pub fn severity(&self) -> Severity {
        match self {
            RuleRef::Builtin(r) => r.severity,
            RuleRef::Policy(p) => p.severity,
        }
    }
    pub fn summary(&self) -> &'a str {
        match self {
            RuleRef::Builtin(r) => r.summary,
            RuleRef::Policy(p) => &p.message,
        }
    }
    pub fn why(&self) -> &'a str {
        match self {
            RuleRef::Builtin(r) => r.why,
            RuleRef::Policy(p) => &p.why,
        }
    }
    pub fn fix(&self) -> &'a str {
        match self {
            RuleRef::Builtin(r) => r.fix,
            RuleRef::Policy(p) => &p.fix,
        }
    }
}

impl RuleRef<'_> {
    /// `hearth explain`.
    pub fn explain(&self) -> String {
        let origin = match self {
            RuleRef::Builtin(_) => String::new(),
            RuleRef::Policy(p) => format!("\n\nDefined in `{}`.", p.file),
        };
        let severity = format!("{:?}", self.severity()).to_lowercase();
        let title = match self {
            RuleRef::Builtin(r) => format!("{} {} ({severity})", r.id, r.name),
            RuleRef::Policy(p) => format!("{} (policy, {severity})", p.id),
        };
        format!(
            "{title}\n\n{}\n\nWhy: {}\n\nFix: {}{origin}\n",
            self.summary(),
            self.why(),
            self.fix()
        )
    }
}

/// Every rule a lint of this site can report: the built-in ones, then the policies.
pub fn all_rules(policies: &Policies) -> Vec<RuleRef<'_>> {
    RULES
        .iter()
        .map(RuleRef::Builtin)
        .chain(policies.0.iter().map(RuleRef::Policy))
        .collect()
}

/// A rule by id (case-insensitive), built in or policy.
pub fn find_rule<'a>(id: &str, policies: &'a Policies) -> Option<RuleRef<'a>> {
    registry::rule(id)
        .map(RuleRef::Builtin)
        .or_else(|| policies.get(id).map(RuleRef::Policy))
}

#[derive(Debug, Clone)]
pub struct Finding<'a> {
    pub rule: RuleRef<'a>,
    pub message: String,
    /// Where in site.toml, when the finding comes from the site.
    pub span: Option<Range<usize>>,
    /// The rendered file, when it comes from a rendered object only.
    pub file: Option<String>,
}

#[derive(Debug, Default)]
pub struct Outcome<'a> {
    pub findings: Vec<Finding<'a>>,
    /// Findings excused by an exception.
    pub excused: usize,
}

impl Outcome<'_> {
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.rule.severity() == Severity::Error)
            .count()
    }
    pub fn warnings(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.rule.severity() == Severity::Warning)
            .count()
    }
}

/// A finding before exceptions are applied.
struct Candidate<'p> {
    rule: RuleRef<'p>,
    message: String,
    span: Option<Range<usize>>,
    file: Option<String>,
    allow: Vec<&'p Exception>,
}

struct Collector<'p> {
    out: Vec<Candidate<'p>>,
}

impl<'p> Collector<'p> {
    fn push(
        &mut self,
        rule: &'static str,
        message: String,
        span: Range<usize>,
        allow: Vec<&'p Exception>,
    ) {
        let rule = registry::rule(rule).unwrap_or_else(|| panic!("unregistered rule {rule}"));
        self.out.push(Candidate {
            rule: RuleRef::Builtin(rule),
            message,
            span: Some(span),
            file: None,
            allow,
        });
    }
}

fn with<'p>(svc: &'p Service, own: &'p [Exception]) -> Vec<&'p Exception> {
    svc.allow.iter().chain(own.iter()).collect()
}

fn check<'p>(plan: &'p Plan, rendered: &Rendered, c: &mut Collector<'p>) {
    let covering = crate::dr::covering(plan);
    for s in &plan.services {
        // Recoverability.
        for v in s.volumes.iter().filter(|v| v.holds_data) {
            let key = format!("{}/{}", s.name, v.name);
            let covered = covering.get(&key).map(Vec::as_slice).unwrap_or_default();
            let allow = with(s, &v.allow);
            match (covered.len(), &v.no_backup) {
                (0, None) => c.push(
                    "HL001",
                    format!("volume `{key}` ({}) has no recovery path", v.kind),
                    v.span.clone(),
                    allow,
                ),
                (0, Some(_)) | (1, None) => {}
                (_, reason) => {
                    // pg-backups read "pg-backup `x`", the others "<kind> backup `x`".
                    let mut list: Vec<String> = covered
                        .iter()
                        .map(|b| {
                            if b.kind == BackupKind::PgBackup {
                                format!("pg-backup `{}`", b.name)
                            } else {
                                format!("{} backup `{}`", b.kind, b.name)
                            }
                        })
                        .collect();
                    list.sort();
                    if reason.is_some() {
                        list.push("`no_backup`".into());
                    }
                    c.push(
                        "HL002",
                        format!(
                            "volume `{key}` has several recovery paths: {}",
                            list.join(", ")
                        ),
                        v.span.clone(),
                        allow,
                    );
                }
            }
        }
        for d in &s.databases {
            let key = format!("{}/{}", s.name, d.name);
            let dumped = plan
                .backups
                .iter()
                .any(|b| b.kind == BackupKind::PgBackup && b.databases.contains(&key));
            if dumped {
                continue;
            }
            // Without its own dump, only a file-level backup of the server's volume saves it.
            let file_level = crate::dr::database_volumes(plan, &key).iter().any(|v| {
                covering
                    .get(v)
                    .is_some_and(|bs| bs.iter().any(|b| b.kind != BackupKind::PgBackup))
            });
            if !file_level {
                c.push(
                    "HL004",
                    format!("database `{key}` is not dumped by any pg-backup"),
                    d.span.clone(),
                    s.allow.iter().collect(),
                );
            }
        }
        for w in &s.workloads {
            let allow = || with(s, &w.allow);
            // Security.
            if w.container
                .image
                .rsplit('/')
                .next()
                .and_then(|l| l.split_once(':'))
                .is_some_and(|(_, t)| t == "latest")
            {
                c.push(
                    "HL103",
                    format!(
                        "workload `{}/{}` runs `{}`",
                        s.name, w.name, w.container.image
                    ),
                    w.span.clone(),
                    allow(),
                );
            }
            let sec = w.container.security.as_ref();
            let privileged = sec.is_some_and(|s| s.privileged);
            let caps: Vec<&str> = sec
                .map(|s| s.add.iter().map(String::as_str).collect())
                .unwrap_or_default();
            if (privileged || w.host_network || !caps.is_empty()) && w.security_reason.is_none() {
                let mut what = Vec::new();
                if privileged {
                    what.push("privileged".to_string());
                }
                if w.host_network {
                    what.push("host network".to_string());
                }
                if !caps.is_empty() {
                    what.push(format!("capabilities {}", caps.join(", ")));
                }
                c.push(
                    "HL104",
                    format!(
                        "workload `{}/{}` uses {} without a reason",
                        s.name,
                        w.name,
                        what.join(", ")
                    ),
                    w.span.clone(),
                    allow(),
                );
            }
            // Hygiene.
            let res = w.container.resources.as_ref();
            let has = |k: &str| {
                res.map(|r| {
                    if k == "requests" {
                        &r.requests
                    } else {
                        &r.limits
                    }
                })
                .is_some_and(|q| q.cpu.is_some() && q.memory.is_some())
            };
            if !has("requests") || !has("limits") {
                c.push(
                    "HL201",
                    format!(
                        "workload `{}/{}` lacks CPU/memory {}",
                        s.name,
                        w.name,
                        if has("requests") {
                            "limits"
                        } else if has("limits") {
                            "requests"
                        } else {
                            "requests and limits"
                        }
                    ),
                    w.span.clone(),
                    allow(),
                );
            }
            if w.kind != WorkloadKind::CronJob
                && w.origin == Origin::Site
                && w.container.readiness.is_none()
            {
                c.push(
                    "HL202",
                    format!("workload `{}/{}` has no readiness probe", s.name, w.name),
                    w.span.clone(),
                    allow(),
                );
            }
            for (_, v) in plan.mounted_volumes(s, w) {
                if v.kind == VolumeKind::Local && w.node != v.node {
                    let node = v.node.as_ref().map(|n| n.to_string()).unwrap_or_default();
                    c.push("HL203", format!("workload `{}/{}` mounts local volume `{}` on node `{node}` but is not pinned there", s.name, w.name, v.name), w.span.clone(), allow());
                }
            }
        }
        for i in &s.ingresses {
            let allow = || with(s, &i.allow);
            if !i.public && i.auth.is_none() {
                c.push(
                    "HL101",
                    format!(
                        "ingress `{}/{}` ({}) is neither public nor authenticated",
                        s.name,
                        i.name,
                        i.hosts.join(", ")
                    ),
                    i.span.clone(),
                    allow(),
                );
            }
            let admin = s
                .capabilities
                .iter()
                .any(|c| matches!(c, Capability::Longhorn | Capability::Metrics));
            if admin && i.auth.is_none() {
                c.push(
                    "HL102",
                    format!(
                        "ingress `{}/{}` exposes the {} UI without authentication",
                        s.name,
                        i.name,
                        if s.capabilities.contains(&Capability::Longhorn) {
                            "Longhorn"
                        } else {
                            "metrics"
                        }
                    ),
                    i.span.clone(),
                    allow(),
                );
            }
            if i.routes_metrics_port && !i.deny_paths.iter().any(|p| p == "/metrics") {
                c.push(
                    "HL105",
                    format!(
                        "ingress `{}/{}` routes to a metrics port and does not deny `/metrics`",
                        s.name, i.name
                    ),
                    i.span.clone(),
                    allow(),
                );
            }
        }
    }
    // Backup target credentials must be in the DR export.
    for t in &plan.targets {
        let Some((svc, secret)) = t.credentials.as_deref().and_then(|c| c.split_once('/')) else {
            continue;
        };
        if let Some(s) = plan.service(svc)
            && let Some(sec) = s
                .secrets
                .iter()
                .find(|x| x.name.as_str() == secret)
                .filter(|x| x.regenerable.is_some())
        {
            c.push(
                "HL003",
                format!(
                    "credentials `{svc}/{secret}` of backup target `{}` are marked regenerable",
                    t.name
                ),
                sec.span.clone(),
                with(s, &sec.allow),
            );
        }
    }
    if plan.site.longhorn_replicas < 2
        && plan
            .services
            .iter()
            .any(|s| s.volumes.iter().any(|v| v.kind == VolumeKind::Longhorn))
    {
        c.push(
            "HL204",
            format!("`longhorn_replicas = {}`", plan.site.longhorn_replicas),
            plan.site.span.clone(),
            Vec::new(),
        );
    }
    // Only rendered objects can say this: a template that emits a plain Secret.
    for o in rendered.objects.iter().filter(|o| o.kind() == "Secret") {
        let has_data = ["data", "stringData"]
            .iter()
            .any(|k| o.value[*k].as_object().is_some_and(|m| !m.is_empty()));
        if has_data {
            c.out.push(Candidate {
                rule: RuleRef::Builtin(registry::rule("HL106").expect("registered")),
                message: format!(
                    "Secret `{}` carries data in Git (from template `{}`)",
                    o.name(),
                    o.template
                ),
                span: None,
                file: Some(o.path.clone()),
                allow: Vec::new(),
            });
        }
    }
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

/// Every exception of the plan.
fn all_exceptions(plan: &Plan) -> Vec<&Exception> {
    let mut out = Vec::new();
    for s in &plan.services {
        out.extend(&s.allow);
        out.extend(s.workloads.iter().flat_map(|w| &w.allow));
        out.extend(s.volumes.iter().flat_map(|v| &v.allow));
        out.extend(s.ingresses.iter().flat_map(|i| &i.allow));
        out.extend(s.secrets.iter().flat_map(|x| &x.allow));
    }
    out
}

/// Apply the user policies to every object they select. A finding about an
/// object of a service points at that service in site.toml (where the fix
/// goes, and where an exception can excuse it); other objects name their file.
fn check_policies<'p>(
    plan: &'p Plan,
    rendered: &Rendered,
    policies: &'p Policies,
    c: &mut Collector<'p>,
) {
    for o in &rendered.objects {
        let service = o
            .path
            .strip_prefix("apps/")
            .and_then(|p| p.split_once('/'))
            .and_then(|(svc, _)| plan.service(svc));
        for p in policies.0.iter().filter(|p| p.selects(o)) {
            let why = p.violations(o);
            if why.is_empty() {
                continue;
            }
            let message = format!(
                "{} {} ({}): {}: {}",
                o.kind(),
                o.namespace()
                    .map_or_else(|| o.name().to_string(), |ns| format!("{ns}/{}", o.name())),
                o.path,
                p.message,
                why.join("; ")
            );
            c.out.push(Candidate {
                rule: RuleRef::Policy(p),
                message,
                span: service.map(|s| s.span.clone()),
                file: service.is_none().then(|| o.path.clone()),
                allow: service
                    .map(|s| s.allow.iter().collect())
                    .unwrap_or_default(),
            });
        }
    }
}

/// The service whose table holds the string value at `offset` of site.toml
/// (so its exceptions apply), if any.
fn service_at<'p>(
    plan: &'p Plan,
    doc: &toml::de::DeTable<'_>,
    offset: usize,
) -> Option<&'p Service> {
    fn holds(v: &toml::Spanned<toml::de::DeValue<'_>>, offset: usize) -> bool {
        match v.get_ref() {
            toml::de::DeValue::Table(t) => t.values().any(|x| holds(x, offset)),
            toml::de::DeValue::Array(a) => a.iter().any(|x| holds(x, offset)),
            _ => v.span().contains(&offset),
        }
    }
    let services = doc.get("services")?;
    let toml::de::DeValue::Table(t) = services.get_ref() else {
        return None;
    };
    t.iter()
        .find(|(_, v)| holds(v, offset))
        .and_then(|(k, _)| plan.service(k.get_ref()))
}

/// HL107: secret-looking strings in site.toml (values and comments), and in
/// the string values that site-local templates write (objects only: the
/// embedded templates are ours). Sealed Secrets carry ciphertext by design.
fn check_entropy<'p>(
    plan: &'p Plan,
    rendered: &Rendered,
    source: &SourceFile,
    c: &mut Collector<'p>,
) {
    let hits = entropy::hits(&source.text);
    // Only a hit needs to know its service (for its exceptions): the table
    // structure is read then, and the clean common case reads nothing more.
    let doc = if hits.is_empty() {
        None
    } else {
        toml::de::DeTable::parse(&source.text).ok()
    };
    let mut seen = BTreeSet::new();
    for hit in hits {
        let token = &source.text[hit.clone()];
        seen.insert(token.to_string());
        let allow = doc
            .as_ref()
            .and_then(|d| service_at(plan, d.get_ref(), hit.start))
            .map(|s| s.allow.iter().collect())
            .unwrap_or_default();
        c.push(
            "HL107",
            format!(
                "{} looks like a secret in plain text",
                entropy::redact(token)
            ),
            hit,
            allow,
        );
    }
    fn strings<'v>(v: &'v Value, out: &mut Vec<&'v str>) {
        match v {
            Value::String(s) => out.push(s),
            Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
            Value::Object(m) => m.values().for_each(|x| strings(x, out)),
            _ => {}
        }
    }
    let site_local = rendered
        .objects
        .iter()
        .filter(|o| o.site_local && o.kind() != "SealedSecret");
    for o in site_local {
        let mut values = Vec::new();
        strings(&o.value, &mut values);
        for text in values {
            for hit in entropy::hits(text) {
                let token = &text[hit];
                // Values that come from site.toml are reported there.
                if !seen.insert(token.to_string()) {
                    continue;
                }
                c.out.push(Candidate {
                    rule: RuleRef::Builtin(registry::rule("HL107").expect("registered")),
                    message: format!(
                        "{} in {} `{}` looks like a secret in plain text (from site-local template `{}`)",
                        entropy::redact(token),
                        o.kind(),
                        o.name(),
                        o.template
                    ),
                    span: None,
                    file: Some(o.path.clone()),
                    allow: Vec::new(),
                });
            }
        }
    }
}

/// Monitoring's cross-checks: metrics read but not produced, counters that
/// may explode, datasources pointing nowhere, backups nobody watches.
fn check_monitoring<'p>(
    plan: &'p Plan,
    monitoring: Option<&'p Monitoring>,
    rendered: &Rendered,
    c: &mut Collector<'p>,
) {
    let Some(m) = monitoring else {
        for b in &plan.backups {
            c.push(
                "HL005",
                format!(
                    "backup `{}` has no failure or staleness alert (the site has no [monitoring])",
                    b.name
                ),
                b.span.clone(),
                Vec::new(),
            );
        }
        return;
    };
    for b in &plan.backups {
        if m.watches.get(b.name.as_str()).is_none_or(Vec::is_empty) {
            c.push(
                "HL005",
                format!("backup `{}` has no failure or staleness alert", b.name),
                b.span.clone(),
                Vec::new(),
            );
        }
    }
    for q in &m.queries {
        for name in &q.metrics {
            if m.catalog.producer(name).is_none() {
                let hint = m
                    .catalog
                    .closest(name)
                    .map(|k| format!("; did you mean `{k}`?"))
                    .unwrap_or_default();
                c.push(
                    "HL301",
                    format!(
                        "{} reads `{name}`, which nothing in the site produces{hint}",
                        q.origin
                    ),
                    q.span.clone(),
                    Vec::new(),
                );
            }
        }
    }
    for (metric, n, span) in &m.cardinality {
        if *n > m.max_series {
            c.push(
                "HL302",
                format!(
                    "`{metric}` may reach about {n} series (limit {})",
                    m.max_series
                ),
                span.clone(),
                Vec::new(),
            );
        }
    }
    // `http://<name>.<namespace>.svc…`: a Service rendered there, or a Helm
    // service in that namespace (its chart names its own Services).
    for d in &m.datasources {
        let host = d
            .url
            .split_once("://")
            .map_or(d.url.as_str(), |(_, r)| r)
            .split(['/', ':'])
            .next()
            .unwrap_or("");
        let parts: Vec<&str> = host.split('.').collect();
        let ok = match parts.as_slice() {
            [name, ns, "svc", ..] => {
                rendered.objects.iter().any(|o| {
                    o.kind() == "Service" && o.name() == *name && o.namespace() == Some(*ns)
                }) || plan
                    .services
                    .iter()
                    .any(|s| s.helm.is_some() && s.namespace.as_str() == *ns)
            }
            _ => false,
        };
        if !ok {
            c.push(
                "HL303",
                format!(
                    "datasource `{}`: `{}` is not a Service of the site",
                    d.uid, d.url
                ),
                d.span.clone(),
                Vec::new(),
            );
        }
    }
}

/// Lint a site. `today` is `YYYY-MM-DD` (passed in so runs are reproducible).
pub fn lint<'p>(
    plan: &'p Plan,
    monitoring: Option<&'p Monitoring>,
    rendered: &Rendered,
    policies: &'p Policies,
    source: &SourceFile,
    today: &str,
) -> Outcome<'p> {
    let mut c = Collector { out: Vec::new() };
    check(plan, rendered, &mut c);
    check_entropy(plan, rendered, source, &mut c);
    check_monitoring(plan, monitoring, rendered, &mut c);
    check_policies(plan, rendered, policies, &mut c);
    let mut used: BTreeSet<usize> = BTreeSet::new();
    let mut outcome = Outcome::default();
    let live = |e: &Exception| {
        is_date(e.until.as_deref().unwrap_or("9999-12-31"))
            && e.until.as_deref().is_none_or(|u| u >= today)
    };
    for cand in c.out {
        let excuse = cand
            .allow
            .iter()
            .find(|e| e.rule.eq_ignore_ascii_case(cand.rule.id()) && live(e));
        if let Some(e) = excuse {
            used.insert(e.span.start);
            outcome.excused += 1;
            continue;
        }
        outcome.findings.push(Finding {
            rule: cand.rule,
            message: cand.message,
            span: cand.span,
            file: cand.file,
        });
    }
    let r = |id| RuleRef::Builtin(registry::rule(id).expect("registered"));
    for e in all_exceptions(plan) {
        if find_rule(&e.rule, policies).is_none() {
            outcome.findings.push(Finding {
                rule: r("HL903"),
                message: format!("exception names unknown rule `{}`", e.rule),
                span: Some(e.span.clone()),
                file: None,
            });
        } else if !live(e) {
            let until = e.until.as_deref().unwrap_or_default();
            let msg = if is_date(until) {
                format!("exception for {} expired on {until}", e.rule)
            } else {
                format!(
                    "exception for {}: `until = \"{until}\"` is not a YYYY-MM-DD date",
                    e.rule
                )
            };
            outcome.findings.push(Finding {
                rule: r("HL901"),
                message: msg,
                span: Some(e.span.clone()),
                file: None,
            });
        } else if !used.contains(&e.span.start) {
            outcome.findings.push(Finding {
                rule: r("HL902"),
                message: format!("exception for {} excuses nothing here", e.rule),
                span: Some(e.span.clone()),
                file: None,
            });
        }
    }
    outcome.findings.sort_by(|a, b| {
        (a.span.as_ref().map(|s| s.start), &a.file, a.rule.id()).cmp(&(
            b.span.as_ref().map(|s| s.start),
            &b.file,
            b.rule.id(),
        ))
    });
    outcome
}

/// Today's date in UTC as `YYYY-MM-DD` (civil-from-days, no time-zone data).
pub fn today_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn today_is_a_date() {
        let t = super::today_utc();
        assert!(super::is_date(&t), "{t}");
        assert!(t.as_str() >= "2024-01-01");
    }
}
