//! Where a workload's pods may run: the node selector (a pinned node's host
//! name and the site's labels) and the taints they tolerate. Each toleration
//! serialises through k8s-openapi's `Toleration`.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as k8s;
use serde::Serialize;

use super::affinity::{NodeAffinity, Spread};
use crate::site::kinds::TaintEffect;
use crate::site::names::NodeName;

/// The label the kubelet sets to the node's name; `node = "…"` selects on it.
pub const HOSTNAME_LABEL: &str = "kubernetes.io/hostname";

/// The taints k3s and kubeadm put on control-plane nodes (the second is the
/// name before Kubernetes 1.24, still set by some installers).
const CONTROL_PLANE_TAINTS: [&str; 2] = [
    "node-role.kubernetes.io/control-plane",
    "node-role.kubernetes.io/master",
];

#[derive(Debug, Clone, Default, Serialize)]
pub struct Placement {
    /// Every label a node must carry (the pinned node's host name included).
    pub node_selector: BTreeMap<String, String>,
    pub tolerations: Vec<Toleration>,
    /// Node affinity by labels, when there are rules.
    pub affinity: Option<NodeAffinity>,
    /// Topology spread constraints over the workload's pods.
    pub spread: Vec<Spread>,
}

impl Placement {
    /// The placement of a pod pinned to `node` (if any), selecting `labels`,
    /// tolerating control-plane taints when asked and then `tolerations`.
    pub fn new(
        node: Option<&NodeName>,
        labels: BTreeMap<String, String>,
        control_plane: bool,
        tolerations: Vec<Toleration>,
    ) -> Self {
        let mut node_selector = labels;
        if let Some(n) = node {
            node_selector.insert(HOSTNAME_LABEL.to_string(), n.to_string());
        }
        let mut all: Vec<Toleration> = Vec::new();
        if control_plane {
            all.extend(CONTROL_PLANE_TAINTS.map(|key| Toleration {
                key: key.to_string(),
                value: None,
                effect: Some(TaintEffect::NoSchedule),
                seconds: None,
            }));
        }
        all.extend(tolerations);
        Self {
            node_selector,
            tolerations: all,
            ..Default::default()
        }
    }
}

/// A taint the pods tolerate: `Equal` to `value` when it has one, else `Exists`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "k8s::Toleration")]
pub struct Toleration {
    pub key: String,
    pub value: Option<String>,
    /// None: every effect.
    pub effect: Option<TaintEffect>,
    /// NoExecute only: how long a running pod stays after the taint appears.
    pub seconds: Option<i64>,
}

impl From<Toleration> for k8s::Toleration {
    fn from(t: Toleration) -> Self {
        let operator = if t.value.is_some() { "Equal" } else { "Exists" };
        Self {
            key: Some(t.key),
            operator: Some(operator.to_string()),
            value: t.value,
            effect: t.effect.map(|e| e.as_str().to_string()),
            toleration_seconds: t.seconds,
        }
    }
}
