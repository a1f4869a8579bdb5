//! From `RawSite` to `Plan`: defaults, reference resolution, derived objects.
//! Every problem is collected (not just the first) and points at the line in
//! site.toml that makes the reference.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use crate::site::spanned::Spanned;
use serde_json::{Value, json};

use super::*;
use crate::diag::{Errors, InputError, SourceFile, closest};
use crate::site::Loaded;
use crate::site::model::{self as m, Capability, RawSite};

/// Namespaces Kubernetes creates itself; nobody renders a Namespace object for them.
const SYSTEM_NAMESPACES: [&str; 4] = ["default", "kube-system", "kube-public", "kube-node-lease"];

struct Ctx<'a> {
    src: &'a SourceFile,
    raw: &'a RawSite,
    errs: Errors,
    /// namespace → the services living in it.
    ns_services: BTreeMap<String, Vec<&'a ServiceName>>,
}

impl<'a> Ctx<'a> {
    fn err(
        &mut self,
        code: &'static str,
        msg: impl Into<String>,
        span: Range<usize>,
        label: &str,
        help: impl Into<String>,
    ) {
        let e = InputError::new(code, msg)
            .in_file(self.src)
            .label(span, label)
            .help(help);
        self.errs.push(e);
    }

    fn namespace_of(&self, svc: &ServiceName) -> Namespace {
        let s = &self.raw.services[svc];
        s.get_ref().namespace.clone().unwrap_or_else(|| {
            Namespace::new(svc.as_str()).expect("service names are valid namespaces")
        })
    }

    /// Services sharing `ns`, including `svc` itself.
    fn neighbours(&self, ns: &Namespace) -> Vec<&'a ServiceName> {
        self.ns_services
            .get(ns.as_str())
            .cloned()
            .unwrap_or_default()
    }

    fn find_secret(&self, ns: &Namespace, name: &SecretName) -> Option<&'a m::Secret> {
        self.neighbours(ns).into_iter().find_map(|s| {
            self.raw.services[s]
                .get_ref()
                .secrets
                .get(name)
                .map(|x| x.get_ref())
        })
    }

    fn find_config_map(&self, ns: &Namespace, name: &ConfigMapName) -> Option<&'a m::ConfigMap> {
        self.neighbours(ns)
            .into_iter()
            .find_map(|s| self.raw.services[s].get_ref().config_maps.get(name))
    }

    fn find_volume(&self, ns: &Namespace, name: &VolumeName) -> Option<&'a m::Volume> {
        self.neighbours(ns).into_iter().find_map(|s| {
            self.raw.services[s]
                .get_ref()
                .volumes
                .get(name)
                .map(|x| x.get_ref())
        })
    }

    fn secret_names_in(&self, ns: &Namespace) -> Vec<&'a str> {
        self.neighbours(ns)
            .into_iter()
            .flat_map(|s| {
                self.raw.services[s]
                    .get_ref()
                    .secrets
                    .keys()
                    .map(|k| k.as_str())
            })
            .collect()
    }

    /// Check `secret`/`key` exist in `ns`; report at `span` otherwise.
    fn check_secret_key(
        &mut self,
        ns: &Namespace,
        secret: &SecretName,
        key: Option<&crate::site::names::DataKey>,
        span: Range<usize>,
    ) {
        match self.find_secret(ns, secret) {
            None => {
                let names = self.secret_names_in(ns);
                let help = match closest(secret.as_str(), names.iter().copied()) {
                    Some(c) => format!("did you mean `{c}`?"),
                    None => format!(
                        "declare it under [services.<name>.secrets.{secret}] in a service of namespace `{ns}`"
                    ),
                };
                self.err(
                    "hearth::dangling",
                    format!("secret `{secret}` does not exist in namespace `{ns}`"),
                    span,
                    "referenced here",
                    help,
                );
            }
            Some(s) => {
                if let Some(key) = key
                    && !s.keys.contains_key(key)
                {
                    let keys: Vec<&str> = s.keys.keys().map(|k| k.as_str()).collect();
                    let help = match closest(key.as_str(), keys.iter().copied()) {
                        Some(c) => format!("did you mean `{c}`?"),
                        None => format!("keys of `{secret}`: {}", keys.join(", ")),
                    };
                    self.err(
                        "hearth::dangling",
                        format!("secret `{secret}` has no key `{key}`"),
                        span,
                        "referenced here",
                        help,
                    );
                }
            }
        }
    }

    fn check_node(&mut self, node: &Spanned<NodeName>) {
        if !self.raw.nodes.contains_key(node.get_ref()) {
            let names: Vec<&str> = self.raw.nodes.keys().map(|n| n.as_str()).collect();
            let help = match closest(node.get_ref().as_str(), names.iter().copied()) {
                Some(c) => format!("did you mean `{c}`?"),
                None => format!("declare it as [nodes.{}]", node.get_ref()),
            };
            self.err(
                "hearth::dangling",
                format!("node `{}` is not declared", node.get_ref()),
                node.span(),
                "unknown node",
                help,
            );
        }
    }

    /// Resolve a `service/volume` reference to a declared volume, or report it.
    fn volume_ref(
        &mut self,
        services: &BTreeMap<ServiceName, PService>,
        r: &Spanned<String>,
    ) -> Option<(ServiceName, String)> {
        let (svc, vol) = self.split_ref(r, "volume")?;
        if services
            .get(&svc)
            .is_some_and(|s| s.volumes.iter().any(|v| v.name.as_str() == vol))
        {
            return Some((svc, vol));
        }
        self.err(
            "hearth::dangling",
            format!("service `{svc}` has no volume `{vol}`"),
            r.span(),
            "referenced here",
            "name a volume declared under that service",
        );
        None
    }

    /// Parse `service/name` references.
    fn split_ref(&mut self, r: &Spanned<String>, what: &str) -> Option<(ServiceName, String)> {
        let Some((svc, name)) = r.get_ref().split_once('/') else {
            self.err(
                "hearth::reference",
                format!("`{}` is not a `service/{what}` reference", r.get_ref()),
                r.span(),
                "expected `service/name`",
                format!("write it as `<service>/<{what}>`"),
            );
            return None;
        };
        match ServiceName::new(svc) {
            Ok(s) if self.raw.services.contains_key(&s) => Some((s, name.to_string())),
            _ => {
                let names: Vec<&str> = self.raw.services.keys().map(|n| n.as_str()).collect();
                let help = closest(svc, names.iter().copied()).map_or_else(
                    || "declare the service under [services]".to_string(),
                    |c| format!("did you mean `{c}`?"),
                );
                self.err(
                    "hearth::dangling",
                    format!("service `{svc}` does not exist"),
                    r.span(),
                    "referenced here",
                    help,
                );
                None
            }
        }
    }
}

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
    check_duplicates(&mut ctx);

    let site = &raw.site;
    if let Some(i) = &site.default_issuer
        && !raw.issuers.contains_key(i.get_ref())
    {
        ctx.err(
            "hearth::dangling",
            format!("issuer `{}` is not declared", i.get_ref()),
            i.span(),
            "unknown issuer",
            "declare it under [issuers]",
        );
    }

    let providers = providers(raw);
    let mut services: BTreeMap<ServiceName, PService> = BTreeMap::new();
    for (name, svc) in &raw.services {
        let p = service(&mut ctx, name, svc);
        services.insert(name.clone(), p);
    }
    let backups = backups(&mut ctx, &mut services, &providers);

    let issuer_home = providers
        .get(&Capability::CertManager)
        .and_then(|v| v.first())
        .cloned();
    if let Some(home) = &issuer_home
        && let Some(s) = services.get_mut(home)
    {
        s.issuers = raw.issuers.keys().cloned().collect();
    }
    let issuers = raw
        .issuers
        .iter()
        .map(|(name, i)| PIssuer {
            name: name.clone(),
            acme_server: i.get_ref().acme_server.clone(),
            email: i.get_ref().email.clone(),
            ingress_class: i.get_ref().ingress_class.clone(),
            service: issuer_home.clone(),
        })
        .collect();

    super::helm::apply_presets(raw, &mut services, &mut ctx.errs, ctx.src);
    let runbook = format!(
        "{}/blob/{}/{}/dr/RUNBOOK.md",
        site.repo_url.trim_end_matches(".git"),
        site.revision,
        site.rendered_path.trim_matches('/')
    );
    let monitoring =
        crate::monitoring::plan(raw, ctx.src, &services, &backups, &runbook, &mut ctx.errs);
    crate::monitoring::apply(
        raw,
        ctx.src,
        monitoring.as_ref(),
        &mut services,
        &mut ctx.errs,
    );
    super::helm::escape_tpl_values(&mut services);
    super::graph::assign_waves(raw, &providers, &mut services, &mut ctx.errs, ctx.src);

    let nodes = raw
        .nodes
        .iter()
        .map(|(name, n)| PNode {
            name: name.clone(),
            arch: format!("{:?}", n.get_ref().arch).to_lowercase(),
            roles: n
                .get_ref()
                .roles
                .iter()
                .map(|r| format!("{r:?}").to_lowercase())
                .collect(),
            labels: n.get_ref().labels.clone(),
            span: n.span(),
        })
        .collect();

    let plan = Plan {
        site: SiteInfo {
            name: site.name.clone(),
            domain: site.domain.get_ref().to_string(),
            repo_url: site.repo_url.clone(),
            revision: site.revision.clone(),
            rendered_path: site.rendered_path.trim_matches('/').to_string(),
            timezone: site.timezone.clone(),
            ingress_class: site.ingress_class.clone(),
            longhorn_replicas: site.longhorn_replicas,
            span: site.domain.span(),
        },
        argocd: ArgoInfo {
            namespace: raw.argocd.namespace.clone(),
            project: site.name.to_string(),
        },
        nodes,
        issuers,
        services: services.into_values().collect(),
        backups,
        dr: DrInfo {
            age_recipient: raw.dr.age_recipient.clone(),
        },
        monitoring,
        targets: raw
            .backup_targets
            .iter()
            .map(|(name, t)| PTarget {
                name: name.clone(),
                url: t.get_ref().url.clone(),
                credentials: t
                    .get_ref()
                    .credentials
                    .as_ref()
                    .map(|c| c.get_ref().clone()),
                span: t.span(),
            })
            .collect(),
    };
    ctx.errs.into_result(plan)
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

/// Two objects of one kind with one name in one namespace would overwrite each other.
fn check_duplicates(ctx: &mut Ctx) {
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
            "hearth::duplicate",
            format!("duplicate {kind} `{name}` in namespace `{ns}`"),
        )
        .in_file(ctx.src)
        .label(span, format!("declared again by service `{svc}`"))
        .label(other_span, format!("first declared by service `{other}`"))
        .help("names are unique per namespace and kind: rename one of them");
        ctx.errs.push(e);
    }
}

fn exceptions(list: &[Spanned<m::Exception>]) -> Vec<PException> {
    list.iter()
        .map(|e| PException {
            rule: e.get_ref().rule.clone(),
            reason: e.get_ref().reason.clone(),
            until: e.get_ref().until.clone(),
            span: e.span(),
        })
        .collect()
}

fn std_labels(
    workload: &str,
    service: &str,
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let selector: BTreeMap<String, String> = [
        ("app.kubernetes.io/name".to_string(), workload.to_string()),
        ("app.kubernetes.io/part-of".to_string(), service.to_string()),
    ]
    .into();
    let mut labels = selector.clone();
    labels.insert("app.kubernetes.io/managed-by".into(), "hearth".into());
    (labels, selector)
}

fn service(ctx: &mut Ctx, name: &ServiceName, svc: &Spanned<m::Service>) -> PService {
    let s = svc.get_ref();
    let raw = ctx.raw;
    let ns = ctx.namespace_of(name);
    let neighbours = ctx.neighbours(&ns);
    let owns_namespace = !SYSTEM_NAMESPACES.contains(&ns.as_str())
        && (neighbours.iter().any(|n| n.as_str() == ns.as_str()) && name.as_str() == ns.as_str()
            || !neighbours.iter().any(|n| n.as_str() == ns.as_str())
                && neighbours.first().is_some_and(|f| *f == name));

    for d in &s.depends_on {
        if !raw.services.contains_key(d.get_ref()) {
            let names: Vec<&str> = raw.services.keys().map(|n| n.as_str()).collect();
            let help = closest(d.get_ref().as_str(), names.iter().copied()).map_or_else(
                || "declare it under [services]".to_string(),
                |c| format!("did you mean `{c}`?"),
            );
            ctx.err(
                "hearth::dangling",
                format!("service `{}` does not exist", d.get_ref()),
                d.span(),
                "referenced here",
                help,
            );
        }
    }

    let helm = s.helm.as_ref().map(|h| {
        let hv = h.get_ref();
        let v = hv.version.get_ref();
        let floating = v.is_empty()
            || v.chars()
                .any(|c| matches!(c, '^' | '~' | '*' | '>' | '<' | '=' | ' ' | 'x' | 'X'));
        if floating {
            ctx.err(
                "hearth::version",
                format!("chart version `{v}` is not exact"),
                hv.version.span(),
                "a range or wildcard",
                "pin the exact chart version, e.g. `1.15.1`, so every render is the same",
            );
        }
        PHelm {
            repo: hv.repo.clone(),
            chart: hv.chart.clone(),
            version: v.clone(),
            release: hv.release.clone().unwrap_or_else(|| name.to_string()),
            values: Value::Object(hv.values.clone()),
        }
    });

    let workloads = s
        .workloads
        .iter()
        .map(|(wn, w)| workload(ctx, name, &ns, wn, w))
        .collect();

    let config_maps = s
        .config_maps
        .iter()
        .map(|(n, c)| PConfigMap {
            name: n.clone(),
            data: c
                .data
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            generated: Vec::new(),
        })
        .collect();

    let secrets = s
        .secrets
        .iter()
        .map(|(n, sec)| PSecret {
            name: n.clone(),
            r#type: sec
                .get_ref()
                .r#type
                .clone()
                .unwrap_or_else(|| "Opaque".into()),
            encrypted: sec
                .get_ref()
                .keys
                .iter()
                .map(|(k, v)| (k.to_string(), v.get_ref().as_str().to_string()))
                .collect(),
            regenerable: sec.get_ref().regenerable.clone(),
            allow: exceptions(&sec.get_ref().allow),
            span: sec.span(),
        })
        .collect();

    let volumes = s
        .volumes
        .iter()
        .map(|(vn, v)| volume(ctx, name, &ns, vn, v))
        .collect();
    let ingresses = s
        .ingresses
        .iter()
        .map(|(iname, i)| ingress(ctx, name, &ns, iname, i))
        .collect();

    let databases = s
        .databases
        .iter()
        .filter_map(|(dn, d)| {
            let wl = single_workload(ctx, s, d.get_ref().workload.as_ref(), d.span(), "database")?;
            Some(PDatabase {
                name: dn.clone(),
                host: format!("{wl}.{ns}.svc"),
                workload: wl,
                port: d.get_ref().port,
                owner: d.get_ref().owner.clone(),
                span: d.span(),
            })
        })
        .collect();

    PService {
        name: name.clone(),
        namespace: ns,
        description: s.description.clone(),
        wave: 0,
        owns_namespace,
        prune: s.prune.unwrap_or(raw.argocd.prune),
        self_heal: s.self_heal.unwrap_or(raw.argocd.self_heal),
        depends_on: s.depends_on.iter().map(|d| d.get_ref().clone()).collect(),
        capabilities: s.provides.iter().map(|c| format!("{c:?}")).collect(),
        helm,
        workloads,
        config_maps,
        secrets,
        volumes,
        ingresses,
        databases,
        recurring_jobs: Vec::new(),
        issuers: Vec::new(),
        allow: exceptions(&s.allow),
        span: svc.span(),
    }
}

/// Resolve an optional workload reference, defaulting to the service's only workload.
fn single_workload(
    ctx: &mut Ctx,
    s: &m::Service,
    wl: Option<&Spanned<WorkloadName>>,
    span: Range<usize>,
    what: &str,
) -> Option<WorkloadName> {
    match wl {
        Some(w) if s.workloads.contains_key(w.get_ref()) => Some(w.get_ref().clone()),
        Some(w) => {
            let names: Vec<&str> = s.workloads.keys().map(|n| n.as_str()).collect();
            let help = closest(w.get_ref().as_str(), names.iter().copied()).map_or_else(
                || format!("workloads of this service: {}", names.join(", ")),
                |c| format!("did you mean `{c}`?"),
            );
            ctx.err(
                "hearth::dangling",
                format!("workload `{}` does not exist in this service", w.get_ref()),
                w.span(),
                "referenced here",
                help,
            );
            None
        }
        None if s.workloads.len() == 1 => s.workloads.keys().next().cloned(),
        None => {
            ctx.err(
                "hearth::ambiguous",
                format!("this {what} must name its `workload`"),
                span,
                "which workload?",
                format!(
                    "the service has {} workloads; set `workload = \"…\"`",
                    s.workloads.len()
                ),
            );
            None
        }
    }
}

fn quantity_map(a: &Option<m::ResourceAmounts>) -> Option<Value> {
    let a = a.as_ref()?;
    let mut map = serde_json::Map::new();
    if let Some(c) = &a.cpu {
        map.insert("cpu".into(), json!(c.as_str()));
    }
    if let Some(mm) = &a.memory {
        map.insert("memory".into(), json!(mm.as_str()));
    }
    (!map.is_empty()).then_some(Value::Object(map))
}

pub(super) fn resources(r: &Option<m::Resources>) -> Option<Value> {
    let r = r.as_ref()?;
    let mut map = serde_json::Map::new();
    if let Some(q) = quantity_map(&r.requests) {
        map.insert("requests".into(), q);
    }
    if let Some(q) = quantity_map(&r.limits) {
        map.insert("limits".into(), q);
    }
    (!map.is_empty()).then_some(Value::Object(map))
}

fn workload(
    ctx: &mut Ctx,
    svc: &ServiceName,
    ns: &Namespace,
    name: &WorkloadName,
    w: &Spanned<m::Workload>,
) -> PWorkload {
    let span = w.span();
    let w = w.get_ref();
    use m::WorkloadKind as K;
    let (kind, api_version) = match w.kind {
        K::Deployment => ("Deployment", "apps/v1"),
        K::StatefulSet => ("StatefulSet", "apps/v1"),
        K::DaemonSet => ("DaemonSet", "apps/v1"),
        K::CronJob => ("CronJob", "batch/v1"),
    };
    match (w.kind, &w.schedule) {
        (K::CronJob, None) => ctx.err(
            "hearth::schedule",
            format!("cron job `{name}` has no `schedule`"),
            span.clone(),
            "this workload",
            "add `schedule = \"0 4 * * *\"` (five cron fields)",
        ),
        (k, Some(_)) if k != K::CronJob => ctx.err(
            "hearth::schedule",
            format!("`schedule` only applies to cron jobs, and `{name}` is a {kind}"),
            span.clone(),
            "this workload",
            "remove `schedule`, or set `kind = \"cron-job\"`",
        ),
        _ => {}
    }
    if w.replicas.is_some() && matches!(w.kind, K::DaemonSet | K::CronJob) {
        ctx.err(
            "hearth::replicas",
            format!("a {kind} has no `replicas`"),
            span.clone(),
            "this workload",
            "remove `replicas`",
        );
    }
    if let Some(n) = &w.node {
        ctx.check_node(n);
    }
    let (labels, selector) = std_labels(name.as_str(), svc.as_str());

    let ports: Vec<Value> = w
        .ports
        .iter()
        .map(|(pn, p)| json!({ "name": pn.as_str(), "containerPort": p.port, "protocol": protocol(p.protocol) }))
        .collect();
    let service_ports: Vec<Value> = w
        .ports
        .iter()
        .filter_map(|(pn, p)| p.service.map(|sp| json!({ "name": pn.as_str(), "port": sp, "targetPort": pn.as_str(), "protocol": protocol(p.protocol) })))
        .collect();

    let mut env = Vec::new();
    for (k, v) in &w.env {
        env.push(env_var(ctx, ns, k, v));
    }
    let mut env_from = Vec::new();
    for ef in &w.env_from {
        let e = ef.get_ref();
        match (&e.secret, &e.config_map) {
            (Some(s), None) => {
                ctx.check_secret_key(ns, s, None, ef.span());
                env_from.push(json!({ "secretRef": { "name": s.as_str() } }));
            }
            (None, Some(c)) => {
                if ctx.find_config_map(ns, c).is_none() {
                    ctx.err(
                        "hearth::dangling",
                        format!("config map `{c}` does not exist in namespace `{ns}`"),
                        ef.span(),
                        "referenced here",
                        "declare it under [services.<name>.config_maps]",
                    );
                }
                env_from.push(json!({ "configMapRef": { "name": c.as_str() } }));
            }
            _ => ctx.err(
                "hearth::env",
                "`env_from` entries name exactly one of `secret` or `config_map`",
                ef.span(),
                "this entry",
                "split it in two entries",
            ),
        }
    }

    let mut pod_annotations = BTreeMap::new();
    if let Some(mt) = &w.metrics {
        match w.ports.get(&mt.port) {
            Some(p) => {
                pod_annotations.insert("prometheus.io/scrape".to_string(), "true".to_string());
                pod_annotations.insert("prometheus.io/port".to_string(), p.port.to_string());
                if let Some(path) = &mt.path {
                    pod_annotations.insert("prometheus.io/path".to_string(), path.clone());
                }
            }
            None => ctx.err(
                "hearth::dangling",
                format!("metrics port `{}` is not a port of `{name}`", mt.port),
                span.clone(),
                "this workload",
                "name one of the workload's `ports`",
            ),
        }
    }

    let probe = |ctx: &mut Ctx, p: &Option<Spanned<m::Probe>>| -> Option<Value> {
        let p = p.as_ref()?;
        let (pspan, pr) = (p.span(), p.get_ref());
        let port = match &pr.port {
            Some(pn) if w.ports.contains_key(pn) => Some(pn.as_str().to_string()),
            Some(pn) => {
                ctx.err(
                    "hearth::dangling",
                    format!("probe port `{pn}` is not a port of `{name}`"),
                    pspan.clone(),
                    "this probe",
                    "name one of the workload's `ports`",
                );
                None
            }
            None if w.ports.len() == 1 => w.ports.keys().next().map(|k| k.to_string()),
            None => None,
        };
        let mut out = serde_json::Map::new();
        let kinds = pr.http.is_some() as u8 + pr.tcp as u8 + pr.exec.is_some() as u8;
        if kinds != 1 {
            ctx.err(
                "hearth::probe",
                "a probe has exactly one of `http`, `tcp` or `exec`",
                pspan,
                "this probe",
                "e.g. `{ http = \"/health\", port = \"http\" }`",
            );
            return None;
        }
        if let Some(path) = &pr.http {
            out.insert(
                "httpGet".into(),
                json!({ "path": path, "port": port.clone().unwrap_or_default() }),
            );
        } else if pr.tcp {
            out.insert(
                "tcpSocket".into(),
                json!({ "port": port.clone().unwrap_or_default() }),
            );
        } else if let Some(cmd) = &pr.exec {
            out.insert("exec".into(), json!({ "command": cmd }));
        }
        if (pr.http.is_some() || pr.tcp) && port.is_none() {
            ctx.err(
                "hearth::probe",
                "this probe needs a `port`",
                pspan,
                "this probe",
                "set `port` to a port name of the workload",
            );
        }
        if let Some(v) = pr.initial_delay {
            out.insert("initialDelaySeconds".into(), json!(v));
        }
        if let Some(v) = pr.period {
            out.insert("periodSeconds".into(), json!(v));
        }
        if let Some(v) = pr.failure_threshold {
            out.insert("failureThreshold".into(), json!(v));
        }
        Some(Value::Object(out))
    };
    let liveness = probe(ctx, &w.probes.liveness);
    let readiness = probe(ctx, &w.probes.readiness);
    let startup = probe(ctx, &w.probes.startup);

    let sec = &w.security;
    let mut security = serde_json::Map::new();
    if sec.privileged {
        security.insert("privileged".into(), json!(true));
    }
    if !sec.capabilities.is_empty() || sec.drop_all {
        let mut caps = serde_json::Map::new();
        if !sec.capabilities.is_empty() {
            caps.insert("add".into(), json!(sec.capabilities));
        }
        if sec.drop_all {
            caps.insert("drop".into(), json!(["ALL"]));
        }
        security.insert("capabilities".into(), Value::Object(caps));
    }
    if sec.drop_all && !sec.privileged {
        security.insert("allowPrivilegeEscalation".into(), json!(false));
    }
    if let Some(u) = sec.run_as_user {
        security.insert("runAsUser".into(), json!(u));
    }
    if let Some(g) = sec.run_as_group {
        security.insert("runAsGroup".into(), json!(g));
    }
    if sec.read_only_root {
        security.insert("readOnlyRootFilesystem".into(), json!(true));
    }
    let pod_security = sec.fs_group.map(|g| json!({ "fsGroup": g }));

    let (volumes, mounts) = mounts(ctx, ns, name, w);

    let rbac = w.rbac.as_ref().map(|r| PRbac {
        cluster: r.cluster,
        rules: r.rules.iter().map(|rule| json!({ "apiGroups": rule.api_groups, "resources": rule.resources, "verbs": rule.verbs })).collect(),
    });

    PWorkload {
        name: name.clone(),
        kind,
        api_version,
        replicas: match w.kind {
            K::Deployment | K::StatefulSet => Some(w.replicas.unwrap_or(1)),
            _ => None,
        },
        strategy: w.strategy.map(|s| match s {
            m::Strategy::Recreate => "Recreate",
            m::Strategy::RollingUpdate => "RollingUpdate",
        }),
        cron: w
            .schedule
            .as_ref()
            .map(|c| PCron::new(c.to_string(), ctx.raw.site.timezone.clone())),
        labels,
        selector,
        pod_annotations,
        node: w.node.as_ref().map(|n| n.get_ref().clone()),
        tolerate_control_plane: w.tolerate_control_plane,
        host_network: w.host_network,
        service_account: rbac.as_ref().map(|_| name.to_string()),
        rbac,
        container: PContainer {
            name: name.to_string(),
            image: w.image.get_ref().to_string(),
            command: w.command.clone(),
            args: w.args.clone(),
            env,
            env_from,
            ports,
            resources: resources(&w.resources),
            liveness,
            readiness,
            startup,
            security: (!security.is_empty()).then_some(Value::Object(security)),
            mounts,
        },
        pod_security,
        volumes,
        service: (!service_ports.is_empty()).then(|| PServicePorts {
            name: name.to_string(),
            ports: service_ports,
        }),
        origin: "site".into(),
        security_reason: w.security.reason.clone(),
        produces: w
            .metrics
            .as_ref()
            .map(|m| m.produces.clone())
            .unwrap_or_default(),
        allow: exceptions(&w.allow),
        span,
    }
}

fn protocol(p: m::Protocol) -> &'static str {
    match p {
        m::Protocol::Tcp => "TCP",
        m::Protocol::Udp => "UDP",
    }
}

fn env_var(ctx: &mut Ctx, ns: &Namespace, name: &str, v: &Spanned<m::EnvValue>) -> Value {
    match v.get_ref() {
        m::EnvValue::Literal(s) => json!({ "name": name, "value": s }),
        m::EnvValue::From(src) => match (&src.secret, &src.config_map, &src.field, &src.key) {
            (Some(s), None, None, Some(k)) => {
                ctx.check_secret_key(ns, s, Some(k), v.span());
                json!({ "name": name, "valueFrom": { "secretKeyRef": { "name": s.as_str(), "key": k.as_str() } } })
            }
            (None, Some(c), None, Some(k)) => {
                match ctx.find_config_map(ns, c) {
                    None => ctx.err(
                        "hearth::dangling",
                        format!("config map `{c}` does not exist in namespace `{ns}`"),
                        v.span(),
                        "referenced here",
                        "declare it under [services.<name>.config_maps]",
                    ),
                    Some(cm) if !cm.data.contains_key(k) => ctx.err(
                        "hearth::dangling",
                        format!("config map `{c}` has no key `{k}`"),
                        v.span(),
                        "referenced here",
                        "add the key to the config map's `data`",
                    ),
                    _ => {}
                }
                json!({ "name": name, "valueFrom": { "configMapKeyRef": { "name": c.as_str(), "key": k.as_str() } } })
            }
            (None, None, Some(f), None) => {
                json!({ "name": name, "valueFrom": { "fieldRef": { "fieldPath": f } } })
            }
            _ => {
                ctx.err("hearth::env", format!("env `{name}` must be a string, `{{ secret, key }}`, `{{ config_map, key }}` or `{{ field }}`"), v.span(), "this value", "e.g. `{ secret = \"app-secret\", key = \"PASSWORD\" }`");
                json!({ "name": name, "value": "" })
            }
        },
    }
}

fn parse_mode(ctx: &mut Ctx, mode: &Option<String>, span: Range<usize>) -> Option<u32> {
    let m = mode.as_ref()?;
    match u32::from_str_radix(m.trim_start_matches("0o"), 8) {
        Ok(v) if v <= 0o777 => Some(v),
        _ => {
            ctx.err(
                "hearth::mode",
                format!("`{m}` is not an octal file mode"),
                span,
                "this mount",
                "write the mode as an octal string, e.g. \"0440\"",
            );
            None
        }
    }
}

/// Pod volumes and container mounts of a workload, each pod volume declared once.
fn mounts(
    ctx: &mut Ctx,
    ns: &Namespace,
    wname: &WorkloadName,
    w: &m::Workload,
) -> (Vec<Value>, Vec<Value>) {
    let mut volumes: BTreeMap<String, Value> = BTreeMap::new();
    let mut mounts = Vec::new();
    for (i, mt) in w.mounts.iter().enumerate() {
        let span = mt.span();
        let m = mt.get_ref();
        let sources = m.volume.is_some() as u8
            + m.secret.is_some() as u8
            + m.config_map.is_some() as u8
            + m.empty_dir as u8;
        if sources != 1 {
            ctx.err(
                "hearth::mount",
                "a mount has exactly one of `volume`, `secret`, `config_map` or `empty_dir`",
                span,
                "this mount",
                "split it into one mount per source",
            );
            continue;
        }
        let mode = parse_mode(ctx, &m.mode, span.clone());
        let (vol_name, vol) = if let Some(v) = &m.volume {
            match ctx.find_volume(ns, v) {
                None => {
                    ctx.err(
                        "hearth::dangling",
                        format!("volume `{v}` does not exist in namespace `{ns}`"),
                        span,
                        "referenced here",
                        "declare it under [services.<name>.volumes]",
                    );
                    continue;
                }
                Some(vol) => {
                    if let (Some(vnode), Some(wnode)) = (&vol.node, &w.node)
                        && vol.kind == m::VolumeKind::Local
                        && vnode.get_ref() != wnode.get_ref()
                    {
                        ctx.err(
                            "hearth::node",
                            format!(
                                "`{wname}` is pinned to `{}` but volume `{v}` lives on `{}`",
                                wnode.get_ref(),
                                vnode.get_ref()
                            ),
                            span.clone(),
                            "this mount",
                            "pin the workload to the volume's node",
                        );
                    }
                    let src = match vol.kind {
                        m::VolumeKind::HostPath => {
                            json!({ "hostPath": { "path": vol.path.as_ref().map(|p| p.as_str()).unwrap_or("/"), "type": "DirectoryOrCreate" } })
                        }
                        m::VolumeKind::Chart => {
                            ctx.err("hearth::mount", format!("volume `{v}` is created by a Helm chart and cannot be mounted here"), span, "this mount", "mount a volume declared with kind longhorn, local or host-path");
                            continue;
                        }
                        _ => json!({ "persistentVolumeClaim": { "claimName": v.as_str() } }),
                    };
                    (format!("vol-{v}"), src)
                }
            }
        } else if let Some(s) = &m.secret {
            ctx.check_secret_key(ns, s, m.key.as_ref(), span.clone());
            let mut src = json!({ "secretName": s.as_str() });
            if let Some(md) = mode {
                src["defaultMode"] = json!(md);
            }
            (format!("secret-{s}"), json!({ "secret": src }))
        } else if let Some(c) = &m.config_map {
            if ctx.find_config_map(ns, c).is_none() {
                ctx.err(
                    "hearth::dangling",
                    format!("config map `{c}` does not exist in namespace `{ns}`"),
                    span.clone(),
                    "referenced here",
                    "declare it under [services.<name>.config_maps]",
                );
            }
            let mut src = json!({ "name": c.as_str() });
            if let Some(md) = mode {
                src["defaultMode"] = json!(md);
            }
            (format!("cm-{c}"), json!({ "configMap": src }))
        } else {
            (format!("empty-{i}"), json!({ "emptyDir": {} }))
        };
        let mut vm = json!({ "name": vol_name, "mountPath": m.path.as_str() });
        if let Some(sp) = m
            .key
            .as_ref()
            .map(|k| k.to_string())
            .or_else(|| m.sub_path.clone())
        {
            vm["subPath"] = json!(sp);
        }
        if m.read_only {
            vm["readOnly"] = json!(true);
        }
        mounts.push(vm);
        let mut named = vol;
        named["name"] = json!(vol_name);
        volumes.insert(vol_name, named);
    }
    (volumes.into_values().collect(), mounts)
}

fn access(a: m::AccessMode) -> &'static str {
    match a {
        m::AccessMode::ReadWriteOnce => "ReadWriteOnce",
        m::AccessMode::ReadWriteMany => "ReadWriteMany",
        m::AccessMode::ReadOnlyMany => "ReadOnlyMany",
    }
}

fn volume(
    ctx: &mut Ctx,
    svc: &ServiceName,
    ns: &Namespace,
    name: &VolumeName,
    v: &Spanned<m::Volume>,
) -> PVolume {
    let span = v.span();
    let v = v.get_ref();
    use m::VolumeKind as K;
    let kind = match v.kind {
        K::Longhorn => "longhorn",
        K::Local => "local",
        K::HostPath => "host-path",
        K::Chart => "chart",
    };
    let need = |ctx: &mut Ctx, ok: bool, field: &str| {
        if !ok {
            ctx.err(
                "hearth::volume",
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
    if let Some(n) = &v.node {
        ctx.check_node(n);
        if let (Some(node), Some(path)) = (ctx.raw.nodes.get(n.get_ref()), &v.path) {
            let roots = &node.get_ref().storage_roots;
            if !roots.is_empty() && !roots.iter().any(|r| path.as_str().starts_with(r.as_str())) {
                let list: Vec<&str> = roots.iter().map(|r| r.as_str()).collect();
                ctx.err(
                    "hearth::volume",
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
    PVolume {
        name: name.clone(),
        kind,
        size: v.size.as_ref().map(|s| s.to_string()),
        access: access(v.access),
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
        holds_data: v.holds_data || matches!(v.kind, K::Longhorn | K::Local | K::Chart),
        claim: v.claim.clone(),
        allow: exceptions(&v.allow),
        span,
    }
}

fn host(domain: &str, h: &str) -> String {
    if h == "@" {
        domain.to_string()
    } else if h.contains('.') {
        h.to_string()
    } else {
        format!("{h}.{domain}")
    }
}

fn ingress(
    ctx: &mut Ctx,
    svc: &ServiceName,
    ns: &Namespace,
    name: &IngressName,
    i: &Spanned<m::Ingress>,
) -> PIngress {
    let span = i.span();
    let ing = i.get_ref();
    let raw = ctx.raw;
    let domain = raw.site.domain.get_ref().to_string();
    let mut hosts = Vec::new();
    for h in ing.host.iter().chain(ing.extra_hosts.iter()) {
        let full = host(&domain, h.get_ref());
        if let Err(e) = crate::site::values::HostName::new(full.clone()) {
            ctx.err(
                "hearth::host",
                e,
                h.span(),
                "this host",
                "use a DNS name, `@` for the apex, or a single label for `<label>.<domain>`",
            );
        }
        hosts.push(full);
    }
    if ing.host.is_none() {
        hosts.insert(0, format!("{svc}.{domain}"));
    }
    let mut tls_hosts = hosts.clone();
    if ing.www_redirect {
        tls_hosts.push(format!("www.{}", hosts[0]));
    }

    let s = raw.services[svc].get_ref();
    let (backend_service, backend_port) = match (&ing.backend, &ing.port) {
        (Some(b), Some(p)) => match p.get_ref() {
            m::PortRef::Number(n) => (b.clone(), json!({ "number": n })),
            m::PortRef::Name(n) => (b.clone(), json!({ "name": n.as_str() })),
        },
        (Some(_), None) => {
            ctx.err(
                "hearth::ingress",
                "an ingress with `backend` needs a `port`",
                span.clone(),
                "this ingress",
                "set `port` to the chart Service's port number",
            );
            (String::new(), json!({ "number": 80 }))
        }
        (None, port) => {
            let wl = single_workload(ctx, s, ing.workload.as_ref(), span.clone(), "ingress");
            let port_ref = wl.as_ref().and_then(|wl| {
                let w = s.workloads[wl].get_ref();
                let exposed: Vec<(&PortName, &m::Port)> = w
                    .ports
                    .iter()
                    .filter(|(_, p)| p.service.is_some())
                    .collect();
                match port.as_ref().map(|p| (p.span(), p.get_ref())) {
                    Some((_, m::PortRef::Name(n))) if exposed.iter().any(|(pn, _)| *pn == n) => {
                        Some(json!({ "name": n.as_str() }))
                    }
                    Some((pspan, m::PortRef::Name(n))) => {
                        let names: Vec<&str> = exposed.iter().map(|(n, _)| n.as_str()).collect();
                        let help = closest(n.as_str(), names.iter().copied()).map_or_else(
                            || format!("ports exposed by `{wl}`: {}", names.join(", ")),
                            |c| format!("did you mean `{c}`?"),
                        );
                        ctx.err(
                            "hearth::dangling",
                            format!("`{wl}` exposes no port `{n}` on its Service"),
                            pspan,
                            "referenced here",
                            help,
                        );
                        None
                    }
                    Some((_, m::PortRef::Number(n)))
                        if exposed.iter().any(|(_, p)| p.service == Some(*n)) =>
                    {
                        Some(json!({ "number": n }))
                    }
                    Some((pspan, m::PortRef::Number(n))) => {
                        ctx.err(
                            "hearth::dangling",
                            format!("`{wl}` exposes no Service port {n}"),
                            pspan,
                            "referenced here",
                            "name a port that has `service = <port>`",
                        );
                        None
                    }
                    None if exposed.len() == 1 => Some(json!({ "name": exposed[0].0.as_str() })),
                    None => {
                        ctx.err(
                            "hearth::ingress",
                            format!("this ingress must name the `port` of `{wl}`"),
                            span.clone(),
                            "this ingress",
                            "set `port` to a port name with `service = …`",
                        );
                        None
                    }
                }
            });
            (
                wl.map(|w| w.to_string()).unwrap_or_default(),
                port_ref.unwrap_or(json!({ "number": 80 })),
            )
        }
    };

    // Does the ingress route to the port our workload serves metrics on?
    let routes_metrics_port = ing.backend.is_none() && {
        let wl = ing
            .workload
            .as_ref()
            .map(|w| w.get_ref().clone())
            .or_else(|| {
                (s.workloads.len() == 1)
                    .then(|| s.workloads.keys().next().cloned())
                    .flatten()
            });
        wl.and_then(|w| s.workloads.get(&w))
            .and_then(|w| w.get_ref().metrics.as_ref())
            .is_some_and(|mt| {
                backend_port.get("name").and_then(|n| n.as_str()) == Some(mt.port.as_str())
            })
    };
    let mut ann = BTreeMap::new();
    let issuer = ing.issuer.as_ref().or(raw.site.default_issuer.as_ref());
    match issuer {
        Some(is) if raw.issuers.contains_key(is.get_ref()) => {
            ann.insert(
                "cert-manager.io/cluster-issuer".to_string(),
                is.get_ref().to_string(),
            );
        }
        Some(is) if ing.issuer.is_some() => ctx.err(
            "hearth::dangling",
            format!("issuer `{}` is not declared", is.get_ref()),
            is.span(),
            "unknown issuer",
            "declare it under [issuers]",
        ),
        Some(_) => {} // the site's default issuer is reported once, at its own line
        None => ctx.err(
            "hearth::ingress",
            "this ingress has no TLS issuer",
            span.clone(),
            "this ingress",
            "set `issuer`, or `default_issuer` in [site]",
        ),
    }
    let nginx = |k: &str| format!("nginx.ingress.kubernetes.io/{k}");
    if ing.public && ing.auth.is_some() {
        ctx.err(
            "hearth::ingress",
            "an ingress is either `public = true` or has `auth`, not both",
            span.clone(),
            "this ingress",
            "remove one of them",
        );
    }
    if let Some(m::AuthKind::Basic) = ing.auth {
        match &ing.auth_secret {
            Some(sec) => {
                ctx.check_secret_key(ns, sec.get_ref(), None, sec.span());
                ann.insert(nginx("auth-type"), "basic".into());
                ann.insert(nginx("auth-secret"), sec.get_ref().to_string());
                ann.insert(nginx("auth-secret-type"), "auth-map".into());
                ann.insert(nginx("auth-realm"), "Authentication Required".into());
            }
            None => ctx.err(
                "hearth::ingress",
                "`auth = \"basic\"` needs `auth_secret`",
                span.clone(),
                "this ingress",
                "name a secret of this namespace holding an htpasswd auth-map",
            ),
        }
    } else if ing.auth_secret.is_some() {
        ctx.err(
            "hearth::ingress",
            "`auth_secret` without `auth`",
            span.clone(),
            "this ingress",
            "add `auth = \"basic\"`",
        );
    }
    if let Some(t) = &ing.rate_limit {
        match raw.rate_limits.get(t.get_ref()) {
            Some(rl) => {
                ann.insert(nginx("limit-rps"), rl.rps.to_string());
                ann.insert(nginx("limit-rpm"), rl.rpm.to_string());
                ann.insert(nginx("limit-burst-multiplier"), rl.burst.to_string());
            }
            None => {
                let names: Vec<&str> = raw.rate_limits.keys().map(|n| n.as_str()).collect();
                let help = closest(t.get_ref().as_str(), names.iter().copied()).map_or_else(
                    || "declare it under [rate_limits]".to_string(),
                    |c| format!("did you mean `{c}`?"),
                );
                ctx.err(
                    "hearth::dangling",
                    format!("rate-limit tier `{}` is not declared", t.get_ref()),
                    t.span(),
                    "referenced here",
                    help,
                );
            }
        }
    }
    if !ing.waf_exclusions.is_empty() {
        let mut ids = ing.waf_exclusions.clone();
        ids.sort_unstable();
        ids.dedup();
        let ids: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
        ann.insert(
            nginx("modsecurity-snippet"),
            format!("SecRuleRemoveById {}", ids.join(" ")),
        );
    }
    let deny = ing
        .deny_paths
        .clone()
        .unwrap_or_else(|| vec!["/metrics".into()]);
    let mut snippet = Vec::new();
    for p in &deny {
        if p.contains(['"', '{', '}', ';']) || !p.starts_with('/') {
            ctx.err(
                "hearth::ingress",
                format!("deny path `{p}` must be a plain absolute path"),
                span.clone(),
                "this ingress",
                "paths start with `/` and contain no quotes, braces or semicolons",
            );
            continue;
        }
        snippet.push(format!("location \"{p}\" {{ deny all; return 403; }}"));
    }
    for r in &ing.redirects {
        if [&r.from, &r.to]
            .iter()
            .any(|p| p.contains(['"', '{', '}', ';', ' ']) || !p.starts_with('/'))
        {
            ctx.err(
                "hearth::ingress",
                format!(
                    "redirect `{}` → `{}` must use plain absolute paths",
                    r.from, r.to
                ),
                span.clone(),
                "this ingress",
                "paths start with `/` and contain no quotes, braces, spaces or semicolons",
            );
            continue;
        }
        snippet.push(format!("location = {} {{ return 301 {}; }}", r.from, r.to));
    }
    if !snippet.is_empty() {
        ann.insert(nginx("server-snippet"), snippet.join("\n"));
    }
    if let Some(b) = &ing.body_size {
        ann.insert(nginx("proxy-body-size"), b.clone());
    }
    if ing.www_redirect {
        ann.insert(nginx("from-to-www-redirect"), "true".into());
    }

    PIngress {
        name: name.clone(),
        hosts,
        tls_hosts,
        tls_secret: format!("{name}-tls"),
        backend_service,
        backend_port,
        annotations: ann,
        public: ing.public,
        auth: ing.auth.map(|_| "basic".to_string()),
        deny_paths: deny,
        routes_metrics_port,
        allow: exceptions(&ing.allow),
        span,
    }
}

/// Resolve backups, derive their jobs and the labels that make Longhorn select volumes.
fn backups(
    ctx: &mut Ctx,
    services: &mut BTreeMap<ServiceName, PService>,
    providers: &BTreeMap<Capability, Vec<ServiceName>>,
) -> Vec<PBackup> {
    let raw = ctx.raw;
    let mut out = Vec::new();
    let mut longhorn_targets: BTreeSet<TargetName> = BTreeSet::new();
    for (bname, b) in &raw.backups {
        let span = b.span();
        let bk = b.get_ref();
        let kind = match bk.kind {
            m::BackupKind::Longhorn => "longhorn",
            m::BackupKind::PgBackup => "pg-backup",
            m::BackupKind::Rclone => "rclone",
        };
        let not_for = |ctx: &mut Ctx, present: bool, field: &str| {
            if present {
                ctx.err(
                    "hearth::backup",
                    format!("`{field}` does not apply to a {kind} backup"),
                    span.clone(),
                    "this backup",
                    format!("remove `{field}`"),
                );
            }
        };
        let need = |ctx: &mut Ctx, present: bool, field: &str| {
            if !present {
                ctx.err(
                    "hearth::backup",
                    format!("a {kind} backup needs `{field}`"),
                    span.clone(),
                    "this backup",
                    format!("add `{field}`"),
                );
            }
        };
        let mut pb = PBackup {
            name: bname.clone(),
            kind,
            schedule: bk.schedule.to_string(),
            retain: bk.retain,
            target: None,
            volumes: vec![],
            databases: vec![],
            span: span.clone(),
        };
        match bk.kind {
            m::BackupKind::Longhorn => {
                for (present, f) in [
                    (!bk.databases.is_empty(), "databases"),
                    (bk.volume.is_some(), "volume"),
                    (bk.runs_in.is_some(), "runs_in"),
                    (bk.image.is_some(), "image"),
                    (bk.password.is_some(), "password"),
                    (bk.remote.is_some(), "remote"),
                    (bk.config.is_some(), "config"),
                ] {
                    not_for(ctx, present, f);
                }
                need(ctx, !bk.volumes.is_empty(), "volumes");
                need(ctx, bk.retain.is_some(), "retain");
                match &bk.target {
                    None => need(ctx, false, "target"),
                    Some(t) if !raw.backup_targets.contains_key(t.get_ref()) => ctx.err(
                        "hearth::dangling",
                        format!("backup target `{}` is not declared", t.get_ref()),
                        t.span(),
                        "referenced here",
                        "declare it under [backup_targets]",
                    ),
                    Some(t) => {
                        longhorn_targets.insert(t.get_ref().clone());
                        pb.target = Some(t.get_ref().clone());
                    }
                }
                let Some(home) = providers
                    .get(&Capability::Longhorn)
                    .and_then(|v| v.first())
                    .cloned()
                else {
                    ctx.err(
                        "hearth::backup",
                        "a longhorn backup needs a service that provides `longhorn`",
                        span.clone(),
                        "this backup",
                        "add `provides = [\"longhorn\"]` to the Longhorn service",
                    );
                    continue;
                };
                let group = bname.to_string();
                for v in &bk.volumes {
                    let Some((svc, vol)) = ctx.volume_ref(services, v) else {
                        continue;
                    };
                    let Some(pv) = services
                        .get_mut(&svc)
                        .and_then(|s| s.volumes.iter_mut().find(|x| x.name.as_str() == vol))
                    else {
                        continue; // reported by volume_ref
                    };
                    if pv.kind != "longhorn" {
                        ctx.err("hearth::backup", format!("volume `{svc}/{vol}` is a {} volume; Longhorn backs up only longhorn volumes", pv.kind), v.span(), "referenced here", "back it up with an rclone backup instead");
                        continue;
                    }
                    pv.labels
                        .insert("recurring-job.longhorn.io/source".into(), "enabled".into());
                    pv.labels.insert(
                        format!("recurring-job-group.longhorn.io/{group}"),
                        "enabled".into(),
                    );
                    pb.volumes.push(format!("{svc}/{vol}"));
                }
                if let Some(s) = services.get_mut(&home) {
                    s.recurring_jobs.push(PRecurringJob {
                        name: bname.clone(),
                        cron: bk.schedule.to_string(),
                        retain: bk.retain.unwrap_or(0),
                        group,
                    });
                }
            }
            m::BackupKind::PgBackup => {
                for (present, f) in [
                    (bk.target.is_some(), "target"),
                    (!bk.volumes.is_empty(), "volumes"),
                    (bk.remote.is_some(), "remote"),
                    (bk.config.is_some(), "config"),
                    (bk.require_path.is_some(), "require_path"),
                ] {
                    not_for(ctx, present, f);
                }
                for (present, f) in [
                    (bk.runs_in.is_some(), "runs_in"),
                    (bk.image.is_some(), "image"),
                    (bk.volume.is_some(), "volume"),
                    (bk.user.is_some(), "user"),
                    (bk.password.is_some(), "password"),
                    (!bk.databases.is_empty(), "databases"),
                    (bk.retain.is_some(), "retain"),
                ] {
                    need(ctx, present, f);
                }
                let (Some(runs_in), Some(image), Some(vol), Some(user), Some(password)) =
                    (&bk.runs_in, &bk.image, &bk.volume, &bk.user, &bk.password)
                else {
                    continue;
                };
                if !raw.services.contains_key(runs_in.get_ref()) {
                    ctx.err(
                        "hearth::dangling",
                        format!("service `{}` does not exist", runs_in.get_ref()),
                        runs_in.span(),
                        "referenced here",
                        "declare it under [services]",
                    );
                    continue;
                }
                let ns = ctx.namespace_of(runs_in.get_ref());
                ctx.check_secret_key(
                    &ns,
                    &password.get_ref().secret,
                    Some(&password.get_ref().key),
                    password.span(),
                );
                let mut args = vec!["start".to_string()];
                for d in &bk.databases {
                    let Some((svc, db)) = ctx.split_ref(d, "database") else {
                        continue;
                    };
                    let Some(pdb) = services
                        .get(&svc)
                        .and_then(|s| s.databases.iter().find(|x| x.name.as_str() == db))
                    else {
                        ctx.err(
                            "hearth::dangling",
                            format!("service `{svc}` serves no database `{db}`"),
                            d.span(),
                            "referenced here",
                            "declare it under [services.<name>.databases]",
                        );
                        continue;
                    };
                    args.push("--connection-string".into());
                    args.push(format!(
                        "postgres://{user}:$(PGPASSWORD)@{}:{}/{db}?sslmode=disable",
                        pdb.host, pdb.port
                    ));
                    pb.databases.push(format!("{svc}/{db}"));
                }
                let Some((vsvc, vname)) = ctx.volume_ref(services, vol) else {
                    continue;
                };
                if ctx.namespace_of(&vsvc) != ns {
                    ctx.err("hearth::backup", format!("dump volume `{vsvc}/{vname}` is not in namespace `{ns}` where the job runs"), vol.span(), "referenced here", "use a volume of the `runs_in` service");
                    continue;
                }
                args.extend([
                    "--backup-dir".into(),
                    "/backups".into(),
                    "--days-old".into(),
                    bk.retain.unwrap_or(7).to_string(),
                    "--cron-schedule".into(),
                    bk.schedule.to_string(),
                    "--job".into(),
                    bname.to_string(),
                ]);
                if let Some(pg) = &bk.push_gateway {
                    args.extend(["--push-gateway".into(), pg.clone()]);
                }
                let env = vec![
                    json!({ "name": "PGPASSWORD", "valueFrom": { "secretKeyRef": { "name": password.get_ref().secret.as_str(), "key": password.get_ref().key.as_str() } } }),
                ];
                let mounts =
                    vec![json!({ "name": format!("vol-{vname}"), "mountPath": "/backups" })];
                let volumes = vec![
                    json!({ "name": format!("vol-{vname}"), "persistentVolumeClaim": { "claimName": vname } }),
                ];
                let wl = derived_workload(
                    bname,
                    runs_in.get_ref(),
                    "Deployment",
                    image.get_ref().as_str(),
                    vec![],
                    args,
                    env,
                    mounts,
                    volumes,
                    bk,
                    None,
                );
                if let Some(n) = &bk.node {
                    ctx.check_node(n);
                }
                if let Some(s) = services.get_mut(runs_in.get_ref()) {
                    s.workloads.push(wl);
                }
            }
            m::BackupKind::Rclone => {
                for (present, f) in [
                    (bk.target.is_some(), "target"),
                    (!bk.volumes.is_empty(), "volumes"),
                    (!bk.databases.is_empty(), "databases"),
                    (bk.user.is_some(), "user"),
                    (bk.password.is_some(), "password"),
                    (bk.push_gateway.is_some(), "push_gateway"),
                    (bk.retain.is_some(), "retain"),
                ] {
                    not_for(ctx, present, f);
                }
                for (present, f) in [
                    (bk.image.is_some(), "image"),
                    (bk.volume.is_some(), "volume"),
                    (bk.remote.is_some(), "remote"),
                    (bk.config.is_some(), "config"),
                ] {
                    need(ctx, present, f);
                }
                let (Some(image), Some(vol), Some(remote), Some(config)) =
                    (&bk.image, &bk.volume, &bk.remote, &bk.config)
                else {
                    continue;
                };
                let Some((vsvc, vname)) = ctx.volume_ref(services, vol) else {
                    continue;
                };
                let runs_in = bk
                    .runs_in
                    .as_ref()
                    .map(|r| r.get_ref().clone())
                    .unwrap_or_else(|| vsvc.clone());
                if !raw.services.contains_key(&runs_in) {
                    ctx.err(
                        "hearth::dangling",
                        format!("service `{runs_in}` does not exist"),
                        span.clone(),
                        "this backup",
                        "declare it under [services]",
                    );
                    continue;
                }
                let ns = ctx.namespace_of(&runs_in);
                let Some(pv) = services
                    .get(&vsvc)
                    .and_then(|s| s.volumes.iter().find(|v| v.name.as_str() == vname))
                else {
                    continue; // reported by volume_ref
                };
                if ctx.namespace_of(&vsvc) != ns {
                    ctx.err(
                        "hearth::backup",
                        format!(
                            "volume `{vsvc}/{vname}` is not in namespace `{ns}` where the job runs"
                        ),
                        vol.span(),
                        "referenced here",
                        "run the job in the volume's service",
                    );
                    continue;
                }
                let source = match pv.kind {
                    "host-path" => {
                        json!({ "hostPath": { "path": pv.path.clone().unwrap_or_default(), "type": "Directory" } })
                    }
                    "chart" => {
                        ctx.err("hearth::backup", format!("volume `{vsvc}/{vname}` is created by a chart; hearth cannot mount it"), vol.span(), "referenced here", "back up chart volumes through their chart");
                        continue;
                    }
                    _ => {
                        json!({ "persistentVolumeClaim": { "claimName": vname, "readOnly": true } })
                    }
                };
                let node = pv
                    .node
                    .clone()
                    .or_else(|| bk.node.as_ref().map(|n| n.get_ref().clone()));
                ctx.check_secret_key(
                    &ns,
                    &config.get_ref().secret,
                    Some(&config.get_ref().key),
                    config.span(),
                );
                if remote.contains(['\'', '"', '`', '$', ';', '&', '|', ' ']) {
                    ctx.err(
                        "hearth::backup",
                        format!("remote `{remote}` contains shell characters"),
                        span.clone(),
                        "this backup",
                        "use an rclone remote such as `encrypted:` or `azure:container/path`",
                    );
                    continue;
                }
                let guard = bk
                    .require_path
                    .as_deref()
                    .map(|p| p.trim_matches('/'))
                    .filter(|p| !p.is_empty());
                if guard.is_some_and(|g| g.contains(['\'', '"', '`', '$', ';', '&', '|', ' '])) {
                    ctx.err(
                        "hearth::backup",
                        "`require_path` contains shell characters",
                        span.clone(),
                        "this backup",
                        "use a plain relative path such as `library`",
                    );
                    continue;
                }
                let sync =
                    format!("rclone sync /data/src {remote} --config /config/rclone/rclone.conf");
                let script = match guard {
                    Some(g) => format!(
                        "if [ -d /data/src/{g} ]; then exec {sync}; else echo 'refusing to sync: /data/src/{g} is missing (volume not mounted?)' >&2; exit 1; fi"
                    ),
                    None => format!("exec {sync}"),
                };
                let mounts = vec![
                    json!({ "name": format!("vol-{vname}"), "mountPath": "/data/src", "readOnly": true }),
                    json!({ "name": "rclone-config", "mountPath": "/config/rclone/rclone.conf", "subPath": config.get_ref().key.as_str(), "readOnly": true }),
                ];
                let mut vsrc = source;
                vsrc["name"] = json!(format!("vol-{vname}"));
                let volumes = vec![
                    vsrc,
                    json!({ "name": "rclone-config", "secret": { "secretName": config.get_ref().secret.as_str(), "defaultMode": 0o400 } }),
                ];
                let mut wl = derived_workload(
                    bname,
                    &runs_in,
                    "CronJob",
                    image.get_ref().as_str(),
                    vec!["/bin/sh".into(), "-c".into(), script],
                    vec![],
                    vec![],
                    mounts,
                    volumes,
                    bk,
                    node,
                );
                wl.cron = Some(PCron::new(
                    bk.schedule.to_string(),
                    raw.site.timezone.clone(),
                ));
                pb.volumes.push(format!("{vsvc}/{vname}"));
                if let Some(s) = services.get_mut(&runs_in) {
                    s.workloads.push(wl);
                }
            }
        }
        out.push(pb);
    }
    if longhorn_targets.len() > 1 {
        let names: Vec<String> = longhorn_targets.iter().map(|t| t.to_string()).collect();
        let e = InputError::new(
            "hearth::backup",
            format!(
                "Longhorn has one backup target, but backups use {}",
                names.join(", ")
            ),
        )
        .in_file(ctx.src)
        .help("send every longhorn backup to the same target");
        ctx.errs.push(e);
    }
    for s in services.values_mut() {
        s.workloads.sort_by(|a, b| a.name.cmp(&b.name));
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn derived_workload(
    bname: &BackupName,
    svc: &ServiceName,
    kind: &'static str,
    image: &str,
    command: Vec<String>,
    args: Vec<String>,
    env: Vec<Value>,
    mounts: Vec<Value>,
    volumes: Vec<Value>,
    bk: &m::Backup,
    node: Option<NodeName>,
) -> PWorkload {
    let (labels, selector) = std_labels(bname.as_str(), svc.as_str());
    let (api_version, replicas, strategy) = if kind == "CronJob" {
        ("batch/v1", None, None)
    } else {
        ("apps/v1", Some(1), Some("Recreate"))
    };
    PWorkload {
        name: WorkloadName::new(bname.as_str()).expect("backup names are valid workload names"),
        kind,
        api_version,
        replicas,
        strategy,
        cron: None,
        labels,
        selector,
        pod_annotations: BTreeMap::new(),
        node: node.or_else(|| bk.node.as_ref().map(|n| n.get_ref().clone())),
        tolerate_control_plane: false,
        host_network: false,
        service_account: None,
        rbac: None,
        container: PContainer {
            name: bname.to_string(),
            image: image.to_string(),
            command,
            args,
            env,
            env_from: vec![],
            ports: vec![],
            resources: resources(&bk.resources),
            liveness: None,
            readiness: None,
            startup: None,
            security: Some(json!({ "allowPrivilegeEscalation": false })),
            mounts,
        },
        pod_security: None,
        volumes,
        service: None,
        origin: format!("backup:{bname}"),
        security_reason: None,
        produces: Vec::new(),
        allow: Vec::new(),
        span: 0..0,
    }
}
