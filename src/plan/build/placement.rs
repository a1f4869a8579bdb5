//! A workload's placement (node selector, tolerations) and the secrets its
//! image is pulled with, each checked against the site.

use crate::diag::Code;
use crate::plan::affinity::{NodeAffinity, NodeRule, Spread};
use crate::plan::placement::HOSTNAME_LABEL;
use crate::plan::*;
use crate::site::kinds::TaintEffect;
use crate::site::model as m;
use crate::site::spanned::Spanned;

use super::resolve::Ctx;

/// The secret type the kubelet reads registry credentials from.
const DOCKER_CONFIG_JSON: &str = "kubernetes.io/dockerconfigjson";
/// The key such a secret must hold.
const DOCKER_CONFIG_KEY: &str = ".dockerconfigjson";

/// The node selector (the pinned `node`, then the site's labels) and the
/// tolerations of a site workload.
pub(super) fn placement(ctx: &mut Ctx, w: &m::Workload, node: Option<&NodeName>) -> Placement {
    let labels = w
        .node_selector
        .as_ref()
        .map(|s| s.get_ref().clone())
        .unwrap_or_default();
    if let Some(sel) = &w.node_selector
        && let Some(host) = sel.get_ref().get(HOSTNAME_LABEL)
    {
        check_host(ctx, host, node, sel.span());
    }
    let tolerations = w
        .tolerations
        .iter()
        .filter_map(|t| toleration(ctx, t))
        .collect();
    Placement::new(node, labels, w.tolerate_control_plane, tolerations)
}

/// Node affinity: `in`/`not-in` with values, `exists`/`does-not-exist`
/// without; a weight (1-100) on preferred rules only.
pub(super) fn affinity(ctx: &mut Ctx, a: &m::NodeAffinity) -> NodeAffinity {
    let mut out = NodeAffinity::default();
    for (preferred, list) in [(false, &a.required), (true, &a.preferred)] {
        for r in list {
            let Some(rule) = node_rule(ctx, r, preferred) else {
                continue;
            };
            match preferred {
                true => out.preferred.push((r.get_ref().weight.unwrap_or(1), rule)),
                false => out.required.push(rule),
            }
        }
    }
    out
}

fn node_rule(ctx: &mut Ctx, r: &Spanned<m::NodeRule>, preferred: bool) -> Option<NodeRule> {
    use crate::site::kinds::{NodeOperator as Op, Word};
    let x = r.get_ref();
    let takes_values = matches!(x.operator, Op::In | Op::NotIn);
    let problem = if takes_values && x.values.is_empty() {
        Some(format!("`{}` needs `values`", x.operator.word()))
    } else if !takes_values && !x.values.is_empty() {
        Some(format!("`{}` takes no `values`", x.operator.word()))
    } else if !preferred && x.weight.is_some() {
        Some("`weight` applies to `preferred` rules only".to_string())
    } else if preferred && x.weight.is_some_and(|w| !(1..=100).contains(&w)) {
        Some("`weight` is from 1 to 100".to_string())
    } else {
        None
    };
    if let Some(msg) = problem {
        ctx.err(
            Code::Placement,
            msg,
            r.span(),
            "this rule",
            "e.g. `{ key = \"hearth.dev/disk\", operator = \"in\", values = [\"ssd\"] }`",
        );
        return None;
    }
    Some(NodeRule {
        key: x.key.clone(),
        operator: x.operator,
        values: x.values.clone(),
    })
}

/// Topology spread over the workload's own pods (its selector labels).
pub(super) fn spread(
    ctx: &mut Ctx,
    w: &m::Workload,
    selector: &std::collections::BTreeMap<String, String>,
) -> Vec<Spread> {
    let mut out = Vec::new();
    for t in &w.topology_spread {
        let x = t.get_ref();
        if x.max_skew < 1 {
            ctx.err(
                Code::Placement,
                "`max_skew` is at least 1",
                t.span(),
                "this constraint",
                "`max_skew = 1` keeps the domains even",
            );
            continue;
        }
        out.push(Spread {
            key: x.key.clone(),
            max_skew: x.max_skew,
            when_unsatisfiable: x.when_unsatisfiable,
            selector: selector.clone(),
        });
    }
    out
}

/// A host name selected by label must be a node of the site, and the one
/// `node` pins to when both are given.
fn check_host(ctx: &mut Ctx, host: &str, node: Option<&NodeName>, span: std::ops::Range<usize>) {
    if let Some(n) = node
        && n.as_str() != host
    {
        ctx.err(
            Code::Placement,
            format!("`node_selector` selects host `{host}`, and the workload runs on node `{n}`"),
            span,
            "this selector",
            "pin with `node` only: drop `kubernetes.io/hostname` from `node_selector`",
        );
    } else if !ctx.raw.nodes.keys().any(|k| k.as_str() == host) {
        let names: Vec<&str> = ctx.raw.nodes.keys().map(|n| n.as_str()).collect();
        ctx.err(
            Code::Placement,
            format!("`node_selector` selects host `{host}`, which is not a node of the site"),
            span,
            "this selector",
            format!("nodes of the site: {}", names.join(", ")),
        );
    }
}

fn toleration(ctx: &mut Ctx, t: &Spanned<m::Toleration>) -> Option<Toleration> {
    let r = t.get_ref();
    if r.key.is_empty() {
        ctx.err(
            Code::Placement,
            "a toleration needs the `key` of the taint",
            t.span(),
            "this toleration",
            "e.g. `{ key = \"gpu\", effect = \"no-schedule\" }`",
        );
        return None;
    }
    if r.seconds.is_some() && r.effect != Some(TaintEffect::NoExecute) {
        ctx.err(
            Code::Placement,
            "`seconds` applies to `no-execute` taints only",
            t.span(),
            "this toleration",
            "set `effect = \"no-execute\"`, or remove `seconds`",
        );
        return None;
    }
    Some(Toleration {
        key: r.key.clone(),
        value: r.value.clone(),
        effect: r.effect,
        seconds: r.seconds,
    })
}

/// `image_pull_secrets`: secrets of the namespace holding registry credentials.
pub(super) fn pull_secrets(ctx: &mut Ctx, ns: &Namespace, w: &m::Workload) -> Vec<SecretName> {
    let mut out = Vec::new();
    for s in &w.image_pull_secrets {
        let name = s.get_ref();
        let Some(found) = ctx.find_secret(ns, name) else {
            ctx.check_secret_key(ns, name, None, s.span());
            continue;
        };
        let kind = found.r#type.clone().unwrap_or_else(|| "Opaque".into());
        let has_key = found.keys.keys().any(|k| k.as_str() == DOCKER_CONFIG_KEY);
        let (msg, help) = if kind != DOCKER_CONFIG_JSON {
            (
                format!("secret `{name}` is of type `{kind}`, not `{DOCKER_CONFIG_JSON}`"),
                format!("declare `{name}` with `type = \"{DOCKER_CONFIG_JSON}\"`"),
            )
        } else if !has_key {
            (
                format!("secret `{name}` has no `{DOCKER_CONFIG_KEY}` key"),
                format!("seal the registry's config.json as key `{DOCKER_CONFIG_KEY}` of `{name}`"),
            )
        } else {
            out.push(name.clone());
            continue;
        };
        ctx.err(Code::PullSecret, msg, s.span(), "pull secret", help);
    }
    out
}
