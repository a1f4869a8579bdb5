//! One record in, counters out: access lines counted per label set,
//! ModSecurity lines per rule, nginx error lines ignored, everything else
//! counted as a parse error by kind. Records come from `frame`, lines from
//! `lines`: reading, framing and counting meet only here, in `line`.

use crate::config::Config;
use crate::frame::{Framer, Records};
use crate::geo::Geo;
use crate::lines::Line;
use crate::metrics::{Family, Format, SEP, Writer};
use crate::parse::{self, ErrorKind, Raw};

/// Fields an access line may feed (labels of all counters together).
pub const MAX_FIELDS: usize = 8;

/// Where the WAF counters are in `families`.
#[derive(Clone, Copy)]
struct WafFamilies {
    blocked: usize,
    matches: usize,
    with_client: bool,
}

pub struct Processor {
    /// JSON field names wanted, each once.
    wanted: Vec<Vec<u8>>,
    /// Per counter family: slots (into `wanted`) of its labels.
    slots: Vec<Vec<usize>>,
    client_slot: Option<usize>,
    pub families: Vec<Family>,
    waf: Option<WafFamilies>,
    pub geo: Geo,
    pub errors: [u64; 6],
    pub lines: u64,
    pub bytes: u64,
    pub ignored: u64,
    pub waf_lines: u64,
    /// Access lines counted (one per line, whatever the number of counters).
    pub requests: u64,
    max_series: usize,
    max_line: usize,
    pub max_idle: u64,
    /// Wall clock, seconds (set by the caller; tests and --oneshot use 0).
    pub now: u64,
    key: String,
    /// One key buffer per counter family, reused for every line.
    keys: Vec<String>,
    hashes: Vec<u64>,
    scratch: Vec<String>,
}

impl Processor {
    pub fn new(cfg: &Config, geo: Geo) -> Result<Self, String> {
        let mut wanted: Vec<Vec<u8>> = Vec::new();
        let mut slot_of = |label: &str| -> usize {
            let field = cfg.fields[label].as_bytes().to_vec();
            match wanted.iter().position(|w| *w == field) {
                Some(i) => i,
                None => {
                    wanted.push(field);
                    wanted.len() - 1
                }
            }
        };
        let mut families = Vec::new();
        let mut slots = Vec::new();
        for c in &cfg.counters {
            slots.push(c.labels.iter().map(|l| slot_of(l)).collect());
            let mut labels = c.labels.clone();
            labels.retain(|_| true);
            families.push(Family::new(
                format!("{}{}", cfg.prefix, c.name),
                c.help.clone(),
                labels,
            ));
        }
        let client_slot = cfg
            .fields
            .contains_key("client_ip")
            .then(|| slot_of("client_ip"));
        if wanted.len() > MAX_FIELDS {
            return Err(format!(
                "at most {MAX_FIELDS} distinct fields can be labels"
            ));
        }
        let waf = cfg.waf.as_ref().map(|w| {
            let with_client = w.labels.iter().any(|l| l == "client_ip");
            families.push(Family::new(
                format!("{}{}", cfg.prefix, w.name),
                "Requests ModSecurity blocked, by the rule that blocked them".into(),
                w.labels.clone(),
            ));
            families.push(Family::new(
                format!("{}{}", cfg.prefix, w.matches),
                "Rule matches ModSecurity logged (warnings and blocks), by rule".into(),
                w.labels.clone(),
            ));
            WafFamilies {
                blocked: families.len() - 2,
                matches: families.len() - 1,
                with_client,
            }
        });
        Ok(Processor {
            scratch: vec![String::new(); wanted.len()],
            wanted,
            slots,
            client_slot,
            families,
            waf,
            geo,
            errors: [0; 6],
            lines: 0,
            bytes: 0,
            ignored: 0,
            waf_lines: 0,
            requests: 0,
            max_series: cfg.limits.max_series_per_metric,
            max_line: cfg.limits.max_line_bytes,
            max_idle: cfg.limits.max_idle.secs(),
            now: 0,
            key: String::with_capacity(128),
            keys: vec![String::with_capacity(128); cfg.counters.len()],
            hashes: Vec::with_capacity(cfg.counters.len()),
        })
    }

    fn error(&mut self, k: ErrorKind) {
        self.errors[k.index()] += 1;
    }

    /// One line a reader handed on, framed with its file's `Framer`.
    #[inline]
    pub fn line(&mut self, line: Line<'_>, f: &mut Framer) {
        match line {
            Line::Text(l) => self.cri_line(l, f),
            Line::Overlong(n) => {
                self.bytes += n + 1;
                self.too_long();
            }
        }
    }

    /// One physical line of a CRI log file (without its newline).
    #[inline]
    pub fn cri_line(&mut self, line: &[u8], f: &mut Framer) {
        self.bytes += line.len() as u64 + 1;
        f.line(line, self);
    }

    /// What one whole record is, counted.
    fn classify(&mut self, msg: &[u8]) {
        // An access line is scanned as bytes: its counted fields are decoded
        // (and checked) alone, so the line needs no UTF-8 pass of its own.
        let json = msg.trim_ascii_start();
        if json.first() == Some(&b'{') {
            return self.access(json);
        }
        // Invalid UTF-8 is no reason to skip a record (nginx's escape=json
        // passes bytes >= 0x80 through): fields are decoded as Promtail's Go
        // decoder does, other lines read with U+FFFD in place. No copy when
        // the record is valid.
        let text = String::from_utf8_lossy(msg);
        let trimmed = text.trim_start();
        if trimmed.starts_with('{') {
            // Leading whitespace is valid UTF-8: as long in `msg` as in `text`.
            self.access(&msg[text.len() - trimmed.len()..]);
        } else if let Some(w) = parse::modsecurity(&text) {
            self.waf_lines += 1;
            if let Some(wf) = self.waf {
                let mut key = std::mem::take(&mut self.key);
                key.clear();
                key.push_str(w.rule_id);
                if wf.with_client {
                    key.push(SEP);
                    key.push_str(w.client);
                }
                let (seq, now, max) = (self.lines, self.now, self.max_series);
                self.families[wf.matches].inc(&key, seq, now, max, || 0);
                if w.blocked {
                    self.families[wf.blocked].inc(&key, seq, now, max, || 0);
                }
                self.key = key;
            }
        } else if parse::is_nginx_error(msg) || trimmed.is_empty() {
            self.ignored += 1;
        } else {
            self.error(ErrorKind::Garbage);
        }
    }

    fn access(&mut self, msg: &[u8]) {
        let mut raws = [Raw::default(); MAX_FIELDS];
        let n = self.wanted.len();
        let wanted: [&[u8]; MAX_FIELDS] =
            std::array::from_fn(|i| self.wanted.get(i).map_or(&b""[..], |w| w.as_slice()));
        if let Err(k) = parse::json_fields(msg, &wanted[..n], &mut raws[..n]) {
            self.error(k);
            return;
        }
        if raws[..n].iter().any(|r| !r.found) {
            self.error(ErrorKind::MissingField);
            return;
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        let mut texts: [&str; MAX_FIELDS] = [""; MAX_FIELDS];
        let mut ok = true;
        for ((raw, sc), t) in raws[..n]
            .iter()
            .zip(scratch.iter_mut())
            .zip(texts.iter_mut())
        {
            match parse::text(raw, sc) {
                Some(s) => *t = s,
                None => {
                    ok = false;
                    break;
                }
            }
        }
        if ok {
            // All keys first, then the lookups back to back: the tables are
            // large and their cache misses overlap when nothing sits between.
            let mut keys = std::mem::take(&mut self.keys);
            let mut hashes = std::mem::take(&mut self.hashes);
            for (key, labels) in keys.iter_mut().zip(self.slots.iter()) {
                key.clear();
                for (j, slot) in labels.iter().enumerate() {
                    if j > 0 {
                        key.push(SEP);
                    }
                    key.push_str(texts[*slot]);
                }
            }
            let client = self.client_slot.map(|s| texts[s]);
            let seq = self.lines;
            let Processor {
                families,
                geo,
                now,
                max_series,
                ..
            } = self;
            // Hash every key and prefetch its slot, then count: the cache
            // misses of the four tables overlap instead of queueing.
            hashes.clear();
            for (key, f) in keys.iter().zip(families.iter()) {
                let h = crate::table::hash(key.as_bytes());
                f.series.prefetch(h);
                hashes.push(h);
            }
            for ((f, key), h) in families
                .iter_mut()
                .zip(keys.iter())
                .zip(hashes.iter().copied())
            {
                f.inc_hashed(h, key, seq, *now, *max_series, || {
                    client.map_or(0, |ip| geo.lookup(ip))
                });
            }
            self.keys = keys;
            self.hashes = hashes;
            self.requests += 1;
        } else {
            self.error(ErrorKind::Json);
        }
        self.scratch = scratch;
    }

    /// Drop series idle for longer than `max_idle`.
    pub fn expire(&mut self) {
        let before = self.now.saturating_sub(self.max_idle);
        for f in &mut self.families {
            f.expire(before);
        }
    }

    pub fn parse_errors(&self) -> u64 {
        self.errors.iter().sum()
    }

    /// The pipeline's families and its own counters.
    pub fn expose(&self, w: &mut Writer) {
        for f in &self.families {
            w.family(f, &self.geo.table);
        }
        w.header(
            "hearth_exporter_lines_total",
            "Log records read (complete CRI records).",
            "counter",
        );
        w.sample("hearth_exporter_lines_total", "", self.lines);
        w.header(
            "hearth_exporter_bytes_total",
            "Bytes of log files read.",
            "counter",
        );
        w.sample("hearth_exporter_bytes_total", "", self.bytes);
        w.header(
            "hearth_exporter_parse_errors_total",
            "Records skipped, by why.",
            "counter",
        );
        for k in ErrorKind::ALL.into_iter().filter(|k| *k != ErrorKind::Utf8) {
            w.sample(
                "hearth_exporter_parse_errors_total",
                &format!("kind=\"{}\"", k.name()),
                self.errors[k.index()],
            );
        }
        w.header(
            "hearth_exporter_ignored_lines_total",
            "nginx error lines and blank records, skipped on purpose.",
            "counter",
        );
        w.sample("hearth_exporter_ignored_lines_total", "", self.ignored);
        w.header(
            "hearth_exporter_series_evicted_total",
            "Series dropped by the cardinality limit or idle expiry.",
            "counter",
        );
        for f in &self.families {
            w.sample(
                "hearth_exporter_series_evicted_total",
                &format!("metric=\"{}\"", f.name),
                f.evicted,
            );
        }
        w.header(
            "hearth_exporter_geoip_cache_hits_total",
            "GeoIP lookups answered from the cache.",
            "counter",
        );
        w.sample("hearth_exporter_geoip_cache_hits_total", "", self.geo.hits);
        w.header(
            "hearth_exporter_geoip_cache_misses_total",
            "GeoIP lookups that read the database.",
            "counter",
        );
        w.sample(
            "hearth_exporter_geoip_cache_misses_total",
            "",
            self.geo.misses,
        );
    }

    /// The whole exposition (as `--oneshot` prints it).
    pub fn render(&self, format: Format) -> String {
        let mut w = Writer::new(format);
        let series: usize = self.families.iter().map(|f| f.series.len()).sum();
        w.out.reserve(series * 96 + 8192);
        self.expose(&mut w);
        w.finish()
    }
}

impl Records for Processor {
    #[inline]
    fn record(&mut self, msg: &[u8]) {
        self.lines += 1;
        self.classify(msg);
    }

    fn bad_frame(&mut self) {
        self.error(ErrorKind::Cri);
    }

    fn too_long(&mut self) {
        self.lines += 1;
        self.error(ErrorKind::TooLong);
    }

    fn max_record(&self) -> usize {
        self.max_line
    }

    fn wanted(&self) -> &[Vec<u8>] {
        &self.wanted
    }
}

#[cfg(test)]
mod tests;
