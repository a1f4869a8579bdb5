//! The ingress log pipeline as one list of stages, laid out three ways:
//! Promtail YAML (end of life on 2026-03-02, what the seed ran), Grafana
//! Alloy's configuration language (its successor), and hearth-exporter's
//! config. Each counter sees exactly its own labels: before it, the stages
//! drop the labels it does not have and add the ones it does, as the seed's
//! Promtail job does by hand.

use hearth_contract::Duration;
use serde::Serialize;
use serde_json::{Value, json};

mod alloy;
mod promtail;

pub use alloy::alloy;
pub use promtail::promtail;

/// One processing step, named for what it does; `promtail()` and `alloy()`
/// spell each in their own syntax.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Stage {
    /// Parse the CRI line (`<time> <stream> <P|F> <message>`), joining partial lines.
    Cri,
    /// Extract (name, JSON field) pairs; lines that are not JSON are dropped.
    Json {
        expressions: Vec<(String, String)>,
    },
    /// Look `source` up in a MaxMind City database.
    Geoip {
        db: String,
        source: String,
    },
    /// Keep only these labels.
    LabelKeep {
        labels: Vec<String>,
    },
    LabelDrop {
        labels: Vec<String>,
    },
    /// Promote extracted values to labels.
    Labels {
        labels: Vec<String>,
    },
    /// Count every line that reaches it.
    Counter {
        name: String,
        prefix: String,
        help: String,
        max_idle: Duration,
    },
    /// Drop every line (metrics only, nothing shipped).
    DropAll,
}

/// The two jobs of the seed's Promtail: every pod's logs to Loki, and the
/// access lines of `namespaces` turned into counters.
#[derive(Debug, Clone, Serialize)]
pub struct Pipeline {
    /// Push URL of Loki, when pod logs are shipped.
    pub loki_push: Option<String>,
    pub pod_log_stages: Vec<Stage>,
    pub namespaces: Vec<String>,
    pub metric_stages: Vec<Stage>,
    pub positions: String,
    /// For the exporter: label → field, counters, GeoIP.
    pub fields: Vec<(String, String)>,
    pub counters: Vec<(String, Vec<String>, String)>,
    pub geoip: Option<String>,
    pub geo_labels: Vec<String>,
    pub prefix: String,
    pub max_idle: Duration,
    pub max_series: u64,
    /// The agent (Promtail, Alloy) counts; false when hearth-exporter does.
    pub agent_counts: bool,
}

/// hearth-exporter's counter of requests ModSecurity denied (before the prefix).
pub const WAF_COUNTER: &str = hearth_contract::WAF_BLOCKED;

pub const GEO_LABELS: [&str; 2] = ["geoip_location_latitude", "geoip_location_longitude"];

/// Labels of the seed's pod logs that say nothing a query needs.
const POD_LOG_DROP: [&str; 3] = [
    "app_kubernetes_io_managed_by",
    "app_kubernetes_io_part_of",
    "controller_revision_hash",
];

pub struct Input<'a> {
    pub loki_push: Option<String>,
    pub namespaces: Vec<String>,
    pub fields: Vec<(String, String)>,
    pub counters: Vec<(String, Vec<String>, String)>,
    pub geoip: Option<&'a str>,
    pub prefix: &'a str,
    pub positions: &'a str,
    pub max_idle: Duration,
    pub max_series: u64,
    pub agent_counts: bool,
}

/// Build the stage lists from the site's definition.
pub fn build(i: Input) -> Pipeline {
    let geo: Vec<String> = if i.geoip.is_some() {
        GEO_LABELS.iter().map(|s| s.to_string()).collect()
    } else {
        Vec::new()
    };
    let mut stages = vec![
        Stage::Cri,
        Stage::Json {
            expressions: i.fields.clone(),
        },
    ];
    if let Some(db) = i.geoip {
        let source = i
            .fields
            .iter()
            .find(|(l, _)| l == "client_ip")
            .map_or("client_ip", |(l, _)| l)
            .to_string();
        stages.push(Stage::Geoip {
            db: db.to_string(),
            source,
        });
    }
    // Start from the GeoIP labels only: stream labels (filename, stream, …)
    // would multiply every counter's series.
    stages.push(Stage::LabelKeep {
        labels: geo.clone(),
    });
    if !geo.is_empty() {
        stages.push(Stage::Labels {
            labels: geo.clone(),
        });
    }
    counter_stages(&mut stages, &i);
    stages.push(Stage::DropAll);
    Pipeline {
        loki_push: i.loki_push,
        pod_log_stages: vec![
            Stage::Cri,
            Stage::LabelDrop {
                labels: POD_LOG_DROP.iter().map(|s| s.to_string()).collect(),
            },
        ],
        namespaces: i.namespaces,
        metric_stages: stages,
        positions: i.positions.to_string(),
        fields: i.fields,
        counters: i.counters,
        geoip: i.geoip.map(str::to_string),
        geo_labels: geo,
        prefix: i.prefix.to_string(),
        max_idle: i.max_idle,
        max_series: i.max_series,
        agent_counts: i.agent_counts,
    }
}

/// One counter after another, each with exactly its labels: drop the previous
/// counter's labels it does not have, add the ones it lacks.
fn counter_stages(stages: &mut Vec<Stage>, i: &Input) {
    let mut current: Vec<String> = Vec::new();
    for (name, labels, help) in &i.counters {
        let drop: Vec<String> = current
            .iter()
            .filter(|l| !labels.contains(l))
            .cloned()
            .collect();
        let add: Vec<String> = labels
            .iter()
            .filter(|l| !current.contains(l))
            .cloned()
            .collect();
        if !drop.is_empty() {
            stages.push(Stage::LabelDrop { labels: drop });
        }
        if !add.is_empty() {
            stages.push(Stage::Labels { labels: add });
        }
        current = labels.clone();
        stages.push(Stage::Counter {
            name: name.clone(),
            prefix: i.prefix.to_string(),
            help: help.clone(),
            max_idle: i.max_idle,
        });
    }
}

/// hearth-exporter's configuration: the same counters, fields and GeoIP, and
/// the limits that keep its memory bounded; the type the exporter reads.
pub fn exporter(p: &Pipeline) -> hearth_contract::Config {
    use hearth_contract::{Config, CounterDef, Geoip, Limits, Source, WafDef};
    let defaults = Limits::default();
    Config {
        prefix: p.prefix.clone(),
        sources: p.namespaces.iter().map(Source::namespace).collect(),
        fields: p.fields.iter().cloned().collect(),
        geoip: p.geoip.as_ref().map(|db| Geoip {
            database: db.into(),
            labels: p.geo_labels.clone(),
        }),
        counters: p
            .counters
            .iter()
            .map(|(name, labels, help)| CounterDef {
                name: name.clone(),
                labels: labels.clone(),
                help: help.clone(),
            })
            .collect(),
        waf: Some(WafDef {
            name: WAF_COUNTER.into(),
            matches: hearth_contract::WAF_MATCHES.into(),
            labels: vec!["rule_id".into()],
        }),
        limits: Limits {
            max_series_per_metric: usize::try_from(p.max_series).unwrap_or(usize::MAX),
            max_idle: p.max_idle,
            ..defaults
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed() -> Pipeline {
        let c = |n: &str, l: &[&str]| {
            (
                n.to_string(),
                l.iter().map(|s| s.to_string()).collect(),
                "h".to_string(),
            )
        };
        build(Input {
            loki_push: Some("http://loki.loki.svc:3100/loki/api/v1/push".into()),
            namespaces: vec!["ingress-nginx".into()],
            fields: vec![
                ("client_ip".into(), "remote_address".into()),
                ("namespace".into(), "ingress_namespace".into()),
                ("status".into(), "status".into()),
            ],
            counters: vec![
                c("ip", &["client_ip"]),
                c("ip_ns", &["client_ip", "namespace"]),
                c("ip_status", &["client_ip", "status"]),
                c("ip_ns_status", &["client_ip", "namespace", "status"]),
            ],
            geoip: Some("/etc/maxmind/GeoLite2-City.mmdb"),
            prefix: "promtail_custom_",
            positions: "/var/lib/promtail/positions.yaml",
            max_idle: "24h".parse().unwrap(),
            max_series: 1000,
            agent_counts: true,
        })
    }

    /// Each counter is preceded by stages that leave exactly its labels.
    #[test]
    fn counters_see_exactly_their_labels() {
        let p = seed();
        let mut labels: Vec<String> = Vec::new();
        let mut seen = Vec::new();
        for s in &p.metric_stages {
            match s {
                Stage::LabelKeep { labels: keep } => labels.retain(|l| keep.contains(l)),
                Stage::LabelDrop { labels: d } => labels.retain(|l| !d.contains(l)),
                Stage::Labels { labels: add } => labels.extend(add.iter().cloned()),
                Stage::Counter { name, .. } => {
                    let mut l = labels.clone();
                    l.sort();
                    seen.push((name.clone(), l));
                }
                _ => {}
            }
        }
        let geo = |extra: &[&str]| {
            let mut v: Vec<String> = GEO_LABELS
                .iter()
                .chain(extra)
                .map(|s| s.to_string())
                .collect();
            v.sort();
            v
        };
        assert_eq!(
            seen,
            [
                ("ip".to_string(), geo(&["client_ip"])),
                ("ip_ns".to_string(), geo(&["client_ip", "namespace"])),
                ("ip_status".to_string(), geo(&["client_ip", "status"])),
                (
                    "ip_ns_status".to_string(),
                    geo(&["client_ip", "namespace", "status"])
                ),
            ]
        );
        assert_eq!(p.metric_stages.last(), Some(&Stage::DropAll));
    }

    #[test]
    fn alloy_blocks_are_balanced() {
        let a = alloy(&seed());
        assert_eq!(a.matches('{').count(), a.matches('}').count());
        assert!(a.contains("prefix            = \"promtail_custom_\""));
    }

    /// The config hearth builds, written as `render` writes it, reads back in
    /// the exporter's type as exactly the same value, and passes its checks.
    fn round_trip(p: &Pipeline) -> hearth_contract::Config {
        let built = exporter(p);
        let value = serde_json::to_value(&built).unwrap();
        let text = crate::render::canonical::to_yaml(&value).unwrap();
        let read: hearth_contract::Config = serde_saphyr::from_str(&text).unwrap();
        assert_eq!(read, built, "{text}");
        read.check().unwrap();
        read
    }

    #[test]
    fn the_exporter_reads_the_config_hearth_writes() {
        let mut p = seed();
        round_trip(&p);
        p.geoip = None;
        p.max_series = 7;
        assert_eq!(round_trip(&p).limits.max_series_per_metric, 7);
    }

    proptest::proptest! {
        /// Every `max_idle` hearth accepts reaches the exporter as the same
        /// duration: written into exporter.yaml, and also when the site's
        /// spelling is handed to the exporter as it is.
        #[test]
        fn every_max_idle_hearth_accepts_the_exporter_reads(
            s in proptest::prop_oneof![
                "(([0-9]{1,4})(y|w|d|h|m|s|ms)){1,4}",
                "[0-9hmsdwy. +-]{0,8}",
                proptest::prelude::any::<String>(),
            ]
        ) {
            if let Ok(d) = super::super::logs::max_idle_of(&s) {
                let mut p = seed();
                p.max_idle = d;
                proptest::prop_assert_eq!(round_trip(&p).limits.max_idle, d);
                let text = format!("limits:\n  max_idle: {}\n", serde_json::to_string(&s).unwrap());
                let read: hearth_contract::Config = serde_saphyr::from_str(&text).unwrap();
                read.check().unwrap();
                proptest::prop_assert_eq!(read.limits.max_idle, d);
            }
        }
    }
}
