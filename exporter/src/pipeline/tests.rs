use super::*;

fn p() -> Processor {
    Processor::new(&Config::default(), Geo::none()).unwrap()
}

fn line(msg: &str) -> String {
    format!("2024-05-01T10:00:00.000000000Z stdout F {msg}")
}

#[test]
fn counts_access_lines_per_label_set() {
    let mut p = p();
    let mut part = Framer::default();
    let a = r#"{"remote_address": "203.0.113.7", "ingress_namespace": "immich", "status": 200, "path": "/"}"#;
    let b = r#"{"remote_address": "203.0.113.7", "ingress_namespace": "immich", "status": 403}"#;
    for m in [a, a, b] {
        p.cri_line(line(m).as_bytes(), &mut part);
    }
    let text = p.render(Format::Prometheus);
    assert!(
        text.contains("promtail_custom_http_requests_total_ip{client_ip=\"203.0.113.7\"} 3\n"),
        "{text}"
    );
    assert!(text.contains("promtail_custom_http_requests_total_ip_namespace_status{client_ip=\"203.0.113.7\",namespace=\"immich\",status=\"403\"} 1\n"));
}

#[test]
fn partial_records_are_joined_and_bounded() {
    let mut p = p();
    let mut part = Framer::default();
    let m = r#"{"remote_address": "198.51.100.1", "ingress_namespace": "x", "status": 200}"#;
    let (a, b) = m.split_at(20);
    p.cri_line(format!("t stdout P {a}").as_bytes(), &mut part);
    p.cri_line(format!("t stdout F {b}").as_bytes(), &mut part);
    assert_eq!(p.lines, 1);
    assert_eq!(p.families[0].series.len(), 1);
    // A record longer than the limit is reduced as it streams past,
    // never held: text is classified by its head and tail, JSON by its
    // wanted fields.
    let chunk = "x".repeat(10_000);
    for _ in 0..20 {
        p.cri_line(format!("t stdout P {chunk}").as_bytes(), &mut part);
        assert!(part.buf.len() <= 64 * 1024);
    }
    p.cri_line(b"t stdout F end", &mut part);
    assert_eq!(p.errors[ErrorKind::Garbage.index()], 1);
    assert!(part.is_idle());
    let q = "\\\"q\\\" ".repeat(30_000);
    let m = format!(
        r#"{{"remote_address": "198.51.100.2", "request": "GET /?q={q}", "ingress_namespace": "x", "status": 200}}"#
    );
    for (k, c) in m.as_bytes().chunks(16_384).enumerate() {
        let flag = if (k + 1) * 16_384 >= m.len() {
            "F"
        } else {
            "P"
        };
        let mut l = format!("t stdout {flag} ").into_bytes();
        l.extend_from_slice(c);
        p.cri_line(&l, &mut part);
        assert!(part.buf.len() <= 64 * 1024);
    }
    assert_eq!((p.requests, p.lines, p.parse_errors()), (2, 3, 1));
    assert!(part.is_idle());
    assert!(
        p.render(Format::Prometheus)
            .contains("client_ip=\"198.51.100.2\"} 1\n")
    );
}

#[test]
fn invalid_utf8_is_counted_as_promtail_reads_it() {
    let mut p = p();
    let mut part = Framer::default();
    // Outside the counted fields it does not matter; inside, each bad
    // byte is one U+FFFD (Go's decoder), escapes still resolved.
    for m in [
        &b"{\"remote_address\": \"203.0.113.7\", \"http_user_agent\": \"caf\xe9 \xff\", \"ingress_namespace\": \"immich\", \"status\": 200}"[..],
        b" {\"remote_address\": \"203.0.113.7\", \"ingress_namespace\": \"im\xe2\x82\\u00e9\xff\", \"status\": 200}",
    ] {
        let mut l = b"2024-05-01T10:00:00Z stdout F ".to_vec();
        l.extend_from_slice(m);
        p.cri_line(&l, &mut part);
    }
    assert_eq!((p.requests, p.parse_errors()), (2, 0));
    let text = p.render(Format::Prometheus);
    assert!(
        text.contains("promtail_custom_http_requests_total_ip{client_ip=\"203.0.113.7\"} 2\n"),
        "{text}"
    );
    assert!(
        text.contains("namespace=\"im\u{fffd}\u{fffd}é\u{fffd}\"} 1\n"),
        "{text}"
    );
    // A ModSecurity line with a bad byte still names its rule.
    p.cri_line(b"t stderr F 2024/05/01 10:00:00 [error] 1#1: *2 ModSecurity: Access denied with code 403 (phase 2). \xff [id \"949110\"] [rev \"\"]", &mut part);
    assert_eq!(p.waf_lines, 1);
}

#[test]
fn errors_by_kind() {
    let mut p = p();
    let mut part = Framer::default();
    p.cri_line(b"no frame", &mut part);
    p.cri_line(b"t stdout F \xff\xfe", &mut part);
    p.cri_line(
        line("{\"remote_address\": \"1.2.3.4\"").as_bytes(),
        &mut part,
    );
    p.cri_line(
        line("{\"remote_address\": \"1.2.3.4\"}").as_bytes(),
        &mut part,
    );
    p.cri_line(line("hello there").as_bytes(), &mut part);
    p.cri_line(
        line("2024/05/01 10:00:00 [error] 1#1: upstream timed out").as_bytes(),
        &mut part,
    );
    let e = |k: ErrorKind| p.errors[k.index()];
    assert_eq!(
        [
            e(ErrorKind::Cri),
            e(ErrorKind::Json),
            e(ErrorKind::MissingField),
            e(ErrorKind::Garbage),
            e(ErrorKind::Utf8),
        ],
        // Invalid UTF-8 alone is no error: the bare bytes are garbage.
        [1, 1, 1, 2, 0]
    );
    assert_eq!(p.ignored, 1);
}
