//! hearth-exporter: tails ingress-nginx logs on a node and serves Prometheus
//! metrics (requests per client IP, namespace, status, GeoIP, WAF blocks),
//! counting every line exactly once across restarts.
//!
//! Flow: `tail` finds CRI log files, `lines` cuts them into lines (bounded),
//! `frame` joins CRI frames into records → `pipeline::Processor` parses each
//! record (`parse`) and counts it (`metrics`, `geo`) → `state` saves counters
//! and read positions together → `serve` answers /metrics.

// Unsafe code only in `prefetch` (a CPU hint), which allows it and says why.
#![deny(unsafe_code)]

pub mod config;
pub mod frame;
pub mod geo;
pub mod lines;
pub mod metrics;
pub mod parse;
pub mod pipeline;
pub mod prefetch;
pub mod reduce;
pub mod serve;
pub mod state;
pub mod table;
pub mod tail;
