//! One service's objects: its namespace, workloads, policies, config, secrets,
//! volumes, ingresses, Longhorn jobs and issuers, then its Application.

use minijinja::{Value as JValue, context};

use super::emit::Renderer;
use super::s;
use super::views::{application_view, workload_view};
use crate::monitoring::Monitoring;
use crate::plan::{Plan, Service, VolumeKind, Workload};

/// One service: its objects, their kustomization, and its Application.
pub(super) fn application(
    w: &mut Renderer,
    plan: &Plan,
    svc: &Service,
    monitoring: Option<&Monitoring>,
) {
    let before = w.objects.len();
    service(w, plan, svc);
    // A chart-only service with nothing of ours gets no manifests source.
    let has_manifests = w.objects.len() > before;
    if has_manifests {
        let folder = format!("apps/{}", svc.name);
        let mut files: Vec<String> = w.objects[before..]
            .iter()
            .map(|o| {
                o.path
                    .rsplit_once('/')
                    .map_or(o.path.clone(), |(_, f)| f.to_string())
            })
            .collect();
        files.sort();
        w.emit(
            "kustomization.yaml",
            context! { resources => s(&files) },
            &folder,
            &format!("the kustomization of `{folder}`"),
        );
    }
    w.emit(
        "argocd/application.yaml",
        context! { service => application_view(svc, monitoring), has_manifests => has_manifests },
        "argocd",
        &format!("the Application of service `{}`", svc.name),
    );
}

/// A workload, its Service and its RBAC.
fn workload(r: &mut Renderer, plan: &Plan, (svc, sv): (&Service, &JValue), w: &Workload) {
    let folder = format!("apps/{}", svc.name);
    let what = |what: &str| format!("{what} `{}` of service `{}`", w.name, svc.name);
    let ctx = context! { service => sv.clone(), workload => workload_view(r, plan, svc, w) };
    r.emit("k8s/workload.yaml", ctx.clone(), &folder, &what("workload"));
    if w.service.is_some() {
        let what = what("the Service of workload");
        r.emit("k8s/service.yaml", ctx.clone(), &folder, &what);
    }
    if w.lan.is_some() {
        let what = what("the LAN Service of workload");
        r.emit("k8s/service-lan.yaml", ctx.clone(), &folder, &what);
    }
    if w.rbac.is_some() {
        let what = what("the RBAC of workload");
        r.emit("k8s/rbac.yaml", ctx, &folder, &what);
    }
}

fn service(r: &mut Renderer, plan: &Plan, svc: &Service) {
    let folder = format!("apps/{}", svc.name);
    let sv = s(svc);
    let of = |what: &str, name: &dyn std::fmt::Display| {
        format!("{what} `{name}` of service `{}`", svc.name)
    };
    if svc.owns_namespace {
        r.emit(
            "k8s/namespace.yaml",
            context! { service => sv.clone() },
            &folder,
            &of("the namespace", &svc.namespace),
        );
    }
    for w in &svc.workloads {
        workload(r, plan, (svc, &sv), w);
    }
    for p in &svc.network_policies {
        r.emit(
            "k8s/networkpolicy.yaml",
            context! { service => sv.clone(), policy => s(p) },
            &folder,
            &of("network policy", &p.name),
        );
    }
    for c in &svc.config_maps {
        let mut c = c.clone();
        for g in std::mem::take(&mut c.generated) {
            if let Some(text) = r.generated.get(&g) {
                c.data.insert(g, text.clone());
            }
        }
        r.emit(
            "k8s/configmap.yaml",
            context! { service => sv.clone(), config_map => s(&c) },
            &folder,
            &of("config map", &c.name),
        );
    }
    for sec in &svc.secrets {
        r.emit(
            "sealed-secrets/sealedsecret.yaml",
            context! { service => sv.clone(), secret => s(sec) },
            &folder,
            &of("secret", &sec.name),
        );
    }
    volumes(r, svc, &sv);
    ingresses(r, svc, &sv);
    for j in &svc.recurring_jobs {
        r.emit(
            "longhorn/recurringjob.yaml",
            context! { service => sv.clone(), job => s(j) },
            &folder,
            &of("the RecurringJob of backup", &j.name),
        );
    }
    for name in &svc.issuers {
        if let Some(i) = plan.issuers.iter().find(|i| &i.name == name) {
            r.emit(
                "cert-manager/clusterissuer.yaml",
                context! { service => sv.clone(), issuer => s(i) },
                &folder,
                &of("ClusterIssuer", &i.name),
            );
        }
    }
}

/// The claims (and local PersistentVolumes) of a service's volumes.
fn volumes(r: &mut Renderer, svc: &Service, sv: &JValue) {
    let folder = format!("apps/{}", svc.name);
    let of = |what: &str, name: &dyn std::fmt::Display| {
        format!("{what} `{name}` of service `{}`", svc.name)
    };
    for v in &svc.volumes {
        let ctx = context! { service => sv.clone(), volume => s(v) };
        match v.kind {
            // A per-pod volume's claims come from its StatefulSet's template.
            VolumeKind::Longhorn if v.per_pod => {}
            VolumeKind::Longhorn => r.emit("k8s/pvc.yaml", ctx, &folder, &of("volume", &v.name)),
            VolumeKind::Local => {
                r.emit(
                    "k8s/pv.yaml",
                    ctx.clone(),
                    &folder,
                    &of("the PersistentVolume of volume", &v.name),
                );
                r.emit("k8s/pvc.yaml", ctx, &folder, &of("volume", &v.name));
            }
            // Host paths are pod volumes; chart volumes are the chart's.
            VolumeKind::HostPath | VolumeKind::Chart => {}
        }
    }
}

/// Each ingress, its deny route and its Traefik Middlewares.
fn ingresses(r: &mut Renderer, svc: &Service, sv: &JValue) {
    let folder = format!("apps/{}", svc.name);
    let of = |what: &str, name: &dyn std::fmt::Display| {
        format!("{what} `{name}` of service `{}`", svc.name)
    };
    for i in &svc.ingresses {
        r.emit(
            "k8s/ingress.yaml",
            context! { service => sv.clone(), ingress => s(i) },
            &folder,
            &of("ingress", &i.name),
        );
        if i.deny_route.is_some() {
            r.emit(
                "traefik/deny-ingress.yaml",
                context! { service => sv.clone(), ingress => s(i) },
                &folder,
                &of("the denied paths of ingress", &i.name),
            );
        }
        for mw in &i.middlewares {
            r.emit(
                "traefik/middleware.yaml",
                context! { service => sv.clone(), middleware => s(mw) },
                &folder,
                &of("the Traefik Middleware of ingress", &i.name),
            );
        }
    }
}
