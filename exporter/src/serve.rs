//! HTTP: `/metrics` (Prometheus text, or OpenMetrics when the scraper's
//! `Accept` asks for it), `/healthz` (the process answers), `/ready` (files
//! discovered and state restored: 200; its body says `degraded` and why while
//! the GeoIP database is not loaded, as counting goes on without its labels
//! and a 503 would only hide the metrics). tiny_http: one thread, no async
//! runtime.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::metrics::{Format, Writer};
use crate::pipeline::Processor;
use crate::tail::Tailer;

/// What the HTTP thread reads, under one lock with what the reader writes.
pub struct Shared {
    pub processor: Processor,
    pub tailer: Tailer,
    pub saves: u64,
    pub save_errors: u64,
}

impl Shared {
    pub fn render(&self, format: Format) -> String {
        let mut w = Writer::new(format);
        // One allocation of about the right size: growing by doubling would
        // copy (and touch) the text twice, which is the peak of memory.
        let series: usize = self.processor.families.iter().map(|f| f.series.len()).sum();
        w.out.reserve(series * 96 + 8192);
        self.processor.expose(&mut w);
        self.own_metrics(&mut w);
        w.finish()
    }

    /// The exporter's own health: files, lag, state saves, rotations, GeoIP.
    fn own_metrics(&self, w: &mut Writer) {
        let t = &self.tailer;
        w.header(
            "hearth_exporter_files_tracked",
            "Log files being read.",
            "gauge",
        );
        w.sample("hearth_exporter_files_tracked", "", t.files.len());
        w.header(
            "hearth_exporter_bytes_behind",
            "Bytes written to a file and not read yet.",
            "gauge",
        );
        for (path, behind) in t.bytes_behind() {
            let mut l = String::from("file=\"");
            crate::metrics::escape_into(&mut l, &path);
            l.push('"');
            w.sample("hearth_exporter_bytes_behind", &l, behind);
        }
        let counters = [
            (
                "hearth_exporter_state_saves_total",
                "State snapshots written.",
                self.saves,
            ),
            (
                "hearth_exporter_state_save_errors_total",
                "State snapshots that failed.",
                self.save_errors,
            ),
            (
                "hearth_exporter_truncations_total",
                "Files truncated under the reader (copy-truncate).",
                t.stats.truncations,
            ),
            (
                "hearth_exporter_rotations_total",
                "Files renamed away (kubelet rotation) and read to their end.",
                t.stats.rotations,
            ),
            (
                "hearth_exporter_rotations_missed_total",
                "Rotated files gone before their end was read.",
                t.stats.rotations_missed,
            ),
            (
                "hearth_exporter_bytes_lost_total",
                "Bytes known to be lost: an unfinished record of a file let go or truncated.",
                t.stats.bytes_lost,
            ),
            (
                "hearth_exporter_geoip_reloads_total",
                "GeoIP database reloads.",
                self.processor.geo.reloads,
            ),
        ];
        for (name, help, value) in counters {
            w.header(name, help, "counter");
            w.sample(name, "", value);
        }
        if self.processor.geo.configured() {
            w.header(
                "hearth_exporter_geoip_database_loaded",
                "1 when the configured GeoIP database is loaded; 0 while it is not there (no GeoIP labels).",
                "gauge",
            );
            let loaded = self.processor.geo.pending().is_none();
            w.sample(
                "hearth_exporter_geoip_database_loaded",
                "",
                u64::from(loaded),
            );
        }
    }
}

fn wants_openmetrics(req: &tiny_http::Request) -> bool {
    req.headers().iter().any(|h| {
        h.field.equiv("Accept") && h.value.as_str().contains("application/openmetrics-text")
    })
}

/// Answer requests until the server is unblocked.
pub fn serve(server: Arc<tiny_http::Server>, shared: Arc<Mutex<Shared>>, ready: Arc<AtomicBool>) {
    for req in server.incoming_requests() {
        let header = |v: &str| {
            tiny_http::Header::from_bytes(&b"Content-Type"[..], v.as_bytes())
                .expect("a valid header")
        };
        let path = req.url().split('?').next().unwrap_or("").to_string();
        let resp = match path.as_str() {
            "/metrics" => {
                let format = if wants_openmetrics(&req) {
                    Format::OpenMetrics
                } else {
                    Format::Prometheus
                };
                let body = match shared.lock() {
                    Ok(s) => s.render(format),
                    Err(p) => p.into_inner().render(format),
                };
                tiny_http::Response::from_string(body).with_header(header(format.content_type()))
            }
            "/healthz" => tiny_http::Response::from_string("ok\n"),
            "/ready" if ready.load(Ordering::SeqCst) => {
                let pending = match shared.lock() {
                    Ok(s) => s.processor.geo.pending().map(|p| p.display().to_string()),
                    Err(p) => p
                        .into_inner()
                        .processor
                        .geo
                        .pending()
                        .map(|p| p.display().to_string()),
                };
                tiny_http::Response::from_string(match pending {
                    None => "ready\n".to_string(),
                    Some(db) => format!(
                        "ready, degraded: GeoIP database `{db}` not loaded yet (no GeoIP labels)\n"
                    ),
                })
            }
            "/ready" => tiny_http::Response::from_string("starting\n").with_status_code(503),
            _ => tiny_http::Response::from_string("not found: try /metrics, /healthz or /ready\n")
                .with_status_code(404),
        };
        let _ = req.respond(resp);
    }
}
