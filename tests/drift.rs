//! Fields a controller rewrites after ArgoCD synced a chart: the chart's
//! Application ignores them, or `selfHeal` and the controller would undo each
//! other for ever (MetalLB's controller writes its CA into the BGPPeer CRD's
//! conversion webhook).

mod common;

use common::MINIMAL;

const METALLB: &str = r#"
[services.metallb]
namespace = "metallb-system"
[services.metallb.helm]
repo = "https://metallb.github.io/metallb"
chart = "metallb"
version = "0.14.5"
"#;

#[test]
fn the_metallb_application_ignores_the_ca_its_controller_writes() {
    let s = common::rendered(format!("{MINIMAL}{METALLB}"));
    let app: serde_json::Value =
        serde_saphyr::from_str(&s.read("rendered/argocd/metallb.application.yaml")).unwrap();
    assert_eq!(
        app["spec"]["ignoreDifferences"],
        serde_json::json!([{
            "group": "apiextensions.k8s.io",
            "kind": "CustomResourceDefinition",
            "name": "bgppeers.metallb.io",
            "jsonPointers": ["/spec/conversion/webhook/clientConfig/caBundle"],
        }])
    );
    // Without it a sync would write the chart's placeholder back.
    let options = &app["spec"]["syncPolicy"]["syncOptions"];
    assert!(
        options
            .as_array()
            .unwrap()
            .contains(&"RespectIgnoreDifferences=true".into()),
        "{options}"
    );
    // The Application stays valid against its typed CRD.
    assert!(s.validate().status.success());
    // Other charts' Applications ignore nothing.
    let longhorn: serde_json::Value =
        serde_saphyr::from_str(&s.read("rendered/argocd/longhorn.application.yaml")).unwrap();
    assert!(longhorn["spec"].get("ignoreDifferences").is_none());
    let options = longhorn["spec"]["syncPolicy"]["syncOptions"].to_string();
    assert!(!options.contains("RespectIgnoreDifferences"), "{options}");
}
