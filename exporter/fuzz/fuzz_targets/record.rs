//! Any bytes as CRI log lines: the parser and the counters must never panic,
//! partial buffers stay bounded, and every complete record is accounted for
//! (counted, ignored, or a parse error).
#![no_main]

use hearth_exporter::config::Config;
use hearth_exporter::geo::Geo;
use hearth_exporter::metrics::Format;
use hearth_exporter::frame::Framer;
use hearth_exporter::pipeline::Processor;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut cfg = Config::default();
    cfg.limits.max_series_per_metric = 16;
    cfg.limits.max_line_bytes = 1024;
    let mut p = Processor::new(&cfg, Geo::none()).expect("the default config is valid");
    let mut part = Framer::default();
    for line in data.split(|b| *b == b'\n') {
        p.cri_line(line, &mut part);
        assert!(part.buf.len() <= 1024);
    }
    // Every complete record is counted, ignored, or a parse error (broken
    // CRI frames are physical lines, not records).
    let cri = p.errors[hearth_exporter::parse::ErrorKind::Cri.index()];
    assert_eq!(p.requests + p.waf_lines + p.ignored + p.parse_errors() - cri, p.lines);
    let _ = p.render(Format::OpenMetrics);
});
