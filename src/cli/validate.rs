//! `hearth validate`: render and validate in memory; `--list-kinds`;
//! `--charts` expands every chart from the cache and validates its objects too.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use hearth::charts::engine::Engine;
use hearth::pipeline;
use hearth::validate::Schemas;

use super::{Closing, print_timings, report};

pub fn validate(site: &Path, list_kinds: bool, timings: bool, charts: bool) -> ExitCode {
    if list_kinds {
        for (api, kind) in Schemas::load().kinds() {
            out!("{api} {kind}");
        }
        return ExitCode::SUCCESS;
    }
    let start = Instant::now();
    let built = if charts {
        let engine = Engine::find();
        let opts = hearth::charts::Options {
            engine: engine.as_ref(),
            memo: hearth::charts::memo::folder(),
            git_ref: None,
        };
        pipeline::build_charts(site, &opts)
    } else {
        pipeline::build(site, &Schemas::load())
    };
    match built {
        Ok(b) => {
            if timings {
                print_timings(&b.timings);
            }
            let from_charts: usize = b.charts.iter().map(|c| c.docs.len()).sum();
            let charts = if charts {
                format!(
                    " and {from_charts} chart objects ({} charts)",
                    b.charts.len()
                )
            } else {
                String::new()
            };
            out!(
                "{} objects{charts} valid ({} services) in {} ms",
                b.rendered.objects.len(),
                b.plan.services.len(),
                start.elapsed().as_millis()
            );
            ExitCode::SUCCESS
        }
        Err(e) => report(e, &format!("in `{}`", site.display()), Closing::Count),
    }
}
