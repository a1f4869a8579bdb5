//! Counts against an independent reference (tests/reference.py, Python's json
//! module) on a generated corpus of more than a million records: read in one
//! shot; tailed while a file is rotated and another copy-truncated; and with
//! the daemon killed by SIGKILL at random points and restarted, 20 times.
//! Plus the cardinality bound and GeoIP labels from a database built here.

mod common;
mod corpus;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use common::{EXE, Kill, free_port, get};

/// Shared by every test process: generated once under the target folder.
fn shared_dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("exporter-corpus-v2");
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The corpus as three container log files (their contents concatenated are
/// one generated stream, cut at record boundaries).
fn corpus() -> Vec<PathBuf> {
    let dir = shared_dir();
    let names = ["a.log", "b.log", "c.log"];
    let paths: Vec<PathBuf> = names.iter().map(|n| dir.join(n)).collect();
    if paths.iter().all(|p| p.exists()) {
        return paths;
    }
    let mut all = Vec::new();
    corpus::write(
        &mut all,
        &corpus::Options {
            lines: 1_050_000,
            ..corpus::Options::default()
        },
    )
    .unwrap();
    // Cut into three at newlines; a P/F sequence may straddle a cut, which
    // is fine: both readers see each file separately.
    let third = all.len() / 3;
    let cut = |at: usize| at + all[at..].iter().position(|b| *b == b'\n').unwrap() + 1;
    let (c1, c2) = (cut(third), cut(2 * third));
    for (p, part) in paths.iter().zip([&all[..c1], &all[c1..c2], &all[c2..]]) {
        let tmp = p.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, part).unwrap();
        std::fs::rename(&tmp, p).unwrap();
    }
    paths
}

/// The default pipeline with room for every series of the corpus (the
/// reference knows no eviction; eviction has its own test).
fn roomy_config() -> PathBuf {
    let p = shared_dir().join("roomy.yaml");
    if !p.exists() {
        let tmp = p.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, "limits:\n  max_series_per_metric: 2000000\n").unwrap();
        std::fs::rename(&tmp, &p).unwrap();
    }
    p
}

fn python() -> PathBuf {
    for p in ["/usr/bin/python3", "/usr/local/bin/python3"] {
        if Path::new(p).exists() {
            return p.into();
        }
    }
    "python3".into()
}

/// The reference counts of `files`, cached next to the corpus.
fn reference(files: &[PathBuf], cache: &str) -> Value {
    let path = shared_dir().join(cache);
    if let Ok(t) = std::fs::read_to_string(&path) {
        return serde_json::from_str(&t).unwrap();
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/reference.py");
    let out = Command::new(python())
        .arg(script)
        .args(files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, &out.stdout).unwrap();
    std::fs::rename(&tmp, &path).unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

/// An exposition as (name, sorted labels) → value.
fn parse_exposition(text: &str) -> BTreeMap<(String, String), f64> {
    let mut m = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (series, value) = line.rsplit_once(' ').unwrap();
        let (name, labels) = match series.split_once('{') {
            Some((n, l)) => (n.to_string(), l.trim_end_matches('}').to_string()),
            None => (series.to_string(), String::new()),
        };
        m.insert((name, labels), value.parse().unwrap());
    }
    m
}

/// Compare an exposition with the reference: every counter series, WAF
/// series, line and error count.
fn assert_matches(text: &str, reference: &Value) {
    let got = parse_exposition(text);
    let labels_of = |name: &str| -> Vec<&'static str> {
        match name {
            "http_requests_total_ip" => vec!["client_ip"],
            "http_requests_total_ip_namespace" => vec!["client_ip", "namespace"],
            "http_requests_total_ip_status" => vec!["client_ip", "status"],
            _ => vec!["client_ip", "namespace", "status"],
        }
    };
    let mut expected = BTreeMap::new();
    for (name, series) in reference["counters"].as_object().unwrap() {
        for (key, v) in series.as_object().unwrap() {
            let labels: Vec<String> = labels_of(name)
                .iter()
                .zip(key.split('\u{1f}'))
                .map(|(l, v)| format!("{l}=\"{v}\""))
                .collect();
            expected.insert(
                (format!("promtail_custom_{name}"), labels.join(",")),
                v.as_f64().unwrap(),
            );
        }
    }
    for (kind, name) in [("blocked", "blocked"), ("matches", "rule_matches")] {
        for (rule, v) in reference["waf"][kind].as_object().unwrap() {
            expected.insert(
                (
                    format!("promtail_custom_waf_{name}_total"),
                    format!("rule_id=\"{rule}\""),
                ),
                v.as_f64().unwrap(),
            );
        }
    }
    let ours: BTreeMap<_, _> = got
        .iter()
        .filter(|((n, _), _)| n.starts_with("promtail_custom_"))
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    if ours != expected {
        let missing: Vec<_> = expected
            .iter()
            .filter(|(k, v)| ours.get(*k) != Some(v))
            .take(5)
            .collect();
        let extra: Vec<_> = ours
            .iter()
            .filter(|(k, v)| expected.get(*k) != Some(v))
            .take(5)
            .collect();
        panic!(
            "{} series expected, {} got; differing (expected): {missing:?}; (got): {extra:?}",
            expected.len(),
            ours.len()
        );
    }
    let get = |n: &str, l: &str| got.get(&(n.to_string(), l.to_string())).copied();
    assert_eq!(
        get("hearth_exporter_lines_total", ""),
        reference["lines"].as_f64()
    );
    assert_eq!(
        get("hearth_exporter_ignored_lines_total", ""),
        reference["ignored"].as_f64()
    );
    for (kind, v) in reference["errors"].as_object().unwrap() {
        assert_eq!(
            get(
                "hearth_exporter_parse_errors_total",
                &format!("kind=\"{kind}\"")
            ),
            v.as_f64(),
            "parse errors of kind {kind}"
        );
    }
}

#[test]
fn oneshot_counts_equal_the_reference() {
    let files = corpus();
    let reference = reference(&files, "reference-all.json");
    assert!(reference["lines"].as_u64().unwrap() >= 1_000_000);
    for kind in ["cri", "json", "garbage"] {
        assert!(
            reference["errors"][kind].as_u64().unwrap() > 0,
            "the corpus has no {kind} errors"
        );
    }
    // Records with bytes that are not UTF-8 in a counted field are counted
    // (with U+FFFD), and records of ~95 KB are not too long.
    let series = reference["counters"]["http_requests_total_ip_namespace"]
        .as_object()
        .unwrap();
    assert!(series.keys().any(|k| k.contains('\u{fffd}')));
    assert_eq!(reference["errors"]["too_long"].as_u64(), Some(0));
    let out = common::succeeds(
        Command::new(EXE)
            .arg("--config")
            .arg(roomy_config())
            .arg("--oneshot")
            .args(&files),
    );
    assert_matches(&String::from_utf8(out.stdout).unwrap(), &reference);
}

/// A pod folder under a fresh root, with the three files as one container's
/// logs (`0.log` … `2.log`).
fn pod_root(files: &[PathBuf]) -> (tempfile::TempDir, PathBuf) {
    // Hard links (same file system as the corpus): no 900 MB copies.
    let root = tempfile::tempdir_in(shared_dir()).unwrap();
    let dir = root
        .path()
        .join("ingress-nginx_ingress-nginx-controller-abc_0000-1111/controller");
    std::fs::create_dir_all(&dir).unwrap();
    for (i, f) in files.iter().enumerate() {
        std::fs::hard_link(f, dir.join(format!("{i}.log"))).unwrap();
    }
    // Another namespace's logs are never read.
    let other = root.path().join("immich_immich-server-xyz_2222/server");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::hard_link(&files[0], other.join("0.log")).unwrap();
    (root, dir)
}

/// The daemon over `root` until it has read everything there is, on a free port.
fn until_idle(root: &Path, state: &Path) -> std::process::Output {
    let listen = format!("127.0.0.1:{}", free_port());
    daemon(root, state, &["--exit-when-idle", "--listen", &listen])
        .output()
        .unwrap()
}

fn daemon(root: &Path, state: &Path, extra: &[&str]) -> Command {
    let mut c = Command::new(EXE);
    c.arg("--config")
        .arg(roomy_config())
        .args(["--root"])
        .arg(root)
        .arg("--state")
        .arg(state)
        .args(["--from", "start", "--poll-ms", "20"])
        .args(extra);
    c
}

#[test]
fn sigkill_at_random_points_neither_loses_nor_double_counts() {
    let files = corpus();
    let reference = reference(&files, "reference-all.json");
    let total: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len())
        .sum();
    let (root, _) = pod_root(&files);
    let state = root.path().join("state/state.json");
    let mut rng = corpus::Rng::new(7);
    let mut saved_once = false;
    for round in 0..20 {
        let port = free_port();
        let child = Kill(
            daemon(
                root.path(),
                &state,
                &[
                    "--save-interval-ms",
                    "30",
                    "--listen",
                    &format!("127.0.0.1:{port}"),
                ],
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
        );
        // The kill point is chosen by progress, not by the clock: one round
        // in four as soon as the daemon answers (maybe before it has saved
        // anything); otherwise once a save of this run has moved the counted
        // bytes past a random mark. A random pause on top lands the kill
        // anywhere in the 30 ms save cycle (the result must not depend on it).
        let before = common::saved_offsets(&state).unwrap_or(0);
        if rng.below(4) == 0 {
            wait_for("the daemon to answer", || {
                common::try_get(port, "/healthz").is_some()
            });
        } else {
            // Up to ~5 MB a round: each save writes every series, so a
            // round that had to read much would mostly wait for saves.
            let mark = (before + 1 + rng.below(total / 200)).min(total);
            wait_for(&format!("round {round} to save {mark} bytes"), || {
                common::saved_offsets(&state).is_some_and(|n| n >= mark)
            });
            saved_once = true;
        }
        std::thread::sleep(Duration::from_millis(rng.below(40)));
        drop(child); // SIGKILL, reaped
        if saved_once {
            // A kill never leaves a missing or half-written state behind.
            assert!(
                common::saved_offsets(&state).is_some_and(|n| n >= before),
                "state lost or gone back after round {round}"
            );
        }
    }
    assert!(saved_once, "no round waited for a save");
    let out = until_idle(root.path(), &state);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_matches(&String::from_utf8(out.stdout).unwrap(), &reference);
}

/// A metric without labels, or -1 while nothing answers.
fn metric(port: u16, name: &str) -> f64 {
    common::try_get(port, "/metrics")
        .and_then(|t| {
            parse_exposition(&t)
                .get(&(name.to_string(), String::new()))
                .copied()
        })
        .unwrap_or(-1.0)
}

fn wait_for(what: &str, ok: impl FnMut() -> bool) {
    common::wait_for(what, common::PATIENCE, ok);
}

#[test]
fn rotation_and_copy_truncate_while_running() {
    let files = corpus();
    let reference = reference(&files, "reference-all.json");
    // Start with the first half of a.log as 0.log and of b.log as 1.log.
    let root = tempfile::tempdir_in(shared_dir()).unwrap();
    let dir = root
        .path()
        .join("ingress-nginx_controller-abc_0000/controller");
    std::fs::create_dir_all(&dir).unwrap();
    let halves: Vec<(Vec<u8>, Vec<u8>)> = files[..2]
        .iter()
        .map(|f| {
            let all = std::fs::read(f).unwrap();
            let mid = all.len() / 2;
            let cut = mid + all[mid..].iter().position(|b| *b == b'\n').unwrap() + 1;
            (all[..cut].to_vec(), all[cut..].to_vec())
        })
        .collect();
    std::fs::write(dir.join("0.log"), &halves[0].0).unwrap();
    std::fs::write(dir.join("1.log"), &halves[1].0).unwrap();
    std::fs::hard_link(&files[2], dir.join("2.log")).unwrap();
    let port = free_port();
    let state = root.path().join("state.json");
    let _child = Kill(
        daemon(
            root.path(),
            &state,
            &["--listen", &format!("127.0.0.1:{port}")],
        )
        .stderr(Stdio::null())
        .spawn()
        .unwrap(),
    );
    let bytes = |n: usize| -> f64 { n as f64 };
    let first = halves[0].0.len()
        + halves[1].0.len()
        + std::fs::metadata(&files[2]).unwrap().len() as usize;
    wait_for("the first halves", || {
        metric(port, "hearth_exporter_bytes_total") >= bytes(first)
    });
    // Kubelet rotation of 0.log: rename, new file with the rest.
    std::fs::rename(dir.join("0.log"), dir.join("0.log.20240501-100000")).unwrap();
    std::fs::write(dir.join("0.log"), &halves[0].1).unwrap();
    // copytruncate of 1.log: copy away, truncate, then the rest is written.
    std::fs::copy(dir.join("1.log"), dir.join("1.log.1")).unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(dir.join("1.log"))
        .unwrap();
    wait_for("the truncation to be noticed", || {
        metric(port, "hearth_exporter_truncations_total") >= 1.0
    });
    std::fs::write(dir.join("1.log"), &halves[1].1).unwrap();
    let total: usize = files
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len() as usize)
        .sum();
    wait_for("every byte", || {
        metric(port, "hearth_exporter_bytes_total") >= bytes(total)
    });
    assert_eq!(metric(port, "hearth_exporter_rotations_total"), 1.0);
    assert_matches(&get(port, "/metrics"), &reference);
    // OpenMetrics when asked.
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET /metrics HTTP/1.0\r\nAccept: application/openmetrics-text; version=1.0.0\r\n\r\n"
    )
    .unwrap();
    let mut om = String::new();
    s.read_to_string(&mut om).unwrap();
    assert!(om.contains("application/openmetrics-text") && om.trim_end().ends_with("# EOF"));
    assert_eq!(get(port, "/healthz").trim(), "ok");
    assert_eq!(get(port, "/ready").trim(), "ready");
}

#[test]
fn a_corrupt_state_is_reported_and_the_exporter_starts_fresh() {
    let files = corpus();
    let (root, _) = pod_root(&files[2..]);
    let state = root.path().join("state.json");
    std::fs::write(&state, "{ not json").unwrap();
    let out = until_idle(root.path(), &state);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is corrupt"), "{err}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        parse_exposition(&text)[&("hearth_exporter_lines_total".to_string(), String::new())] > 0.0
    );
    // And the state it wrote reads back.
    assert!(
        std::fs::read_to_string(&state)
            .unwrap()
            .starts_with("{\"version\":1")
    );
}

#[test]
fn bad_flags_and_configs_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    for (text, needle) in [
        (
            "counters:\n  - name: x\n    labels: [path]\n",
            "`path` is not in `fields`",
        ),
        ("prefix: promtail_custom_\nunknown: 1\n", "unknown"),
        ("limits:\n  max_idle: forever\n", "not a duration"),
    ] {
        std::fs::write(&bad, text).unwrap();
        let out = Command::new(EXE)
            .arg("--config")
            .arg(&bad)
            .arg("--oneshot")
            .arg(&bad)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{text}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{err}");
    }
    // What hearth accepts for `max_idle`, the exporter reads.
    std::fs::write(&bad, "limits:\n  max_idle: 1h30m\n").unwrap();
    common::succeeds(
        Command::new(EXE)
            .arg("--config")
            .arg(&bad)
            .arg("--oneshot")
            .arg(&bad),
    );
    let out = Command::new(EXE).arg("--no-such-flag").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(EXE)
        .args(["--oneshot", "/no/such/file"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // The config hearth renders for the reference site is accepted.
    let rendered =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../rendered/monitoring/exporter.yaml");
    let out = Command::new(EXE)
        .arg("--config")
        .arg(&rendered)
        .arg("--oneshot")
        .arg(&bad)
        .output();
    let out = out.unwrap();
    // (it names a GeoIP database the test machine does not have)
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() || err.contains("GeoLite2-City.mmdb"),
        "{err}"
    );
}

/// The process's user + system CPU time, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces): utime is the
    // 12th and stime the 13th of them.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let f: Vec<u64> = after
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0)
}

/// Every thread of the process asleep (state `S` in /proc), not runnable:
/// on a loaded machine a busy process can go a while without being given
/// the CPU, and then uses no CPU time either.
fn asleep(pid: u32) -> bool {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    tasks.flatten().all(|t| {
        let stat = std::fs::read_to_string(t.path().join("stat")).unwrap_or_default();
        let state = stat.rsplit_once(')').map(|(_, rest)| rest.trim_start());
        state.is_some_and(|s| s.starts_with('S'))
    })
}

/// Quiet: asleep, and no CPU time used over a quarter of a second (the 20 ms
/// polls of an idle exporter cost less than a tick), and asleep again.
fn quiet(pid: u32) -> bool {
    if !asleep(pid) {
        return false;
    }
    let before = cpu_ticks(pid);
    std::thread::sleep(Duration::from_millis(250));
    cpu_ticks(pid) == before && asleep(pid)
}

/// Bytes a process has read (`rchar` in /proc: any file, cumulative).
fn read_bytes(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/io"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("rchar: ")?.parse().ok())
        .unwrap_or(0)
}

/// RSS of a finished child, from /proc (peak, KiB) via `wait4`-less means:
/// GNU time is not everywhere, so the child reports it itself.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

#[test]
fn a_million_distinct_clients_stay_within_the_memory_bound() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flood.log");
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        for i in 0..1_000_000u32 {
            writeln!(
                w,
                "2024-05-01T10:00:00Z stdout F {{\"remote_address\": \"10.{}.{}.{}\", \"ingress_namespace\": \"ns{}\", \"status\": {}}}",
                i >> 16,
                (i >> 8) & 255,
                i & 255,
                i % 12,
                200 + i % 5
            )
            .unwrap();
        }
    }
    let cfg = dir.path().join("cfg.yaml");
    std::fs::write(&cfg, "limits:\n  max_series_per_metric: 100000\n").unwrap();
    // Run it as a child and read its peak RSS before it is reaped: it sleeps
    // on a closed stdin pipe? Simpler: a daemon over the file, polled.
    let root = dir.path().join("root");
    let pod = root.join("ingress-nginx_c_1/controller");
    std::fs::create_dir_all(&pod).unwrap();
    std::fs::rename(&path, pod.join("0.log")).unwrap();
    let port = free_port();
    let child = Kill(
        Command::new(EXE)
            .arg("--config")
            .arg(&cfg)
            .arg("--root")
            .arg(&root)
            .arg("--state")
            .arg(dir.path().join("state.json"))
            .args([
                "--from",
                "start",
                "--poll-ms",
                "20",
                "--save-interval-ms",
                "600000",
            ])
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    // Each /metrics renders 400k series, and a scrape is part of the peak
    // (Prometheus scrapes too), but how many happen must not depend on the
    // machine's speed: wait for the process to have read the file (its
    // `rchar`, cheap) before the first scrape, so one or two are made.
    let size = std::fs::metadata(pod.join("0.log")).unwrap().len();
    let pid = child.0.id();
    wait_for("the file to be read", || read_bytes(pid) >= size);
    // Then scrape only once it has gone quiet (its CPU time stops moving: the
    // lines are counted), so one scrape is made however slow the machine is;
    // another only if that one came too early.
    let mut scrapes = 0;
    wait_for("a million lines", || {
        wait_for("the exporter to go quiet", || quiet(pid));
        scrapes += 1;
        metric(port, "hearth_exporter_lines_total") >= 1_000_000.0
    });
    eprintln!("{scrapes} scrape(s) before the peak was read");
    let rss = peak_rss_kib(child.0.id());
    let text = get(port, "/metrics");
    let m = parse_exposition(&text);
    let evicted = m[&(
        "hearth_exporter_series_evicted_total".to_string(),
        "metric=\"promtail_custom_http_requests_total_ip\"".to_string(),
    )];
    let kept = m
        .keys()
        .filter(|(n, _)| n == "promtail_custom_http_requests_total_ip")
        .count();
    eprintln!(
        "1M distinct clients: peak RSS {} MiB, {kept} series kept per metric, {evicted} evicted",
        rss / 1024
    );
    assert!(kept <= 100_000);
    assert_eq!(kept as f64 + evicted, 1_000_000.0);
    // 4 families × 100k series (64 B each in 2^17-bucket tables) plus one
    // scrape's text: 123 to 140 MiB in runs here, once 170 MiB in a loaded
    // CI run (the allocator's arenas and thresholds vary with the threads'
    // timing). Without the series limit the same flood peaks at 881 MiB, so
    // 200 MiB still tells a bounded exporter from an unbounded one.
    assert!(
        rss > 0 && rss < 200 * 1024,
        "peak RSS {} MiB over the 200 MiB bound",
        rss / 1024
    );
}
