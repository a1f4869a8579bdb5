//! `hearth charts pull` and `hearth charts verify`: the chart cache next to
//! the site (`charts/`, with `charts/charts.lock`).

use std::path::Path;
use std::process::ExitCode;

use hearth::charts::cache::{self, Lock, Locked};
use hearth::charts::engine;
use hearth::diag::{Code, Errors, InputError};
use hearth::pipeline;

use super::{Closing, SiteArg, report};

#[derive(clap::Subcommand)]
pub enum Action {
    /// Fetch every chart the site deploys at its pinned version with `helm pull`
    /// (Helm from HEARTH_HELM or PATH) into `charts/`, and record each archive's
    /// SHA-256 in `charts/charts.lock`. The only command that needs the network.
    Pull {
        #[command(flatten)]
        site: SiteArg,
        /// Pull the charts the site pins at this Git ref (branch, tag, commit)
        /// into the same cache, beside the ones already there: what `hearth
        /// diff --charts --base <REF>` needs for the base side.
        #[arg(long = "ref", value_name = "REF")]
        git_ref: Option<String>,
    },
    /// Check that every chart the site deploys is in `charts/` with the SHA-256
    /// `charts/charts.lock` records (exit 2 otherwise).
    Verify {
        #[command(flatten)]
        site: SiteArg,
    },
}

pub fn run(action: Action) -> ExitCode {
    match action {
        Action::Pull { site, git_ref } => pull(&site.site, git_ref.as_deref()),
        Action::Verify { site } => verify(&site.site),
    }
}

fn load(site: &Path) -> Result<hearth::site::Loaded, ExitCode> {
    hearth::site::load(site).map_err(|e| {
        report(
            Errors(vec![e]),
            &format!("in `{}`", site.display()),
            Closing::Count,
        )
    })
}

fn verify(site: &Path) -> ExitCode {
    let loaded = match load(site) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let dir = pipeline::site_dir(site).join(cache::FOLDER);
    match cache::verify(&loaded, &dir) {
        Ok(paths) => {
            out!(
                "{} charts match `{}`",
                paths.len(),
                dir.join(cache::LOCK).display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => report(e, &format!("in `{}`", dir.display()), Closing::Count),
    }
}

/// The site at `rev`, read from Git (what its `[services.x.helm]` pin there).
fn load_at(site: &Path, rev: &str) -> Result<hearth::site::Loaded, ExitCode> {
    let at = || -> Result<hearth::site::Loaded, InputError> {
        let repo = hearth::git::open(site)?;
        let rel = hearth::git::repo_relative(&repo, site)?;
        match hearth::git::site_at(&repo, rev, &rel)? {
            Some(folder) => Ok(folder.loaded),
            None => Err(
                InputError::new(Code::Git, format!("`{rel}` does not exist at `{rev}`"))
                    .help("pass the site's path inside the repository with --site"),
            ),
        }
    };
    at().map_err(|e| report(Errors(vec![e]), &format!("at `{rev}`"), Closing::Count))
}

/// The pinned archive is in the cache, from the same repository, with the
/// digest the lock records.
fn up_to_date(lock: &Lock, dir: &Path, pin: &cache::Pin) -> bool {
    let cached = cache::locate(dir, &pin.chart, &pin.version);
    lock.find(&pin.chart, &pin.version).is_some_and(|l| {
        l.repo == pin.repo
            && cached
                .as_deref()
                .and_then(|p| cache::digest(p).ok())
                .is_some_and(|d| d == l.sha256)
    })
}

/// `helm pull` of one pinned chart into the cache, and the archive's digest.
fn pull_one(helm: &Path, pin: &cache::Pin, dir: &Path) -> Result<String, String> {
    engine::pull(helm, &pin.chart, &pin.repo, &pin.version, dir).and_then(|()| {
        let path = cache::locate(dir, &pin.chart, &pin.version)
            .ok_or_else(|| format!("`helm pull` wrote no `{}-{}.tgz`", pin.chart, pin.version))?;
        cache::digest(&path).map_err(|e| e.to_string())
    })
}

fn pull(site: &Path, git_ref: Option<&str>) -> ExitCode {
    let loaded = match git_ref.map_or_else(|| load(site), |r| load_at(site, r)) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let Some(helm) = engine::helm_binary() else {
        let e = InputError::new(
            Code::ChartCache,
            "`hearth charts pull` needs a `helm` binary: none in HEARTH_HELM or on PATH",
        )
        .help("install Helm 3.8 or later (https://helm.sh/docs/intro/install/) or set HEARTH_HELM=/path/to/helm; Helm's engine from PyPI (helm-python-sdk) renders charts but does not pull them");
        return report(Errors(vec![e]), "", Closing::Count);
    };
    let dir = pipeline::site_dir(site).join(cache::FOLDER);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        let e = InputError::new(
            Code::ChartCache,
            format!("cannot create `{}`: {e}", dir.display()),
        );
        return report(Errors(vec![e]), "", Closing::Count);
    }
    let mut lock = match Lock::read(&dir) {
        Ok(l) => l,
        Err(e) => return report(Errors(vec![e]), "", Closing::Count),
    };
    let mut errs = Errors::default();
    for pin in cache::pins(&loaded) {
        let current = up_to_date(&lock, &dir, &pin);
        if current {
            out!("{} {}: up to date", pin.chart, pin.version);
            continue;
        }
        let pulled = pull_one(&helm, &pin, &dir);
        match pulled {
            Ok(sha256) => {
                out!("{} {}: pulled, sha256 {sha256}", pin.chart, pin.version);
                lock.set(Locked {
                    chart: pin.chart.clone(),
                    version: pin.version.clone(),
                    repo: pin.repo.clone(),
                    sha256,
                });
            }
            Err(why) => {
                let what = format!(
                    "`helm pull {}` {} from `{}` failed: {why}",
                    pin.chart, pin.version, pin.repo
                );
                let help = "check the repository URL, chart name and version (and the network)";
                errs.push(pin.error(&loaded, what, help));
            }
        }
    }
    if let Err(e) = lock.write(&dir) {
        errs.push(InputError::new(
            Code::ChartCache,
            format!("cannot write the lock in `{}`: {e}", dir.display()),
        ));
    }
    if errs.is_empty() {
        ExitCode::SUCCESS
    } else {
        report(errs, &format!("in `{}`", site.display()), Closing::Count)
    }
}
