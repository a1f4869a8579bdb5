//! From `RawSite` to `Plan`: defaults, reference resolution, derived objects.
//! Every problem is collected (not just the first) and points at the line in
//! site.toml that makes the reference. One file per job: references
//! (`resolve`), duplicates, services, workloads, mounts, volumes, ingresses, and
//! one per backup kind.

mod backup;
mod container;
mod database;
mod duplicates;
mod exposure;
mod ingress;
mod issuer;
mod lifecycle;
mod mounts;
mod netpol;
mod placement;
mod resolve;
mod service;
mod target;
mod volume;
mod workload;

use std::collections::BTreeMap;

use crate::diag::{Code, Errors};
use crate::plan::*;
use crate::site::model::{Capability, RawSite};
use crate::site::{Loaded, kube};

use resolve::Ctx;

/// Build the plan, or every input error found on the way.
pub fn plan(loaded: &Loaded) -> Result<Plan, Errors> {
    let raw = &loaded.raw;
    let mut ctx = Ctx {
        src: &loaded.source,
        raw,
        errs: Errors::default(),
        ns_services: BTreeMap::new(),
    };
    for name in raw.services.keys() {
        let ns = ctx.namespace_of(name);
        ctx.ns_services
            .entry(ns.to_string())
            .or_default()
            .push(name);
    }
    duplicates::check(&mut ctx);
    let workloads: Vec<_> = raw
        .services
        .values()
        .flat_map(|s| s.get_ref().workloads.iter().map(|(n, w)| (n, w.get_ref())))
        .collect();
    exposure::check_unique(&mut ctx, &workloads);

    let site = &raw.site;
    if let Some(i) = &site.default_issuer
        && !raw.issuers.contains_key(i.get_ref())
    {
        ctx.err(
            Code::Dangling,
            format!("issuer `{}` is not declared", i.get_ref()),
            i.span(),
            "unknown issuer",
            "declare it under [issuers]",
        );
    }

    cluster(&mut ctx);
    ingress::check_networks(&mut ctx);

    let providers = providers(raw);
    let mut services: ServiceMap = BTreeMap::new();
    for (name, svc) in &raw.services {
        let p = service::service(&mut ctx, name, svc);
        services.insert(name.clone(), p);
    }
    volume::check_per_pod(&mut ctx, &services);
    let targets = target::targets(&mut ctx, &providers);
    let backups = backup::backups(&mut ctx, &mut services, &providers, &targets);

    let issuers = issuer::issuers(&mut ctx, &providers, &mut services);
    super::helm::apply_presets(raw, &targets, &mut services, &mut ctx.errs, ctx.src);
    super::graph::assign_waves(raw, &providers, &mut services, &mut ctx.errs, ctx.src);
    netpol::policies(&ctx, &mut services, &backups);

    let plan = Plan {
        site: site_of(raw),
        argocd: Argo {
            namespace: raw.argocd.namespace.clone(),
            project: site.name.to_string(),
        },
        nodes: nodes(raw),
        issuers,
        services: services.into_values().collect(),
        backups,
        dr: Dr {
            age_recipient: raw.dr.age_recipient.clone(),
        },
        targets,
    };
    ctx.errs.into_result(plan)
}

/// `[site] kubernetes` inside the supported window, `[site] timezone` a zone of
/// the IANA database.
fn cluster(ctx: &mut Ctx) {
    let site = &ctx.raw.site;
    if let Some(v) = &site.kubernetes
        && let Err(e) = kube::parse_version(v.get_ref())
    {
        let (lo, hi) = (kube::SUPPORTED.start(), kube::SUPPORTED.end());
        ctx.err(
            Code::Kubernetes,
            format!("`kubernetes = \"{}\"`: {e}", v.get_ref()),
            v.span(),
            "unsupported Kubernetes version",
            format!(
                "set `kubernetes` to the minor version your API server runs, \"1.{lo}\" to \"1.{hi}\" (`kubectl version` prints it), or remove it for 1.{}",
                kube::DEFAULT_MINOR
            ),
        );
    }
    if let Some(tz) = &site.timezone
        && let Err(e) = kube::check_time_zone(tz.get_ref())
    {
        let help = match &e.suggestion {
            Some(s) => format!("did you mean `{s}`?"),
            None => "use an IANA zone name such as `Europe/Madrid` or `UTC`".to_string(),
        };
        ctx.err(
            Code::TimeZone,
            format!("time zone {}; CronJobs would be refused", e.message),
            tz.span(),
            "not an IANA time zone",
            help,
        );
    }
}

/// Capability → the services providing it, sorted by name.
pub(super) fn providers(raw: &RawSite) -> BTreeMap<Capability, Vec<ServiceName>> {
    let mut out: BTreeMap<Capability, Vec<ServiceName>> = BTreeMap::new();
    for (name, s) in &raw.services {
        for c in &s.get_ref().provides {
            out.entry(*c).or_default().push(name.clone());
        }
    }
    out
}

fn site_of(raw: &RawSite) -> Site {
    let site = &raw.site;
    Site {
        name: site.name.clone(),
        domain: site.domain.get_ref().to_string(),
        repo_url: site.repo_url.clone(),
        revision: site.revision.clone(),
        rendered_path: site.rendered_path.trim_matches('/').to_string(),
        timezone: site.time_zone(),
        kube_minor: crate::site::kube::minor(site),
        ingress_controller: site.ingress_controller,
        ingress_class: site.ingress_class(),
        longhorn_replicas: site.longhorn_replicas,
        span: site.domain.span(),
    }
}

fn nodes(raw: &RawSite) -> Vec<Node> {
    raw.nodes
        .iter()
        .map(|(name, n)| Node {
            name: name.clone(),
            arch: n.get_ref().arch,
            roles: n.get_ref().roles.clone(),
            labels: n.get_ref().labels.clone(),
            span: n.span(),
        })
        .collect()
}
