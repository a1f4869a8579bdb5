//! A target's credentials secret: a secret of a service in Longhorn's
//! namespace, holding the keys Longhorn reads for the kind and no other.
//! Key names from longhorn-manager v1.6.2 `types/types.go` and
//! `engineapi/backups.go` (`getBackupCredentialEnv`), which passes only these
//! keys to the backup driver.

use std::ops::Range;

use crate::diag::{Code, InputError, closest};
use crate::plan::*;
use crate::site::kinds::Word;
use crate::site::model::{self as m, TargetKind};
use crate::site::spanned::Spanned;

use super::super::resolve::Ctx;

const PROXY: [&str; 3] = ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"];

/// Keys Longhorn reads for `kind`: (required, optional). s3's access keys
/// may give way to `AWS_IAM_ROLE_ARN` (checked apart).
fn known(kind: TargetKind) -> (&'static [&'static str], Vec<&'static str>) {
    match kind {
        TargetKind::S3 => (
            &["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"],
            // AWS_SIGN_ACCEPT_ENCODING: read by newer releases (backupstore
            // s3/s3_service.go); older ones pass it by.
            [
                "AWS_IAM_ROLE_ARN",
                "AWS_ENDPOINTS",
                "AWS_CERT",
                "VIRTUAL_HOSTED_STYLE",
                "AWS_SIGN_ACCEPT_ENCODING",
            ]
            .into_iter()
            .chain(PROXY)
            .collect(),
        ),
        TargetKind::Cifs => (&["CIFS_USERNAME", "CIFS_PASSWORD"], vec![]),
        TargetKind::AzureBlob => (
            &["AZBLOB_ACCOUNT_NAME", "AZBLOB_ACCOUNT_KEY"],
            ["AZBLOB_ENDPOINT", "AZBLOB_CERT"]
                .into_iter()
                .chain(PROXY)
                .collect(),
        ),
        TargetKind::Nfs => (&[], vec![]),
    }
}

/// Resolve `credentials` and check the secret's keys; `None` once reported.
pub(super) fn check(
    ctx: &mut Ctx,
    t: &m::BackupTarget,
    c: &Spanned<String>,
    longhorn_ns: Option<&Namespace>,
) -> Option<Credentials> {
    let (service, name) = ctx.split_ref(c, "secret")?;
    let svc = ctx.raw.services[&service].get_ref();
    let found = SecretName::new(&name)
        .ok()
        .and_then(|n| svc.secrets.get_key_value(&n));
    let Some((secret, decl)) = found else {
        let names: Vec<&str> = svc.secrets.keys().map(|k| k.as_str()).collect();
        let help = closest(&name, names.iter().copied()).map_or_else(
            || format!("declare it as [services.{service}.secrets.{name}]"),
            |s| format!("did you mean `{service}/{s}`?"),
        );
        ctx.err(
            Code::Dangling,
            format!("service `{service}` has no secret `{name}`"),
            c.span(),
            "referenced here",
            help,
        );
        return None;
    };
    let ns = ctx.namespace_of(&service);
    if let Some(lh) = longhorn_ns
        && *lh != ns
    {
        ctx.err(
            Code::Target,
            format!("secret `{service}/{name}` is in namespace `{ns}`; Longhorn reads target credentials from its own namespace `{lh}`"),
            c.span(),
            "not in Longhorn's namespace",
            format!("declare the secret in a service of namespace `{lh}` (or share it there with [secrets.{name}])"),
        );
        return None;
    }
    let before = ctx.errs.0.len();
    check_keys(ctx, t, c.span(), decl);
    (ctx.errs.0.len() == before).then(|| Credentials {
        service,
        secret: secret.clone(),
    })
}

fn check_keys(ctx: &mut Ctx, t: &m::BackupTarget, at: Range<usize>, decl: &Spanned<m::Secret>) {
    let (required, optional) = known(t.kind);
    let has = |k: &str| decl.get_ref().keys.keys().any(|x| x.as_str() == k);
    let kind = t.kind.word();
    let all: Vec<&str> = required
        .iter()
        .copied()
        .chain(optional.iter().copied())
        .collect();
    for (k, v) in &decl.get_ref().keys {
        if !all.contains(&k.as_str()) {
            let help = closest(k.as_str(), all.iter().copied()).map_or_else(
                || format!("a `{kind}` target's secret holds {}", all.join(", ")),
                |s| format!("did you mean `{s}`?"),
            );
            push(
                ctx,
                format!("Longhorn does not read key `{k}` of a `{kind}` target's secret"),
                &at,
                v.span(),
                "this key",
                help,
            );
        }
    }
    let by_role = t.kind == TargetKind::S3 && has("AWS_IAM_ROLE_ARN");
    for k in required.iter().filter(|k| !has(k) && !by_role) {
        let also = if t.kind == TargetKind::S3 {
            " (or `AWS_IAM_ROLE_ARN` with kube2iam or kiam)"
        } else {
            ""
        };
        push(
            ctx,
            format!("the credentials secret of a `{kind}` target lacks `{k}`"),
            &at,
            decl.span(),
            "declared here",
            format!("add `{k}` to the secret's keys{also}, then `hearth seal` it"),
        );
    }
    if t.kind != TargetKind::S3 {
        return;
    }
    // The endpoint reaches Longhorn only through the secret; the field tells
    // hearth (restic, lint) where the bucket is. They must agree.
    pair(
        ctx,
        t.endpoint.is_some(),
        has("AWS_ENDPOINTS"),
        "endpoint",
        "AWS_ENDPOINTS",
        "the store's URL, the same as `endpoint`",
        &at,
        decl,
    );
    pair(
        ctx,
        t.virtual_hosted_style,
        has("VIRTUAL_HOSTED_STYLE"),
        "virtual_hosted_style = true",
        "VIRTUAL_HOSTED_STYLE",
        "`true`",
        &at,
        decl,
    );
}

/// A field of the target and the secret key carrying it to Longhorn: both or neither.
#[allow(clippy::too_many_arguments)]
fn pair(
    ctx: &mut Ctx,
    field: bool,
    key: bool,
    fname: &str,
    kname: &str,
    value: &str,
    at: &Range<usize>,
    decl: &Spanned<m::Secret>,
) {
    if field && !key {
        push(
            ctx,
            format!(
                "`{fname}` is set, but the credentials secret lacks `{kname}`: Longhorn reads it only from the secret"
            ),
            at,
            decl.span(),
            "declared here",
            format!("add `{kname}` ({value}) to the secret's keys, then `hearth seal` it"),
        );
    } else if key && !field {
        push(
            ctx,
            format!(
                "the credentials secret holds `{kname}`, but the target does not say `{fname}`"
            ),
            at,
            decl.span(),
            "declared here",
            format!("add `{fname}` to the target, so hearth knows what Longhorn is told"),
        );
    }
}

fn push(
    ctx: &mut Ctx,
    msg: String,
    at: &Range<usize>,
    other: Range<usize>,
    label: &str,
    help: String,
) {
    let e = InputError::new(Code::Target, msg)
        .in_file(ctx.src)
        .label(at.clone(), "credentials of this target")
        .label(other, label)
        .help(help);
    ctx.errs.push(e);
}
