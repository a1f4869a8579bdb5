//! GeoIP labels from a MaxMind City database (the `maxminddb` crate), with a
//! per-IP cache, and a reload when geoipupdate replaces the file. Label sets
//! are interned: series store a small index, and locations repeat (many
//! clients per city).

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::SystemTime;

use rustc_hash::FxHashMap;
use serde::Deserialize;

use crate::metrics::escape_into;

#[derive(Deserialize)]
struct Record {
    location: Option<Location>,
    country: Option<Country>,
}

#[derive(Deserialize)]
struct Location {
    latitude: Option<f64>,
    longitude: Option<f64>,
}

#[derive(Deserialize)]
struct Country {
    iso_code: Option<String>,
}

/// Cached IPs before the cache is cleared (bounds memory under any traffic).
const CACHE_MAX: usize = 100_000;

pub struct Geo {
    path: Option<PathBuf>,
    labels: Vec<String>,
    reader: Option<maxminddb::Reader<Vec<u8>>>,
    stamp: Option<Stamp>,
    cache: FxHashMap<IpAddr, u32>,
    /// Interned label text (`geoip_location_latitude="…",…`); 0 is "none".
    pub table: Vec<Box<str>>,
    index: FxHashMap<Box<str>, u32>,
    pub hits: u64,
    pub misses: u64,
    pub reloads: u64,
}

/// What identifies one version of the database file: geoipupdate renames a
/// new file over the old, so the inode changes even when the new file has the
/// old one's size and (on a file system with coarse timestamps) its mtime.
type Stamp = (u64, SystemTime, u64);

fn stamp(path: &std::path::Path) -> Option<Stamp> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    Some((m.ino(), m.modified().ok()?, m.len()))
}

impl Geo {
    /// No database: every lookup is "none".
    pub fn none() -> Self {
        Geo {
            path: None,
            labels: Vec::new(),
            reader: None,
            stamp: None,
            cache: FxHashMap::default(),
            table: vec!["".into()],
            index: FxHashMap::default(),
            hits: 0,
            misses: 0,
            reloads: 0,
        }
    }

    /// The database at `path`. A file that is not there yet (geoipupdate has
    /// not run) is no error: lookups say "none" until `refresh` finds it.
    /// A file that is there and unreadable is one.
    pub fn open(path: PathBuf, labels: Vec<String>) -> Result<Self, String> {
        let mut g = Geo {
            path: Some(path.clone()),
            labels,
            ..Geo::none()
        };
        if path.exists() {
            let reader = maxminddb::Reader::open_readfile(&path)
                .map_err(|e| format!("cannot open GeoIP database `{}`: {e}", path.display()))?;
            g.stamp = stamp(&path);
            g.reader = Some(reader);
        }
        Ok(g)
    }

    /// The database configured and not loaded yet (not downloaded yet).
    pub fn pending(&self) -> Option<&std::path::Path> {
        self.path.as_deref().filter(|_| self.reader.is_none())
    }

    /// Whether a database is configured at all.
    pub fn configured(&self) -> bool {
        self.path.is_some()
    }

    /// Reopen the database if the file changed (geoipupdate writes a new one
    /// and renames it over the old) or first appeared. A broken new file
    /// keeps the old reader.
    pub fn refresh(&mut self) -> Option<String> {
        let path = self.path.clone()?;
        let now = stamp(&path);
        if now.is_none() || now == self.stamp {
            return None;
        }
        match maxminddb::Reader::open_readfile(&path) {
            Ok(r) => {
                self.reader = Some(r);
                self.stamp = now;
                self.cache.clear();
                self.reloads += 1;
                None
            }
            Err(e) => Some(format!("keeping the previous GeoIP database: {e}")),
        }
    }

    /// The label index for a client IP.
    pub fn lookup(&mut self, ip: &str) -> u32 {
        let Some(reader) = &self.reader else {
            return 0;
        };
        let Ok(addr) = ip.parse::<IpAddr>() else {
            return 0;
        };
        if let Some(i) = self.cache.get(&addr) {
            self.hits += 1;
            return *i;
        }
        self.misses += 1;
        let rec: Option<Record> = reader
            .lookup(addr)
            .ok()
            .and_then(|r| r.decode().ok().flatten());
        let mut text = String::new();
        if let Some(rec) = rec {
            for l in &self.labels {
                let v = match l.as_str() {
                    "geoip_location_latitude" => rec
                        .location
                        .as_ref()
                        .and_then(|x| x.latitude)
                        .map(|v| v.to_string()),
                    "geoip_location_longitude" => rec
                        .location
                        .as_ref()
                        .and_then(|x| x.longitude)
                        .map(|v| v.to_string()),
                    "geoip_country_code" => rec.country.as_ref().and_then(|c| c.iso_code.clone()),
                    _ => None,
                };
                if let Some(v) = v {
                    if !text.is_empty() {
                        text.push(',');
                    }
                    text.push_str(l);
                    text.push_str("=\"");
                    escape_into(&mut text, &v);
                    text.push('"');
                }
            }
        }
        let idx = self.intern(text);
        if self.cache.len() >= CACHE_MAX {
            self.cache.clear();
        }
        self.cache.insert(addr, idx);
        idx
    }

    /// The index of a label text, adding it when new.
    pub fn intern(&mut self, text: String) -> u32 {
        if text.is_empty() {
            return 0;
        }
        if let Some(i) = self.index.get(text.as_str()) {
            return *i;
        }
        let i = self.table.len() as u32;
        let b: Box<str> = text.into();
        self.index.insert(b.clone(), i);
        self.table.push(b);
        i
    }
}
