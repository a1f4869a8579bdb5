use super::*;

#[test]
fn cri_frames() {
    let c = cri(b"2024-01-01T00:00:00.000000001Z stdout F hello world").unwrap();
    assert_eq!((c.partial, c.message), (false, &b"hello world"[..]));
    let c = cri(b"2024-01-01T00:00:00Z stderr P part").unwrap();
    assert!(c.partial);
    assert_eq!(cri(b"2024-01-01T00:00:00Z stdout F").unwrap().message, b"");
    for bad in [
        &b"garbage"[..],
        b"t stdin F x",
        b"t stdout X x",
        b" stdout F x",
        b"t stdout Fx",
    ] {
        assert!(cri(bad).is_none(), "{}", String::from_utf8_lossy(bad));
    }
}

#[test]
fn access_lines() {
    let line = br#"{"time": "2024-01-01T00:00:00+00:00", "remote_address": "203.0.113.7", "request": "GET / HTTP/1.1", "status": 403, "http_user_agent": "a \"quoted\" agent", "ingress_namespace": "immich", "request_time": 0.004}"#;
    let wanted: [&[u8]; 3] = [b"remote_address", b"ingress_namespace", b"status"];
    let mut out = [Raw::default(); 3];
    json_fields(line, &wanted, &mut out).unwrap();
    assert_eq!(out[0].bytes, b"203.0.113.7");
    assert_eq!(out[1].bytes, b"immich");
    assert_eq!(out[2].bytes, b"403");
    let mut s = String::new();
    let ua = Raw {
        bytes: br#"a \"quoted\" agent \u00e9"#,
        escaped: true,
        found: true,
    };
    assert_eq!(text(&ua, &mut s), Some("a \"quoted\" agent é"));
    for bad in [
        &br#"{"a": "b""#[..],
        br#"{"a": "b"} trailing"#,
        br#"{"a": {"nested": 1}}"#,
        br#"{"a" "b"}"#,
        br#"not json"#,
        br#"{"a": bogus}"#,
    ] {
        assert_eq!(
            json_fields(bad, &wanted, &mut out),
            Err(ErrorKind::Json),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn modsecurity_lines() {
    let l = r#"2024/05/01 10:00:00 [error] 123#123: *456 [client 203.0.113.7] ModSecurity: Access denied with code 403 (phase 2). Matched "Operator `Ge' with parameter `5' against variable `TX:ANOMALY_SCORE' (Value: `5' ) [file "/etc/nginx/owasp-modsecurity-crs/rules/REQUEST-949-BLOCKING-EVALUATION.conf"] [line "80"] [id "949110"] [rev ""] [msg "Inbound Anomaly Score Exceeded (Total Score: 5)"] [data ""] [severity "2"] [ver "OWASP_CRS/3.3.5"] [maturity "0"] [accuracy "0"] [tag "application-multi"] [hostname "10.42.0.1"] [uri "/admin"] [unique_id "1714557600"] [ref ""], client: 203.0.113.7, server: vaultwarden.bunetz.dev, request: "GET /admin HTTP/1.1", host: "vaultwarden.bunetz.dev""#;
    assert_eq!(
        modsecurity(l),
        Some(Waf {
            rule_id: "949110",
            client: "203.0.113.7",
            blocked: true,
        })
    );
    // A rule match on the way to the block: counted, not a block.
    let w = r#"2024/05/01 10:00:00 [info] 123#123: *456 ModSecurity: Warning. detected SQLi using libinjection. [file "/etc/nginx/owasp-modsecurity-crs/rules/REQUEST-942-APPLICATION-ATTACK-SQLI.conf"] [line "46"] [id "942100"] [rev ""] [msg "SQL Injection Attack Detected via libinjection"] [data "Matched Data: s&sos found within ARGS:id: 1' or '1'='1"] [severity "2"], client: 203.0.113.7, server: x, request: "GET /?id=1 HTTP/1.1""#;
    assert_eq!(
        modsecurity(w),
        Some(Waf {
            rule_id: "942100",
            client: "203.0.113.7",
            blocked: false,
        })
    );
    assert!(is_nginx_error(l.as_bytes()));
    assert!(modsecurity("2024/05/01 10:00:00 [error] upstream timed out").is_none());
    assert!(!is_nginx_error(b"{\"a\": 1}"));
}
