//! A site volume: required fields per kind, node and storage-root checks.

use crate::diag::Code;
use crate::plan::*;
use crate::site::model as m;
use crate::site::spanned::Spanned;

use super::resolve::Ctx;

pub(super) fn volume(
    ctx: &mut Ctx,
    svc: &ServiceName,
    ns: &Namespace,
    name: &VolumeName,
    v: &Spanned<m::Volume>,
) -> Volume {
    let span = v.span();
    let v = v.get_ref();
    use VolumeKind as K;
    let kind = v.kind;
    check(ctx, v, &span);
    Volume {
        name: name.clone(),
        kind,
        size: v.size.as_ref().map(|s| s.to_string()),
        access: v.access,
        storage_class: match v.kind {
            K::Longhorn => Some("longhorn".into()),
            K::Local => Some(
                v.storage_class
                    .clone()
                    .unwrap_or_else(|| "local-static".into()),
            ),
            _ => v.storage_class.clone(),
        },
        pv_name: (v.kind == K::Local).then(|| format!("{ns}-{name}")),
        node: v.node.as_ref().map(|n| n.get_ref().clone()),
        path: v.path.as_ref().map(|p| p.to_string()),
        labels: [
            ("app.kubernetes.io/part-of".to_string(), svc.to_string()),
            (
                "app.kubernetes.io/managed-by".to_string(),
                "hearth".to_string(),
            ),
        ]
        .into(),
        no_backup: v.no_backup.clone(),
        holds_data: v.holds_data || v.kind.always_holds_data(),
        claim: v.claim.clone(),
        per_pod: v.per_pod,
        allow: super::service::exceptions(&v.allow),
        span,
    }
}

/// A per-pod volume is the claim template of one StatefulSet of its own
/// service (the template is rendered in that StatefulSet).
pub(super) fn check_per_pod(ctx: &mut Ctx, services: &ServiceMap) {
    let mut owner: std::collections::BTreeMap<(&Namespace, &VolumeName), &WorkloadName> =
        Default::default();
    for s in services.values() {
        for w in &s.workloads {
            for v in &w.claim_templates {
                let (msg, help) = if !s.volumes.iter().any(|x| &x.name == v) {
                    (
                        format!(
                            "per-pod volume `{v}` is not a volume of service `{}`",
                            s.name
                        ),
                        format!("declare `{v}` under [services.{}.volumes]", s.name),
                    )
                } else if let Some(first) = owner.insert((&s.namespace, v), &w.name) {
                    (
                        format!("per-pod volume `{v}` is already the claim template of `{first}`"),
                        "a per-pod volume belongs to one stateful set: declare one per workload"
                            .to_string(),
                    )
                } else {
                    continue;
                };
                ctx.err(Code::Mount, msg, w.span.clone(), "this workload", help);
            }
        }
    }
}

/// The fields each kind needs, `type` on host paths only, and a path under
/// one of its node's storage roots.
fn check(ctx: &mut Ctx, v: &m::Volume, span: &std::ops::Range<usize>) {
    use VolumeKind as K;
    let kind = v.kind;
    let need = |ctx: &mut Ctx, ok: bool, field: &str| {
        if !ok {
            ctx.err(
                Code::Volume,
                format!("a {kind} volume needs `{field}`"),
                span.clone(),
                "this volume",
                format!("add `{field}`"),
            );
        }
    };
    match v.kind {
        K::Longhorn => need(ctx, v.size.is_some(), "size"),
        K::Local => {
            need(ctx, v.size.is_some(), "size");
            need(ctx, v.node.is_some(), "node");
            need(ctx, v.path.is_some(), "path");
        }
        K::HostPath => need(ctx, v.path.is_some(), "path"),
        K::Chart => need(ctx, v.claim.is_some(), "claim"),
    }
    if v.per_pod && v.kind != K::Longhorn {
        ctx.err(
            Code::Volume,
            format!("`per_pod` applies to longhorn volumes, and this is a {kind} volume"),
            span.clone(),
            "this volume",
            "remove `per_pod`, or make it a longhorn volume",
        );
    }
    if v.host_type.is_some() && v.kind != K::HostPath {
        ctx.err(
            Code::Volume,
            format!("`type` applies to host-path volumes, and this is a {kind} volume"),
            span.clone(),
            "this volume",
            "remove `type`",
        );
    }
    if let Some(n) = &v.node {
        ctx.check_node(n);
        if let (Some(node), Some(path)) = (ctx.raw.nodes.get(n.get_ref()), &v.path) {
            let roots = &node.get_ref().storage_roots;
            if !roots.is_empty() && !roots.iter().any(|r| path.as_str().starts_with(r.as_str())) {
                let list: Vec<&str> = roots.iter().map(|r| r.as_str()).collect();
                ctx.err(
                    Code::Volume,
                    format!(
                        "`{path}` is not under a storage root of node `{}`",
                        n.get_ref()
                    ),
                    span.clone(),
                    "this volume",
                    format!("storage roots of that node: {}", list.join(", ")),
                );
            }
        }
    }
}
