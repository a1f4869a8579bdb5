//! One rule across objects: two Ingresses claiming the same host and path.
//!
//! The API server accepts both, but ingress-nginx's validating admission
//! webhook refuses the second (`checkOverlap` in
//! `internal/ingress/controller/controller.go` of kubernetes/ingress-nginx:
//! `host "…" and path "…" is already defined in ingress <ns>/<name>`), unless
//! exactly one of the two is a canary. ArgoCD would sync one service and fail
//! the other, in whichever order it met them. An empty host is nginx's
//! catch-all server `_`, an empty path `/`, as upstream reads them.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Locator, arr, str_of};
use crate::diag::{Code, Errors, InputError};
use crate::render::{Manifest, Object, Rendered};

const CANARY: &str = "nginx.ingress.kubernetes.io/canary";

/// One claim: host and path of a rule path with a Service backend.
pub type Claim = (String, String);

fn claims(o: &Object) -> Vec<Claim> {
    let mut out = Vec::new();
    for rule in arr(&o.value["spec"]["rules"]) {
        let host = str_of(&rule["host"])
            .filter(|h| !h.is_empty())
            .unwrap_or("_");
        for p in arr(&rule["http"]["paths"]) {
            if p["backend"]["service"].is_null() {
                continue;
            }
            let path = str_of(&p["path"]).filter(|p| !p.is_empty()).unwrap_or("/");
            let claim = (host.to_string(), path.to_string());
            if !out.contains(&claim) {
                out.push(claim);
            }
        }
    }
    out
}

fn canary(o: &Object) -> bool {
    matches!(&o.value["metadata"]["annotations"][CANARY], Value::String(s) if s == "true")
}

/// Every host and path claimed by two Ingresses (both canaries, or neither):
/// the claim, the Ingress that claimed it first and the one that claims it
/// again (pure).
pub fn overlaps(objects: &[Object]) -> Vec<(Claim, &Object, &Object)> {
    let mut claimed: BTreeMap<Claim, Vec<&Object>> = BTreeMap::new();
    let mut out = Vec::new();
    for o in objects.iter().filter(|o| o.kind() == "Ingress") {
        for claim in claims(o) {
            let earlier = claimed.entry(claim.clone()).or_default();
            // Upstream compares with every earlier claimer: a clash is two
            // canaries or two primaries.
            if let Some(prev) = earlier.iter().find(|p| canary(p) == canary(o)) {
                out.push((claim, *prev, o));
            }
            earlier.push(o);
        }
    }
    out
}

/// One error per overlap, labelled at both ingresses in site.toml.
pub(super) fn check(rendered: &Rendered, locator: &Locator, errs: &mut Errors) {
    for (claim, prev, o) in overlaps(&rendered.objects) {
        errs.push(refusal(&claim, prev, o, locator));
    }
}

fn refusal(claim: &Claim, prev: &Object, o: &Object, locator: &Locator) -> InputError {
    let (host, path) = claim;
    let key = |x: &Object| format!("{}/{}", x.namespace().unwrap_or(""), x.name());
    let message = format!(
        "ingress-nginx's admission webhook would refuse Ingress `{}` (`{}`): host \"{host}\" and path \"{path}\" is already defined in ingress {} (`{}`) [checkOverlap]",
        key(o),
        o.path,
        key(prev),
        prev.path
    );
    let mut e = InputError::new(Code::HostPath, message).help(format!(
        "serve `{host}` from one ingress only: give one of them another `host`, or remove the duplicate from `extra_hosts`"
    ));
    let mut labelled = false;
    for (x, label) in [(prev, "claimed here first"), (o, "and claimed again here")] {
        if let Some((span, what)) = locator.span(x, Some(host)) {
            e = e.label(span, format!("{what}: {label}"));
            labelled = true;
        }
    }
    if labelled {
        e = e.in_file(&locator.loaded.source);
    }
    e
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn ingress(ns: &str, name: &str, host: &str, path: &str, canary: bool) -> Object {
        let annotations = if canary {
            json!({ CANARY: "true" })
        } else {
            json!({})
        };
        Object {
            path: format!("apps/{ns}/{name}.ingress.yaml"),
            value: json!({
                "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                "metadata": { "name": name, "namespace": ns, "annotations": annotations },
                "spec": { "rules": [{ "host": host, "http": { "paths": [
                    { "path": path, "pathType": "Prefix",
                      "backend": { "service": { "name": "web", "port": { "number": 80 } } } }
                ] } }] }
            }),
            template: "k8s/ingress.yaml".into(),
            site_local: false,
        }
    }

    fn found(objects: &[Object]) -> Vec<(String, String, String)> {
        overlaps(objects)
            .into_iter()
            .map(|((h, p), _, o)| (h, p, o.name().to_string()))
            .collect()
    }

    #[test]
    fn a_host_and_path_twice_is_an_overlap_unless_one_is_a_canary() {
        let a = ingress("a", "one", "x.example", "/", false);
        let b = ingress("b", "two", "x.example", "/", false);
        let c = ingress("c", "three", "x.example", "/", true);
        let d = ingress("d", "four", "x.example", "/api", false);
        let e = ingress("e", "five", "y.example", "/", false);
        assert_eq!(
            found(&[a.clone(), b.clone()]),
            [("x.example".into(), "/".into(), "two".into())]
        );
        // One canary beside a primary is what canaries are for; two are not.
        assert!(found(&[a.clone(), c.clone()]).is_empty());
        let c2 = ingress("c2", "six", "x.example", "/", true);
        assert_eq!(found(&[a.clone(), c, c2]).len(), 1);
        // Another path or another host is another claim.
        assert!(found(&[a.clone(), d, e]).is_empty());
        // An empty host is nginx's catch-all `_`, an empty path `/`.
        let f = ingress("f", "seven", "", "", false);
        let g = ingress("g", "eight", "", "/", false);
        assert_eq!(found(&[f, g]), [("_".into(), "/".into(), "eight".into())]);
    }
}
