//! `validateVolumes` and `ValidateVolumeMounts`: the pod's volumes and each
//! container's mounts of them.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::super::{Sink, arr, map, names, str_of};

/// `validateVolumes`: names required, RFC 1123 labels, unique; exactly one
/// volume source each (`validateVolumeSource`); a claim needs a claimName.
/// Returns the declared names.
pub(super) fn volumes<'a>(s: &mut Sink, path: &str, spec: &'a Value) -> BTreeSet<&'a str> {
    let mut declared = BTreeSet::new();
    for (i, v) in arr(&spec["volumes"]).iter().enumerate() {
        let vp = || format!("{path}.volumes[{i}]");
        if let Some(name) = s.required(
            "validateVolumes",
            format!("{}.name", vp()),
            &v["name"],
            "a volume needs a name",
            "name the volume",
        ) {
            check!(
                s,
                "validateVolumes (IsDNS1123Label)",
                format!("{}.name", vp()),
                name,
                names::dns1123_label(name),
                "shorten the volume's name in site.toml: hearth names pod volumes `vol-<volume>`, so a volume name may have at most 59 characters",
            );
            if !declared.insert(name) {
                s.refuse(
                    "validateVolumes (Duplicate)",
                    format!("{}.name", vp()),
                    Some(name),
                    format!("volume `{name}` is declared twice in this pod"),
                    "mount each volume once by name; give the volumes distinct names",
                );
            }
        }
        let sources: Vec<&String> = map(v)
            .map(|m| m.keys().filter(|k| *k != "name").collect())
            .unwrap_or_default();
        match sources.len() {
            0 => s.refuse(
                "validateVolumeSource",
                vp(),
                None,
                "must specify a volume type",
                "give the volume a source (persistentVolumeClaim, configMap, secret, …)",
            ),
            1 => {}
            _ => s.refuse(
                "validateVolumeSource",
                vp(),
                None,
                format!(
                    "may not specify more than 1 volume type (has {})",
                    sources
                        .iter()
                        .map(|k| k.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "keep one source per volume",
            ),
        }
        if let Some(pvc) = map(&v["persistentVolumeClaim"])
            && pvc
                .get("claimName")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
        {
            s.refuse(
                "validatePersistentClaimVolumeSource",
                format!("{}.persistentVolumeClaim.claimName", vp()),
                None,
                "claimName is required",
                "name the claim",
            );
        }
    }
    declared
}

/// `ValidateVolumeMounts`: the volume exists, mountPath is set and unique in
/// the container, subPath/subPathExpr are relative without `..`
/// (`validateLocalDescendingPath`) and not both.
pub(super) fn mounts(s: &mut Sink, cp: &str, c: &Value, volumes: &BTreeSet<&str>) {
    let mut paths: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, m) in arr(&c["volumeMounts"]).iter().enumerate() {
        let mp = || format!("{cp}.volumeMounts[{i}]");
        let name = str_of(&m["name"]).unwrap_or("");
        if !volumes.contains(name) {
            s.refuse(
                "ValidateVolumeMounts (NotFound)",
                format!("{}.name", mp()),
                Some(name),
                format!("volume `{name}` is not declared in the pod's `volumes`"),
                "mount a volume the service declares (`mounts = [{ path = …, volume = … }]` in site.toml)",
            );
        }
        let path = s.required(
            "ValidateVolumeMounts",
            format!("{}.mountPath", mp()),
            &m["mountPath"],
            "mountPath is required",
            "give the mount a path",
        );
        if let Some(path) = path
            && let Some(first) = paths.insert(path, i)
        {
            s.refuse(
                "ValidateVolumeMounts (must be unique)",
                format!("{}.mountPath", mp()),
                Some(path),
                format!("`{path}` is already mounted by volumeMounts[{first}]"),
                "mount each path once per workload in site.toml",
            );
        }
        let sub = str_of(&m["subPath"]).filter(|p| !p.is_empty());
        let expr = str_of(&m["subPathExpr"]).filter(|p| !p.is_empty());
        for (field, p) in [("subPath", sub), ("subPathExpr", expr)] {
            if let Some(p) = p {
                descending_path(s, &format!("{}.{field}", mp()), p);
            }
        }
        if sub.is_some() && expr.is_some() {
            s.refuse(
                "ValidateVolumeMounts",
                format!("{}.subPathExpr", mp()),
                None,
                "subPathExpr and subPath are mutually exclusive",
                "keep one of them",
            );
        }
    }
}

/// `validateLocalDescendingPath`: relative, and no `..` component.
fn descending_path(s: &mut Sink, path: &str, p: &str) {
    if p.starts_with('/') {
        s.refuse(
            "validateLocalDescendingPath",
            path,
            Some(p),
            format!("`{p}` must be a relative path"),
            "write the sub-path relative to the volume's root, without a leading `/`",
        );
    }
    if p.replace('\\', "/").split('/').any(|c| c == "..") {
        s.refuse(
            "validateLocalDescendingPath (validatePathNoBacksteps)",
            path,
            Some(p),
            format!("`{p}` must not contain '..'"),
            "a sub-path must stay inside its volume: remove `..`",
        );
    }
}
