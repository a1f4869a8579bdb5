//! Writes a generated CRI corpus to stdout (for bench/exporter.sh):
//! `corpus LINES [CLIENTS] [SEED] [GARBAGE_FRACTION]`.

#[path = "../tests/corpus/mod.rs"]
mod corpus;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize, d: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
    let o = corpus::Options {
        lines: num(0, 1_000_000) as usize,
        clients: num(1, 50_000) as usize,
        seed: num(2, 1),
        garbage: args.get(3).and_then(|a| a.parse().ok()).unwrap_or(0.005),
    };
    let out = std::io::stdout().lock();
    let mut w = std::io::BufWriter::with_capacity(1 << 20, out);
    if let Err(e) = corpus::write(&mut w, &o) {
        eprintln!("corpus: {e}");
        std::process::exit(1);
    }
}
