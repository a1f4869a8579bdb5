//! HL003: a backup target whose credentials would not survive a disaster.
//!
//! ## What it does
//! A backup target's credentials are marked regenerable, so they are not in the
//! DR export.
//!
//! ## Why
//! Backups are useless after a disaster without the key to read them: the
//! target's credentials must be in the offline DR export.
//!
//! ## Example
//! ```toml
//! [backup_targets.nas]
//! kind = "cifs"
//! server = "nas.lab.example"
//! share = "backups"
//! credentials = "longhorn/nas-secret"
//!
//! [services.longhorn.secrets.nas-secret]
//! keys = { CIFS_USERNAME = "AgB…", CIFS_PASSWORD = "AgB…" }
//! regenerable = "can be reset"   # it cannot: the backups need it
//! ```
//!
//! ## Fix
//! Remove `regenerable` from the credentials secret.

use super::{Check, Code};
use crate::lint::rule::{Context, Sink, allow};

pub(super) const CHECK: Option<Check> = Some(check);

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    for t in &cx.plan.targets {
        let Some(c) = &t.credentials else {
            continue;
        };
        let (svc, secret) = (c.service.as_str(), c.secret.as_str());
        if let Some(s) = cx.plan.service(svc)
            && let Some(sec) = s
                .secrets
                .iter()
                .find(|x| x.name.as_str() == secret)
                .filter(|x| x.regenerable.is_some())
        {
            out.at(
                Code::BackupCredentialsNotExported,
                format!(
                    "credentials `{svc}/{secret}` of backup target `{}` are marked regenerable",
                    t.name
                ),
                sec.span.clone(),
                allow(s, &sec.allow),
            );
        }
    }
}
