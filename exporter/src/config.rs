//! The exporter's configuration: `exporter.yaml` as `hearth render` writes it
//! into `rendered/monitoring/`, or the reference site's pipeline when no file
//! is given. Checked once at start; every problem is a message and exit 2.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub namespace: String,
    #[serde(default = "star")]
    pub pod: String,
    #[serde(default = "star")]
    pub container: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Geoip {
    pub database: PathBuf,
    #[serde(default = "default_geo_labels")]
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CounterDef {
    pub name: String,
    pub labels: Vec<String>,
    #[serde(default)]
    pub help: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WafDef {
    /// Requests ModSecurity blocked (one per interruption, by the rule that
    /// interrupted: 949110 in the CRS's anomaly scoring).
    pub name: String,
    /// Rule matches ModSecurity logged (each `Warning.` and each
    /// interruption), by rule.
    #[serde(default = "default_waf_matches")]
    pub matches: String,
    /// `rule_id` and optionally `client_ip`.
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Series per metric; beyond it the least recently updated are evicted.
    #[serde(default = "default_max_series")]
    pub max_series_per_metric: usize,
    /// Series not updated for this long are dropped (`24h`, `30m`, `90s`).
    #[serde(default = "default_idle")]
    pub max_idle: String,
    /// A log record longer than this is cut and counted (`too_long`).
    #[serde(default = "default_max_line")]
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

fn default_prefix() -> String {
    "promtail_custom_".into()
}
fn star() -> String {
    "*".into()
}
fn default_sources() -> Vec<Source> {
    vec![Source {
        namespace: "ingress-nginx".into(),
        pod: star(),
        container: star(),
    }]
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
    vec![
        "geoip_location_latitude".into(),
        "geoip_location_longitude".into(),
    ]
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
        name: "waf_blocked_total".into(),
        matches: default_waf_matches(),
        labels: vec!["rule_id".into()],
    })
}
fn default_waf_matches() -> String {
    "waf_rule_matches_total".into()
}
fn default_max_series() -> usize {
    100_000
}
fn default_idle() -> String {
    "24h".into()
}
fn default_max_line() -> usize {
    64 * 1024
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

/// GeoIP labels the exporter can fill from a City database.
pub const GEO_LABELS: [&str; 3] = [
    "geoip_location_latitude",
    "geoip_location_longitude",
    "geoip_country_code",
];

/// A duration in the grammar hearth checks `max_idle` with (Prometheus's,
/// through promql-parser): unit terms largest first, each at most once, as in
/// `90s`, `30m`, `1h30m`, `7d`, `1w2d`; `ms` rounds down to whole seconds.
/// In seconds.
pub fn duration_secs(s: &str) -> Result<u64, String> {
    let bad = || format!("`{s}` is not a duration such as `90s`, `30m`, `1h30m`, `7d`");
    // Unit, milliseconds, place in the order they must come in (`ms` is
    // tried before `m`).
    const UNITS: [(&str, u64, u8); 7] = [
        ("y", 365 * 86_400_000, 0),
        ("w", 7 * 86_400_000, 1),
        ("d", 86_400_000, 2),
        ("h", 3_600_000, 3),
        ("ms", 1, 6),
        ("m", 60_000, 4),
        ("s", 1_000, 5),
    ];
    let (mut rest, mut millis, mut last) = (s, 0u64, None::<u8>);
    match rest {
        "" => return Err(bad()),
        // Prometheus takes a bare zero too.
        "0" => return Ok(0),
        _ => {}
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let n: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let (unit, mul, place) = UNITS
            .iter()
            .find(|(u, _, _)| rest.starts_with(u))
            .ok_or_else(bad)?;
        if last.is_some_and(|l| *place <= l) {
            return Err(bad());
        }
        last = Some(*place);
        rest = &rest[unit.len()..];
        millis = n
            .checked_mul(*mul)
            .and_then(|v| millis.checked_add(v))
            .ok_or_else(bad)?;
    }
    Ok(millis / 1_000)
}

fn valid_name(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Config {
    /// Read and check a YAML config file.
    pub fn load(path: &std::path::Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read config `{}`: {e}", path.display()))?;
        let c: Config = serde_saphyr::from_str(&text).map_err(|e| {
            let loc = e
                .location()
                .map(|l| format!(":{}:{}", l.line(), l.column()))
                .unwrap_or_default();
            let msg = e.to_string();
            let first = msg.lines().next().unwrap_or("invalid YAML");
            format!("{}{loc}: {first}", path.display())
        })?;
        c.check().map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(c)
    }

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
        let geo: Vec<&str> = self
            .geoip
            .iter()
            .flat_map(|g| g.labels.iter().map(String::as_str))
            .collect();
        for g in &geo {
            if !GEO_LABELS.contains(g) {
                return Err(format!(
                    "GeoIP label `{g}` is not one of {}",
                    GEO_LABELS.join(", ")
                ));
            }
        }
        if self.geoip.is_some() && !self.fields.contains_key("client_ip") {
            return Err("GeoIP needs a `client_ip` field to look up".into());
        }
        let mut names = std::collections::BTreeSet::new();
        for c in &self.counters {
            if !valid_name(&c.name) {
                return Err(format!("`{}` is not a metric name", c.name));
            }
            if !names.insert(c.name.clone()) {
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
            if w.name == w.matches || names.contains(&w.name) || names.contains(&w.matches) {
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
        duration_secs(&self.limits.max_idle)?;
        Ok(())
    }
}

/// Shell-style glob with `*` and `?` (what sources use).
pub fn glob(pattern: &str, s: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), s.as_bytes());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(sp) = star {
            pi = sp + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
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
    }

    #[test]
    fn globs() {
        assert!(glob("*", "anything"));
        assert!(glob("ingress-*", "ingress-nginx"));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "abbc"));
        assert!(glob("*-controller-*", "ingress-nginx-controller-7d9f"));
        assert!(!glob("ingress", "ingress-nginx"));
    }

    #[test]
    fn bad_configs_say_why() {
        let mut c = Config::default();
        c.counters[0].labels.push("path".into());
        assert!(c.check().unwrap_err().contains("`path` is not in `fields`"));
        assert_eq!(duration_secs("24h").unwrap(), 86_400);
        // hearth accepts these (promql-parser); so must the exporter.
        for (d, secs) in [
            ("1h30m", 5_400),
            ("90s", 90),
            ("7d", 604_800),
            ("1w2d", 777_600),
            ("2m500ms", 120),
            ("0s", 0),
            ("0", 0),
        ] {
            assert_eq!(duration_secs(d), Ok(secs), "{d}");
        }
        for bad in [
            "1 day", "", "h", "30m1h", "1h1h", "1.5h", "-1h", "24", "1hh",
        ] {
            assert!(duration_secs(bad).is_err(), "{bad}");
        }
    }
}
