//! Where in site.toml a chart's failure comes from. Helm names the value a
//! template failed on (`executing "…" at <.Values.ingress.hosts>: nil pointer
//! evaluating interface {}.hosts`, or a `required` message quoting
//! `.Values.password`); an invalid object may carry a value the site wrote
//! verbatim. Both are found under `[services.<name>.helm.values]` with
//! toml_edit's spans, so the diagnostic points at the key to change; when the
//! site does not set it, the caller keeps `[services.<name>.helm]`.

use std::ops::Range;

use toml_edit::{Document, Item, Key, Value};

use super::ChartApp;
use crate::diag::{Code, InputError, SourceFile};
use crate::site::Loaded;

/// The value path Helm's message names: the one of `at <.Values.a.b>` first,
/// else the first `.Values.a.b` anywhere in it (a `required` message).
pub fn value_path(message: &str) -> Option<Vec<String>> {
    let after = |from: usize| -> Option<Vec<String>> {
        let rest = &message[from..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'))
            .unwrap_or(rest.len());
        let path: Vec<String> = rest[..end]
            .split('.')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        (!path.is_empty()).then_some(path)
    };
    const AT: &str = "at <.Values.";
    const ANY: &str = ".Values.";
    if let Some(i) = message.find(AT) {
        return after(i + AT.len());
    }
    let i = message.find(ANY)?;
    after(i + ANY.len())
}

/// The subcharts a failing template belongs to, outermost first: Helm names
/// the template (`umbrella/charts/greeting/templates/x.yaml`), and a
/// subchart's `.Values.a` is its parent's `greeting.a`. An aliased subchart
/// is renamed to its alias before rendering (Helm's getAliasDependency), so
/// the template path already names the values key.
pub fn subchart_scope(message: &str) -> Vec<String> {
    let Some(template) = message
        .split(|c: char| c.is_whitespace() || matches!(c, '"' | '(' | ')' | '<' | '>'))
        .find(|t| t.contains("/templates/"))
    else {
        return Vec::new();
    };
    let chart = &template[..template.find("/templates/").expect("found above")];
    chart
        .split("/charts/")
        .skip(1)
        .map(str::to_string)
        .collect()
}

/// Where a value path is set in `[services.<service>.helm.values]`: the span
/// of the deepest key of `path` the site writes, and whether that is the
/// whole path. None: the site sets none of it.
pub fn value_span(
    source: &SourceFile,
    service: &str,
    path: &[String],
) -> Option<(Range<usize>, bool)> {
    let doc = Document::parse(&*source.text).ok()?;
    let values = ["services", service, "helm", "values"]
        .into_iter()
        .try_fold(doc.as_item(), |item, k| child(item, k).map(|(_, v)| v))?;
    let mut found = None;
    let mut item = values;
    for (depth, seg) in path.iter().enumerate() {
        let Some((key, next)) = child(item, seg) else {
            break;
        };
        if let Some(span) = key.span().or_else(|| next.span()) {
            found = Some((span, depth + 1 == path.len()));
        }
        item = next;
    }
    found
}

fn child<'a>(item: &'a Item, key: &str) -> Option<(&'a Key, &'a Item)> {
    item.as_table_like()?.get_key_value(key)
}

/// The key under `[services.<service>.helm.values]` whose value is exactly
/// `text` (a string, or a number's spelling), when exactly one is: a value an
/// object carries verbatim. Returns its dotted path and span.
pub fn verbatim(source: &SourceFile, service: &str, text: &str) -> Option<(String, Range<usize>)> {
    let doc = Document::parse(&*source.text).ok()?;
    let values = ["services", service, "helm", "values"]
        .into_iter()
        .try_fold(doc.as_item(), |item, k| child(item, k).map(|(_, v)| v))?;
    let mut hits = Vec::new();
    leaves(values, "", text, &mut hits);
    match hits.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

fn leaves(item: &Item, path: &str, text: &str, out: &mut Vec<(String, Range<usize>)>) {
    if let Some(t) = item.as_table_like() {
        for (k, v) in t.iter() {
            let p = if path.is_empty() {
                k.to_string()
            } else {
                format!("{path}.{k}")
            };
            leaves(v, &p, text, out);
        }
        return;
    }
    let Some(v) = item.as_value() else { return };
    let same = match v {
        Value::String(s) => s.value() == text,
        Value::Integer(i) => i.value().to_string() == text,
        Value::Float(f) => f.value().to_string() == text,
        _ => false,
    };
    if same && let Some(span) = v.span() {
        out.push((path.to_string(), span));
    }
}

/// A chart that does not render: the engine's first line, located at the
/// value Helm names when site.toml sets it (else at `[services.x.helm]`).
pub(super) fn render_error(err: &str, app: &ChartApp, loaded: &Loaded) -> InputError {
    let first = one_line(err);
    let first = first.as_str();
    let e = InputError::new(
        Code::ChartRender,
        format!(
            "chart `{}` {} of service `{}` does not render: {first}",
            app.chart, app.version, app.service
        ),
    )
    .in_file(&loaded.source);
    let svc = &app.service;
    let path = value_path(first).map(|p| {
        // A subchart's `.Values.a` is its parent's `<subchart>.a`.
        let mut scoped = subchart_scope(first);
        scoped.extend(p);
        scoped
    });
    let Some(path) = path else {
        return e.label(app.span.clone(), "this chart's values").help(format!(
            "set or correct the values the message names in `[services.{svc}.helm]` (`hearth render` shows the Application's full `valuesObject`)"
        ));
    };
    let dotted = path.join(".");
    match value_span(&loaded.source, svc, &path) {
        Some((span, true)) => e
            .label(span, format!("`{dotted}`, the value the chart fails on"))
            .help(format!(
                "correct `{dotted}` in `[services.{svc}.helm.values]` to what the chart expects (its values.yaml documents it)"
            )),
        Some((span, false)) => e
            .label(span, format!("the chart reads `{dotted}` under this key"))
            .help(format!(
                "set `{dotted}` in `[services.{svc}.helm.values]` to what the chart expects (its values.yaml documents it)"
            )),
        None => e
            .label(app.span.clone(), format!("the chart needs `{dotted}` from these values"))
            .help(format!(
                "set `{dotted}` in `[services.{svc}.helm.values]` (the chart's values.yaml documents it)"
            )),
    }
}

/// The engine's error as one line: Helm 4 breaks it after the template's
/// position and after `at <…>:` (`helm` 3 prints it on one line already).
fn one_line(err: &str) -> String {
    let mut out = String::new();
    for l in err.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if !out.is_empty() {
            out.push_str(if out.ends_with(':') { " " } else { ": " });
        }
        out.push_str(l);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helm_messages_name_the_value() {
        let nil = r#"template: app/templates/ingress.yaml:7:20: executing "app/templates/ingress.yaml" at <.Values.ingress.hosts>: nil pointer evaluating interface {}.hosts"#;
        assert_eq!(value_path(nil).unwrap(), ["ingress", "hosts"]);
        let req =
            "execution error at (broken/templates/secret.yaml:6:16): broken needs .Values.password";
        assert_eq!(value_path(req).unwrap(), ["password"]);
        assert_eq!(value_path("parse error: unexpected EOF"), None);
        let sub = r#"template: umbrella/charts/greeting/templates/cm.yaml:6:20: executing "umbrella/charts/greeting/templates/cm.yaml" at <.Values.message.text>: nil pointer evaluating interface {}.text"#;
        assert_eq!(subchart_scope(sub), ["greeting"]);
        assert!(subchart_scope(nil).is_empty());
        let deep = "execution error at (a/charts/b/charts/c/templates/x.yaml:1:2): needs .Values.x";
        assert_eq!(subchart_scope(deep), ["b", "c"]);
    }

    #[test]
    fn keys_are_found_in_every_toml_spelling() {
        let text = "[services.a.helm]\nchart = \"c\"\nvalues.ingress = { hosts = \"h\" }\n\n[services.b.helm.values.port]\nname = \"Web_Port\"\n";
        let src = SourceFile::new("site.toml", text);
        let path = |p: &str| p.split('.').map(str::to_string).collect::<Vec<_>>();
        let (span, whole) = value_span(&src, "a", &path("ingress.hosts")).unwrap();
        assert!(whole);
        assert_eq!(&text[span], "hosts");
        let (span, whole) = value_span(&src, "a", &path("ingress.tls.enabled")).unwrap();
        assert!(!whole);
        assert_eq!(&text[span], "ingress");
        assert_eq!(value_span(&src, "a", &path("missing")), None);
        let (p, span) = verbatim(&src, "b", "Web_Port").unwrap();
        assert_eq!(p, "port.name");
        assert_eq!(&text[span], "\"Web_Port\"");
    }
}
