//! Helpers of the backup tests: MINIMAL with a backup fixture, its plan and
//! a workload of it.

use hearth::plan::{Plan, Workload};

use super::MINIMAL;

/// MINIMAL with `tests/fixtures/<fixture>` appended and `more` added to the
/// volumes its Longhorn backup covers (the fixture's dump volumes).
pub fn with_fixture(fixture: &str, more: &[&str]) -> String {
    let extra = std::fs::read_to_string(super::repo().join("tests/fixtures").join(fixture))
        .expect("fixture");
    let mut volumes = vec!["\"app/data\"".to_string()];
    volumes.extend(more.iter().map(|v| format!("\"{v}\"")));
    MINIMAL.replacen(
        "volumes = [\"app/data\"]",
        &format!("volumes = [{}]", volumes.join(", ")),
        1,
    ) + &extra
}

/// MINIMAL with the PostgreSQL and MariaDB servers, their dumps, a restic and
/// an own-job backup (tests/fixtures/backup-kinds.toml).
pub fn kinds() -> String {
    with_fixture("backup-kinds.toml", &["db/pg-dumps", "db/my-dumps"])
}

pub fn plan_of(text: &str) -> Plan {
    let loaded = hearth::site::parse("site.toml", text.as_bytes().to_vec()).expect("parses");
    hearth::plan::plan(&loaded).expect("plans")
}

pub fn workload<'p>(plan: &'p Plan, svc: &str, name: &str) -> &'p Workload {
    plan.service(svc)
        .and_then(|s| s.workloads.iter().find(|w| w.name.as_str() == name))
        .unwrap_or_else(|| panic!("no workload {svc}/{name}"))
}
