//! A generated ingress-nginx log corpus in CRI format: Zipf-distributed client
//! IPs, every status class, ~5 % ModSecurity interruptions (with 0-2 rule
//! match warnings before each) and nginx error lines, records
//! split into `P`/`F` parts, and garbage (non-UTF-8, cut JSON, bare text,
//! broken frames, over-long records). Deterministic for a seed. Shared by the
//! tests and `examples/corpus.rs` (which the benchmark runs).

#![allow(dead_code)]

use std::io::Write;

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Cumulative Zipf weights over `n` ranks.
pub fn zipf(n: usize, s: f64) -> Vec<f64> {
    let mut acc = 0.0;
    let mut cdf: Vec<f64> = (1..=n)
        .map(|k| {
            acc += 1.0 / (k as f64).powf(s);
            acc
        })
        .collect();
    for c in &mut cdf {
        *c /= acc;
    }
    cdf
}

pub fn ip_of(rank: u64) -> String {
    // Spread ranks over documentation-like ranges, IPv4 and some IPv6.
    if rank % 17 == 3 {
        format!("2001:db8::{:x}", rank)
    } else {
        let r = rank.wrapping_mul(2_654_435_761) % (1 << 24);
        format!(
            "{}.{}.{}.{}",
            11 + (r >> 16) % 200,
            (r >> 8) & 255,
            r & 255,
            1 + rank % 250
        )
    }
}

const STATUSES: [(u16, u32); 16] = [
    (200, 600),
    (201, 20),
    (204, 30),
    (301, 20),
    (302, 40),
    (304, 60),
    (400, 20),
    (401, 30),
    (403, 40),
    (404, 80),
    (429, 10),
    (499, 10),
    (500, 10),
    (502, 10),
    (503, 5),
    (504, 5),
];
/// The reference site's namespaces, as ingress-nginx logs them.
pub const NAMESPACES: [&str; 12] = [
    "argocd",
    "bunetz",
    "grafana",
    "homebridge",
    "immich",
    "ip",
    "longhorn",
    "myst",
    "pihole",
    "prometheus",
    "vaultwarden",
    "whoami",
];
const RULES: [u32; 6] = [949110, 920350, 930120, 941100, 942100, 913100];
const AGENTS: [&str; 4] = [
    "Mozilla/5.0 (X11; Linux aarch64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "curl/8.5.0",
    "Immich-iOS/1.106.4 \\\"quoted\\\" agent",
];

pub struct Options {
    pub lines: usize,
    pub clients: usize,
    pub seed: u64,
    /// Fraction of garbage records.
    pub garbage: f64,
    /// Fraction of access records holding bytes that are not UTF-8 (in the
    /// user agent; one in three also in the namespace, a counted field).
    pub non_utf8: f64,
    /// Fraction of access records of ~95 KB (a long escaped query), split
    /// into 16 KiB `P` frames as containerd does.
    pub long: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            lines: 100_000,
            clients: 50_000,
            seed: 1,
            garbage: 0.005,
            non_utf8: 0.001,
            long: 0.0003,
        }
    }
}

fn status(rng: &mut Rng) -> u16 {
    let total: u32 = STATUSES.iter().map(|s| s.1).sum();
    let mut x = rng.below(total as u64) as u32;
    for (s, w) in STATUSES {
        if x < w {
            return s;
        }
        x -= w;
    }
    200
}

fn ts(i: usize) -> String {
    format!(
        "2024-05-01T{:02}:{:02}:{:02}.{:09}Z",
        (i / 3_600_000) % 24,
        (i / 60_000) % 60,
        (i / 1000) % 60,
        (i % 1000) * 1_000_000 + 7
    )
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len())
        .position(|w| w == needle)
        .expect("the field is in the line")
}

/// Write `o.lines` CRI records (more physical lines, with splits) to `w`.
pub fn write(w: &mut impl Write, o: &Options) -> std::io::Result<()> {
    let mut rng = Rng::new(o.seed);
    let cdf = zipf(o.clients, 1.1);
    for i in 0..o.lines {
        let t = ts(i);
        let roll = rng.unit();
        let rank = cdf.partition_point(|c| *c < rng.unit()) as u64;
        let ip = ip_of(rank);
        if roll < o.garbage {
            match rng.below(6) {
                0 => w
                    .write_all(format!("{t} stdout F \u{1}binary junk ").as_bytes())
                    .and_then(|_| w.write_all(b"\xff\xfe\xfd\n"))?,
                1 => writeln!(
                    w,
                    "{t} stdout F {{\"remote_address\": \"{ip}\", \"status\": 2"
                )?,
                2 => writeln!(w, "{t} stdout F hello from a plain print statement")?,
                3 => writeln!(w, "this is not a CRI frame at all")?,
                4 => writeln!(
                    w,
                    "{t} stdout F {{\"remote_address\": \"{ip}\", \"status\": 200}}"
                )?,
                _ => {
                    // Over 64 KiB in P parts, then the F.
                    let chunk = "x".repeat(16_000);
                    for _ in 0..5 {
                        writeln!(w, "{t} stdout P {chunk}")?;
                    }
                    writeln!(w, "{t} stdout F end")?;
                }
            }
            continue;
        }
        if roll < o.garbage + 0.05 {
            // The rules that matched on the way, then the interruption.
            for _ in 0..rng.below(3) {
                let rule = RULES[1 + rng.below(RULES.len() as u64 - 1) as usize];
                writeln!(
                    w,
                    "{t} stderr F 2024/05/01 10:00:00 [info] 31#31: *{i} ModSecurity: Warning. detected SQLi using libinjection. [file \"/etc/nginx/owasp-modsecurity-crs/rules/REQUEST-942-APPLICATION-ATTACK-SQLI.conf\"] [line \"46\"] [id \"{rule}\"] [rev \"\"] [msg \"SQL Injection Attack Detected via libinjection\"] [data \"Matched Data: s&sos found within ARGS:id: 1' or '1'='1\"] [severity \"2\"] [ver \"OWASP_CRS/3.3.5\"] [maturity \"0\"] [accuracy \"0\"] [hostname \"10.42.0.1\"] [uri \"/\"] [unique_id \"17145576{i}\"] [ref \"v11,10\"], client: {ip}, server: vaultwarden.bunetz.dev, request: \"GET /?id=1 HTTP/1.1\", host: \"vaultwarden.bunetz.dev\""
                )?;
            }
            let rule = RULES[rng.below(RULES.len() as u64) as usize];
            writeln!(
                w,
                "{t} stderr F 2024/05/01 10:00:00 [error] 31#31: *{i} [client {ip}] ModSecurity: Access denied with code 403 (phase 2). Matched \"Operator `Ge' with parameter `5' against variable `TX:ANOMALY_SCORE' (Value: `5' )\" [file \"/etc/nginx/owasp-modsecurity-crs/rules/REQUEST-949-BLOCKING-EVALUATION.conf\"] [line \"80\"] [id \"{rule}\"] [rev \"\"] [msg \"Inbound Anomaly Score Exceeded (Total Score: 5)\"] [data \"\"] [severity \"2\"] [ver \"OWASP_CRS/3.3.5\"] [maturity \"0\"] [accuracy \"0\"] [hostname \"10.42.0.1\"] [uri \"/admin\"] [unique_id \"17145576{i}\"] [ref \"\"], client: {ip}, server: vaultwarden.bunetz.dev, request: \"GET /admin HTTP/1.1\", host: \"vaultwarden.bunetz.dev\""
            )?;
            continue;
        }
        if roll < o.garbage + 0.07 {
            writeln!(
                w,
                "{t} stderr F 2024/05/01 10:00:00 [warn] 31#31: *{i} an upstream response is buffered to a temporary file"
            )?;
            continue;
        }
        let ns = NAMESPACES[rng.below(NAMESPACES.len() as u64) as usize];
        let st = status(&mut rng);
        let ua = AGENTS[rng.below(AGENTS.len() as u64) as usize];
        let rt = rng.below(900) as f64 / 1000.0;
        let msg = format!(
            "{{\"time\": \"2024-05-01T10:00:00+00:00\", \"remote_address\": \"{ip}\", \"request\": \"GET /api/assets/{i}/thumbnail?size=preview HTTP/2.0\", \"status\": {st}, \"http_user_agent\": \"{ua}\", \"request_length\": {}, \"body_bytes_sent\": \"{}\", \"http_referrer\": \"https://{ns}.bunetz.dev/photos\", \"request_time\": {rt}, \"host\": \"{ns}.bunetz.dev\", \"request_id\": \"{:032x}\", \"x_forwarded_for\": \"{ip}\", \"remote_user\": \"\", \"ingress_namespace\": \"{ns}\", \"path\": \"/api/assets/{i}/thumbnail\", \"request_proto\": \"HTTP/2.0\", \"method\": \"GET\", \"request_query\": \"size=preview\", \"service_name\": \"{ns}-server\", \"service_port\": \"http\", \"upstream_addr\": \"10.42.1.{}:3001\", \"ingress_name\": \"{ns}\"}}",
            200 + rng.below(600),
            rng.below(200_000),
            rng.next() as u128 * 3,
            rng.below(250)
        );
        let mut msg = msg.into_bytes();
        let kind = rng.unit();
        if kind < o.non_utf8 {
            // nginx's escape=json passes bytes >= 0x80 through as they came.
            let at = find(&msg, b"\"http_user_agent\": \"") + 20;
            msg.splice(at..at, b"caf\xe9 \xff\xfe \xe2\x82 ".iter().copied());
            if rng.below(3) == 0 {
                let at = find(&msg, b"\"ingress_namespace\": \"") + 22;
                msg.splice(at..at, b"\xc3x\xf0\x9f".iter().copied());
            }
        } else if kind < o.non_utf8 + o.long {
            let at = find(&msg, b"?size=preview");
            let q = "&q=%E2%9C%93 \\\"quoted\\\" \\u00e9 \\\\ caf\u{e9}".repeat(2_600);
            msg.splice(at..at, q.bytes());
        }
        if msg.len() > 16_384 {
            // containerd cuts a long write into 16 KiB frames, anywhere.
            let chunks: Vec<&[u8]> = msg.chunks(16_384).collect();
            for (k, c) in chunks.iter().enumerate() {
                let flag = if k + 1 == chunks.len() { "F" } else { "P" };
                w.write_all(format!("{t} stdout {flag} ").as_bytes())?;
                w.write_all(c)?;
                w.write_all(b"\n")?;
            }
        } else if rng.below(50) == 0 {
            // Split into parts, as containerd does for long writes.
            let cut1 = msg.len() / 3;
            let cut2 = 2 * msg.len() / 3;
            for (flag, part) in [
                ("P", &msg[..cut1]),
                ("P", &msg[cut1..cut2]),
                ("F", &msg[cut2..]),
            ] {
                w.write_all(format!("{t} stdout {flag} ").as_bytes())?;
                w.write_all(part)?;
                w.write_all(b"\n")?;
            }
        } else {
            w.write_all(format!("{t} stdout F ").as_bytes())?;
            w.write_all(&msg)?;
            w.write_all(b"\n")?;
        }
    }
    Ok(())
}
