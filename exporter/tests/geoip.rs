//! GeoIP labels from a City database this test builds with mmdb-writer
//! (nothing downloaded), the per-IP cache, and a reload when the file is
//! replaced while the exporter runs (as geoipupdate does).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use serde::Serialize;

mod common;

use common::{EXE, Kill, free_port, try_get};

#[derive(Serialize)]
struct Location {
    latitude: f64,
    longitude: f64,
}

#[derive(Serialize)]
struct Country {
    iso_code: String,
}

#[derive(Serialize)]
struct City {
    location: Location,
    country: Country,
}

fn database(path: &Path, networks: &[(&str, f64, f64, &str)]) {
    let mut w = mmdb_writer::Writer::new("GeoLite2-City");
    for (net, lat, lon, cc) in networks {
        let rec = City {
            location: Location {
                latitude: *lat,
                longitude: *lon,
            },
            country: Country {
                iso_code: cc.to_string(),
            },
        };
        w.insert(net.parse::<ipnet::IpNet>().unwrap(), &rec)
            .unwrap();
    }
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, w.to_bytes().unwrap()).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn access(ip: &str) -> String {
    format!(
        "2024-05-01T10:00:00Z stdout F {{\"remote_address\": \"{ip}\", \"ingress_namespace\": \"immich\", \"status\": 200}}\n"
    )
}

fn series(text: &str, metric: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| l.starts_with(&format!("{metric}{{")))
        .map(|l| {
            let (s, v) = l.rsplit_once(' ').unwrap();
            (s.to_string(), v.parse().unwrap())
        })
        .collect()
}

#[test]
fn labels_come_from_the_database_and_are_cached() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("GeoLite2-City.mmdb");
    database(
        &db,
        &[
            ("81.2.69.0/24", 51.5142, -0.0931, "GB"),
            ("2.125.160.0/24", 52.2, 0.1167, "GB"),
        ],
    );
    let log = dir.path().join("0.log");
    let mut text = String::new();
    for ip in ["81.2.69.142", "81.2.69.142", "2.125.160.216", "8.8.8.8"] {
        text.push_str(&access(ip));
    }
    std::fs::write(&log, text).unwrap();
    let cfg = dir.path().join("cfg.yaml");
    std::fs::write(
        &cfg,
        "geoip:\n  database: /nonexistent\n  labels: [geoip_location_latitude, geoip_location_longitude, geoip_country_code]\n",
    )
    .unwrap();
    let out = common::succeeds(
        Command::new(EXE)
            .arg("--config")
            .arg(&cfg)
            .arg("--geoip-db")
            .arg(&db)
            .arg("--oneshot")
            .arg(&log),
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let s = series(&text, "promtail_custom_http_requests_total_ip");
    assert_eq!(
        s.get("promtail_custom_http_requests_total_ip{client_ip=\"81.2.69.142\",geoip_location_latitude=\"51.5142\",geoip_location_longitude=\"-0.0931\",geoip_country_code=\"GB\"}"),
        Some(&2.0),
        "{s:#?}"
    );
    // An address the database does not know has no GeoIP labels.
    assert_eq!(
        s.get("promtail_custom_http_requests_total_ip{client_ip=\"8.8.8.8\"}"),
        Some(&1.0)
    );
    // Three distinct IPs: three misses; the repeats of the other families hit.
    assert!(
        text.contains("hearth_exporter_geoip_cache_misses_total 3\n"),
        "{text}"
    );
    assert!(text.contains("hearth_exporter_geoip_cache_hits_total"));
    // A missing database is a start-up error.
    let out = Command::new(EXE)
        .args(["--geoip-db", "/no/such.mmdb", "--oneshot"])
        .arg(&log)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// A pod log holding one access line from 81.2.69.1, and the exporter daemon
/// tailing it with the GeoIP database at `db` (there or not): its port.
fn daemon(dir: &Path, db: &Path, pod: &Path) -> (u16, Kill) {
    std::fs::create_dir_all(pod).unwrap();
    std::fs::write(pod.join("0.log"), access("81.2.69.1")).unwrap();
    let port = free_port();
    let child = Kill(
        Command::new(EXE)
            .arg("--geoip-db")
            .arg(db)
            .arg("--root")
            .arg(dir.join("root"))
            .arg("--state")
            .arg(dir.join("state.json"))
            .args([
                "--from",
                "start",
                "--poll-ms",
                "20",
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    (port, child)
}

#[test]
fn a_replaced_database_is_picked_up_without_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("GeoLite2-City.mmdb");
    database(&db, &[("81.2.69.0/24", 51.5, -0.1, "GB")]);
    let pod = dir.path().join("root/ingress-nginx_c_1/controller");
    let (port, _child) = daemon(dir.path(), &db, &pod);
    // The metrics text once `f` holds for it.
    let wait = |what: &str, f: &dyn Fn(&str) -> bool| {
        let mut text = String::new();
        common::wait_for(what, common::PATIENCE, || {
            text = try_get(port, "/metrics").unwrap_or_default();
            f(&text)
        });
        text
    };
    wait("the first line", &|t| {
        t.contains("geoip_location_latitude=\"51.5\"")
    });
    // geoipupdate writes a new file and renames it over the old one.
    database(&db, &[("81.2.69.0/24", 48.85, 2.35, "FR")]);
    wait("the reload", &|t| {
        t.contains("hearth_exporter_geoip_reloads_total 1")
    });
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(pod.join("0.log"))
        .unwrap();
    f.write_all(access("81.2.69.2").as_bytes()).unwrap();
    let text = wait("the second line", &|t| {
        t.contains("client_ip=\"81.2.69.2\"")
    });
    assert!(
        text.contains("client_ip=\"81.2.69.2\",geoip_location_latitude=\"48.85\""),
        "{text}"
    );
}

#[test]
fn without_the_database_it_counts_degraded_and_loads_it_when_it_appears() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("GeoLite2-City.mmdb");
    let pod = dir.path().join("root/ingress-nginx_c_1/controller");
    let (port, _child) = daemon(dir.path(), &db, &pod);
    let metrics = |f: &dyn Fn(&str) -> bool| {
        let mut text = String::new();
        common::wait_for("the metrics", common::PATIENCE, || {
            text = try_get(port, "/metrics").unwrap_or_default();
            f(&text)
        });
        text
    };
    let text = metrics(&|t| t.contains("client_ip=\"81.2.69.1\""));
    assert!(
        text.contains("hearth_exporter_geoip_database_loaded 0\n"),
        "{text}"
    );
    assert!(
        text.contains("promtail_custom_http_requests_total_ip{client_ip=\"81.2.69.1\"} 1\n"),
        "{text}"
    );
    // Ready (Kubernetes keeps scraping it), and says what is missing.
    let ready = try_get(port, "/ready").unwrap();
    assert!(
        ready.starts_with("ready, degraded: GeoIP database")
            && ready.contains("GeoLite2-City.mmdb"),
        "{ready}"
    );
    database(&db, &[("81.2.69.0/24", 51.5, -0.1, "GB")]);
    metrics(&|t| t.contains("hearth_exporter_geoip_database_loaded 1\n"));
    assert_eq!(try_get(port, "/ready").unwrap(), "ready\n");
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(pod.join("0.log"))
        .unwrap();
    f.write_all(access("81.2.69.2").as_bytes()).unwrap();
    let text = metrics(&|t| t.contains("client_ip=\"81.2.69.2\""));
    assert!(
        text.contains("client_ip=\"81.2.69.2\",geoip_location_latitude=\"51.5\""),
        "{text}"
    );
}
