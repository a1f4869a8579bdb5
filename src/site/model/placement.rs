//! Where a workload's pods may run: node affinity rules, topology spread and
//! tolerations.

use super::*;

#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeAffinity {
    /// Rules every node the pods run on must meet.
    #[serde(default)]
    pub required: Vec<Spanned<NodeRule>>,
    /// Rules the scheduler favours, each with a `weight` (1-100).
    #[serde(default)]
    pub preferred: Vec<Spanned<NodeRule>>,
}

/// A rule on one node label: `{ key = "hearth.dev/disk", operator = "in",
/// values = ["ssd"] }`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NodeRule {
    /// The node label.
    pub key: String,
    pub operator: NodeOperator,
    /// in, not-in: the label values.
    #[serde(default)]
    pub values: Vec<String>,
    /// preferred: how much the rule counts (1-100).
    pub weight: Option<i32>,
}

/// One topology spread constraint over the workload's own pods.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TopologySpread {
    /// The node label that names a domain, e.g. `kubernetes.io/hostname`.
    pub key: String,
    /// How many more pods one domain may hold than another (at least 1).
    pub max_skew: i32,
    pub when_unsatisfiable: WhenUnsatisfiable,
}

/// A taint the pods tolerate: `key`, with `value` when the taint has one (else
/// any value), for one `effect` (else every effect).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Toleration {
    /// The taint's key.
    pub key: String,
    /// The taint's value; none tolerates any value.
    pub value: Option<String>,
    /// The taint's effect; none tolerates every effect.
    pub effect: Option<TaintEffect>,
    /// no-execute: how long a running pod stays once the taint appears (seconds).
    pub seconds: Option<i64>,
}
