//! Property tests of the parsers: any bytes, no panic; every complete record
//! is accounted for exactly once; a valid access line always parses, whatever
//! its field order, spacing and escapes.

use hearth_exporter::config::Config;
use hearth_exporter::frame::Framer;
use hearth_exporter::geo::Geo;
use hearth_exporter::parse::{self, ErrorKind, Raw};
use hearth_exporter::pipeline::Processor;
use hearth_exporter::reduce::{Reduced, Reducer};
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
        let mut part = Framer::default();
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
        let mut part = Framer::default();
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

    #[test]
    fn field_text_replaces_each_bad_byte_as_go_does(
        parts in prop::collection::vec(prop_oneof![
            "[^\"\\\\\u{fffd}]{0,12}".prop_map(Err),
            // A lone continuation byte, or one that never starts UTF-8.
            prop_oneof![0x80u8..0xc0, 0xf8u8..=0xff].prop_map(Ok),
        ], 0..12),
        escape in any::<bool>(),
    ) {
        let mut bytes = Vec::new();
        let mut want = String::new();
        for p in &parts {
            match p {
                Ok(b) => {
                    bytes.push(*b);
                    want.push('\u{fffd}');
                }
                Err(s) if escape => {
                    // JSON-escaped text reads back as itself.
                    let q = serde_json::to_string(s).unwrap();
                    bytes.extend_from_slice(&q.as_bytes()[1..q.len() - 1]);
                    want.push_str(s);
                }
                Err(s) => {
                    bytes.extend_from_slice(s.as_bytes());
                    want.push_str(s);
                }
            }
        }
        let raw = Raw { bytes: &bytes, escaped: escape, found: true };
        let mut scratch = String::new();
        prop_assert_eq!(parse::text(&raw, &mut scratch), Some(want.as_str()));
    }

    #[test]
    fn a_reduced_record_reads_as_the_whole_one(
        fields in prop::collection::vec((
            prop::sample::select(vec!["remote_address", "status", "ingress_namespace", "request", "ua"]),
            prop_oneof![
                "[ -~\u{e9}]{0,30}".prop_map(|s| serde_json::to_string(&s).unwrap()),
                "-?[0-9]{1,6}(\\.[0-9]{1,3})?",
                Just("null".to_string()),
                Just("true".to_string()),
                Just("[1]".to_string()),
                Just("nul".to_string()),
            ],
        ), 0..8),
        ws in "[ \t]{0,2}",
        cut in proptest::option::of(any::<prop::sample::Index>()),
        splits in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        let body: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{ws}{v}")).collect();
        let mut line = format!("{ws}{{{ws}{}{ws}}}", body.join(&format!(",{ws}"))).into_bytes();
        if let Some(c) = cut {
            line.truncate(c.index(line.len() + 1));
        }
        let mut at: Vec<usize> = splits.iter().map(|i| i.index(line.len() + 1)).collect();
        at.push(0);
        at.push(line.len());
        at.sort_unstable();
        let wanted: Vec<Vec<u8>> = ["remote_address", "ingress_namespace", "status"].iter().map(|w| w.as_bytes().to_vec()).collect();
        let mut r = Reducer::new(1 << 20);
        for w in at.windows(2) {
            r.feed(&line[w[0]..w[1]], &wanted);
        }
        let Reduced::Record(small) = r.finish() else {
            panic!("within the bound");
        };
        let keys: Vec<&[u8]> = wanted.iter().map(|w| w.as_slice()).collect();
        // Whitespace before the object is the classifier's to skip.
        let start = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let read = |s: &[u8]| -> Result<Vec<Option<String>>, parse::ErrorKind> {
            let mut out = [Raw::default(); 3];
            parse::json_fields(s, &keys, &mut out)?;
            Ok(out.iter().map(|r| {
                let mut sc = String::new();
                r.found.then(|| parse::text(r, &mut sc).map(str::to_string)).flatten()
            }).collect())
        };
        prop_assert_eq!(read(&small), read(&line[start..]), "{:?} -> {:?}", String::from_utf8_lossy(&line), String::from_utf8_lossy(&small));
    }
}
