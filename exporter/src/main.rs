//! hearth-exporter's command line: `--oneshot FILE…` prints the exposition
//! of some CRI log files; otherwise it runs as the node's DaemonSet: tails
//! `/var/log/pods`, serves `/metrics`, saves its state, stops cleanly on
//! SIGTERM. Exit 0 ok, 2 bad flags or config, 1 a runtime failure.

#![deny(unsafe_code)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;

use hearth_exporter::config::Config;
use hearth_exporter::frame::Framer;
use hearth_exporter::geo::Geo;
use hearth_exporter::lines::{CHUNK, Lines};
use hearth_exporter::metrics::Format;
use hearth_exporter::pipeline::Processor;
use hearth_exporter::serve::{Shared, serve};
use hearth_exporter::state::{self, FilePos, Snapshot};
use hearth_exporter::tail::Tailer;

#[derive(Parser)]
#[command(
    name = "hearth-exporter",
    version,
    about = "ingress-nginx access logs to Prometheus metrics, counted exactly once",
    after_help = "Without --config it runs the reference site's pipeline: fields remote_address, ingress_namespace and status; the seed's four counters with the promtail_custom_ prefix; WAF blocks by rule id."
)]
struct Cli {
    /// exporter.yaml as `hearth render` writes it into rendered/monitoring/.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// MaxMind City database for GeoIP labels (overrides the config's).
    #[arg(long, value_name = "FILE")]
    geoip_db: Option<PathBuf>,
    /// Read these CRI log files to the end, print the exposition, exit.
    #[arg(long, num_args = 1.., value_name = "FILE")]
    oneshot: Vec<PathBuf>,
    /// With --oneshot: print OpenMetrics instead of the Prometheus text format.
    #[arg(long)]
    openmetrics: bool,
    /// Where the kubelet writes pod logs.
    #[arg(long, default_value = "/var/log/pods", value_name = "DIR")]
    root: PathBuf,
    /// Counters and read positions, saved together.
    #[arg(long, default_value = "/var/lib/hearth-exporter/state.json", value_name = "FILE")]
    state: PathBuf,
    /// Address for /metrics, /healthz and /ready.
    #[arg(long, default_value = "0.0.0.0:9101", value_name = "ADDR")]
    listen: String,
    /// Milliseconds between state snapshots.
    #[arg(long, default_value_t = 10_000, value_name = "MS")]
    save_interval_ms: u64,
    /// Milliseconds to wait when there is nothing new to read.
    #[arg(long, default_value_t = 250, value_name = "MS")]
    poll_ms: u64,
    /// Files with no saved position (no state yet, or a corrupt one) start at
    /// their `end` (default: old lines are not counted) or `start`.
    #[arg(long, default_value = "end", value_parser = ["start", "end"])]
    from: String,
    /// Stop (saving state, printing the exposition) once every file is read
    /// to its end: for tests and backfills.
    #[arg(long)]
    exit_when_idle: bool,
}

fn load_config(cli: &Cli) -> Result<Config, String> {
    let mut cfg = match &cli.config {
        Some(p) => hearth_exporter::config::load(p)?,
        None => Config::default(),
    };
    if let Some(db) = &cli.geoip_db {
        match &mut cfg.geoip {
            Some(g) => g.database = db.clone(),
            None => {
                cfg.geoip = Some(hearth_exporter::config::Geoip {
                    database: db.clone(),
                    labels: vec![
                        "geoip_location_latitude".into(),
                        "geoip_location_longitude".into(),
                    ],
                })
            }
        }
    }
    cfg.check()?;
    Ok(cfg)
}

fn processor(cfg: &Config) -> Result<Processor, String> {
    let geo = match &cfg.geoip {
        Some(g) => Geo::open(g.database.clone(), g.labels.clone())?,
        None => Geo::none(),
    };
    Processor::new(cfg, geo)
}

fn geo_missing(path: &std::path::Path) -> String {
    format!(
        "GeoIP database `{}` is not there (not downloaded yet?)",
        path.display()
    )
}

fn oneshot(cli: &Cli, cfg: &Config) -> Result<(), (u8, String)> {
    let mut p = processor(cfg).map_err(|e| (2, e))?;
    // A one-shot run cannot wait for the database to appear.
    if let Some(db) = p.geo.pending() {
        return Err((2, geo_missing(db)));
    }
    let mut buf = Vec::with_capacity(CHUNK);
    for path in &cli.oneshot {
        let f = std::fs::File::open(path)
            .map_err(|e| (2, format!("cannot open `{}`: {e}", path.display())))?;
        let (mut lines, mut frames) = (Lines::default(), Framer::default());
        while lines
            .read(&f, &mut buf, 16, true, &mut |l, _| p.line(l, &mut frames))
            .map_err(|e| (1, format!("cannot read `{}`: {e}", path.display())))?
            > 0
        {}
    }
    let format = if cli.openmetrics {
        Format::OpenMetrics
    } else {
        Format::Prometheus
    };
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(p.render(format).as_bytes());
    Ok(())
}

/// The lock, even if the HTTP thread panicked while holding it (the data is
/// counters: still consistent).
fn lock(s: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    match s.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Positions saved by the last run, with the counters restored into `p`;
/// None (and a line saying why) when there is nothing usable to resume.
fn resume(cli: &Cli, p: &mut Processor) -> Option<Vec<FilePos>> {
    match state::load(&cli.state) {
        Ok(Some(s)) => Some(s.restore(p)),
        Ok(None) => {
            eprintln!(
                "hearth-exporter: no state at `{}`: starting fresh",
                cli.state.display()
            );
            None
        }
        Err(e) => {
            eprintln!(
                "hearth-exporter: {e}; starting fresh from the {} of the files",
                cli.from
            );
            None
        }
    }
}

/// Write the counters and positions to the state file; a failure is counted
/// (it shows in the metrics) and the daemon goes on.
fn save(path: &Path, s: &mut Shared) {
    let snap = Snapshot::take(&s.processor, s.tailer.positions());
    match state::save(path, &snap) {
        Ok(()) => s.saves += 1,
        Err(e) => {
            s.save_errors += 1;
            eprintln!("hearth-exporter: {e}");
        }
    }
}

/// The main loop's chores besides reading, each on its own clock.
struct Chores {
    save_every: Duration,
    last_save: Instant,
    last_scan: Instant,
    last_sweep: Instant,
    last_geo: Instant,
}

impl Chores {
    fn new(save_every: Duration) -> Self {
        let now = Instant::now();
        Chores {
            save_every,
            last_save: now,
            last_scan: now,
            last_sweep: now,
            last_geo: now,
        }
    }

    /// One round under the lock: new files (every second), up to 16 chunks
    /// of lines, idle series swept (every minute), a new GeoIP database
    /// noticed (a stat every few seconds), the state saved when due. Returns
    /// the lines read.
    fn round(&mut self, s: &mut Shared, state: &Path) -> u64 {
        let Shared {
            processor, tailer, ..
        } = &mut *s;
        processor.now = now_secs();
        if self.last_scan.elapsed() >= Duration::from_secs(1) {
            tailer.rescan();
            self.last_scan = Instant::now();
        }
        let read = tailer.poll(processor, 16);
        if self.last_sweep.elapsed() >= Duration::from_secs(60) {
            processor.expire();
            self.last_sweep = Instant::now();
        }
        if self.last_geo.elapsed() >= Duration::from_secs(3) {
            if let Some(w) = processor.geo.refresh() {
                eprintln!("hearth-exporter: {w}");
            }
            self.last_geo = Instant::now();
        }
        if self.last_save.elapsed() >= self.save_every {
            save(state, s);
            self.last_save = Instant::now();
        }
        read
    }
}

/// With `--exit-when-idle`: after a rescan (files may have appeared since
/// the last one), is there still nothing to read?
fn drained(s: &mut Shared) -> bool {
    s.tailer.rescan();
    let Shared {
        processor, tailer, ..
    } = s;
    tailer.poll(processor, 16) == 0
}

fn daemon(cli: &Cli, cfg: &Config) -> Result<(), (u8, String)> {
    let mut p = processor(cfg).map_err(|e| (2, e))?;
    if let Some(db) = p.geo.pending() {
        eprintln!(
            "hearth-exporter: {}: counting without GeoIP labels until it appears",
            geo_missing(db)
        );
    }
    let saved = resume(cli, &mut p);
    let mut tailer = Tailer::new(cli.root.clone(), cfg.sources.clone());
    tailer.start(saved, cli.from == "end");

    let term = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
        signal_hook::flag::register(sig, Arc::clone(&term))
            .map_err(|e| (1, format!("cannot handle signals: {e}")))?;
    }
    let shared = Arc::new(Mutex::new(Shared {
        processor: p,
        tailer,
        saves: 0,
        save_errors: 0,
    }));
    let ready = Arc::new(AtomicBool::new(false));
    let server = Arc::new(
        tiny_http::Server::http(&cli.listen)
            .map_err(|e| (2, format!("cannot listen on `{}`: {e}", cli.listen)))?,
    );
    let http = {
        let (server, shared, ready) =
            (Arc::clone(&server), Arc::clone(&shared), Arc::clone(&ready));
        std::thread::spawn(move || serve(server, shared, ready))
    };
    ready.store(true, Ordering::SeqCst);

    let mut chores = Chores::new(Duration::from_millis(cli.save_interval_ms.max(1)));
    let mut idle_rounds = 0;
    while !term.load(Ordering::SeqCst) {
        if chores.round(&mut lock(&shared), &cli.state) > 0 {
            idle_rounds = 0;
            continue;
        }
        idle_rounds += 1;
        if cli.exit_when_idle && idle_rounds >= 2 {
            if drained(&mut lock(&shared)) {
                break;
            }
            idle_rounds = 0;
            continue;
        }
        std::thread::sleep(Duration::from_millis(cli.poll_ms));
    }
    let mut s = lock(&shared);
    save(&cli.state, &mut s);
    if cli.exit_when_idle {
        print!("{}", s.processor.render(Format::Prometheus));
    }
    drop(s);
    server.unblock();
    let _ = http.join();
    Ok(())
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let cfg = match load_config(&cli) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("hearth-exporter: {e}");
            return ExitCode::from(2);
        }
    };
    let result = if cli.oneshot.is_empty() {
        daemon(&cli, &cfg)
    } else {
        oneshot(&cli, &cfg)
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, msg)) => {
            eprintln!("hearth-exporter: {msg}");
            ExitCode::from(code)
        }
    }
}
