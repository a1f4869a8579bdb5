//! HL111: backups and their credentials sent in clear text beyond the LAN.
//!
//! ## What it does
//! An `s3` backup target's `endpoint` is `http://` to a host that is not on
//! the LAN (not a private or loopback address, not a `.lan`, `.local`,
//! `.home.arpa`, `.internal` name or a name of one label).
//!
//! ## Why
//! Every backup, and each request's signature, would cross the internet
//! unencrypted. On the LAN plain HTTP to a MinIO box is a choice; past it,
//! it is a leak.
//!
//! ## Example
//! ```toml
//! [backup_targets.offsite]
//! kind = "s3"
//! bucket = "lab"
//! region = "us-east-1"
//! endpoint = "http://s3.example.net:9000"
//! credentials = "longhorn/offsite-secret"
//! ```
//!
//! ## Fix
//! Use the store's `https://` endpoint (and `AWS_CERT` in the secret for a
//! self-signed certificate), or reach it over a VPN by a LAN address.

use std::net::Ipv4Addr;

use super::{Check, Code};
use crate::lint::rule::{Context, Sink};

pub(super) const CHECK: Option<Check> = Some(check);

fn check<'p>(cx: &Context<'p>, out: &mut Sink<'p>) {
    for t in &cx.plan.targets {
        let Some(h) = &t.host else { continue };
        if h.scheme == "http" && !on_lan(&h.host) {
            out.at(
                Code::BackupTargetCleartext,
                format!(
                    "backup target `{}` sends backups over plain HTTP to `{}`, which is not on the LAN",
                    t.name, h.host
                ),
                h.span.clone(),
                Vec::new(),
            );
        }
    }
}

/// A private, loopback, link-local or CGNAT (Tailscale) address, or a name
/// only a local resolver answers.
pub(super) fn on_lan(host: &str) -> bool {
    if let Ok(ip) = host.parse::<Ipv4Addr>() {
        let [a, b, ..] = ip.octets();
        return ip.is_private()
            || ip.is_loopback()
            || ip.is_link_local()
            || (a == 100 && (64..128).contains(&b));
    }
    !host.contains('.')
        || [".lan", ".local", ".home.arpa", ".internal"]
            .iter()
            .any(|s| host.ends_with(s))
}

#[cfg(test)]
mod tests {
    #[test]
    fn lan_hosts_are_told_apart_from_the_internet() {
        for h in ["10.1.10.9", "192.168.1.2", "172.20.0.1", "100.101.1.1", "nas", "minio.lan", "nas.home.arpa", "s3.svc.cluster.local"] {
            assert!(super::on_lan(h), "{h}");
        }
        for h in ["8.8.8.8", "172.32.0.1", "s3.example.net", "minio.lab.example"] {
            assert!(!super::on_lan(h), "{h}");
        }
    }
}
