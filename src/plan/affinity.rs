//! Node affinity, pod affinity and topology spread of a workload's pods,
//! typed: each serialises through k8s-openapi's `Affinity` and
//! `TopologySpreadConstraint`.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as k8s;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use serde::Serialize;

use crate::site::kinds::{NodeOperator, WhenUnsatisfiable};

/// Required rules (all on one node) and weighted preferences; and the
/// selector of pods the pod must run beside (on their node), as a job
/// reading another pod's ReadWriteOnce volume must.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(into = "k8s::Affinity")]
pub struct NodeAffinity {
    pub required: Vec<NodeRule>,
    pub preferred: Vec<(i32, NodeRule)>,
    pub beside: BTreeMap<String, String>,
}

impl NodeAffinity {
    pub fn is_empty(&self) -> bool {
        self.required.is_empty() && self.preferred.is_empty() && self.beside.is_empty()
    }
}

/// One node label rule.
#[derive(Debug, Clone)]
pub struct NodeRule {
    pub key: String,
    pub operator: NodeOperator,
    pub values: Vec<String>,
}

impl From<NodeRule> for k8s::NodeSelectorRequirement {
    fn from(r: NodeRule) -> Self {
        Self {
            key: r.key,
            operator: r.operator.as_str().to_string(),
            values: (!r.values.is_empty()).then_some(r.values),
        }
    }
}

impl From<NodeAffinity> for k8s::Affinity {
    fn from(a: NodeAffinity) -> Self {
        // Required rules are ANDed: one term holding every expression.
        let required = (!a.required.is_empty()).then(|| k8s::NodeSelector {
            node_selector_terms: vec![k8s::NodeSelectorTerm {
                match_expressions: Some(a.required.into_iter().map(Into::into).collect()),
                ..Default::default()
            }],
        });
        let preferred = (!a.preferred.is_empty()).then(|| {
            a.preferred
                .into_iter()
                .map(|(weight, r)| k8s::PreferredSchedulingTerm {
                    weight,
                    preference: k8s::NodeSelectorTerm {
                        match_expressions: Some(vec![r.into()]),
                        ..Default::default()
                    },
                })
                .collect()
        });
        let nodes = required.is_some() || preferred.is_some();
        let beside = (!a.beside.is_empty()).then(|| k8s::PodAffinity {
            required_during_scheduling_ignored_during_execution: Some(vec![k8s::PodAffinityTerm {
                label_selector: Some(LabelSelector {
                    match_labels: Some(a.beside),
                    ..Default::default()
                }),
                topology_key: super::placement::HOSTNAME_LABEL.to_string(),
                ..Default::default()
            }]),
            ..Default::default()
        });
        Self {
            node_affinity: nodes.then_some(k8s::NodeAffinity {
                required_during_scheduling_ignored_during_execution: required,
                preferred_during_scheduling_ignored_during_execution: preferred,
            }),
            pod_affinity: beside,
            ..Default::default()
        }
    }
}

/// A topology spread constraint counting the workload's own pods.
#[derive(Debug, Clone, Serialize)]
#[serde(into = "k8s::TopologySpreadConstraint")]
pub struct Spread {
    pub key: String,
    pub max_skew: i32,
    pub when_unsatisfiable: WhenUnsatisfiable,
    /// The workload's selector labels.
    pub selector: BTreeMap<String, String>,
}

impl From<Spread> for k8s::TopologySpreadConstraint {
    fn from(s: Spread) -> Self {
        Self {
            topology_key: s.key,
            max_skew: s.max_skew,
            when_unsatisfiable: s.when_unsatisfiable.as_str().to_string(),
            label_selector: Some(LabelSelector {
                match_labels: Some(s.selector),
                ..Default::default()
            }),
            ..Default::default()
        }
    }
}
