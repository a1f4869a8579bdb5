//! Scrape annotations (`prometheus.io/port`) against the ports containers
//! really declare, on every pod template hearth or a chart renders, and on
//! Services (Prometheus' endpoints job scrapes the annotated port of each pod
//! behind the Service). An annotation naming a port no container declares
//! scrapes nothing, or the wrong process.

use std::ops::Range;

use serde_json::Value;

use super::assume::Cx;
use crate::diag::{Code, Errors, InputError};

const SCRAPE: &str = "prometheus.io/scrape";
const PORT: &str = "prometheus.io/port";

/// One object to check: where it came from, and the span blamed.
struct Obj<'a> {
    value: &'a Value,
    /// "chart `x` 1.0 of service `y`, template `t`" or "`rendered/path`".
    origin: String,
    span: Range<usize>,
    /// Objects that can back its Services (same chart, or hearth's own).
    group: usize,
}

/// The pod template of a workload kind, or a Pod itself: (metadata, spec).
fn pod(v: &Value) -> Option<(&Value, &Value)> {
    let t = match v["kind"].as_str()? {
        "Pod" => v,
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => &v["spec"]["template"],
        "CronJob" => &v["spec"]["jobTemplate"]["spec"]["template"],
        _ => return None,
    };
    Some((&t["metadata"], &t["spec"]))
}

/// Every port number a pod's containers (and init containers) declare.
fn declared(spec: &Value) -> Vec<u64> {
    ["containers", "initContainers"]
        .iter()
        .flat_map(|k| spec[k].as_array().into_iter().flatten())
        .flat_map(|c| c["ports"].as_array().into_iter().flatten())
        .filter_map(|p| p["containerPort"].as_u64())
        .collect()
}

/// The annotated port, when the object asks to be scraped.
fn annotated(meta: &Value) -> Option<&str> {
    let a = &meta["annotations"];
    if a[SCRAPE].as_str() == Some("false") {
        return None;
    }
    a[PORT].as_str()
}

fn objects<'a>(cx: &'a Cx) -> Vec<Obj<'a>> {
    let mut out = Vec::new();
    for (g, e) in cx.expanded.iter().enumerate() {
        for d in &e.docs {
            out.push(Obj {
                value: &d.value,
                origin: format!(
                    "chart `{}` {} of service `{}`, template `{}`",
                    e.app.chart, e.app.version, e.app.service, d.source
                ),
                span: e.app.span.clone(),
                group: g,
            });
        }
    }
    let own = cx.expanded.len();
    for o in &cx.rendered.objects {
        // `apps/<service>/…`: blame the service that renders it.
        let service = o.path.split('/').nth(1).unwrap_or("");
        let span = cx
            .plan
            .services
            .iter()
            .find(|s| s.name.as_str() == service)
            .map_or(0..0, |s| s.span.clone());
        out.push(Obj {
            value: &o.value,
            origin: format!("`rendered/{}`", o.path),
            span,
            group: own,
        });
    }
    out
}

fn kind_name(v: &Value) -> String {
    format!(
        "{} `{}`",
        v["kind"].as_str().unwrap_or("object"),
        v["metadata"]["name"].as_str().unwrap_or("")
    )
}

/// Every scrape annotation whose port no container of the pod declares.
pub fn check(cx: &Cx) -> Errors {
    let objs = objects(cx);
    let mut errs = Errors::default();
    let mut fail = |o: &Obj, message: String| {
        let mut e = InputError::new(Code::ChartAssumption, message)
            .in_file(&cx.loaded.source)
            .help(format!(
                "set `{PORT}` to a `containerPort` of the pod (`podAnnotations` in the chart values), or declare the port"
            ));
        if o.span != (0..0) {
            e = e.label(o.span.clone(), "renders this object");
        }
        errs.push(e);
    };
    for o in &objs {
        if let Some((meta, spec)) = pod(o.value)
            && let Some(port) = annotated(meta)
        {
            let ports = declared(spec);
            if !port.parse::<u64>().is_ok_and(|p| ports.contains(&p)) {
                fail(
                    o,
                    format!(
                        "{}: {} annotates `{PORT}: \"{port}\"` on its pods, and no container declares that port (declared: {})",
                        o.origin,
                        kind_name(o.value),
                        numbers(&ports)
                    ),
                );
            }
        }
        if o.value["kind"] == "Service"
            && let Some(port) = annotated(&o.value["metadata"])
        {
            service(o, port, &objs, &mut fail);
        }
    }
    errs
}

/// A Service's annotated port: declared by the pods its selector picks (of
/// its own chart, or hearth's), when there are any.
fn service(o: &Obj, port: &str, objs: &[Obj], fail: &mut impl FnMut(&Obj, String)) {
    let Some(selector) = o.value["spec"]["selector"]
        .as_object()
        .filter(|s| !s.is_empty())
    else {
        return;
    };
    let ns = o.value["metadata"]["namespace"].as_str();
    let pods: Vec<&Value> = objs
        .iter()
        .filter(|p| {
            p.group == o.group
                && (ns.is_none()
                    || p.value["metadata"]["namespace"]
                        .as_str()
                        .is_none_or(|n| Some(n) == ns))
        })
        .filter_map(|p| pod(p.value))
        .filter(|(meta, _)| selector.iter().all(|(k, v)| &meta["labels"][k] == v))
        .map(|(_, spec)| spec)
        .collect();
    if pods.is_empty() {
        return;
    }
    let ports: Vec<u64> = pods.iter().flat_map(|s| declared(s)).collect();
    if !port.parse::<u64>().is_ok_and(|p| ports.contains(&p)) {
        fail(
            o,
            format!(
                "{}: {} annotates `{PORT}: \"{port}\"`, and no container of the pods it selects declares that port (declared: {})",
                o.origin,
                kind_name(o.value),
                numbers(&ports)
            ),
        );
    }
}

fn numbers(ports: &[u64]) -> String {
    if ports.is_empty() {
        return "none".into();
    }
    ports
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
