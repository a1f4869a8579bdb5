//! Fields of a chart's objects that a controller in the cluster rewrites after
//! ArgoCD applied them. With `selfHeal` on, ArgoCD would put the chart's value
//! back, the controller would rewrite it, and the Application would never stay
//! in sync; the Application ignores those fields instead
//! (`spec.ignoreDifferences`) and `RespectIgnoreDifferences=true` keeps a
//! sync from writing them back (argo-cd v2.11.14
//! docs/user-guide/sync-options.md, "Respect ignore differences configs").

use serde::Serialize;

/// One `spec.ignoreDifferences` entry of an Application (argo-cd v2.11.14
/// `ResourceIgnoreDifferences`: group, kind, name, jsonPointers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Ignored {
    pub group: &'static str,
    pub kind: &'static str,
    pub name: &'static str,
    pub json_pointers: Vec<&'static str>,
}

/// What the charts hearth knows have rewritten in the cluster.
pub fn rewritten_by(chart: &str) -> Vec<Ignored> {
    match chart {
        // MetalLB's controller writes its own CA into the conversion webhook
        // of the BGPPeer CRD the chart ships with a placeholder bundle
        // (metallb v0.14.5 charts/metallb/charts/crds/templates/crds.yaml,
        // `bgppeers.metallb.io` spec.conversion.webhook.clientConfig.caBundle;
        // metallb issues 1681, 2571).
        "metallb" => vec![Ignored {
            group: "apiextensions.k8s.io",
            kind: "CustomResourceDefinition",
            name: "bgppeers.metallb.io",
            json_pointers: vec!["/spec/conversion/webhook/clientConfig/caBundle"],
        }],
        _ => Vec::new(),
    }
}
