//! What the exporter's integration tests share: the binary, a free port, a
//! plain HTTP GET against the running exporter, waiting, and a child that is
//! killed when the test ends.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

pub const EXE: &str = env!("CARGO_BIN_EXE_hearth-exporter");

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The body of `GET path`, or None while nothing listens yet.
pub fn try_get(port: u16, path: &str) -> Option<String> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    out.split_once("\r\n\r\n").map(|(_, b)| b.to_string())
}

pub fn get(port: u16, path: &str) -> String {
    try_get(port, path).unwrap_or_else(|| panic!("GET {path} on port {port} failed"))
}

/// Poll `ok` until it holds; fail after `limit`. The pause between polls
/// grows to half a second: a check may cost the exporter a scrape.
pub fn wait_for(what: &str, limit: Duration, mut ok: impl FnMut() -> bool) {
    let t = Instant::now();
    let mut pause = Duration::from_millis(10);
    while !ok() {
        assert!(
            t.elapsed() < limit,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(500));
    }
}

/// Generous: CI runs on a busy 2-core machine, and a deadline only has to
/// catch a hang.
pub const PATIENCE: Duration = Duration::from_secs(600);

/// The bytes a saved state says are counted (the sum of its file offsets),
/// or None while there is no state. Reads only the head of the file: the
/// positions come before the counters.
pub fn saved_offsets(state: &Path) -> Option<u64> {
    let mut head = Vec::new();
    std::fs::File::open(state)
        .ok()?
        .take(1 << 16)
        .read_to_end(&mut head)
        .ok()?;
    let head = String::from_utf8_lossy(&head);
    let files = &head[..head.find("\"families\"")?];
    Some(
        files
            .split("\"offset\":")
            .skip(1)
            .map(|v| {
                let digits: String = v.chars().take_while(char::is_ascii_digit).collect();
                digits.parse::<u64>().expect("an offset")
            })
            .sum(),
    )
}

/// A child process killed (and reaped) when dropped.
pub struct Kill(pub Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `cmd` (a `Command` or the `&mut Command` a builder chain ends with)
/// and requires it to succeed, showing its stderr when it does not.
pub fn succeeds(
    mut cmd: impl std::borrow::BorrowMut<std::process::Command>,
) -> std::process::Output {
    let cmd = cmd.borrow_mut();
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
