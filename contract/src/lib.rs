//! `exporter.yaml`, the contract between hearth and hearth-exporter: hearth's
//! monitoring stage builds a [`Config`] and `hearth render` serialises it;
//! hearth-exporter deserialises the same type and runs [`Config::check`].
//! The defaults (the reference site's pipeline) live here only, and so does
//! the one [`Duration`] grammar both sides read.
//!
//! Field order is the order `exporter.yaml` is written in.

mod duration;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use duration::Duration;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Prepended to every counter name (`promtail_custom_` keeps the seed's queries).
    #[serde(default = "default_prefix")]
    pub prefix: String,
    /// Which container logs to read, by namespace / pod / container glob.
    #[serde(default = "default_sources")]
    pub sources: Vec<Source>,
    /// Label name → JSON field of the access line.
    #[serde(default = "default_fields")]
    pub fields: BTreeMap<String, String>,
    pub geoip: Option<Geoip>,
    #[serde(default = "default_counters")]
    pub counters: Vec<CounterDef>,
    #[serde(default = "default_waf")]
    pub waf: Option<WafDef>,
    #[serde(default)]
    pub limits: Limits,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub namespace: String,
    #[serde(default = "star")]
    pub pod: String,
    #[serde(default = "star")]
    pub container: String,
}

impl Source {
    /// Every pod and container of `namespace`.
    pub fn namespace(namespace: impl Into<String>) -> Source {
        Source {
            namespace: namespace.into(),
            pod: star(),
            container: star(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Geoip {
    pub database: PathBuf,
    #[serde(default = "default_geo_labels")]
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CounterDef {
    pub name: String,
    pub labels: Vec<String>,
    #[serde(default)]
    pub help: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WafDef {
    /// Requests ModSecurity blocked (one per interruption, by the rule that
    /// interrupted: 949110 in the CRS's anomaly scoring).
    pub name: String,
    /// Rule matches ModSecurity logged (each `Warning.` and each
    /// interruption), by rule. Written only when not the default.
    #[serde(default = "default_waf_matches", skip_serializing_if = "is_default_waf_matches")]
    pub matches: String,
    /// `rule_id` and optionally `client_ip`.
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Series per metric; beyond it the least recently updated are evicted.
    #[serde(default = "default_max_series")]
    pub max_series_per_metric: usize,
    /// Series not updated for this long are dropped (`24h`, `30m`, `90s`).
    #[serde(default = "default_idle")]
    pub max_idle: Duration,
    /// A log record longer than this is reduced to its counted fields while
    /// it streams past. Written only when not the default.
    #[serde(default = "default_max_line", skip_serializing_if = "is_default_max_line")]
    pub max_line_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_series_per_metric: default_max_series(),
            max_idle: default_idle(),
            max_line_bytes: default_max_line(),
        }
    }
}

impl Default for Config {
    /// The reference site's pipeline (the seed's fields and counters).
    fn default() -> Self {
        Config {
            prefix: default_prefix(),
            sources: default_sources(),
            fields: default_fields(),
            geoip: None,
            counters: default_counters(),
            waf: default_waf(),
            limits: Limits::default(),
        }
    }
}

/// The WAF counter of blocked requests (before the prefix).
pub const WAF_BLOCKED: &str = "waf_blocked_total";
/// The WAF counter of rule matches (before the prefix).
pub const WAF_MATCHES: &str = "waf_rule_matches_total";
/// The shortest `max_idle`: Alloy refuses less than a second ("must be
/// greater or equal than 1s"), and a series dropped as soon as it is counted
/// would never be scraped.
pub const MIN_IDLE_SECS: u64 = 1;

/// GeoIP labels the exporter can fill from a City database.
pub const GEO_LABELS: [&str; 3] = [
    "geoip_location_latitude",
    "geoip_location_longitude",
    "geoip_country_code",
];

fn default_prefix() -> String {
    "promtail_custom_".into()
}
fn star() -> String {
    "*".into()
}
fn default_sources() -> Vec<Source> {
    vec![Source::namespace("ingress-nginx")]
}
fn default_fields() -> BTreeMap<String, String> {
    [
        ("client_ip", "remote_address"),
        ("namespace", "ingress_namespace"),
        ("status", "status"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect()
}
fn default_geo_labels() -> Vec<String> {
    GEO_LABELS[..2].iter().map(|s| s.to_string()).collect()
}
fn default_counters() -> Vec<CounterDef> {
    let c = |n: &str, l: &[&str]| CounterDef {
        name: n.into(),
        labels: l.iter().map(|s| s.to_string()).collect(),
        help: format!("Ingress requests by {}", l.join(", ")),
    };
    vec![
        c("http_requests_total_ip", &["client_ip"]),
        c(
            "http_requests_total_ip_namespace",
            &["client_ip", "namespace"],
        ),
        c("http_requests_total_ip_status", &["client_ip", "status"]),
        c(
            "http_requests_total_ip_namespace_status",
            &["client_ip", "namespace", "status"],
        ),
    ]
}
fn default_waf() -> Option<WafDef> {
    Some(WafDef {
        name: WAF_BLOCKED.into(),
        matches: default_waf_matches(),
        labels: vec!["rule_id".into()],
    })
}
fn default_waf_matches() -> String {
    WAF_MATCHES.into()
}
fn is_default_waf_matches(s: &String) -> bool {
    *s == WAF_MATCHES
}
fn default_max_series() -> usize {
    100_000
}
fn default_idle() -> Duration {
    Duration::from_secs(86_400).expect("a day is a duration")
}
fn default_max_line() -> usize {
    64 * 1024
}
fn is_default_max_line(n: &usize) -> bool {
    *n == default_max_line()
}

/// A Prometheus metric or label name (and a prefix of one).
pub fn valid_name(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Config {
    /// Every rule a config must follow, or the first it breaks.
    pub fn check(&self) -> Result<(), String> {
        if !self.prefix.is_empty() && !valid_name(&self.prefix) {
            return Err(format!(
                "prefix `{}` is not a metric name prefix",
                self.prefix
            ));
        }
        if self.sources.is_empty() {
            return Err("`sources` is empty: nothing would be read".into());
        }
        for (label, field) in &self.fields {
            if !valid_name(label) {
                return Err(format!("`{label}` is not a label name"));
            }
            if field.is_empty() {
                return Err(format!("label `{label}` has no field"));
            }
        }
        for g in self.geoip.iter().flat_map(|g| &g.labels) {
            if !GEO_LABELS.contains(&g.as_str()) {
                return Err(format!(
                    "GeoIP label `{g}` is not one of {}",
                    GEO_LABELS.join(", ")
                ));
            }
        }
        if self.geoip.is_some() && !self.fields.contains_key("client_ip") {
            return Err("GeoIP needs a `client_ip` field to look up".into());
        }
        let mut names = BTreeSet::new();
        for c in &self.counters {
            if !valid_name(&c.name) {
                return Err(format!("`{}` is not a metric name", c.name));
            }
            if !names.insert(c.name.as_str()) {
                return Err(format!("counter `{}` is defined twice", c.name));
            }
            for l in &c.labels {
                if !self.fields.contains_key(l) {
                    return Err(format!(
                        "counter `{}`: label `{l}` is not in `fields`",
                        c.name
                    ));
                }
            }
        }
        if let Some(w) = &self.waf {
            for n in [&w.name, &w.matches] {
                if !valid_name(n) {
                    return Err(format!("`{n}` is not a metric name"));
                }
            }
            if w.name == w.matches
                || names.contains(w.name.as_str())
                || names.contains(w.matches.as_str())
            {
                return Err("the WAF counters need names of their own".into());
            }
            for l in &w.labels {
                if !["rule_id", "client_ip"].contains(&l.as_str()) {
                    return Err(format!("WAF label `{l}` is not `rule_id` or `client_ip`"));
                }
            }
        }
        if self.limits.max_series_per_metric == 0 {
            return Err("`limits.max_series_per_metric` must be at least 1".into());
        }
        if self.limits.max_line_bytes < 1024 {
            return Err("`limits.max_line_bytes` must be at least 1024".into());
        }
        if self.limits.max_idle.secs() < MIN_IDLE_SECS {
            return Err(format!(
                "`limits.max_idle` must be at least {MIN_IDLE_SECS}s"
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_seed_pipeline_and_valid() {
        let c = Config::default();
        c.check().unwrap();
        assert_eq!(c.counters.len(), 4);
        assert_eq!(c.fields["client_ip"], "remote_address");
        assert_eq!(c.limits.max_idle.to_string(), "24h");
    }

    #[test]
    fn bad_configs_say_why() {
        let mut c = Config::default();
        c.counters[0].labels.push("path".into());
        assert!(c.check().unwrap_err().contains("`path` is not in `fields`"));
        let mut c = Config::default();
        c.limits.max_idle = "0s".parse().unwrap();
        assert!(c.check().unwrap_err().contains("at least 1s"));
        let mut c = Config::default();
        c.waf.as_mut().unwrap().matches = "http_requests_total_ip".into();
        assert!(c.check().unwrap_err().contains("names of their own"));
    }
}
