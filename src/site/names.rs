//! Typed names. Each kind of name is its own type so a service name can never be
//! passed where a volume name is expected, and every name is checked once, at parse
//! time, against the rule Kubernetes applies to it (RFC 1123 label or subdomain).

use super::values::checked_string;

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

/// The JSON Schema pattern of an RFC 1123 label of at most `max` characters.
/// The length is in the pattern too (not only `maxLength`): names are mostly
/// map keys, and a map's `patternProperties` carries only the pattern.
pub fn dns_label_pattern(max: usize) -> String {
    format!(
        "^[a-z0-9]([-a-z0-9]{{0,{}}}[a-z0-9])?$",
        max.saturating_sub(2)
    )
}

/// `IsValidPortName` (IANA_SVC_NAME) as a JSON Schema pattern: lowercase
/// letters and digits in runs joined by single `-`, at least one letter. The
/// 15-character limit is `maxLength` (and `propertyNames` where a map is keyed
/// by port names): a regular expression without look-ahead cannot say both.
pub const PORT_NAME_PATTERN: &str = "^([a-z0-9]+-)*[a-z0-9]*[a-z][a-z0-9]*(-[a-z0-9]+)*$";

/// A name checked as an RFC 1123 label of at most `$max` characters.
macro_rules! dns_name {
    ($(#[$doc:meta])* $name:ident, $max:expr) => {
        checked_string!(
            $(#[$doc])* $name,
            |s: &str| check_dns_label(s, $max),
            { "type": "string", "pattern": dns_label_pattern($max), "maxLength": $max }
        );
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
    /// An init container or sidecar, unique within its pod.
    ContainerName, 63);
checked_string!(
    /// A container port's name (IANA service name: at most 15 characters,
    /// at least one letter, no `--`; the last two are checked at render, as
    /// the API server's `IsValidPortName`).
    PortName,
    |s: &str| check_dns_label(s, 15),
    { "type": "string", "pattern": PORT_NAME_PATTERN, "maxLength": 15 });
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
dns_name!(
    /// A named client network of `[site.networks]` (source ranges).
    NetworkName, 63);

dns_name!(
    /// A Grafana datasource uid (stable, so dashboards can refer to it).
    DatasourceUid, 40);
dns_name!(
    /// A Grafana contact point (where alerts are delivered).
    ContactName, 63);
dns_name!(
    /// A custom dashboard's uid.
    DashboardUid, 40);

checked_string!(
    /// A Prometheus metric or label name: `[a-zA-Z_][a-zA-Z0-9_]*`.
    MetricName, check_metric_name,
    { "type": "string", "pattern": "^[a-zA-Z_][a-zA-Z0-9_]*$" });

fn check_metric_name(s: &str) -> Result<(), String> {
    let ok = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{s}` is not a Prometheus name; use letters, digits and `_`, not starting with a digit"
        ))
    }
}

checked_string!(
    /// A key inside a Secret or ConfigMap: `[-._a-zA-Z0-9]+`, as Kubernetes requires.
    DataKey, check_data_key,
    { "type": "string", "pattern": "^[-._a-zA-Z0-9]{1,253}$", "maxLength": 253 });

fn check_data_key(s: &str) -> Result<(), String> {
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
    Ok(())
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
