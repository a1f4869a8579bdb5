//! `[site] kubernetes` and `[site] timezone`: the version window, a rule that
//! changed between versions checked on both sides of its boundary, and CronJob
//! time zones looked up in the bundled IANA database. Each bad input: exit 2,
//! its code, message, `site.toml:line:column`, a help line, nothing written.

mod common;

use common::{MINIMAL, Scratch, stderr};

/// `site.toml:line:column` of `token` on the first line of `site` containing it.
fn at(site: &str, token: &str) -> String {
    let (l, line) = site
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(token))
        .unwrap_or_else(|| panic!("no line has {token:?}"));
    format!("site.toml:{}:{}", l + 1, line.find(token).unwrap() + 1)
}

/// MINIMAL with `lines` added to `[site]` and `from` replaced by `to`.
fn site_with(lines: &str, from: &str, to: &str) -> String {
    assert!(MINIMAL.contains(from), "MINIMAL lacks {from:?}");
    MINIMAL
        .replacen(
            "default_issuer = \"le\"\n",
            &format!("default_issuer = \"le\"\n{lines}"),
            1,
        )
        .replacen(from, to, 1)
}

/// Render `site`; exit 2 with every `expect` in stderr and nothing written.
fn refused(site: &str, expect: &[&str]) -> String {
    let err = common::refused(site, expect);
    assert!(err.contains("help:"), "{err}");
    err
}

fn renders(site: &str) {
    let s = Scratch::with_site(site);
    let out = s.render();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

const DOTTED_ENV: &str = "env.\"my.setting[0]\" = \"on\"\n";
const PORTS: &str = "ports.http = { port = 8080, service = 80 }\n";

#[test]
fn versions_outside_the_window_are_refused_at_their_line() {
    for (v, why) in [
        (
            "1.29",
            "Kubernetes 1.29 is outside the versions hearth checks against (1.30 to 1.34)",
        ),
        (
            "1.35",
            "Kubernetes 1.35 is outside the versions hearth checks against (1.30 to 1.34)",
        ),
        ("1.33.2", "is not a Kubernetes minor version"),
    ] {
        let site = site_with(&format!("kubernetes = \"{v}\"\n"), "", "");
        let err = refused(
            &site,
            &[
                "hearth::kubernetes",
                why,
                "\"1.30\" to \"1.34\"",
                "unsupported Kubernetes version",
            ],
        );
        assert!(err.contains(&at(&site, &format!("\"{v}\""))), "{err}");
    }
}

#[test]
fn env_names_follow_the_version_on_both_sides_of_1_32() {
    // 1.31: strict names; `[` is refused, at the key in site.toml.
    let old = site_with(
        "kubernetes = \"1.31\"\n",
        PORTS,
        &format!("{PORTS}{DOTTED_ENV}"),
    );
    let err = refused(
        &old,
        &[
            "hearth::apiserver",
            "at `spec.template.spec.containers[0].env[",
            "`my.setting[0]` must be letters, digits, `_`, `-` or `.`",
            "[ValidateEnv (IsEnvVarName, before 1.32)]",
            "set `[site] kubernetes` to \"1.32\" or later",
        ],
    );
    assert!(err.contains(&at(&old, "my.setting[0]")), "{err}");
    // 1.32, 1.34 and the default (1.33): relaxed names, the same site renders.
    for v in ["kubernetes = \"1.32\"\n", "kubernetes = \"1.34\"\n", ""] {
        renders(&site_with(v, PORTS, &format!("{PORTS}{DOTTED_ENV}")));
    }
}

#[test]
fn a_misspelled_time_zone_is_refused_with_the_closest_name() {
    let site = site_with("timezone = \"Europe/Madird\"\n", "", "");
    let err = refused(
        &site,
        &[
            "hearth::timezone",
            "time zone `Europe/Madird` is not a time zone of the IANA database",
            "did you mean `Europe/Madrid`?",
        ],
    );
    assert!(err.contains(&at(&site, "\"Europe/Madird\"")), "{err}");
    // Names are case-sensitive (Go's time.LoadLocation).
    let site = site_with("timezone = \"europe/madrid\"\n", "", "");
    refused(
        &site,
        &[
            "hearth::timezone",
            "case-sensitive",
            "did you mean `Europe/Madrid`?",
        ],
    );
    renders(&site_with("timezone = \"Europe/Madrid\"\n", "", ""));
}

#[test]
fn explain_prints_the_new_codes() {
    for code in ["hearth::kubernetes", "hearth::timezone"] {
        let out = common::hearth().args(["explain", code]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("What it reports:") && text.contains("Fix:"),
            "{text}"
        );
    }
}

/// site.toml as the JSON an editor checks against `schema/site.schema.json`.
fn as_json(site: &str) -> serde_json::Value {
    toml::from_str(site).expect("TOML")
}

#[test]
fn the_editor_schema_carries_the_names_lengths_and_patterns_hearth_enforces() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(common::repo().join("schema/site.schema.json")).unwrap(),
    )
    .unwrap();
    let v = jsonschema::validator_for(&schema).expect("the schema compiles");
    let reference = std::fs::read_to_string(common::repo().join("site.toml")).unwrap();
    let errors: Vec<String> = v
        .iter_errors(&as_json(&reference))
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(v.is_valid(&as_json(MINIMAL)));
    let long = "a".repeat(54);
    for (from, to) in [
        ("[services.app]", format!("[services.{long}]")),
        (PORTS, "ports.8081 = { port = 8081 }\n".to_string()),
        (PORTS, "ports.a--b = { port = 8081 }\n".to_string()),
        (
            PORTS,
            "ports.abcdefghijklmnop = { port = 8081 }\n".to_string(),
        ),
        (PORTS, format!("{PORTS}env.\"A=B\" = \"x\"\n")),
        (
            "default_issuer = \"le\"\n",
            "default_issuer = \"le\"\nkubernetes = \"1.29\"\n".to_string(),
        ),
        (
            "key = \"PASSWORD\"",
            format!("key = \"{}\"", "K".repeat(254)),
        ),
    ] {
        assert!(MINIMAL.contains(from), "{from}");
        let site = MINIMAL.replacen(from, &to, 1);
        assert!(!v.is_valid(&as_json(&site)), "the schema accepts {to:?}");
    }
    let ok = MINIMAL.replacen(PORTS, "ports.web-ui2 = { port = 8080, service = 80 }\n", 1);
    assert!(v.is_valid(&as_json(&ok)));
}

/// The built-in Service template with `trafficDistribution` added, as a
/// site-local override (site.toml has no such setting).
const SERVICE_WITH_TD: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ workload.service.name|tojson }}\n  namespace: {{ service.namespace|tojson }}\n  labels: {{ workload.labels|tojson }}\nspec:\n  type: ClusterIP\n  trafficDistribution: PreferSameNode\n  selector: {{ workload.selector|tojson }}\n  ports: {{ workload.service.ports|tojson }}\n";

fn render_with_template(site: &str) -> std::process::Output {
    let s = Scratch::with_site(site);
    s.write("templates/k8s/service.yaml", SERVICE_WITH_TD);
    s.render()
}

#[test]
fn traffic_distribution_values_follow_the_version_on_both_sides_of_1_34() {
    let old = site_with("kubernetes = \"1.33\"\n", "", "");
    let out = render_with_template(&old);
    common::refused_with(
        &out,
        &[
            "hearth::apiserver",
            "at `spec.trafficDistribution`: `PreferSameNode` is not a traffic distribution Kubernetes 1.33 takes (PreferClose)",
            "[validateServiceTrafficDistribution (NotSupported)]",
            "site-local template `templates/k8s/service.yaml`",
            "PreferSameZone and PreferSameNode need 1.34",
        ],
    );
    let new = site_with("kubernetes = \"1.34\"\n", "", "");
    let out = render_with_template(&new);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}
