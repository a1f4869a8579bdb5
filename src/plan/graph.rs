//! The dependency graph between services and the ArgoCD sync waves derived from it.
//!
//! Waves follow the restore order of a cluster rebuilt from nothing: the GitOps
//! engine, the SealedSecret controller, Longhorn, cert-manager and the ingress
//! controller, databases, then everything else. A service's wave is the larger of
//! its role's floor and one more than the wave of anything it depends on, so an
//! explicit `depends_on` can only push a service later, never earlier.
//!
//! Implicit edges are the hard ones: a SealedSecret needs the controller's CRD,
//! a Longhorn claim needs Longhorn to bind (and, when rebuilding, its restored
//! backup).
//!
//! A service with no role that a platform service depends on (MetalLB under
//! the ingress controller) is part of the platform: it syncs just before the
//! service needing it, not with the apps. With the apps' floor it would push
//! that service behind the apps that need it (the ingress controller after the
//! apps whose ingresses it serves).

use std::collections::BTreeMap;

use super::ServiceMap;
use crate::diag::{Code, Errors, InputError, SourceFile};
use crate::plan::VolumeKind;
use crate::site::model::{Capability, RawSite};
use crate::site::names::ServiceName;

fn floor(c: Capability) -> u32 {
    match c {
        Capability::Gitops => 0,
        Capability::SealedSecrets => 1,
        Capability::Longhorn => 2,
        Capability::CertManager | Capability::Ingress => 3,
        Capability::Database => 4,
        Capability::Metrics => APPS,
    }
}

/// The wave of a service that fills no platform role.
const APPS: u32 = 5;

/// Edges service → services it needs first, implicit ones included.
pub fn dependencies(
    raw: &RawSite,
    providers: &BTreeMap<Capability, Vec<ServiceName>>,
    services: &ServiceMap,
) -> BTreeMap<ServiceName, Vec<ServiceName>> {
    let of = |c: Capability| providers.get(&c).cloned().unwrap_or_default();
    let mut out = BTreeMap::new();
    for (name, s) in services {
        if raw.services[name]
            .get_ref()
            .provides
            .contains(&Capability::Gitops)
        {
            out.insert(name.clone(), Vec::new());
            continue;
        }
        let mut deps: Vec<ServiceName> = of(Capability::Gitops);
        if !s.secrets.is_empty() {
            deps.extend(of(Capability::SealedSecrets));
        }
        if s.volumes.iter().any(|v| v.kind == VolumeKind::Longhorn) {
            deps.extend(of(Capability::Longhorn));
        }
        // No edge for ingresses: an Ingress object needs neither the controller
        // nor cert-manager to exist (both pick it up when they start), and such
        // an edge would push Longhorn, whose UI has an ingress, behind them.
        // The role floors already sync the edge before the apps.
        deps.extend(
            s.depends_on
                .iter()
                .filter(|d| services.contains_key(*d))
                .cloned(),
        );
        deps.retain(|d| d != name);
        deps.sort();
        deps.dedup();
        out.insert(name.clone(), deps);
    }
    out
}

pub(super) fn assign_waves(
    raw: &RawSite,
    providers: &BTreeMap<Capability, Vec<ServiceName>>,
    services: &mut ServiceMap,
    errs: &mut Errors,
    src: &SourceFile,
) {
    let deps = dependencies(raw, providers, services);
    let floors = floors(raw, &deps);
    let mut waves: BTreeMap<ServiceName, u32> = BTreeMap::new();
    let mut on_stack: Vec<ServiceName> = Vec::new();
    for name in services.keys() {
        if let Err(cycle) = visit(name, &floors, &deps, &mut waves, &mut on_stack) {
            let first = &cycle[0];
            let path: Vec<String> = cycle.iter().map(|s| s.to_string()).collect();
            let e = InputError::new(Code::Cycle, format!("services depend on each other in a cycle: {}", path.join(" → ")))
                .in_file(src)
                .label(raw.services[first].span(), "this service is part of the cycle")
                .help("remove one `depends_on` (implicit dependencies: secrets need the sealed-secrets service, longhorn volumes need longhorn, ingresses need the ingress controller and cert-manager)");
            errs.push(e);
            return;
        }
    }
    for (name, s) in services.iter_mut() {
        s.wave = waves[name];
    }
}

/// Each service's earliest wave: its role's floor; a service with no role,
/// the apps' floor, or one less than the floor of a platform service
/// depending on it (transitively) when that is earlier. Floors only go down and not below 0,
/// so this ends even on a cycle (reported by `visit`).
fn floors(
    raw: &RawSite,
    deps: &BTreeMap<ServiceName, Vec<ServiceName>>,
) -> BTreeMap<ServiceName, u32> {
    let role = |n: &ServiceName| {
        raw.services[n]
            .get_ref()
            .provides
            .iter()
            .map(|c| floor(*c))
            .min()
    };
    let mut out: BTreeMap<ServiceName, u32> = deps
        .keys()
        .map(|n| (n.clone(), role(n).unwrap_or(APPS)))
        .collect();
    loop {
        let mut changed = false;
        // Only the platform (below the apps' floor) pulls; apps keep theirs.
        for (name, ds) in deps {
            if out[name] >= APPS {
                continue;
            }
            let before = out[name].saturating_sub(1);
            for d in ds.iter().filter(|d| role(d).is_none()) {
                if let Some(f) = out.get_mut(d).filter(|f| **f > before) {
                    *f = before;
                    changed = true;
                }
            }
        }
        if !changed {
            return out;
        }
    }
}

fn visit(
    name: &ServiceName,
    floors: &BTreeMap<ServiceName, u32>,
    deps: &BTreeMap<ServiceName, Vec<ServiceName>>,
    waves: &mut BTreeMap<ServiceName, u32>,
    stack: &mut Vec<ServiceName>,
) -> Result<u32, Vec<ServiceName>> {
    if let Some(w) = waves.get(name) {
        return Ok(*w);
    }
    if let Some(pos) = stack.iter().position(|s| s == name) {
        let mut cycle = stack[pos..].to_vec();
        cycle.push(name.clone());
        return Err(cycle);
    }
    stack.push(name.clone());
    let mut wave = floors[name];
    for d in &deps[name] {
        wave = wave.max(visit(d, floors, deps, waves, stack)? + 1);
    }
    stack.pop();
    waves.insert(name.clone(), wave);
    Ok(wave)
}
