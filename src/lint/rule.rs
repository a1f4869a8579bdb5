//! The rule interface. Built-in rules (`rules::Code`) and user policies
//! (`policy::Policy`) both implement `Rule`: an id, a name, a severity, a
//! documentation and a check that reports findings into a `Sink`.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::diag::{Severity, SourceFile};
use crate::monitoring::Monitoring;
use crate::plan::{Backup, Exception, Ingress, Plan, Service, Workload};
use crate::render::Rendered;

use super::policy::Policy;
use super::rules::Code;

/// What `hearth explain` prints, section by section (ruff's layout).
#[derive(Debug, Clone, Copy)]
pub struct Doc<'a> {
    /// What it does: the problem it finds, one line.
    pub summary: &'a str,
    /// Why it matters.
    pub why: &'a str,
    /// A site.toml fragment that triggers it (empty for policies, whose
    /// example is their schema).
    pub example: &'a str,
    /// What to do.
    pub fix: &'a str,
}

pub trait Rule {
    /// Stable id: `HL001` for built-in rules, the lowercase id of a policy.
    fn id(&self) -> &str;
    /// The kebab-case name (a policy's id is its name).
    fn name(&self) -> &str;
    fn severity(&self) -> Severity;
    fn doc(&self) -> Doc<'_>;
    /// Where the rule is defined, when that is not hearth itself.
    fn origin(&self) -> Option<&str> {
        None
    }
    /// Report every finding of this rule on the site.
    fn check<'p>(&'p self, cx: &Context<'p>, out: &mut Sink<'p>);
}

/// The rule a finding breaks: built in, or a user policy from `policies/`.
#[derive(Debug, Clone, Copy)]
pub enum RuleRef<'a> {
    Builtin(Code),
    Policy(&'a Policy),
}

impl From<Code> for RuleRef<'_> {
    fn from(c: Code) -> Self {
        RuleRef::Builtin(c)
    }
}

impl<'a> RuleRef<'a> {
    pub fn rule(&self) -> &'a dyn Rule {
        match *self {
            RuleRef::Builtin(c) => c.rule(),
            RuleRef::Policy(p) => p,
        }
    }
    /// The rule's place in `lint::all_rules` (built-in rules in `Code`
    /// order, then policies in file order): SARIF's `ruleIndex`. It follows
    /// from the rule itself, so it cannot point at another rule.
    pub fn index(&self) -> usize {
        match self {
            RuleRef::Builtin(c) => *c as usize,
            RuleRef::Policy(p) => Code::ALL.len() + p.index(),
        }
    }
    pub fn id(&self) -> &'a str {
        self.rule().id()
    }
    pub fn name(&self) -> &'a str {
        self.rule().name()
    }
    pub fn severity(&self) -> Severity {
        self.rule().severity()
    }
    pub fn doc(&self) -> Doc<'a> {
        self.rule().doc()
    }
}

/// `hearth explain`: the rule's documentation, section by section.
pub fn explain(r: &dyn Rule) -> String {
    let severity = r.severity().as_str();
    let mut out = match r.origin() {
        None => format!("{} {} ({severity})\n", r.id(), r.name()),
        Some(_) => format!("{} (policy, {severity})\n", r.id()),
    };
    let d = r.doc();
    out.push_str(&format!("\nWhat it does:\n{}\n", d.summary));
    out.push_str(&format!("\nWhy:\n{}\n", d.why));
    if !d.example.is_empty() {
        out.push_str(&format!("\nExample:\n{}\n", d.example.trim_end()));
    }
    out.push_str(&format!("\nFix:\n{}\n", d.fix));
    if let Some(file) = r.origin() {
        out.push_str(&format!("\nDefined in `{file}`.\n"));
    }
    out
}

/// What every rule may read: the plan, the rendered objects (as data) and
/// the site's text.
pub struct Context<'p> {
    pub plan: &'p Plan,
    /// The monitoring stage's output, when the site has `[monitoring]`.
    pub monitoring: Option<&'p Monitoring>,
    pub rendered: &'p Rendered,
    pub source: &'p SourceFile,
    /// The backups that reach each `service/volume` (several rules ask).
    pub covering: BTreeMap<String, Vec<&'p Backup>>,
}

impl<'p> Context<'p> {
    pub fn new(
        plan: &'p Plan,
        monitoring: Option<&'p Monitoring>,
        rendered: &'p Rendered,
        source: &'p SourceFile,
    ) -> Self {
        Self {
            plan,
            monitoring,
            rendered,
            source,
            covering: crate::dr::covering(plan),
        }
    }

    /// Every ingress of the site, with its service.
    pub fn ingresses(&self) -> impl Iterator<Item = (&'p Service, &'p Ingress)> + use<'p> {
        let plan: &'p Plan = self.plan;
        plan.services
            .iter()
            .flat_map(|s| s.ingresses.iter().map(move |i| (s, i)))
    }

    /// Every workload of the site, with its service.
    pub fn workloads(&self) -> impl Iterator<Item = (&'p Service, &'p Workload)> + use<'p> {
        let plan: &'p Plan = self.plan;
        plan.services
            .iter()
            .flat_map(|s| s.workloads.iter().map(move |w| (s, w)))
    }
}

/// A finding before exceptions are applied.
pub struct Candidate<'p> {
    pub rule: RuleRef<'p>,
    pub message: String,
    /// Where in site.toml, when the finding comes from the site.
    pub span: Option<Range<usize>>,
    /// The rendered file, when it comes from a rendered object only.
    pub file: Option<String>,
    /// The exceptions that may excuse it.
    pub allow: Vec<&'p Exception>,
}

/// Where rules report.
#[derive(Default)]
pub struct Sink<'p> {
    pub(super) out: Vec<Candidate<'p>>,
}

impl<'p> Sink<'p> {
    /// A finding at `span` of site.toml, which any of `allow` may excuse.
    pub fn at(
        &mut self,
        rule: impl Into<RuleRef<'p>>,
        message: String,
        span: Range<usize>,
        allow: Vec<&'p Exception>,
    ) {
        self.push(Candidate {
            rule: rule.into(),
            message,
            span: Some(span),
            file: None,
            allow,
        });
    }
    /// A finding about workload `w` of service `s`: "workload `s/w` {what}",
    /// at the workload, excused by the service's or the workload's exceptions.
    pub fn workload(
        &mut self,
        rule: impl Into<RuleRef<'p>>,
        (s, w): (&'p Service, &'p Workload),
        what: impl std::fmt::Display,
    ) {
        let message = format!("workload `{}/{}` {what}", s.name, w.name);
        self.at(rule, message, w.span.clone(), allow(s, &w.allow));
    }
    /// A finding about ingress `i` of service `s`: "ingress `s/i` {what}", at
    /// the ingress, excused by the service's or the ingress's exceptions.
    pub fn ingress(
        &mut self,
        rule: impl Into<RuleRef<'p>>,
        (s, i): (&'p Service, &'p Ingress),
        what: impl std::fmt::Display,
    ) {
        let message = format!("ingress `{}/{}` {what}", s.name, i.name);
        self.at(rule, message, i.span.clone(), allow(s, &i.allow));
    }
    /// A finding about a rendered file that no line of site.toml wrote
    /// (nothing there can hold an exception for it).
    pub fn in_file(&mut self, rule: impl Into<RuleRef<'p>>, message: String, file: String) {
        self.push(Candidate {
            rule: rule.into(),
            message,
            span: None,
            file: Some(file),
            allow: Vec::new(),
        });
    }
    pub fn push(&mut self, c: Candidate<'p>) {
        self.out.push(c);
    }
}

/// The exceptions that apply to an item of a service: the service's own and
/// the item's.
pub fn allow<'p>(svc: &'p Service, own: &'p [Exception]) -> Vec<&'p Exception> {
    svc.allow.iter().chain(own.iter()).collect()
}
