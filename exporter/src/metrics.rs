//! Counter families with bounded series, and their exposition in the
//! Prometheus text format or OpenMetrics. A series is keyed by its label
//! values joined with U+001F, so an existing series is found from a reused
//! buffer without allocating.

use std::fmt::Write;

use crate::table::{Table, hash};

/// Separates label values in a series key.
pub const SEP: char = '\u{1f}';

/// Unix seconds to seconds since 2020-01-01 (fits u32 until 2156), so a
/// series (with its inline key) fills one 64-byte cache line.
pub fn secs_since_2020(unix: u64) -> u32 {
    unix.saturating_sub(1_577_836_800).min(u32::MAX as u64) as u32
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Series {
    pub value: u64,
    /// Logical time of the last update (lines seen), for LRU eviction.
    pub seq: u64,
    /// Wall time of the last update (seconds since 2020), for idle expiry.
    pub sec: u32,
    /// Index into the GeoIP label table (0: none).
    pub geo: u32,
}

#[derive(Debug)]
pub struct Family {
    /// Full name, prefix included.
    pub name: String,
    pub help: String,
    pub labels: Vec<String>,
    pub series: Table,
    pub evicted: u64,
}

impl Family {
    pub fn new(name: String, help: String, labels: Vec<String>) -> Self {
        Family {
            name,
            help,
            labels,
            series: Table::default(),
            evicted: 0,
        }
    }

    /// Add one to the series `key`, creating it (with `geo()`) when new. A
    /// full family first evicts its least recently updated tenth.
    #[inline]
    pub fn inc(&mut self, key: &str, seq: u64, sec: u64, max: usize, geo: impl FnOnce() -> u32) {
        self.inc_hashed(hash(key.as_bytes()), key, seq, sec, max, geo)
    }

    /// `inc` with the key's hash already computed (and its slot prefetched).
    #[inline]
    pub fn inc_hashed(
        &mut self,
        h: u64,
        key: &str,
        seq: u64,
        sec: u64,
        max: usize,
        geo: impl FnOnce() -> u32,
    ) {
        if let Some(s) = self.series.get_mut(h, key.as_bytes()) {
            s.value += 1;
            s.seq = seq;
            s.sec = secs_since_2020(sec);
            return;
        }
        if self.series.len() >= max {
            self.evict(max);
        }
        self.series.insert(
            key.as_bytes(),
            Series {
                value: 1,
                seq,
                sec: secs_since_2020(sec),
                geo: geo(),
            },
        );
    }

    /// Drop the least recently updated tenth (at least one): amortised O(1)
    /// per new series, whatever the flood of new label values.
    fn evict(&mut self, max: usize) {
        let n = (max / 10).max(1).min(self.series.len());
        let mut seqs: Vec<u64> = self.series.iter().map(|(_, s)| s.seq).collect();
        let cutoff = *seqs.select_nth_unstable(n - 1).1;
        let mut removed = 0;
        self.series.retain(|s| {
            if removed < n && s.seq <= cutoff {
                removed += 1;
                false
            } else {
                true
            }
        });
        self.evicted += removed as u64;
    }

    /// Drop series not updated since `before` (seconds).
    pub fn expire(&mut self, before: u64) {
        let before = secs_since_2020(before);
        self.evicted += self.series.retain(|s| s.sec >= before) as u64;
    }
}

/// Escape a label value for the exposition formats.
pub fn escape_into(out: &mut String, v: &str) {
    if !v.bytes().any(|b| matches!(b, b'\\' | b'"' | b'\n')) {
        out.push_str(v);
        return;
    }
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Prometheus,
    OpenMetrics,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Prometheus => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
        }
    }
}

/// Writes families; `counter` handles OpenMetrics' `_total` rule: a counter
/// whose name ends in `_total` is declared without it, any other keeps its
/// name (the seed's queries use it) and is declared `unknown`.
pub struct Writer {
    pub out: String,
    pub format: Format,
}

impl Writer {
    pub fn new(format: Format) -> Self {
        Writer {
            out: String::with_capacity(1 << 16),
            format,
        }
    }

    pub fn header(&mut self, name: &str, help: &str, kind: &str) {
        let (family, kind) = match (self.format, kind) {
            (Format::OpenMetrics, "counter") => match name.strip_suffix("_total") {
                Some(base) => (base, "counter"),
                None => (name, "unknown"),
            },
            _ => (name, kind),
        };
        let _ = writeln!(self.out, "# HELP {family} {help}");
        let _ = writeln!(self.out, "# TYPE {family} {kind}");
    }

    /// One sample; `labels` is pre-rendered `a="x",b="y"` (may be empty).
    pub fn sample(&mut self, name: &str, labels: &str, value: impl std::fmt::Display) {
        if labels.is_empty() {
            let _ = writeln!(self.out, "{name} {value}");
        } else {
            let _ = writeln!(self.out, "{name}{{{labels}}} {value}");
        }
    }

    /// A family of counters, series sorted by key for stable output.
    pub fn family(&mut self, f: &Family, geo: &[Box<str>]) {
        self.header(&f.name, &f.help, "counter");
        let mut keys: Vec<(&str, &Series)> = f
            .series
            .iter()
            .map(|(k, s)| (std::str::from_utf8(k).unwrap_or(""), s))
            .collect();
        keys.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut labels = String::new();
        for (key, s) in keys {
            labels.clear();
            for (i, (name, value)) in f.labels.iter().zip(key.split(SEP)).enumerate() {
                if i > 0 {
                    labels.push(',');
                }
                labels.push_str(name);
                labels.push_str("=\"");
                escape_into(&mut labels, value);
                labels.push('"');
            }
            if let Some(g) = geo.get(s.geo as usize).filter(|g| !g.is_empty()) {
                if !labels.is_empty() {
                    labels.push(',');
                }
                labels.push_str(g);
            }
            self.sample(&f.name, &labels, s.value);
        }
    }

    pub fn finish(mut self) -> String {
        if self.format == Format::OpenMetrics {
            self.out.push_str("# EOF\n");
        }
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eviction_keeps_the_bound_and_the_recent() {
        let mut f = Family::new("x".into(), "h".into(), vec!["ip".into()]);
        for i in 0..10_000u64 {
            f.inc(&i.to_string(), i, 1_700_000_000, 1_000, || 0);
        }
        assert!(f.series.len() <= 1_000);
        assert_eq!(f.evicted as usize + f.series.len(), 10_000);
        assert!(f.series.get(b"9999").is_some());
        f.expire(1_700_000_000);
        assert_eq!(f.series.len(), 1_000, "nothing is idle yet");
        f.expire(1_700_000_001);
        assert!(f.series.is_empty());
    }

    #[test]
    fn exposition_formats() {
        let mut f = Family::new(
            "p_requests".into(),
            "Requests".into(),
            vec!["ip".into(), "ns".into()],
        );
        f.inc(&format!("1.2.3.4{SEP}a\"b"), 1, 0, 10, || 1);
        let geo: Vec<Box<str>> = vec!["".into(), "lat=\"1.5\"".into()];
        let mut w = Writer::new(Format::Prometheus);
        w.family(&f, &geo);
        let text = w.finish();
        assert!(text.contains("# TYPE p_requests counter\n"));
        assert!(
            text.contains("p_requests{ip=\"1.2.3.4\",ns=\"a\\\"b\",lat=\"1.5\"} 1\n"),
            "{text}"
        );
        let mut w = Writer::new(Format::OpenMetrics);
        w.family(&f, &geo);
        w.header("hearth_exporter_lines_total", "Lines", "counter");
        let text = w.finish();
        assert!(text.contains("# TYPE p_requests unknown\n"));
        assert!(text.contains("# TYPE hearth_exporter_lines counter\n"));
        assert!(text.ends_with("# EOF\n"));
    }
}
