//! The build context: the site, the errors found so far, and the lookups that
//! resolve references within a namespace (with "did you mean" when they fail).

use std::collections::BTreeMap;
use std::ops::Range;

use crate::diag::{Code, Errors, InputError, SourceFile, closest};
use crate::plan::*;
use crate::site::model::{self as m, RawSite};
use crate::site::spanned::Spanned;

pub(super) struct Ctx<'a> {
    pub(super) src: &'a SourceFile,
    pub(super) raw: &'a RawSite,
    pub(super) errs: Errors,
    /// namespace → the services living in it.
    pub(super) ns_services: BTreeMap<String, Vec<&'a ServiceName>>,
}

impl<'a> Ctx<'a> {
    pub(super) fn err(
        &mut self,
        code: Code,
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

    pub(super) fn namespace_of(&self, svc: &ServiceName) -> Namespace {
        let s = &self.raw.services[svc];
        s.get_ref().namespace.clone().unwrap_or_else(|| {
            Namespace::new(svc.as_str()).expect("service names are valid namespaces")
        })
    }

    /// Services sharing `ns`, including `svc` itself.
    pub(super) fn neighbours(&self, ns: &Namespace) -> Vec<&'a ServiceName> {
        self.ns_services
            .get(ns.as_str())
            .cloned()
            .unwrap_or_default()
    }

    pub(super) fn find_secret(&self, ns: &Namespace, name: &SecretName) -> Option<&'a m::Secret> {
        self.neighbours(ns).into_iter().find_map(|s| {
            self.raw.services[s]
                .get_ref()
                .secrets
                .get(name)
                .map(|x| x.get_ref())
        })
    }

    pub(super) fn find_config_map(
        &self,
        ns: &Namespace,
        name: &ConfigMapName,
    ) -> Option<&'a m::ConfigMap> {
        self.neighbours(ns)
            .into_iter()
            .find_map(|s| self.raw.services[s].get_ref().config_maps.get(name))
    }

    pub(super) fn find_volume(&self, ns: &Namespace, name: &VolumeName) -> Option<&'a m::Volume> {
        self.neighbours(ns).into_iter().find_map(|s| {
            self.raw.services[s]
                .get_ref()
                .volumes
                .get(name)
                .map(|x| x.get_ref())
        })
    }

    pub(super) fn secret_names_in(&self, ns: &Namespace) -> Vec<&'a str> {
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
    pub(super) fn check_secret_key(
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
                    Code::Dangling,
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
                        Code::Dangling,
                        format!("secret `{secret}` has no key `{key}`"),
                        span,
                        "referenced here",
                        help,
                    );
                }
            }
        }
    }

    /// Check config map `name` (and `key`, when given) exist in `ns`; report at `span` otherwise.
    pub(super) fn check_config_map_key(
        &mut self,
        ns: &Namespace,
        name: &ConfigMapName,
        key: Option<&crate::site::names::DataKey>,
        span: Range<usize>,
    ) {
        match self.find_config_map(ns, name) {
            None => self.err(
                Code::Dangling,
                format!("config map `{name}` does not exist in namespace `{ns}`"),
                span,
                "referenced here",
                "declare it under [services.<name>.config_maps]",
            ),
            Some(cm) => {
                let Some(key) = key.filter(|k| {
                    !cm.data.contains_key(*k)
                        && !cm.generated.iter().any(|g| g.get_ref() == k.as_str())
                }) else {
                    return;
                };
                let keys: Vec<&str> = cm.data.keys().map(|k| k.as_str()).collect();
                let help = closest(key.as_str(), keys.iter().copied()).map_or_else(
                    || "add the key to the config map's `data`".to_string(),
                    |c| format!("did you mean `{c}`?"),
                );
                self.err(
                    Code::Dangling,
                    format!("config map `{name}` has no key `{key}`"),
                    span,
                    "referenced here",
                    help,
                );
            }
        }
    }

    pub(super) fn check_node(&mut self, node: &Spanned<NodeName>) {
        if !self.raw.nodes.contains_key(node.get_ref()) {
            let names: Vec<&str> = self.raw.nodes.keys().map(|n| n.as_str()).collect();
            let help = match closest(node.get_ref().as_str(), names.iter().copied()) {
                Some(c) => format!("did you mean `{c}`?"),
                None => format!("declare it as [nodes.{}]", node.get_ref()),
            };
            self.err(
                Code::Dangling,
                format!("node `{}` is not declared", node.get_ref()),
                node.span(),
                "unknown node",
                help,
            );
        }
    }

    /// Resolve a `service/volume` reference to a declared volume, or report it.
    pub(super) fn volume_ref(
        &mut self,
        services: &ServiceMap,
        r: &Spanned<String>,
    ) -> Option<(ServiceName, VolumeName)> {
        let (svc, vol) = self.split_ref(r, "volume")?;
        if let Some(v) = services
            .get(&svc)
            .and_then(|s| s.volumes.iter().find(|v| v.name.as_str() == vol))
        {
            let name = v.name.clone();
            return Some((svc, name));
        }
        self.err(
            Code::Dangling,
            format!("service `{svc}` has no volume `{vol}`"),
            r.span(),
            "referenced here",
            "name a volume declared under that service",
        );
        None
    }

    /// Resolve a `service/database` reference to a declared database, or report it.
    pub(super) fn database_ref<'s>(
        &mut self,
        services: &'s ServiceMap,
        r: &Spanned<String>,
    ) -> Option<(ServiceName, &'s Database)> {
        let (svc, name) = self.split_ref(r, "database")?;
        if let Some(db) = services
            .get(&svc)
            .and_then(|s| s.databases.iter().find(|x| x.name.as_str() == name))
        {
            return Some((svc, db));
        }
        self.err(
            Code::Dangling,
            format!("service `{svc}` serves no database `{name}`"),
            r.span(),
            "referenced here",
            "declare it under [services.<name>.databases]",
        );
        None
    }

    /// Parse `service/name` references.
    pub(super) fn split_ref(
        &mut self,
        r: &Spanned<String>,
        what: &str,
    ) -> Option<(ServiceName, String)> {
        let Some((svc, name)) = r.get_ref().split_once('/') else {
            self.err(
                Code::Reference,
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
                    Code::Dangling,
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
