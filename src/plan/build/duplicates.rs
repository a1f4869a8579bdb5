//! Two objects of one kind with one name in one namespace would overwrite each other.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::diag::{Code, InputError};
use crate::site::names::ServiceName;

use super::resolve::Ctx;

/// Two objects of one kind with one name in one namespace would overwrite each other.
pub(super) fn check(ctx: &mut Ctx) {
    let raw = ctx.raw;
    let mut seen: BTreeMap<(String, &'static str, String), (ServiceName, Range<usize>)> =
        BTreeMap::new();
    let mut dups = Vec::new();
    for (svc_name, svc) in &raw.services {
        let ns = ctx.namespace_of(svc_name).to_string();
        let s = svc.get_ref();
        let mut items: Vec<(&'static str, String, Range<usize>)> = Vec::new();
        items.extend(
            s.secrets
                .iter()
                .map(|(n, v)| ("secret", n.to_string(), v.span())),
        );
        items.extend(
            s.volumes
                .iter()
                .map(|(n, v)| ("volume", n.to_string(), v.span())),
        );
        items.extend(
            s.workloads
                .iter()
                .map(|(n, v)| ("workload", n.to_string(), v.span())),
        );
        items.extend(
            s.ingresses
                .iter()
                .map(|(n, v)| ("ingress", n.to_string(), v.span())),
        );
        items.extend(
            s.config_maps
                .keys()
                .map(|n| ("config map", n.to_string(), svc.span())),
        );
        for (kind, name, span) in items {
            let key = (ns.clone(), kind, name.clone());
            if let Some((other, other_span)) = seen.get(&key) {
                dups.push((
                    kind,
                    name,
                    ns.clone(),
                    svc_name.clone(),
                    span,
                    other.clone(),
                    other_span.clone(),
                ));
            } else {
                seen.insert(key, (svc_name.clone(), span));
            }
        }
    }
    for (kind, name, ns, svc, span, other, other_span) in dups {
        let e = InputError::new(
            Code::Duplicate,
            format!("duplicate {kind} `{name}` in namespace `{ns}`"),
        )
        .in_file(ctx.src)
        .label(span, format!("declared again by service `{svc}`"))
        .label(other_span, format!("first declared by service `{other}`"))
        .help("names are unique per namespace and kind: rename one of them");
        ctx.errs.push(e);
    }
}
