//! Volume sizes a change cannot apply: the API server refuses a claim made
//! smaller (`spec.resources.requests.storage` only grows), and a per-pod
//! volume's size lives in a StatefulSet's claim templates, which it refuses
//! to change at all. ArgoCD's sync would fail on either.

use crate::plan::Plan;

/// `service/volume`, old size, new size, and why the cluster refuses it.
pub(super) fn refused(
    base: Option<&Plan>,
    head: &Plan,
) -> Vec<(String, String, String, &'static str)> {
    let Some(base) = base else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for s in &head.services {
        let Some(old_svc) = base.service(s.name.as_str()) else {
            continue;
        };
        for v in &s.volumes {
            let old = old_svc.volumes.iter().find(|o| o.name == v.name);
            let (Some(old), Some(new_size)) = (old, v.size.as_ref()) else {
                continue;
            };
            let Some(old_size) = old.size.as_ref() else {
                continue;
            };
            let (Some(a), Some(b)) = (bytes(old_size), bytes(new_size)) else {
                continue;
            };
            let why = if v.per_pod && old.per_pod && a != b {
                "a StatefulSet's claim templates cannot change"
            } else if b < a {
                "a claim only grows"
            } else {
                continue;
            };
            out.push((
                format!("{}/{}", s.name, v.name),
                old_size.clone(),
                new_size.clone(),
                why,
            ));
        }
    }
    out
}

/// A Kubernetes quantity in bytes (`5Gi`, `500M`, `1.5Ti`); None when it is
/// not one (site quantities are checked at parse time).
fn bytes(q: &str) -> Option<f64> {
    let end = q
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(q.len());
    let (num, suffix) = q.split_at(end);
    let n: f64 = num.parse().ok()?;
    let k: f64 = match suffix {
        "" => 1.0,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        _ => return None,
    };
    Some(n * k)
}
