//! The series table against hashbrown's `HashTable` with the same precomputed
//! FxHash, on the counting workload alone: per line, the four keys of the
//! seed's counters (client IP; with namespace; with status; with both), client
//! IPs Zipf-distributed as in the benchmark corpus. Keys are made before the
//! clock starts; no eviction (room for every series). Prints CPU ns per line
//! (the thread's own CPU time, from /proc: the machine is shared, and waiting
//! for a core is not the table's cost), best of RUNS (default 5):
//! `cargo run --release --example table [LINES]`.

#[path = "../tests/corpus/mod.rs"]
mod corpus;

/// CPU time of this thread so far, in seconds (Linux schedstat).
fn cpu() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns / 1e9)
}

use hearth_exporter::metrics::{SEP, Series};
use hearth_exporter::table::{Table, hash};

const STATUSES: [&str; 8] = ["200", "204", "304", "403", "404", "499", "500", "502"];

/// The four keys of each line.
fn workload(lines: usize) -> Vec<[String; 4]> {
    let mut rng = corpus::Rng::new(1);
    let cdf = corpus::zipf(50_000, 1.1);
    (0..lines)
        .map(|_| {
            let ip = corpus::ip_of(cdf.partition_point(|c| *c < rng.unit()) as u64);
            let ns = corpus::NAMESPACES[rng.below(12) as usize];
            // Mostly 200, as in the corpus.
            let st = STATUSES[(rng.below(16).saturating_sub(8)) as usize];
            [
                ip.clone(),
                format!("{ip}{SEP}{ns}"),
                format!("{ip}{SEP}{st}"),
                format!("{ip}{SEP}{ns}{SEP}{st}"),
            ]
        })
        .collect()
}

fn series(seq: u64) -> Series {
    Series {
        value: 1,
        seq,
        sec: 0,
        geo: 0,
    }
}

/// The exporter's table: the four keys hashed and prefetched, then counted.
fn own(work: &[[String; 4]]) -> (f64, u64) {
    let mut tables: [Table; 4] = Default::default();
    let t = cpu();
    for (seq, keys) in work.iter().enumerate() {
        let hs: [u64; 4] = std::array::from_fn(|i| {
            let h = hash(keys[i].as_bytes());
            tables[i].prefetch(h);
            h
        });
        for ((table, key), h) in tables.iter_mut().zip(keys).zip(hs) {
            match table.get_mut(h, key.as_bytes()) {
                Some(s) => {
                    s.value += 1;
                    s.seq = seq as u64;
                }
                None => table.insert(key.as_bytes(), series(seq as u64)),
            }
        }
    }
    let secs = cpu() - t;
    (secs, tables.iter().map(|t| t.len() as u64).sum())
}

struct Entry {
    hash: u64,
    key: Box<[u8]>,
    series: Series,
}

/// hashbrown's SwissTable with the same hash, computed once per key.
fn swiss(work: &[[String; 4]]) -> (f64, u64) {
    let mut tables: [hashbrown::HashTable<Entry>; 4] = Default::default();
    let t = cpu();
    for (seq, keys) in work.iter().enumerate() {
        let hs: [u64; 4] = std::array::from_fn(|i| hash(keys[i].as_bytes()));
        for ((table, key), h) in tables.iter_mut().zip(keys).zip(hs) {
            let key = key.as_bytes();
            match table.find_mut(h, |e| e.hash == h && *e.key == *key) {
                Some(e) => {
                    e.series.value += 1;
                    e.series.seq = seq as u64;
                }
                None => {
                    table.insert_unique(
                        h,
                        Entry {
                            hash: h,
                            key: key.into(),
                            series: series(seq as u64),
                        },
                        |e| e.hash,
                    );
                }
            }
        }
    }
    let secs = cpu() - t;
    (secs, tables.iter().map(|t| t.len() as u64).sum())
}

fn main() {
    let lines: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_000_000);
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let work = workload(lines);
    for (name, f) in [
        (
            "own table (prefetched)",
            own as fn(&[[String; 4]]) -> (f64, u64),
        ),
        ("hashbrown::HashTable", swiss),
    ] {
        let mut best = f64::MAX;
        let mut n = 0;
        for _ in 0..runs {
            let (secs, count) = f(&work);
            best = best.min(secs);
            n = count;
        }
        println!(
            "{name:24} {:7.1} ns/line  ({n} series, best of {runs})",
            best * 1e9 / lines as f64
        );
    }
}
