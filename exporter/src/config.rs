//! The exporter's configuration: `exporter.yaml` as `hearth render` writes it
//! into `rendered/monitoring/`, or the reference site's pipeline when no file
//! is given. The types, defaults and rules are `hearth-contract`'s, shared
//! with hearth; this module reads the file. Checked once at start; every
//! problem is a message and exit 2.

pub use hearth_contract::{
    Config, CounterDef, Duration, GEO_LABELS, Geoip, Limits, Source, WafDef, valid_name,
};

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
    fn globs() {
        assert!(glob("*", "anything"));
        assert!(glob("ingress-*", "ingress-nginx"));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "abbc"));
        assert!(glob("*-controller-*", "ingress-nginx-controller-7d9f"));
        assert!(!glob("ingress", "ingress-nginx"));
    }

    /// The file hearth renders for the reference site reads back as the
    /// reference pipeline with the site's GeoIP database.
    #[test]
    fn the_rendered_config_is_the_reference_pipeline() {
        let rendered = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../rendered/monitoring/exporter.yaml");
        let c = load(&rendered).unwrap();
        let want = Config {
            geoip: Some(Geoip {
                database: "/etc/maxmind/GeoLite2-City.mmdb".into(),
                labels: GEO_LABELS[..2].iter().map(|s| s.to_string()).collect(),
            }),
            ..Config::default()
        };
        assert_eq!(c, want);
    }
}
