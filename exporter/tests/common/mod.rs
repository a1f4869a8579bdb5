//! What the exporter's integration tests share: the binary, a free port, a
//! plain HTTP GET against the running exporter, waiting, and a child that is
//! killed when the test ends.

#![allow(dead_code)]

use std::io::{Read, Write};
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

/// Poll `ok` until it holds; fail after `limit`.
pub fn wait_for(what: &str, limit: Duration, mut ok: impl FnMut() -> bool) {
    let t = Instant::now();
    while !ok() {
        assert!(t.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A child process killed (and reaped) when dropped.
pub struct Kill(pub Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
