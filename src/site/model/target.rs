//! `[site.backup_targets.<name>]`: the stores Longhorn and restic back up to.

use super::*;

/// Where Longhorn (and restic, for an `s3` target) sends backups. The fields
/// a kind takes are listed on each; hearth writes Longhorn's URL from them.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BackupTarget {
    /// The store behind the target: `s3`, `nfs`, `cifs` or `azure-blob`.
    pub kind: TargetKind,
    /// s3: the bucket.
    pub bucket: Option<Spanned<String>>,
    /// s3: the region, e.g. `eu-central-1` (AWS), `us-west-004` (B2),
    /// `us-east-1` (MinIO's default).
    pub region: Option<Spanned<String>>,
    /// s3: the URL of an S3-compatible store (MinIO, B2, Garage), e.g.
    /// `https://s3.us-west-004.backblazeb2.com`; leave it out for AWS. The
    /// credentials secret must hold the same URL as `AWS_ENDPOINTS`.
    pub endpoint: Option<Spanned<String>>,
    /// s3: address the bucket as `<bucket>.<endpoint>` (virtual-hosted style)
    /// instead of `<endpoint>/<bucket>`; the secret must hold
    /// `VIRTUAL_HOSTED_STYLE`.
    #[serde(default)]
    pub virtual_hosted_style: bool,
    /// azure-blob: the container.
    pub container: Option<Spanned<String>>,
    /// azure-blob: the endpoint suffix, default `core.windows.net`.
    pub endpoint_suffix: Option<Spanned<HostName>>,
    /// nfs, cifs: the server's host name or address.
    pub server: Option<Spanned<HostName>>,
    /// cifs: the share.
    pub share: Option<Spanned<String>>,
    /// nfs: the exported path (absolute); s3, azure-blob: the prefix inside
    /// the bucket or container; cifs: the folder inside the share.
    pub path: Option<Spanned<String>>,
    /// nfs, cifs: mount options replacing Longhorn's defaults (nfs
    /// `actimeo=1,soft,timeo=300,retry=2`, cifs `soft`), e.g.
    /// `["nfsvers=4.1", "soft"]`.
    #[serde(default)]
    pub options: Vec<Spanned<String>>,
    /// s3, cifs, azure-blob: the secret holding the target's credentials, as
    /// `<service>/<secret>` of a service in Longhorn's namespace. Its keys
    /// are the ones Longhorn reads for the kind (s3: `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`; cifs: `CIFS_USERNAME`, `CIFS_PASSWORD`;
    /// azure-blob: `AZBLOB_ACCOUNT_NAME`, `AZBLOB_ACCOUNT_KEY`).
    pub credentials: Option<Spanned<String>>,
}
