//! Lint: rules over the plan (and, for what only exists there, the rendered
//! objects as data; never YAML text). Each built-in rule lives in its own file
//! under `rules/`; user policies (`policy`) implement the same `Rule`. This
//! module is the driver: it runs every rule, applies the exceptions written
//! next to objects (a reason and an optional expiry), and reports expired,
//! unused or misspelt exceptions as findings of their own (HL9xx).

pub mod entropy;
pub mod policy;
pub mod report;
pub mod rule;
pub mod rules;

use std::collections::BTreeSet;
use std::ops::Range;

pub use crate::diag::Severity;
pub use rule::{Context, Doc, Rule, RuleRef, Sink, explain};
pub use rules::Code;

use crate::diag::SourceFile;
use crate::monitoring::Monitoring;
use crate::plan::{Exception, Plan};
use crate::render::Rendered;
use policy::Policies;

/// Every rule a lint of this site can report: the built-in ones, then the
/// policies. A rule's position here is `RuleRef::index`.
pub fn all_rules(policies: &Policies) -> Vec<RuleRef<'_>> {
    Code::ALL
        .iter()
        .map(|c| RuleRef::Builtin(*c))
        .chain(policies.iter().map(RuleRef::Policy))
        .collect()
}

/// A rule by id (case-insensitive) or name, built in or policy.
pub fn find_rule<'a>(id: &str, policies: &'a Policies) -> Option<RuleRef<'a>> {
    Code::find(id)
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

#[derive(Debug)]
pub struct Outcome<'a> {
    /// The policies of the run: with the built-in rules, every rule a
    /// finding can cite (`rules()`).
    pub policies: &'a Policies,
    pub findings: Vec<Finding<'a>>,
    /// Findings excused by an exception.
    pub excused: usize,
    /// Secrets (`namespace/name`) with keys still `"placeholder"`, and those
    /// keys: reported beside the findings (an unsealed site is not an error).
    pub placeholders: Vec<(String, Vec<String>)>,
}

impl<'a> Outcome<'a> {
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
    /// Every rule of the run, in `RuleRef::index` order.
    pub fn rules(&self) -> Vec<RuleRef<'a>> {
        all_rules(self.policies)
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

/// Lint a site. `today` is `YYYY-MM-DD` (passed in so runs are reproducible).
pub fn lint<'p>(
    plan: &'p Plan,
    monitoring: Option<&'p Monitoring>,
    rendered: &'p Rendered,
    policies: &'p Policies,
    source: &'p SourceFile,
    today: &str,
) -> Outcome<'p> {
    let cx = Context::new(plan, monitoring, rendered, source);
    let mut sink = Sink::default();
    for r in all_rules(policies) {
        r.rule().check(&cx, &mut sink);
    }
    let mut used: BTreeSet<usize> = BTreeSet::new();
    let mut outcome = Outcome {
        policies,
        findings: Vec::new(),
        excused: 0,
        placeholders: crate::dr::placeholders(plan).0,
    };
    let live = |e: &Exception| {
        is_date(e.until.as_deref().unwrap_or("9999-12-31"))
            && e.until.as_deref().is_none_or(|u| u >= today)
    };
    for cand in sink.out {
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
    let stale = stale_exceptions(plan, policies, &used, live);
    outcome.findings.extend(stale);
    outcome.findings.sort_by(|a, b| {
        (a.span.as_ref().map(|s| s.start), &a.file, a.rule.id()).cmp(&(
            b.span.as_ref().map(|s| s.start),
            &b.file,
            b.rule.id(),
        ))
    });
    outcome
}

/// Exceptions that name no rule, have expired, or excuse nothing.
fn stale_exceptions<'p>(
    plan: &'p Plan,
    policies: &'p Policies,
    used: &BTreeSet<usize>,
    live: impl Fn(&Exception) -> bool,
) -> Vec<Finding<'p>> {
    let mut out = Vec::new();
    let at = |code: Code, message: String, e: &Exception| Finding {
        rule: RuleRef::Builtin(code),
        message,
        span: Some(e.span.clone()),
        file: None,
    };
    for e in all_exceptions(plan) {
        if find_rule(&e.rule, policies).is_none() {
            out.push(at(
                Code::ExceptionUnknownRule,
                format!("exception names unknown rule `{}`", e.rule),
                e,
            ));
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
            out.push(at(Code::ExceptionExpired, msg, e));
        } else if !used.contains(&e.span.start) {
            out.push(at(
                Code::ExceptionUnused,
                format!("exception for {} excuses nothing here", e.rule),
                e,
            ));
        }
    }
    out
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
    use super::*;

    /// SARIF's ruleIndex is `RuleRef::index`: it must be the rule's place in
    /// `all_rules`, for built-in rules and for policies alike.
    #[test]
    fn a_rules_index_is_its_place_in_the_list() {
        let policy = |id: &str| crate::site::folder::SiteFile {
            rel: format!("{id}.yaml"),
            shown: format!("policies/{id}.yaml"),
            text: format!("id: {id}\nmessage: m\nselect:\n  kinds: [Deployment]\nschema: {{}}\n"),
        };
        let policies = Policies::from_files(
            vec![policy("b-policy"), policy("a-policy")],
            &crate::validate::Schemas::load(),
        )
        .unwrap();
        let rules = all_rules(&policies);
        assert_eq!(rules.len(), Code::ALL.len() + 2);
        for (i, r) in rules.iter().enumerate() {
            assert_eq!(r.index(), i, "{}", r.id());
        }
        assert_eq!(rules[Code::ALL.len()].id(), "a-policy");
    }

    #[test]
    fn today_is_a_date() {
        let t = today_utc();
        assert!(is_date(&t), "{t}");
        assert!(t.as_str() >= "2024-01-01");
    }
}
