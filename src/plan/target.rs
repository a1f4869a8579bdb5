//! Backup targets as the plan holds them: Longhorn's URL, the credentials'
//! secret, the S3 store restic shares, and the host backups travel to.

use std::ops::Range;

use serde::Serialize;

use crate::site::kinds::TargetKind;
use crate::site::names::{SecretName, ServiceName, TargetName};

/// A backup target, checked: Longhorn's URL and where its credentials are.
#[derive(Debug, Serialize)]
pub struct Target {
    pub name: TargetName,
    pub kind: TargetKind,
    /// Longhorn's backup target URL, e.g. `s3://bucket@region/path/`.
    pub url: String,
    /// The secret holding the credentials, in Longhorn's namespace.
    pub credentials: Option<Credentials>,
    /// s3: where restic finds the same bucket.
    pub s3: Option<S3Store>,
    /// The host backups travel to (s3 endpoint, nfs or cifs server), with
    /// the scheme (`http`, `https`, `nfs`, `cifs`) and the span naming it.
    pub host: Option<TargetHost>,
    #[serde(skip)]
    pub span: Range<usize>,
}

/// A target's credentials: a secret of a service in Longhorn's namespace.
#[derive(Debug, Clone, Serialize)]
pub struct Credentials {
    pub service: ServiceName,
    pub secret: SecretName,
}

/// An S3 bucket and prefix, and the endpoint of a store that is not AWS.
#[derive(Debug, Clone, Serialize)]
pub struct S3Store {
    pub endpoint: Option<String>,
    pub bucket: String,
    pub region: String,
    /// The prefix, without leading or trailing `/` (may be empty).
    pub path: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetHost {
    pub scheme: String,
    pub host: String,
    #[serde(skip)]
    pub span: Range<usize>,
}
