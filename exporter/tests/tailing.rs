//! Tailing through the binary, where the order of events is the point: each
//! step waits for the exporter to have seen the previous one (its metrics),
//! never for a fixed time.

mod common;

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use common::{EXE, Kill, PATIENCE, free_port, try_get, wait_for};

fn access(i: u32) -> String {
    format!(
        "2024-05-01T10:00:00Z stdout F {{\"remote_address\": \"10.0.{}.{}\", \"ingress_namespace\": \"immich\", \"status\": 200}}\n",
        i / 256,
        i % 256
    )
}

/// A self-metric without labels, or -1 while nothing answers.
fn metric(port: u16, name: &str) -> f64 {
    let Some(text) = try_get(port, "/metrics") else {
        return -1.0;
    };
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(-1.0)
}

fn daemon(root: &Path, port: u16) -> Kill {
    Kill(
        Command::new(EXE)
            .arg("--root")
            .arg(root)
            .arg("--state")
            .arg(root.join("state.json"))
            .args(["--from", "start", "--poll-ms", "20"])
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

/// The kubelet renames `0.log`, the runtime keeps appending to the renamed
/// file until it reopens `0.log`. The rescan is made to land in that gap
/// every time: nothing written in it may be lost.
#[test]
fn a_renamed_file_is_read_until_the_writer_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let pod = dir.path().join("ingress-nginx_c_1/controller");
    std::fs::create_dir_all(&pod).unwrap();
    let log = pod.join("0.log");
    let mut out = File::create(&log).unwrap();
    let port = free_port();
    let _child = daemon(dir.path(), port);
    let mut written = 0u32;
    let write = |out: &mut File, written: &mut u32, n: u32| {
        for _ in 0..n {
            out.write_all(access(*written).as_bytes()).unwrap();
            *written += 1;
        }
    };
    let rotations = 5;
    for r in 0..rotations {
        write(&mut out, &mut written, 100);
        // Tracked and read up to here (the rename must not come first).
        let so_far = f64::from(written);
        wait_for("the lines so far", PATIENCE, || {
            metric(port, "hearth_exporter_lines_total") >= so_far
        });
        std::fs::rename(&log, pod.join(format!("0.log.2024050110000{r}"))).unwrap();
        wait_for("the rename to be noticed", PATIENCE, || {
            metric(port, "hearth_exporter_rotations_total") >= f64::from(r + 1)
        });
        // Still the old descriptor: the runtime has not reopened yet.
        write(&mut out, &mut written, 100);
        out = File::create(&log).unwrap();
    }
    write(&mut out, &mut written, 100);
    let total = f64::from(written);
    wait_for("every line", PATIENCE, || {
        metric(port, "hearth_exporter_lines_total") >= total
    });
    // The renamed files are let go once read (only 0.log stays tracked).
    wait_for("the renamed files to be let go", PATIENCE, || {
        metric(port, "hearth_exporter_files_tracked") == 1.0
    });
    assert_eq!(metric(port, "hearth_exporter_lines_total"), total);
    assert_eq!(metric(port, "hearth_exporter_bytes_lost_total"), 0.0);
    assert_eq!(
        metric(port, "hearth_exporter_rotations_total"),
        f64::from(rotations)
    );
    let text = try_get(port, "/metrics").unwrap();
    let requests: f64 = text
        .lines()
        .filter(|l| l.starts_with("promtail_custom_http_requests_total_ip{"))
        .map(|l| l.rsplit_once(' ').unwrap().1.parse::<f64>().unwrap())
        .sum();
    assert_eq!(requests, total);
}
