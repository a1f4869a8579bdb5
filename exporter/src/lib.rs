//! hearth-exporter: tails ingress-nginx logs on a node and serves Prometheus
//! metrics (requests per client IP, namespace, status, GeoIP, WAF blocks),
//! counting every line exactly once across restarts.
//!
//! Flow: `tail` finds and reads CRI log files → `pipeline::Processor` parses
//! each record (`parse`) and counts it (`metrics`, `geo`) → `state` saves
//! counters and read positions together → `serve` answers /metrics.

pub mod config;
pub mod geo;
pub mod metrics;
pub mod parse;
pub mod pipeline;
pub mod serve;
pub mod state;
pub mod table;
pub mod tail;
