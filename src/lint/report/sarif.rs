//! SARIF 2.1.0, the subset GitHub code scanning reads: one run, a descriptor
//! per rule of the run, one result per finding with its location. Our own
//! structs rather than serde-sarif (see ARCHITECTURE.md).

use serde::Serialize;

use super::place;
use crate::diag::{Severity, SourceFile};
use crate::lint::Outcome;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
struct Run<'a> {
    tool: Tool<'a>,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    rules: Vec<Descriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text<'a>,
    full_description: Text<'a>,
    help: Text<'a>,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

/// SARIF's `level`: our severities serialise to two of its values
/// (`warning`, `error`).
#[derive(Serialize)]
struct Configuration {
    level: Severity,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: Severity,
    message: Text<'a>,
    locations: [Location; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
}

/// The descriptors are every rule of the run (`Outcome::rules`), and a
/// result's `ruleIndex` is its rule's `RuleRef::index`, which is that rule's
/// place in the same list.
pub fn sarif(o: &Outcome, src: &SourceFile, rendered_dir: &str) -> String {
    let rules = o
        .rules()
        .into_iter()
        .map(|r| {
            let doc = r.doc();
            Descriptor {
                id: r.id(),
                name: r.name(),
                short_description: Text { text: doc.summary },
                full_description: Text { text: doc.why },
                help: Text { text: doc.fix },
                default_configuration: Configuration {
                    level: r.severity(),
                },
            }
        })
        .collect();
    let results = o
        .findings
        .iter()
        .map(|f| {
            let (uri, start_line, start_column) = place(f, src, rendered_dir);
            SarifResult {
                rule_id: f.rule.id(),
                rule_index: f.rule.index(),
                level: f.rule.severity(),
                message: Text { text: &f.message },
                locations: [Location {
                    physical_location: PhysicalLocation {
                        artifact_location: ArtifactLocation { uri },
                        region: Region {
                            start_line,
                            start_column,
                        },
                    },
                }],
            }
        })
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "hearth",
                    version: env!("CARGO_PKG_VERSION"),
                    rules,
                },
            },
            results,
        }],
    };
    // Strings and integers only: serialising cannot fail.
    serde_json::to_string_pretty(&log).unwrap_or_default() + "\n"
}
