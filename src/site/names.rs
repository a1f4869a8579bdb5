//! Typed names. Each kind of name is its own type so a service name can never be
//! passed where a volume name is expected, and every name is checked once, at parse
//! time, against the rule Kubernetes applies to it (RFC 1123 label or subdomain).

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

/// Why a name is not acceptable, in words a user can act on.
pub fn check_dns_label(s: &str, max: usize) -> Result<(), String> {
    if s.is_empty() {
        return Err("a name cannot be empty".into());
    }
    if s.len() > max {
        return Err(format!(
            "`{s}` is {} characters long; at most {max} are allowed",
            s.len()
        ));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(format!(
            "`{s}` contains `{c}`; use lowercase letters, digits and `-` only (RFC 1123 label)"
        ));
    }
    if s.starts_with('-') || s.ends_with('-') {
        return Err(format!("`{s}` must start and end with a letter or digit"));
    }
    Ok(())
}

macro_rules! dns_name {
    ($(#[$doc:meta])* $name:ident, $max:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(s: impl Into<String>) -> Result<Self, String> {
                let s = s.into();
                check_dns_label(&s, $max)?;
                Ok(Self(s))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::new(s).map_err(serde::de::Error::custom)
            }
        }

        impl JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
                    "maxLength": $max,
                })
            }
        }
    };
}

dns_name!(
    /// A service: one ArgoCD Application and one folder under `rendered/apps/`.
    ServiceName, 53);
dns_name!(
    /// A Kubernetes namespace.
    Namespace, 63);
dns_name!(
    /// A node's hostname, as `kubernetes.io/hostname` sees it.
    NodeName, 63);
dns_name!(
    /// A Deployment, StatefulSet, DaemonSet or CronJob within a service.
    WorkloadName, 52);
dns_name!(
    /// A container port's name (IANA service name: at most 15 characters).
    PortName, 15);
dns_name!(
    /// A volume (PersistentVolumeClaim) within a service.
    VolumeName, 63);
dns_name!(
    /// A SealedSecret within a service's namespace.
    SecretName, 63);
dns_name!(
    /// A ConfigMap within a service's namespace.
    ConfigMapName, 63);
dns_name!(
    /// An Ingress within a service's namespace.
    IngressName, 63);
dns_name!(
    /// A backup definition (Longhorn RecurringJob, pg-backup run, rclone sync).
    BackupName, 40);
dns_name!(
    /// A backup target (for instance an Azure blob container).
    TargetName, 63);
dns_name!(
    /// A cert-manager ClusterIssuer.
    IssuerName, 63);
dns_name!(
    /// A PostgreSQL database served by a service.
    DatabaseName, 63);
dns_name!(
    /// A rate-limit tier.
    TierName, 63);

/// A key inside a Secret or ConfigMap: `[-._a-zA-Z0-9]+`, as Kubernetes requires.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct DataKey(String);

impl DataKey {
    pub fn new(s: impl Into<String>) -> Result<Self, String> {
        let s = s.into();
        if s.is_empty() || s.len() > 253 {
            return Err("a data key must have 1 to 253 characters".into());
        }
        if let Some(c) = s
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        {
            return Err(format!(
                "data key `{s}` contains `{c}`; use letters, digits, `-`, `_` and `.`"
            ));
        }
        Ok(Self(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DataKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::new(s).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for DataKey {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "DataKey".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "pattern": "^[-._a-zA-Z0-9]+$", "maxLength": 253 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert!(ServiceName::new("immich").is_ok());
        assert!(ServiceName::new("a-1").is_ok());
        assert!(ServiceName::new("").is_err());
        assert!(ServiceName::new("Immich").unwrap_err().contains("`I`"));
        assert!(ServiceName::new("-x").is_err());
        assert!(ServiceName::new("x_y").is_err());
        assert!(PortName::new("a-very-long-port-name").is_err());
        assert!(DataKey::new("rclone.conf").is_ok());
        assert!(DataKey::new("a/b").is_err());
    }
}
