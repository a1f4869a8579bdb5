//! `hearth validate`: render and validate in memory; `--list-kinds`.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use hearth::pipeline;
use hearth::validate::Schemas;

use super::{Closing, print_timings, report};

pub fn validate(site: &Path, list_kinds: bool, timings: bool) -> ExitCode {
    let schemas = Schemas::load();
    if list_kinds {
        for (api, kind) in schemas.kinds() {
            out!("{api} {kind}");
        }
        return ExitCode::SUCCESS;
    }
    let start = Instant::now();
    match pipeline::build(site, &schemas) {
        Ok(b) => {
            if timings {
                print_timings(&b.timings);
            }
            out!(
                "{} objects valid ({} services) in {} ms",
                b.rendered.objects.len(),
                b.plan.services.len(),
                start.elapsed().as_millis()
            );
            ExitCode::SUCCESS
        }
        Err(e) => report(e, &format!("in `{}`", site.display()), Closing::Count),
    }
}
