//! End to end with the real programs: Debian's nginx with ModSecurity v3 and
//! the OWASP CRS, configured from the rendered ingress-nginx values, serves a
//! bounded load of valid and hostile requests; its access and error logs are
//! framed as the kubelet frames container output (CRI records, long lines
//! split into P/F) under a fake /var/log/pods tree and rotated once while
//! hearth-exporter runs as a daemon. The exporter's counts must equal an
//! independent count of nginx's own access log; then Debian's Prometheus
//! scrapes it with the rendered rule file (ClientIpRequests' threshold and
//! `for` lowered) and a burst from one new client must fire the alert.

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{EXE, Kill, free_port, try_get, wait_for};
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn on_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// ingress-nginx's `controller.config` as hearth renders it for the site.
fn ingress_config() -> Value {
    let text =
        std::fs::read_to_string(repo().join("rendered/argocd/ingress-nginx.application.yaml"))
            .unwrap();
    let app: Value = serde_saphyr::from_str(&text).unwrap();
    let chart = app["spec"]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["chart"] == "ingress-nginx")
        .unwrap();
    chart["helm"]["valuesObject"]["controller"]["config"].clone()
}

/// The ingresses the load addresses: host, namespace, ingress and service.
const INGRESSES: [(&str, &str); 2] = [
    ("vaultwarden.example.test", "vaultwarden"),
    ("grafana.example.test", "grafana"),
];

/// nginx as ingress-nginx configures it, non-root: own prefix, pid and temp
/// paths, loopback ports, PROXY protocol in front (as `use-proxy-protocol`).
fn nginx_conf(dir: &Path, port: u16, backend: u16, config: &Value) -> String {
    let d = dir.display();
    let format = config["log-format-upstream"].as_str().unwrap();
    assert!(!format.contains('\''), "{format}");
    assert_eq!(config["log-format-escape-json"], "true");
    assert_eq!(config["enable-modsecurity"], "true");
    assert_eq!(config["use-proxy-protocol"], "true");
    let mut servers = String::new();
    for (host, ns) in INGRESSES {
        // ingress-nginx sets these per location; `$req_id` is its request id.
        servers.push_str(&format!(
            r#"
  server {{
    listen 127.0.0.1:{port} proxy_protocol;
    server_name {host};
    set_real_ip_from 127.0.0.1;
    real_ip_header proxy_protocol;
    location "/metrics" {{ deny all; return 403; }}
    location / {{
      set $namespace "{ns}";
      set $ingress_name "{ns}";
      set $service_name "{ns}";
      set $service_port "80";
      set $req_id $request_id;
      proxy_pass http://127.0.0.1:{backend};
    }}
  }}
"#
        ));
    }
    format!(
        r#"load_module /usr/lib/nginx/modules/ngx_http_modsecurity_module.so;
pid {d}/nginx.pid;
error_log {d}/error.log {level};
worker_processes 1;
events {{ worker_connections 64; }}
http {{
  client_body_temp_path {d}/tmp/body;
  proxy_temp_path {d}/tmp/proxy;
  fastcgi_temp_path {d}/tmp/fastcgi;
  uwsgi_temp_path {d}/tmp/uwsgi;
  scgi_temp_path {d}/tmp/scgi;
  log_format upstreaminfo escape=json '{format}';
  access_log {d}/access.log upstreaminfo;
  modsecurity on;
  modsecurity_rules_file {d}/modsecurity.conf;
  server {{
    listen 127.0.0.1:{backend};
    modsecurity off;
    access_log off;
    location / {{ return 200 "ok\n"; }}
  }}
{servers}}}
"#,
        level = config["error-log-level"].as_str().unwrap(),
    )
}

/// The rendered modsecurity-snippet, its ingress-nginx CRS include replaced
/// by Debian's CRS (what nginx-modsecurity.conf includes in the controller).
fn modsecurity_conf(config: &Value) -> String {
    let snippet = config["modsecurity-snippet"].as_str().unwrap();
    let include = "Include /etc/nginx/owasp-modsecurity-crs/nginx-modsecurity.conf";
    assert!(snippet.contains(include), "{snippet}");
    let crs = "Include /etc/modsecurity/crs/crs-setup.conf\n\
               Include /etc/modsecurity/crs/REQUEST-900-EXCLUSION-RULES-BEFORE-CRS.conf\n\
               Include /usr/share/modsecurity-crs/rules/*.conf\n\
               Include /etc/modsecurity/crs/RESPONSE-999-EXCLUSION-RULES-AFTER-CRS.conf";
    format!(
        "SecRequestBodyAccess On\nSecAuditEngine Off\n{}",
        snippet.replace(include, crs)
    )
}

/// One request through PROXY protocol v1 from `ip`: the status nginx answered.
fn request(port: u16, ip: &str, head: &[u8]) -> u16 {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let proxy = if ip.contains(':') {
        format!("PROXY TCP6 {ip} ::1 40000 {port}\r\n")
    } else {
        format!("PROXY TCP4 {ip} 127.0.0.1 40000 {port}\r\n")
    };
    let mut msg = proxy.into_bytes();
    msg.extend_from_slice(head);
    s.write_all(&msg).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let line = String::from_utf8_lossy(&out[..out.len().min(12)]).to_string();
    line[9..12].parse().unwrap_or_else(|_| panic!("{line:?}"))
}

fn get(host: &str, target: &[u8], headers: &[&[u8]]) -> Vec<u8> {
    let mut r = b"GET ".to_vec();
    r.extend_from_slice(target);
    r.extend_from_slice(b" HTTP/1.1\r\nHost: ");
    r.extend_from_slice(host.as_bytes());
    r.extend_from_slice(b"\r\n");
    for h in headers {
        r.extend_from_slice(h);
        r.extend_from_slice(b"\r\n");
    }
    r.extend_from_slice(b"Connection: close\r\n\r\n");
    r
}

/// The bounded load's requests: valid and hostile, `n` of them.
fn requests(n: usize) -> Vec<Vec<u8>> {
    let long_query = format!("/search?q={}", "a".repeat(7000));
    let long_referer = format!("Referer: https://{}.example/", "r".repeat(7000));
    (0..n)
        .map(|i| {
            let host = INGRESSES[i % 2].0;
            match i % 8 {
                0 => get(host, b"/", &[b"User-Agent: Mozilla/5.0"]),
                1 => get(host, b"/metrics", &[]),
                2 => get(host, b"/?q=<script>alert(1)</script>", &[]),
                3 => get(host, b"/caf\xc3\xa9/\xff\xfe?x=\xc3\x28", &[]),
                4 => get(
                    host,
                    b"/a",
                    &[b"User-Agent: q\"uote\\back\xc3\x28slash\xff"],
                ),
                5 => get(host, long_query.as_bytes(), &[long_referer.as_bytes()]),
                6 => get(host, b"/search?q=1%27%20OR%20%271%27=%271", &[]),
                _ => get(host, b"/static/app.js", &[b"User-Agent: curl/8"]),
            }
        })
        .collect()
}

/// (client_ip, status) → requests, read from nginx's own access log: the
/// second field is `remote_address`, and escape=json leaves no bare `"` in a
/// value, so `"status": ` is the key.
fn count_access_log(log: &[u8]) -> BTreeMap<(String, String), u64> {
    let mut out = BTreeMap::new();
    for line in log.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let text = String::from_utf8_lossy(line);
        let ip = text
            .split_once("\"remote_address\": \"")
            .and_then(|(_, r)| r.split_once('"'))
            .map(|(ip, _)| ip.to_string())
            .unwrap_or_else(|| panic!("{text}"));
        let status: String = text
            .split_once("\"status\": ")
            .unwrap()
            .1
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        *out.entry((ip, status)).or_default() += 1;
    }
    out
}

/// The exporter's `<prefix>http_requests_total_ip_status` samples.
fn count_metrics(body: &str, name: &str) -> BTreeMap<(String, String), u64> {
    let mut out = BTreeMap::new();
    for line in body.lines() {
        let Some(rest) = line.strip_prefix(&format!("{name}{{")) else {
            continue;
        };
        let (labels, value) = rest.split_once("} ").unwrap();
        let label = |k: &str| {
            labels
                .split(',')
                .find_map(|kv| kv.strip_prefix(&format!("{k}=\"")))
                .map(|v| v.trim_end_matches('"').to_string())
                .unwrap()
        };
        let v: f64 = value.trim().parse().unwrap();
        out.insert((label("client_ip"), label("status")), v as u64);
    }
    out
}

fn total(body: &str, name: &str) -> u64 {
    body.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
        .map(|l| l.rsplit_once(' ').unwrap().1.parse::<f64>().unwrap() as u64)
        .sum()
}

/// CRI records of `lines` on `stream`, split into 16 KiB P parts and an F.
fn cri(lines: &[&[u8]], stream: &str, clock: &mut u64) -> Vec<Vec<u8>> {
    const MAX: usize = 16 * 1024;
    let mut out = Vec::new();
    for line in lines {
        let chunks: Vec<&[u8]> = line.chunks(MAX).collect();
        for (k, c) in chunks.iter().enumerate() {
            *clock += 1_000;
            let ns = *clock;
            let tag = if k + 1 == chunks.len() { "F" } else { "P" };
            let mut r = format!(
                "2026-12-01T20:{:02}:{:02}.{:09}Z {stream} {tag} ",
                ns / 60_000_000_000 % 60,
                ns / 1_000_000_000 % 60,
                ns % 1_000_000_000
            )
            .into_bytes();
            r.extend_from_slice(c);
            r.push(b'\n');
            out.push(r);
        }
    }
    out
}

fn append(path: &Path, records: &[Vec<u8>]) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    for r in records {
        f.write_all(r).unwrap();
    }
}

fn lines(path: &Path) -> Vec<Vec<u8>> {
    std::fs::read(path)
        .unwrap()
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

/// The rendered rule file with ClientIpRequests' threshold and `for` lowered.
fn test_rules(threshold: u64) -> String {
    let rules =
        std::fs::read_to_string(repo().join("rendered/monitoring/alerts.rules.yaml")).unwrap();
    let at = rules.find("- alert: ClientIpRequests").unwrap();
    let (head, rule) = rules.split_at(at);
    let end = rule[1..].find("- alert:").map_or(rule.len(), |e| e + 1);
    let (rule, tail) = rule.split_at(end);
    assert!(
        rule.contains(" > 1000\n") && rule.contains("for: 5m"),
        "{rule}"
    );
    let rule = rule
        .replace(" > 1000\n", &format!(" > {threshold}\n"))
        .replace("for: 5m", "for: 2s");
    // Negative control: the same rule on plain `increase()`, which misses a
    // series that appears already holding its count.
    let expr = rule
        .lines()
        .find(|l| l.trim_start().starts_with("expr: "))
        .unwrap();
    let from = expr.find("increase(").unwrap();
    let to = from + expr[from..].find("])").unwrap() + 2;
    let plain = rule
        .replace(
            "- alert: ClientIpRequests",
            "- alert: ClientIpRequestsPlainIncrease",
        )
        .replace(
            expr,
            &format!(
                "    expr: sum by (client_ip) ({}) > {threshold}",
                &expr[from..to]
            ),
        );
    assert!(
        plain.contains("(increase(") && !plain.contains(" unless "),
        "{plain}"
    );
    format!("{head}{rule}{plain}{tail}")
}

#[test]
#[cfg_attr(
    no_real_nginx,
    ignore = "no nginx, ModSecurity, the CRS or prometheus: run scripts/test (CI=true fails)"
)]
fn real_nginx_modsecurity_exporter_and_prometheus_agree() {
    let started = Instant::now();
    let nginx = on_path("nginx").expect("nginx");
    let prometheus = on_path("prometheus").expect("prometheus");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("tmp")).unwrap();
    let config = ingress_config();
    let (port, backend) = (free_port(), free_port());
    std::fs::write(d.join("nginx.conf"), nginx_conf(d, port, backend, &config)).unwrap();
    std::fs::write(d.join("modsecurity.conf"), modsecurity_conf(&config)).unwrap();
    let _nginx = Kill(
        Command::new(&nginx)
            .arg("-p")
            .arg(d)
            .arg("-c")
            .arg(d.join("nginx.conf"))
            // Not /var/log/nginx before the configuration is read (non-root).
            .arg("-e")
            .arg(d.join("startup.log"))
            .args(["-g", "daemon off; master_process off;"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for("nginx", Duration::from_secs(20), || {
        TcpStream::connect(("127.0.0.1", port)).is_ok()
    });

    // The load: five clients' mixed requests, then one new client's burst.
    let clients = [
        "198.51.100.1",
        "198.51.100.2",
        "198.51.100.3",
        "2001:db8::5",
        "198.51.100.4",
    ];
    let mut sent = 0usize;
    let mut seen: BTreeMap<(String, String), u64> = BTreeMap::new();
    for ip in clients {
        for r in requests(40) {
            let status = request(port, ip, &r);
            *seen
                .entry((ip.to_string(), status.to_string()))
                .or_default() += 1;
            sent += 1;
        }
    }
    let burst = "203.0.113.7";
    let burst_n = 120;
    for _ in 0..burst_n {
        request(port, burst, &get(INGRESSES[0].0, b"/", &[]));
        sent += 1;
    }
    // nginx logs a request after answering it.
    wait_for("nginx's access log", Duration::from_secs(20), || {
        lines(&d.join("access.log")).len() == sent
    });
    let access = lines(&d.join("access.log"));
    let expected = count_access_log(&std::fs::read(d.join("access.log")).unwrap());
    // What the clients saw is what nginx logged: the WAF answered 403.
    let mut seen_all = seen.clone();
    seen_all.insert((burst.to_string(), "200".to_string()), burst_n);
    assert_eq!(expected, seen_all);
    assert!(expected.keys().any(|(_, s)| s == "403"));
    assert!(access.iter().any(|l| l.len() > 16 * 1024), "no long line");
    assert!(
        access.iter().any(|l| std::str::from_utf8(l).is_err()),
        "all UTF-8"
    );
    let errors: Vec<Vec<u8>> = lines(&d.join("error.log"))
        .into_iter()
        .filter(|l| l.windows(12).any(|w| w == b"ModSecurity:"))
        .collect();
    let denied = errors
        .iter()
        .filter(|l| l.windows(14).any(|w| w == b"Access denied "))
        .count() as u64;
    assert!(denied > 0);

    // The kubelet's files: access lines on stdout, error lines on stderr.
    let pod = d.join("pods/ingress-nginx_ingress-nginx-controller-6d5f8c_0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b/controller");
    std::fs::create_dir_all(&pod).unwrap();
    let log = pod.join("0.log");
    let mut clock = 0;
    let access_refs: Vec<&[u8]> = access.iter().map(Vec::as_slice).collect();
    let error_refs: Vec<&[u8]> = errors.iter().map(Vec::as_slice).collect();
    let half = access_refs.len() / 2;
    let first = cri(&access_refs[..half], "stdout", &mut clock);
    let errs = cri(&error_refs, "stderr", &mut clock);
    let last = cri(&access_refs[half..], "stdout", &mut clock);
    let (before, after) = last.split_at(last.len() / 4);
    append(&log, &first);

    let rendered =
        std::fs::read_to_string(repo().join("rendered/monitoring/exporter.yaml")).unwrap();
    let cfg: Value = serde_saphyr::from_str(&rendered).unwrap();
    let prefix = cfg["prefix"].as_str().unwrap().to_string();
    // No GeoIP database here: the test's copy of the config has none.
    let mut local: serde_json::Map<String, Value> = cfg.as_object().unwrap().clone();
    local.remove("geoip");
    std::fs::write(d.join("exporter.json"), Value::Object(local).to_string()).unwrap();
    let metrics_port = free_port();
    // The exporter under test: this build's, or HEARTH_EXPORTER_BIN (to run
    // the test against another build of it).
    let exe =
        std::env::var_os("HEARTH_EXPORTER_BIN").map_or_else(|| PathBuf::from(EXE), PathBuf::from);
    let _exporter = Kill(
        Command::new(exe)
            .arg("--config")
            .arg(d.join("exporter.json"))
            .arg("--root")
            .arg(d.join("pods"))
            .arg("--state")
            .arg(d.join("state.json"))
            .args(["--from", "start", "--poll-ms", "20"])
            .arg("--listen")
            .arg(format!("127.0.0.1:{metrics_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let ip_status = format!("{prefix}http_requests_total_ip_status");
    // Until the exporter has counted `n` access lines; on timeout, what it had.
    let counted = |what: &str, n: u64| {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let body = try_get(metrics_port, "/metrics").unwrap_or_default();
            if count_metrics(&body, &ip_status).values().sum::<u64>() == n {
                return body;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: not {n} lines in\n{body}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    counted("the first half", half as u64);
    // Rotation as the kubelet does it: the last lines land in the old file,
    // which is renamed, and a new 0.log starts.
    append(&log, &errs);
    append(&log, before);
    std::fs::rename(&log, pod.join("0.log.20261201-205500")).unwrap();
    append(&log, after);
    let body = counted("every access line", sent as u64);
    assert_eq!(count_metrics(&body, &ip_status), expected);
    // The WAF counter saw every denied request (one per request; a build
    // that counts rule matches there counts every ModSecurity line).
    let waf = format!("{prefix}{}", cfg["waf"]["name"].as_str().unwrap());
    let blocked = total(&body, &waf);
    assert!(
        blocked == denied || blocked == errors.len() as u64,
        "{waf}: {blocked}, denied {denied}, ModSecurity lines {}",
        errors.len()
    );

    // Prometheus scrapes the exporter with the rendered rules.
    let threshold = 100;
    assert!(
        burst_n > threshold
            && expected
                .iter()
                .all(|((ip, _), n)| ip == burst || *n <= threshold)
    );
    std::fs::write(d.join("rules.yaml"), test_rules(threshold)).unwrap();
    std::fs::write(
        d.join("prometheus.yml"),
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: [rules.yaml]\nscrape_configs:\n- job_name: hearth-exporter\n  static_configs:\n  - targets: ['127.0.0.1:{metrics_port}']\n"
        ),
    )
    .unwrap();
    let prom_port = free_port();
    let _prometheus = Kill(
        Command::new(&prometheus)
            .current_dir(d)
            .arg(format!(
                "--config.file={}",
                d.join("prometheus.yml").display()
            ))
            .arg(format!("--storage.tsdb.path={}", d.join("tsdb").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{prom_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut last = String::new();
    wait_for("ClientIpRequests firing", Duration::from_secs(40), || {
        let Some(body) = try_get(prom_port, "/api/v1/alerts") else {
            return false;
        };
        last = body;
        let v: Value = serde_json::from_str(&last).unwrap_or(Value::Null);
        v["data"]["alerts"].as_array().is_some_and(|a| {
            a.iter().any(|x| {
                x["labels"]["alertname"] == "ClientIpRequests"
                    && x["labels"]["client_ip"] == burst
                    && x["state"] == "firing"
            })
        })
    });
    // Only the bursting client.
    let v: Value = serde_json::from_str(&last).unwrap();
    let others: Vec<&Value> = v["data"]["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| {
            x["labels"]["alertname"] == "ClientIpRequests" && x["labels"]["client_ip"] != burst
        })
        .collect();
    assert!(others.is_empty(), "{others:?}");
    // The control rule was loaded and evaluated, and never went active.
    let rules: Value = serde_json::from_str(&try_get(prom_port, "/api/v1/rules").unwrap()).unwrap();
    let control = rules["data"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_array().unwrap())
        .find(|r| r["name"] == "ClientIpRequestsPlainIncrease")
        .expect("the control rule");
    assert_eq!(control["health"], "ok", "{control}");
    assert_eq!(control["state"], "inactive", "{control}");
    eprintln!("end to end in {:?}", started.elapsed());
}
