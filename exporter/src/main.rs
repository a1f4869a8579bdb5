//! hearth-exporter: tails ingress-nginx logs on a node and serves Prometheus
//! metrics (requests per client IP, namespace, status, GeoIP, WAF blocks).
//!
//! This is the crate's skeleton: the command line and its exit codes. The log
//! path itself (tailing, parsing, counters, state, HTTP) is its own issue.

use std::process::ExitCode;

const USAGE: &str = "hearth-exporter: ingress-nginx logs to Prometheus metrics

Usage: hearth-exporter [--config FILE] [--oneshot FILE...]

The log pipeline is not built yet; this binary only answers --help and --version.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--help" | "-h") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some("--version" | "-V") => {
            println!("hearth-exporter {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            eprintln!("error: the log pipeline is not implemented yet");
            ExitCode::from(2)
        }
    }
}
