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
use crate::render::{Object, Rendered};

const CANARY: &str = "nginx.ingress.kubernetes.io/canary";

/// One claim: host and path of a rule path with a Service backend.
type Claim = (String, String);

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

/// Every host and path claimed by two Ingresses of the site (both canaries, or
/// neither): one error labelled at both in site.toml.
pub(super) fn check(rendered: &Rendered, locator: &Locator, errs: &mut Errors) {
    let mut first: BTreeMap<Claim, &Object> = BTreeMap::new();
    for o in rendered.objects.iter().filter(|o| o.kind() == "Ingress") {
        for claim in claims(o) {
            let Some(prev) = first.get(&claim).copied() else {
                first.insert(claim, o);
                continue;
            };
            if canary(prev) != canary(o) {
                continue;
            }
            errs.push(refusal(&claim, prev, o, locator));
        }
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
