//! Property tests of the parsers: any bytes, no panic; every complete record
//! is accounted for exactly once; a valid access line always parses, whatever
//! its field order, spacing and escapes.

use hearth_exporter::config::Config;
use hearth_exporter::geo::Geo;
use hearth_exporter::parse::{self, ErrorKind, Raw};
use hearth_exporter::pipeline::{Partial, Processor};
use proptest::prelude::*;

fn processor() -> Processor {
    let mut cfg = Config::default();
    cfg.limits.max_series_per_metric = 64;
    cfg.limits.max_line_bytes = 2048;
    Processor::new(&cfg, Geo::none()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_are_accounted_for(lines in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..40)) {
        let mut p = processor();
        let mut part = Partial::default();
        for l in &lines {
            let l: Vec<u8> = l.iter().copied().filter(|b| *b != b'\n').collect();
            p.cri_line(&l, &mut part);
            prop_assert!(part.buf.len() <= 2048);
        }
        let cri = p.errors[ErrorKind::Cri.index()];
        prop_assert_eq!(p.requests + p.waf_lines + p.ignored + p.parse_errors() - cri, p.lines);
    }

    #[test]
    fn cri_shaped_noise_is_accounted_for(msgs in prop::collection::vec(("[PF]", "[ -~]{0,120}"), 0..40)) {
        let mut p = processor();
        let mut part = Partial::default();
        for (flag, m) in &msgs {
            p.cri_line(format!("2024-05-01T10:00:00Z stdout {flag} {m}").as_bytes(), &mut part);
        }
        let finals = msgs.iter().filter(|(f, _)| f == "F").count() as u64;
        prop_assert_eq!(p.lines, finals);
        prop_assert_eq!(p.requests + p.waf_lines + p.ignored + p.parse_errors(), p.lines);
    }

    #[test]
    fn valid_access_lines_always_parse(
        ip in "[0-9]{1,3}(\\.[0-9]{1,3}){3}",
        ns in "[a-z][a-z0-9-]{0,20}",
        status in 100u16..600,
        ua in "[ -~]{0,60}",
        spaces in "[ \t]{0,3}",
        ip_first in any::<bool>(),
    ) {
        let ua_json = serde_json::to_string(&ua).unwrap();
        let fields = [
            format!("\"remote_address\":{spaces}\"{ip}\""),
            format!("\"http_user_agent\": {ua_json}"),
            format!("\"status\":{spaces}{status}"),
            format!("\"ingress_namespace\": \"{ns}\""),
        ];
        let order: Vec<&String> = if ip_first { fields.iter().collect() } else { fields.iter().rev().collect() };
        let line = format!("{{{}}}", order.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(&format!(",{spaces}")));
        let wanted: [&[u8]; 4] = [b"remote_address", b"ingress_namespace", b"status", b"http_user_agent"];
        let mut out = [Raw::default(); 4];
        prop_assert!(parse::json_fields(line.as_bytes(), &wanted, &mut out).is_ok(), "{}", line);
        let mut s = String::new();
        prop_assert_eq!(parse::text(&out[0], &mut s), Some(ip.as_str()));
        let mut s = String::new();
        prop_assert_eq!(parse::text(&out[3], &mut s), Some(ua.as_str()));
        let st = status.to_string();
        prop_assert_eq!(out[2].bytes, st.as_bytes());
        // Cut anywhere before its end, it is refused.
        for cut in [1, line.len() / 2, line.len() - 1] {
            prop_assert!(parse::json_fields(&line.as_bytes()[..cut], &wanted, &mut out).is_err());
        }
    }
}
