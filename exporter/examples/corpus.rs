//! Writes a generated CRI corpus to stdout (for bench/exporter.sh):
//! `corpus LINES [CLIENTS] [SEED] [GARBAGE] [NON_UTF8] [LONG]` (fractions of
//! records: broken ones, ones with bytes that are not UTF-8, ~95 KB ones).

#[path = "../tests/corpus/mod.rs"]
mod corpus;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize, d: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
    let frac = |i: usize, d: f64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
    let o = corpus::Options {
        lines: num(0, 1_000_000) as usize,
        clients: num(1, 50_000) as usize,
        seed: num(2, 1),
        garbage: frac(3, 0.005),
        non_utf8: frac(4, 0.0),
        long: frac(5, 0.0),
    };
    let out = std::io::stdout().lock();
    let mut w = std::io::BufWriter::with_capacity(1 << 20, out);
    if let Err(e) = corpus::write(&mut w, &o) {
        eprintln!("corpus: {e}");
        std::process::exit(1);
    }
}
