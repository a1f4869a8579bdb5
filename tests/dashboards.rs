//! The health dashboards (nodes, storage, certificates, services): each is
//! drawn only from what the site runs, and each panel's query means what its
//! title says: promtool evaluates the rendered expressions over series shaped
//! like node-exporter's, the kubelet's, cert-manager's and ingress-nginx's.

mod common;

use std::process::Command;

use common::{MINIMAL, MONITORING, Scratch};
use serde_json::Value;

fn reference_board(uid: &str) -> Value {
    let p = common::repo().join(format!("rendered/monitoring/grafana/dashboards/{uid}.json"));
    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
}

/// The query of the panel titled `title`.
fn query(board: &Value, title: &str) -> String {
    board["panels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["title"] == title)
        .unwrap_or_else(|| panic!("no panel {title:?}"))["targets"][0]["expr"]
        .as_str()
        .unwrap()
        .to_string()
}

/// One promtool case: input series (name{labels} → promtool values), a
/// panel's query, and the samples it must give at 10m.
struct Case {
    series: &'static [(&'static str, &'static str)],
    expr: String,
    expect: &'static [(&'static str, f64)],
}

fn promtool_file(cases: &[Case]) -> String {
    let mut out = String::from("rule_files: []\nevaluation_interval: 1m\ntests:\n");
    for c in cases {
        out.push_str("  - interval: 1m\n    input_series:\n");
        for (s, v) in c.series {
            out.push_str(&format!("      - series: '{s}'\n        values: '{v}'\n"));
        }
        out.push_str("    promql_expr_test:\n");
        out.push_str(&format!(
            "      - expr: {}\n        eval_time: 10m\n        exp_samples:\n",
            serde_json::to_string(&c.expr).unwrap()
        ));
        for (labels, value) in c.expect {
            out.push_str(&format!(
                "          - labels: '{labels}'\n            value: {value}\n"
            ));
        }
    }
    out
}

#[test]
#[cfg_attr(no_promtool, ignore = "no promtool: run scripts/test (CI=true fails)")]
fn each_health_panel_computes_what_its_title_says() {
    let Some(promtool) = common::tool("promtool", &[]) else {
        return;
    };
    let nodes = reference_board("hearth-nodes");
    let storage = reference_board("hearth-storage");
    let certs = reference_board("hearth-certificates");
    let services = reference_board("hearth-services");
    let cases = [
        // Two CPUs idle 25% and 75% of the time: half busy.
        Case {
            series: &[
                (
                    "node_cpu_seconds_total{instance=\"pi1\",cpu=\"0\",mode=\"idle\"}",
                    "0+15x10",
                ),
                (
                    "node_cpu_seconds_total{instance=\"pi1\",cpu=\"1\",mode=\"idle\"}",
                    "0+45x10",
                ),
                (
                    "node_cpu_seconds_total{instance=\"pi1\",cpu=\"0\",mode=\"user\"}",
                    "0+45x10",
                ),
            ],
            expr: query(&nodes, "CPU busy by node"),
            expect: &[("{instance=\"pi1\"}", 0.5)],
        },
        Case {
            series: &[
                (
                    "node_memory_MemAvailable_bytes{instance=\"pi1\"}",
                    "25+0x10",
                ),
                ("node_memory_MemTotal_bytes{instance=\"pi1\"}", "100+0x10"),
            ],
            expr: query(&nodes, "Memory used by node"),
            expect: &[("{instance=\"pi1\"}", 0.75)],
        },
        // A disk three-quarters full; a tmpfs is not a disk.
        Case {
            series: &[
                (
                    "node_filesystem_avail_bytes{instance=\"pi1\",mountpoint=\"/data\",fstype=\"ext4\"}",
                    "10+0x10",
                ),
                (
                    "node_filesystem_size_bytes{instance=\"pi1\",mountpoint=\"/data\",fstype=\"ext4\"}",
                    "40+0x10",
                ),
                (
                    "node_filesystem_avail_bytes{instance=\"pi1\",mountpoint=\"/run\",fstype=\"tmpfs\"}",
                    "0+0x10",
                ),
                (
                    "node_filesystem_size_bytes{instance=\"pi1\",mountpoint=\"/run\",fstype=\"tmpfs\"}",
                    "40+0x10",
                ),
            ],
            expr: query(&nodes, "Disk used by mount"),
            expect: &[(
                "{instance=\"pi1\",mountpoint=\"/data\",fstype=\"ext4\"}",
                0.75,
            )],
        },
        Case {
            series: &[
                (
                    "node_hwmon_temp_celsius{instance=\"pi1\",chip=\"thermal_thermal_zone0\",sensor=\"temp0\"}",
                    "50+0x10",
                ),
                (
                    "node_hwmon_temp_celsius{instance=\"pi1\",chip=\"nvme\",sensor=\"temp1\"}",
                    "61+0x10",
                ),
            ],
            expr: query(&nodes, "Hottest sensor by node"),
            expect: &[("{instance=\"pi1\"}", 61.0)],
        },
        Case {
            series: &[
                (
                    "kubelet_volume_stats_used_bytes{namespace=\"immich\",persistentvolumeclaim=\"photos\"}",
                    "25+0x10",
                ),
                (
                    "kubelet_volume_stats_capacity_bytes{namespace=\"immich\",persistentvolumeclaim=\"photos\"}",
                    "100+0x10",
                ),
            ],
            expr: query(&storage, "Volume fill level"),
            expect: &[(
                "{namespace=\"immich\",persistentvolumeclaim=\"photos\"}",
                0.25,
            )],
        },
        // Two replicas of one volume: the larger one.
        Case {
            series: &[
                (
                    "longhorn_volume_actual_size_bytes{volume=\"pvc-1\",node=\"a\"}",
                    "300+0x10",
                ),
                (
                    "longhorn_volume_actual_size_bytes{volume=\"pvc-1\",node=\"b\"}",
                    "200+0x10",
                ),
            ],
            expr: query(&storage, "Longhorn space used by volume (largest replica)"),
            expect: &[("{volume=\"pvc-1\"}", 300.0)],
        },
        // Expiring two days after the epoch, read at 10 minutes past it.
        Case {
            series: &[(
                "certmanager_certificate_expiration_timestamp_seconds{namespace=\"vaultwarden\",name=\"vw-tls\"}",
                "172800+0x10",
            )],
            expr: query(&certs, "Time until each certificate expires"),
            expect: &[("{namespace=\"vaultwarden\",name=\"vw-tls\"}", 172200.0)],
        },
        Case {
            series: &[
                (
                    "certmanager_certificate_ready_status{name=\"a\",condition=\"True\"}",
                    "0+0x10",
                ),
                (
                    "certmanager_certificate_ready_status{name=\"a\",condition=\"False\"}",
                    "1+0x10",
                ),
                (
                    "certmanager_certificate_ready_status{name=\"b\",condition=\"True\"}",
                    "1+0x10",
                ),
                (
                    "certmanager_certificate_ready_status{name=\"b\",condition=\"False\"}",
                    "0+0x10",
                ),
            ],
            expr: query(&certs, "Certificates not ready"),
            expect: &[("{}", 1.0)],
        },
        // One 503 a second among 200s.
        Case {
            series: &[
                (
                    "nginx_ingress_controller_requests{namespace=\"immich\",ingress=\"immich\",status=\"503\"}",
                    "0+60x10",
                ),
                (
                    "nginx_ingress_controller_requests{namespace=\"immich\",ingress=\"immich\",status=\"200\"}",
                    "0+600x10",
                ),
            ],
            expr: query(&services, "Server errors (5xx) by ingress"),
            expect: &[("{namespace=\"immich\",ingress=\"immich\"}", 1.0)],
        },
        // Every request under 100 ms: the 95th percentile interpolates to 95 ms.
        Case {
            series: &[
                (
                    "nginx_ingress_controller_request_duration_seconds_bucket{namespace=\"immich\",ingress=\"immich\",le=\"0.1\"}",
                    "0+60x10",
                ),
                (
                    "nginx_ingress_controller_request_duration_seconds_bucket{namespace=\"immich\",ingress=\"immich\",le=\"1\"}",
                    "0+60x10",
                ),
                (
                    "nginx_ingress_controller_request_duration_seconds_bucket{namespace=\"immich\",ingress=\"immich\",le=\"+Inf\"}",
                    "0+60x10",
                ),
            ],
            expr: query(&services, "Response time by ingress (95th percentile)"),
            expect: &[("{namespace=\"immich\",ingress=\"immich\"}", 0.095)],
        },
    ];
    let s = Scratch::new();
    s.write("panels.test.yaml", promtool_file(&cases));
    common::succeeds(Command::new(&promtool).current_dir(s.path()).args([
        "test",
        "rules",
        "panels.test.yaml",
    ]));
}

/// Each volume a Longhorn backup covers (as `rendered/dr/coverage.json`
/// lists them) gets a row with the time since its RecurringJob's CronJob last
/// succeeded; a CronJob of another namespace or name gives no row.
#[test]
#[cfg_attr(no_promtool, ignore = "no promtool: run scripts/test (CI=true fails)")]
fn each_longhorn_volume_shows_the_age_of_its_last_backup() {
    let Some(promtool) = common::tool("promtool", &[]) else {
        return;
    };
    let coverage: Value = serde_json::from_str(
        &std::fs::read_to_string(common::repo().join("rendered/dr/coverage.json")).unwrap(),
    )
    .unwrap();
    let volumes: Vec<&str> = coverage["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| {
            v["backups"]
                .as_array()
                .unwrap()
                .iter()
                .any(|b| b["name"] == "longhorn-daily")
        })
        .map(|v| v["volume"].as_str().unwrap())
        .collect();
    assert!(volumes.len() > 3, "{volumes:?}");
    let expr = query(
        &reference_board("hearth-backups"),
        "Time since each volume's last Longhorn backup",
    );
    let mut file = String::from(
        "rule_files: []\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n",
    );
    for (series, values) in [
        // Last success at 300 s; at 10m that is 300 s ago.
        (
            "kube_cronjob_status_last_successful_time{namespace=\"longhorn-system\",cronjob=\"longhorn-daily\"}",
            "300+0x10",
        ),
        (
            "kube_cronjob_status_last_successful_time{namespace=\"media\",cronjob=\"longhorn-daily\"}",
            "0+0x10",
        ),
        (
            "kube_cronjob_status_last_successful_time{namespace=\"longhorn-system\",cronjob=\"other\"}",
            "0+0x10",
        ),
    ] {
        file.push_str(&format!(
            "      - series: '{series}'\n        values: '{values}'\n"
        ));
    }
    file.push_str(&format!(
        "    promql_expr_test:\n      - expr: {}\n        eval_time: 10m\n        exp_samples:\n",
        serde_json::to_string(&expr).unwrap()
    ));
    for v in &volumes {
        file.push_str(&format!(
            "          - labels: '{{namespace=\"longhorn-system\",cronjob=\"longhorn-daily\",volume=\"{v}\"}}'\n            value: 300\n"
        ));
    }
    let s = Scratch::new();
    s.write("backups.test.yaml", file);
    common::succeeds(Command::new(&promtool).current_dir(s.path()).args([
        "test",
        "rules",
        "backups.test.yaml",
    ]));
}

/// The lab of MINIMAL runs the prometheus chart and Longhorn but no
/// cert-manager or ingress-nginx: it gets the nodes and storage dashboards,
/// and no empty certificates or services ones.
#[test]
fn a_health_dashboard_needs_what_it_draws_from() {
    let s = common::rendered(format!("{MINIMAL}{MONITORING}"));
    let dir = s.path().join("rendered/monitoring/grafana/dashboards");
    let mut boards: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            ["nodes", "storage", "certificates", "services"]
                .iter()
                .any(|b| n == &format!("hearth-{b}.json"))
        })
        .collect();
    boards.sort();
    assert_eq!(boards, ["hearth-nodes.json", "hearth-storage.json"]);
    let storage: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("hearth-storage.json")).unwrap())
            .unwrap();
    // MINIMAL pins Longhorn 1.6.2: robustness is still one coded value.
    assert_eq!(
        query(&storage, "Longhorn volume robustness"),
        "longhorn_volume_robustness"
    );
    let newer =
        format!("{MINIMAL}{MONITORING}").replace("version = \"1.6.2\"", "version = \"1.7.2\"");
    let s = common::rendered(newer);
    let storage: Value = serde_json::from_str(
        &std::fs::read_to_string(
            s.path()
                .join("rendered/monitoring/grafana/dashboards/hearth-storage.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        query(&storage, "Longhorn volume robustness"),
        "longhorn_volume_robustness == 1"
    );
}

/// The health alerts follow the same producers, carry promtool cases that
/// pass (fire above the threshold, quiet below), and each can be turned off.
#[test]
#[cfg_attr(no_promtool, ignore = "no promtool: run scripts/test (CI=true fails)")]
fn health_alerts_follow_what_runs_and_pass_their_promtool_cases() {
    let Some(promtool) = common::tool("promtool", &[]) else {
        return;
    };
    let names = |dir: &std::path::Path| -> Vec<String> {
        let text =
            std::fs::read_to_string(dir.join("rendered/monitoring/alerts.rules.yaml")).unwrap();
        text.lines()
            .filter_map(|l| l.trim().strip_prefix("- alert: "))
            .filter(|n| {
                [
                    "VolumeAlmostFull",
                    "NodeDiskAlmostFull",
                    "CertificateExpiring",
                    "LonghornVolumeDegraded",
                ]
                .contains(n)
            })
            .map(str::to_string)
            .collect()
    };
    // Longhorn 1.7 spells robustness per state; no cert-manager here.
    let site =
        format!("{MINIMAL}{MONITORING}").replace("version = \"1.6.2\"", "version = \"1.7.2\"");
    let s = common::rendered(&site);
    assert_eq!(
        names(s.path()),
        [
            "VolumeAlmostFull",
            "NodeDiskAlmostFull",
            "LonghornVolumeDegraded"
        ]
    );
    let rules = s.read("rendered/monitoring/alerts.rules.yaml");
    assert!(
        rules.contains("longhorn_volume_robustness{state=~\"degraded|faulted\"} == 1"),
        "{rules}"
    );
    let dir = s.path().join("rendered/monitoring");
    common::succeeds(Command::new(&promtool).current_dir(&dir).args([
        "check",
        "rules",
        "alerts.rules.yaml",
    ]));
    common::succeeds(Command::new(&promtool).current_dir(&dir).args([
        "test",
        "rules",
        "alerts.test.yaml",
    ]));

    let off = format!(
        "{site}\n[monitoring.alerts.volume_full]\nenabled = false\n[monitoring.alerts.node_disk_full]\nthreshold = 0.8\n"
    );
    let s = common::rendered(&off);
    assert_eq!(
        names(s.path()),
        ["NodeDiskAlmostFull", "LonghornVolumeDegraded"]
    );
    let rules = s.read("rendered/monitoring/alerts.rules.yaml");
    assert!(rules.contains("} > 0.8\n"), "{rules}");
    let dir = s.path().join("rendered/monitoring");
    common::succeeds(Command::new(&promtool).current_dir(&dir).args([
        "test",
        "rules",
        "alerts.test.yaml",
    ]));
}
