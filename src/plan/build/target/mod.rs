//! `[backup_targets.x]`: the fields of each kind checked, Longhorn's backup
//! target URL written from them (longhorn/website, docs 1.6.2
//! snapshots-and-backups/backup-and-restore/set-backup-target.md, and the
//! drivers of longhorn/backupstore that parse it), and the credentials secret
//! checked against the keys Longhorn reads (`keys.rs`).

mod keys;
mod rules;

use std::collections::BTreeMap;
use std::ops::Range;

use crate::diag::Code;
use crate::plan::*;
use crate::site::kinds::Word;
use crate::site::model::{self as m, TargetKind};
use crate::site::spanned::Spanned;

use super::resolve::Ctx;
use rules::*;

/// Azure's public endpoint suffix, the one Longhorn's azblob driver defaults to.
const AZURE_SUFFIX: &str = "core.windows.net";

/// Every target, checked; a target with an error is left out.
pub(super) fn targets(
    ctx: &mut Ctx,
    providers: &BTreeMap<Capability, Vec<ServiceName>>,
) -> Vec<Target> {
    let longhorn_ns = providers
        .get(&Capability::Longhorn)
        .and_then(|v| v.first())
        .map(|s| ctx.namespace_of(s));
    let mut out = Vec::new();
    for (name, t) in &ctx.raw.backup_targets {
        let before = ctx.errs.0.len();
        let planned = target(ctx, name, t.get_ref(), t.span(), longhorn_ns.as_ref());
        if ctx.errs.0.len() == before {
            out.extend(planned);
        }
    }
    out
}

/// The fields a kind takes: each of `needs` must be set; any other set field
/// outside `may` is refused.
fn fields(ctx: &mut Ctx, t: &m::BackupTarget, span: &Range<usize>, needs: &[&str], may: &[&str]) {
    let set = set_fields(t);
    for (f, at) in &set {
        if let Some(at) = at
            && !needs.contains(f)
            && !may.contains(f)
        {
            ctx.err(
                Code::Target,
                format!(
                    "`{f}` does not apply to a backup target of kind `{}`",
                    t.kind.word()
                ),
                at.clone().unwrap_or_else(|| span.clone()),
                "not for this kind",
                format!("remove `{f}`"),
            );
        }
    }
    for f in needs {
        if !set.iter().any(|(g, at)| g == f && at.is_some()) {
            ctx.err(
                Code::Target,
                format!("a backup target of kind `{}` needs `{f}`", t.kind.word()),
                span.clone(),
                "this target",
                format!("add `{f}`{}", example(f)),
            );
        }
    }
}

/// An example value for the help line of a missing field.
fn example(field: &str) -> &'static str {
    match field {
        "bucket" => " = \"<bucket>\"",
        "region" => " = \"<region>\" (MinIO's default is `us-east-1`)",
        "server" => " = \"<host name or address>\"",
        "path" => " = \"/<exported path>\"",
        "share" => " = \"<share>\"",
        "container" => " = \"<container>\"",
        "credentials" => " = \"<service>/<secret>\", a secret of Longhorn's namespace",
        _ => "",
    }
}

/// Which fields are set: `Some(span)` when set (`Some(None)`: no span kept).
fn set_fields(t: &m::BackupTarget) -> [(&'static str, Option<Option<Range<usize>>>); 11] {
    fn at<T>(f: &Option<Spanned<T>>) -> Option<Option<Range<usize>>> {
        f.as_ref().map(|x| Some(x.span()))
    }
    [
        ("bucket", at(&t.bucket)),
        ("region", at(&t.region)),
        ("endpoint", at(&t.endpoint)),
        (
            "virtual_hosted_style",
            t.virtual_hosted_style.then_some(None),
        ),
        ("container", at(&t.container)),
        ("endpoint_suffix", at(&t.endpoint_suffix)),
        ("server", at(&t.server)),
        ("share", at(&t.share)),
        ("path", at(&t.path)),
        ("options", t.options.first().map(|o| Some(o.span()))),
        ("credentials", at(&t.credentials)),
    ]
}

fn target(
    ctx: &mut Ctx,
    name: &TargetName,
    t: &m::BackupTarget,
    span: Range<usize>,
    longhorn_ns: Option<&Namespace>,
) -> Option<Target> {
    use TargetKind::*;
    let (needs, may): (&[&str], &[&str]) = match t.kind {
        S3 => (
            &["bucket", "region", "credentials"],
            &["endpoint", "virtual_hosted_style", "path"],
        ),
        Nfs => (&["server", "path"], &["options"]),
        Cifs => (&["server", "share", "credentials"], &["path", "options"]),
        AzureBlob => (&["container", "credentials"], &["endpoint_suffix", "path"]),
    };
    fields(ctx, t, &span, needs, may);
    let prefix = match (&t.path, t.kind) {
        (Some(p), Nfs) => absolute_path(ctx, p),
        (Some(p), _) => prefix(ctx, p),
        (None, _) => Some(String::new()),
    }?;
    let host = host(ctx, t);
    let url = match t.kind {
        S3 => {
            let bucket = checked(ctx, t.bucket.as_ref()?, "bucket", bucket_rule)?;
            let region = checked(ctx, t.region.as_ref()?, "region", region_rule)?;
            let store = S3Store {
                endpoint: t.endpoint.as_ref().map(|e| e.get_ref().clone()),
                bucket,
                region,
                path: prefix,
            };
            let url = s3_url(&store);
            return finish(ctx, name, t, span, url, Some(store), host, longhorn_ns);
        }
        Nfs => {
            let server = t.server.as_ref()?.get_ref();
            format!("nfs://{server}:{prefix}{}", options(ctx, t, "nfsOptions")?)
        }
        Cifs => {
            let server = t.server.as_ref()?.get_ref();
            let share = checked(ctx, t.share.as_ref()?, "share", share_rule)?;
            let sub = if prefix.is_empty() {
                String::new()
            } else {
                format!("/{prefix}")
            };
            format!(
                "cifs://{server}/{share}{sub}{}",
                options(ctx, t, "cifsOptions")?
            )
        }
        AzureBlob => {
            let container = checked(ctx, t.container.as_ref()?, "container", container_rule)?;
            let suffix = t
                .endpoint_suffix
                .as_ref()
                .map_or(AZURE_SUFFIX, |s| s.get_ref().as_str());
            format!("azblob://{container}@{suffix}/{}", slash_after(&prefix))
        }
    };
    finish(ctx, name, t, span, url, None, host, longhorn_ns)
}

#[allow(clippy::too_many_arguments)]
fn finish(
    ctx: &mut Ctx,
    name: &TargetName,
    t: &m::BackupTarget,
    span: Range<usize>,
    url: String,
    s3: Option<S3Store>,
    host: Option<TargetHost>,
    longhorn_ns: Option<&Namespace>,
) -> Option<Target> {
    let credentials = match &t.credentials {
        Some(c) => Some(keys::check(ctx, t, c, longhorn_ns)?),
        None => None,
    };
    Some(Target {
        name: name.clone(),
        kind: t.kind,
        url,
        credentials,
        s3,
        host,
        span,
    })
}

/// `s3://<bucket>@<region>/<path>/`: the driver needs a path, `/` at least.
pub(crate) fn s3_url(s: &S3Store) -> String {
    format!("s3://{}@{}/{}", s.bucket, s.region, slash_after(&s.path))
}

/// `a/b` → `a/b/`; empty stays empty.
fn slash_after(prefix: &str) -> String {
    if prefix.is_empty() {
        String::new()
    } else {
        format!("{prefix}/")
    }
}

/// `?nfsOptions=a,b` (or cifsOptions): the driver splits the query value on
/// commas, so an option holding a comma, or a character a URL query would
/// change (`&`, `#`, `+`, `%`, space), is refused.
fn options(ctx: &mut Ctx, t: &m::BackupTarget, key: &str) -> Option<String> {
    let mut ok = true;
    for o in &t.options {
        let v = o.get_ref();
        if v.is_empty()
            || v.chars()
                .any(|c| matches!(c, ',' | '&' | '#' | '+' | '%' | '?') || c.is_whitespace())
        {
            ok = false;
            ctx.err(
                Code::Target,
                format!("mount option `{v}` cannot go into Longhorn's target URL"),
                o.span(),
                "this option",
                "write one option per item (no commas, spaces, `&`, `#`, `+`, `%` or `?`), e.g. `options = [\"nfsvers=4.1\", \"soft\"]`",
            );
        }
    }
    if !ok {
        return None;
    }
    let list: Vec<&str> = t.options.iter().map(|o| o.get_ref().as_str()).collect();
    Some(if list.is_empty() {
        String::new()
    } else {
        format!("?{key}={}", list.join(","))
    })
}

/// The host backups go to, and how: the endpoint's for s3 (AWS when none),
/// the server's for nfs and cifs; azure-blob is always HTTPS to Azure.
fn host(ctx: &mut Ctx, t: &m::BackupTarget) -> Option<TargetHost> {
    match t.kind {
        TargetKind::S3 => {
            let e = t.endpoint.as_ref()?;
            match endpoint_rule(e.get_ref()) {
                Ok((scheme, host)) => Some(TargetHost {
                    scheme: scheme.into(),
                    host,
                    span: e.span(),
                }),
                Err(why) => {
                    ctx.err(
                        Code::Target,
                        format!("endpoint `{}` {why}", e.get_ref()),
                        e.span(),
                        "this endpoint",
                        "write the store's URL, e.g. `https://s3.us-west-004.backblazeb2.com` or `http://minio.lan:9000`",
                    );
                    None
                }
            }
        }
        TargetKind::Nfs | TargetKind::Cifs => t.server.as_ref().map(|s| TargetHost {
            scheme: t.kind.as_str().into(),
            host: s.get_ref().to_string(),
            span: s.span(),
        }),
        TargetKind::AzureBlob => None,
    }
}

/// A value through `rule`, reported at its span when refused.
fn checked(
    ctx: &mut Ctx,
    v: &Spanned<String>,
    what: &str,
    rule: fn(&str) -> Result<(), String>,
) -> Option<String> {
    match rule(v.get_ref()) {
        Ok(()) => Some(v.get_ref().clone()),
        Err(why) => {
            ctx.err(
                Code::Target,
                format!("{what} `{}`: {why}", v.get_ref()),
                v.span(),
                format!("not a valid {what}").as_str(),
                format!("correct the {what}"),
            );
            None
        }
    }
}

/// A prefix inside a bucket, container or share, without the slashes around it.
fn prefix(ctx: &mut Ctx, p: &Spanned<String>) -> Option<String> {
    let trimmed = p.get_ref().trim_matches('/');
    let rule = |s: &str| {
        if s.is_empty() {
            Ok(())
        } else {
            segments_rule(s)
        }
    };
    checked(
        ctx,
        &Spanned::new(p.span(), trimmed.to_string()),
        "path",
        rule,
    )
}

/// An NFS export path: absolute (`/` alone is the NFSv4 root).
fn absolute_path(ctx: &mut Ctx, p: &Spanned<String>) -> Option<String> {
    let rule = |s: &str| match s.strip_prefix('/') {
        None => Err("an NFS export path is absolute, e.g. `/srv/backups`".to_string()),
        Some("") => Ok(()),
        Some(rest) => segments_rule(rest.strip_suffix('/').unwrap_or(rest)),
    };
    checked(ctx, p, "path", rule)
}
