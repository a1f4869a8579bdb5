//! Monitoring as code: the reference site's dashboards carry the seed's
//! queries verbatim, promtool checks and unit-tests the alert rules, Promtail
//! and Alloy come from one pipeline (compared stage by stage), what Grafana's
//! chart receives is what rendered/monitoring holds, and each cross-check
//! reports with its location and exit code.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{MINIMAL, MONITORING, Scratch, hearth, stderr};
use serde_json::Value;

fn monitoring() -> PathBuf {
    common::repo().join("rendered/monitoring")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(monitoring().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn yaml(rel: &str) -> Value {
    serde_saphyr::from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

const SEED_IP_QUERY: &str = "sum by(client_ip) (increase(promtail_custom_http_requests_total_ip{}[1h]) > 0 or last_over_time(promtail_custom_http_requests_total_ip{}[5m])) > 0";
const SEED_WAF_QUERY: &str = r#"{namespace="ingress-nginx"} |= `ModSecurity:` | pattern `<date> <time> [<level>] <_> <_> ModSecurity: <modsec_action> [file "/etc/nginx/owasp-modsecurity-crs/rules/<rule_set>.conf<_> [id "<rule_id>"] [msg "<msg>"<_>[ver "<owasp_version>"]<_>, client: <client>, server: <server>, request: "<request_method> <ressource> <http_version>"<_>` | __error__=``"#;

fn dashboards() -> Vec<(String, Value)> {
    let dir = monitoring().join("grafana/dashboards");
    let mut out: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let v: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap())
                .unwrap_or_else(|e| panic!("{} is not JSON: {e}", p.display()));
            (p.file_name().unwrap().to_string_lossy().to_string(), v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn exprs(d: &Value) -> Vec<String> {
    d["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["targets"].as_array().unwrap().iter())
        .map(|t| t["expr"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn dashboards_are_valid_and_carry_the_seed_ip_query_verbatim() {
    let boards = dashboards();
    let names: Vec<&str> = boards.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "hearth-backups.json",
            "hearth-certificates.json",
            "hearth-cluster.json",
            "hearth-nodes.json",
            "hearth-services.json",
            "hearth-storage.json",
            "hearth-traffic.json",
            "hearth-waf.json"
        ]
    );
    let mut all = Vec::new();
    for (name, d) in &boards {
        assert_eq!(d["schemaVersion"], 39, "{name}");
        assert_eq!(format!("{}.json", d["uid"].as_str().unwrap()), *name);
        let panels = d["panels"].as_array().unwrap();
        assert!(!panels.is_empty(), "{name} has no panels");
        let mut ids: Vec<u64> = panels.iter().map(|p| p["id"].as_u64().unwrap()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), panels.len(), "{name}: panel ids repeat");
        for p in panels {
            for t in p["targets"].as_array().unwrap() {
                let uid = t["datasource"]["uid"].as_str().unwrap();
                assert!(["prometheus", "loki"].contains(&uid), "{name}: {uid}");
            }
        }
        all.extend(exprs(d));
    }
    assert!(all.iter().any(|q| q == SEED_IP_QUERY), "{all:#?}");
    // The seed's WAF `pattern` misreads ModSecurity v3 lines (see
    // `the_waf_table_reads_real_modsecurity_v3_lines`): a `regexp` replaces it.
    assert!(!all.iter().any(|q| q == SEED_WAF_QUERY), "{all:#?}");
    assert!(
        all.iter()
            .any(|q| q.starts_with("{namespace=\"ingress-nginx\"} |= `ModSecurity:` | regexp `")),
        "{all:#?}"
    );
    let traffic = &boards
        .iter()
        .find(|(n, _)| n == "hearth-traffic.json")
        .unwrap()
        .1;
    let geomap = traffic["panels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["type"] == "geomap")
        .expect("a geomap panel");
    assert_eq!(
        geomap["options"]["layers"][0]["location"]["latitude"],
        "geoip_location_latitude"
    );
}

fn promtool() -> Option<PathBuf> {
    common::tool("promtool", &[])
}

#[test]
#[cfg_attr(no_promtool, ignore = "no promtool: run scripts/test (CI=true fails)")]
fn promtool_checks_and_tests_the_alert_rules() {
    let Some(promtool) = promtool() else { return };
    common::succeeds(Command::new(&promtool).current_dir(monitoring()).args([
        "check",
        "rules",
        "alerts.rules.yaml",
    ]));
    common::succeeds(Command::new(&promtool).current_dir(monitoring()).args([
        "test",
        "rules",
        "alerts.test.yaml",
    ]));
    // Every built-in alert has a case that fires and one that stays quiet.
    let rules = yaml("alerts.rules.yaml");
    let tests = yaml("alerts.test.yaml");
    for g in rules["groups"].as_array().unwrap() {
        for r in g["rules"].as_array().unwrap() {
            let name = r["alert"].as_str().unwrap();
            for kind in ["fires", "stays quiet"] {
                assert!(
                    tests["tests"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|t| t["name"] == format!("{name} {kind}")),
                    "{name}: no test that {kind}"
                );
            }
        }
    }
    // Negative control: a test expecting the wrong labels fails.
    let s = Scratch::new();
    std::fs::copy(
        monitoring().join("alerts.rules.yaml"),
        s.path().join("alerts.rules.yaml"),
    )
    .unwrap();
    s.write(
        "alerts.test.yaml",
        read("alerts.test.yaml").replacen("203.0.113.7", "192.0.2.1", 1),
    );
    let out = Command::new(&promtool)
        .current_dir(s.path())
        .args(["test", "rules", "alerts.test.yaml"])
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "promtool accepted a wrong expectation"
    );
    // Negative control of the first-burst cases: with plain `increase()`,
    // the rules miss a series that appears holding its count, and exactly
    // those cases fail.
    let rules = read("alerts.rules.yaml");
    let plain = plain_increase(&rules);
    assert_ne!(plain, rules);
    s.write("alerts.rules.yaml", &plain);
    s.write("alerts.test.yaml", read("alerts.test.yaml"));
    let out = Command::new(&promtool)
        .current_dir(s.path())
        .args(["test", "rules", "alerts.test.yaml"])
        .output()
        .unwrap();
    // promtool reports failed cases on stderr.
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success(), "{report}");
    let mut failed: Vec<&str> = report
        .lines()
        .filter_map(|l| l.trim().strip_prefix("name: "))
        .map(|n| n.trim_end_matches(','))
        .collect();
    failed.sort();
    assert_eq!(
        failed,
        [
            "BruteForce fires (2)",
            "ClientIpRequests fires (2)",
            "WafBlocks fires (2)"
        ],
        "{report}"
    );
}

/// `(m unless m offset w) or increase(m[w])` → `increase(m[w])`.
fn plain_increase(rules: &str) -> String {
    let mut out = String::new();
    let mut rest = rules;
    while let Some(i) = rest.find("((") {
        let Some(j) = rest[i..].find(" or increase(") else {
            break;
        };
        let k = i + j + " or ".len();
        let end = k + rest[k..].find("])").expect("increase closes") + "])".len();
        out.push_str(&rest[..i]);
        out.push('(');
        out.push_str(&rest[k..end]);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[test]
#[cfg_attr(no_promtool, ignore = "no promtool: run scripts/test (CI=true fails)")]
fn waf_blocks_reads_the_waf_counter_when_the_exporter_counts() {
    let Some(promtool) = promtool() else { return };
    let example = std::fs::read_to_string(common::repo().join("examples/exporter.toml")).unwrap();
    let dir = Scratch::with_site(site(&format!(
        "{PIPELINE}count_with = \"exporter\"\n{example}"
    )));
    let out = dir.here(&["render"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mon = dir.path().join("rendered/monitoring");
    let rules: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(mon.join("alerts.rules.yaml")).unwrap())
            .unwrap();
    let waf = rules["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_array().unwrap())
        .find(|r| r["alert"] == "WafBlocks")
        .expect("a WafBlocks rule");
    let expr = waf["expr"].as_str().unwrap();
    assert!(expr.contains("waf_blocked_total"), "{expr}");
    assert!(!expr.contains("403"), "{expr}");
    // The counter it reads is the one the exporter is configured with.
    let exporter = std::fs::read_to_string(mon.join("exporter.yaml")).unwrap();
    let cfg: Value = serde_saphyr::from_str(&exporter).unwrap();
    let name = format!(
        "{}{}",
        cfg["prefix"].as_str().unwrap(),
        cfg["waf"]["name"].as_str().unwrap()
    );
    assert!(
        expr.contains(&format!("({name} unless {name} offset ")),
        "{expr}"
    );
    // promtool runs its cases: 403s alone (path denies, `/metrics`) stay quiet.
    let tests = std::fs::read_to_string(mon.join("alerts.test.yaml")).unwrap();
    assert!(tests.contains("WafBlocks stays quiet"), "{tests}");
    for args in [
        ["check", "rules", "alerts.rules.yaml"],
        ["test", "rules", "alerts.test.yaml"],
    ] {
        common::succeeds(Command::new(&promtool).current_dir(&mon).args(args));
    }
}

/// Stage names in Promtail's spelling, mapped to Alloy's, with the counter
/// names and JSON expressions that must agree.
fn promtail_stages(job: &Value) -> Vec<String> {
    job["pipeline_stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|st| {
            let (k, v) = st.as_object().unwrap().iter().next().unwrap();
            let name = match k.as_str() {
                "labelallow" => "label_keep",
                "labeldrop" => "label_drop",
                other => other,
            };
            let detail = match name {
                "metrics" => v.as_object().unwrap().keys().next().unwrap().clone(),
                "json" => {
                    let e = v["expressions"].as_object().unwrap();
                    e.iter()
                        .map(|(a, b)| format!("{a}={}", b.as_str().unwrap()))
                        .collect::<Vec<_>>()
                        .join(",")
                }
                "label_keep" | "label_drop" => v
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join(","),
                "labels" => v
                    .as_object()
                    .unwrap()
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(","),
                _ => String::new(),
            };
            format!("{name}:{detail}")
        })
        .collect()
}

/// The `stage.*` blocks of one `loki.process` block of config.alloy, read
/// with a small scanner (quoted strings, nested braces).
fn alloy_stages(text: &str, process: &str) -> Vec<String> {
    let start = text
        .find(&format!("loki.process \"{process}\" {{"))
        .unwrap_or_else(|| panic!("no loki.process {process}"));
    let body = &text[start..];
    let mut out = Vec::new();
    let mut depth = 0;
    let lines: Vec<&str> = body.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim();
        if depth == 1 && line.starts_with("stage.") {
            let name = line
                .split([' ', '{'])
                .next()
                .unwrap()
                .trim_start_matches("stage.");
            // Collect the block's text.
            let mut block = String::new();
            let mut d = 0;
            loop {
                let l = lines[i];
                d += l.matches('{').count() as i32 - l.matches('}').count() as i32;
                block.push_str(l.trim());
                block.push('\n');
                if d == 0 {
                    break;
                }
                i += 1;
            }
            let quoted = |key: &str| -> Vec<String> {
                block
                    .lines()
                    .filter_map(|l| l.strip_prefix(key))
                    .map(|v| {
                        v.trim()
                            .trim_start_matches('=')
                            .trim()
                            .trim_end_matches(',')
                            .trim_matches('"')
                            .to_string()
                    })
                    .collect()
            };
            let detail = match name {
                "metrics" => quoted("name").join(","),
                "json" => block
                    .lines()
                    .filter(|l| l.contains(" = \"") && !l.starts_with("expressions"))
                    .map(|l| {
                        let (k, v) = l.split_once(" = ").unwrap();
                        format!("{}={}", k.trim(), v.trim_end_matches(',').trim_matches('"'))
                    })
                    .collect::<Vec<_>>()
                    .join(","),
                "label_keep" | "label_drop" => {
                    let v = quoted("values").join("");
                    v.trim_matches(['[', ']'])
                        .split(',')
                        .map(|x| x.trim().trim_matches('"').to_string())
                        .filter(|x| !x.is_empty())
                        .collect::<Vec<_>>()
                        .join(",")
                }
                "labels" => block
                    .lines()
                    .filter(|l| l.ends_with("= \"\","))
                    .map(|l| l.split(' ').next().unwrap().to_string())
                    .collect::<Vec<_>>()
                    .join(","),
                _ => String::new(),
            };
            out.push(format!("{name}:{detail}"));
        } else {
            depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
            if depth == 0 && i > 0 {
                break;
            }
        }
        i += 1;
    }
    out
}

#[test]
fn promtail_and_alloy_come_from_one_pipeline_stage_by_stage() {
    let promtail = yaml("promtail.yaml");
    let alloy = read("config.alloy");
    assert_eq!(
        alloy.matches('{').count(),
        alloy.matches('}').count(),
        "unbalanced config.alloy"
    );
    let jobs = promtail["scrape_configs"].as_array().unwrap();
    let by_name = |n: &str| jobs.iter().find(|j| j["job_name"] == n).unwrap();
    for (job, process) in [
        ("ingress-nginx-metrics", "ingress_metrics"),
        ("pod-logs", "pod_logs"),
    ] {
        let p = promtail_stages(by_name(job));
        let a = alloy_stages(&alloy, process);
        assert!(p.len() >= 2, "{job}: {p:?}");
        assert_eq!(p, a, "{job}: Promtail and Alloy differ");
    }
    let metrics = promtail_stages(by_name("ingress-nginx-metrics"));
    let counters: Vec<&String> = metrics
        .iter()
        .filter(|s| s.starts_with("metrics:"))
        .collect();
    assert_eq!(
        counters,
        [
            "metrics:http_requests_total_ip",
            "metrics:http_requests_total_ip_namespace",
            "metrics:http_requests_total_ip_status",
            "metrics:http_requests_total_ip_namespace_status"
        ]
    );
    // The Alloy counters keep Promtail's prefix, so the seed's queries work.
    assert_eq!(
        alloy
            .matches("prefix            = \"promtail_custom_\"")
            .count(),
        4
    );
    // And the exporter's config names the same counters.
    let exporter = yaml("exporter.yaml");
    let names: Vec<&str> = exporter["counters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        counters
            .iter()
            .map(|c| c.trim_start_matches("metrics:"))
            .collect::<Vec<_>>()
    );
}

fn rendered_yaml(rel: &str) -> Value {
    let text = std::fs::read_to_string(common::repo().join("rendered").join(rel)).unwrap();
    serde_saphyr::from_str(&text).unwrap()
}

#[test]
fn grafana_and_promtail_receive_exactly_the_rendered_files() {
    let app = rendered_yaml("argocd/grafana.application.yaml");
    // What the chart's `tpl` prints: hearth escapes `{{` in those values
    // (tests/charts.rs checks this with Helm's engine).
    let text = serde_json::to_string(&app["spec"]["sources"][0]["helm"]["valuesObject"]).unwrap();
    let values: &Value = &serde_json::from_str(&hearth::plan::helm::unescape_tpl(&text)).unwrap();
    for ((section, key), file) in [
        (
            ("datasources", "datasources.yaml"),
            "grafana/datasources.yaml",
        ),
        (("alerting", "rules.yaml"), "grafana/alerting/rules.yaml"),
        (
            ("alerting", "contactpoints.yaml"),
            "grafana/alerting/contact-points.yaml",
        ),
        (
            ("alerting", "policies.yaml"),
            "grafana/alerting/policies.yaml",
        ),
    ] {
        assert_eq!(values[section][key], yaml(file), "{section}.{key}");
    }
    for (name, d) in dashboards() {
        let uid = name.trim_end_matches(".json");
        let inline: Value = serde_json::from_str(
            values["dashboards"]["hearth"][uid]["json"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(inline, d, "{name}");
    }
    // The bot token comes from the sealed secret, never from Git.
    assert_eq!(
        values["envValueFrom"]["TELEGRAM_BOT_TOKEN_TELEGRAM"]["secretKeyRef"]["name"],
        "grafana-secret"
    );
    let cp = yaml("grafana/alerting/contact-points.yaml");
    assert_eq!(
        cp["contactPoints"][0]["receivers"][0]["settings"]["bottoken"],
        "${TELEGRAM_BOT_TOKEN_TELEGRAM}"
    );
    let cm = rendered_yaml("apps/promtail/promtail-config.configmap.yaml");
    assert_eq!(
        cm["data"]["promtail.yaml"].as_str().unwrap(),
        read("promtail.yaml")
    );
    // Every backup is watched, and coverage.json says by what.
    let coverage: Value = serde_json::from_str(
        &std::fs::read_to_string(common::repo().join("rendered/dr/coverage.json")).unwrap(),
    )
    .unwrap();
    for v in coverage["volumes"].as_array().unwrap() {
        for b in v["backups"].as_array().unwrap() {
            assert!(
                !b["alerts"].as_array().unwrap().is_empty(),
                "backup {} of {} is unwatched",
                b["name"],
                v["volume"]
            );
        }
    }
}

/// MINIMAL plus monitoring, plus `extra`.
fn site(extra: &str) -> String {
    format!("{MINIMAL}{MONITORING}{extra}")
}

/// Exit code, stdout and stderr of `hearth <args>` on `site`.
fn run(site: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let s = Scratch::with_site(site);
    let out = hearth().current_dir(s.path()).args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        stderr(&out),
    )
}

fn lint_findings(site: &str) -> (Option<i32>, Vec<Value>) {
    let (code, out, err) = run(site, &["lint", "--format", "json"]);
    assert_ne!(code, Some(2), "bad input: {err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    (code, v["findings"].as_array().unwrap().clone())
}

const PIPELINE: &str = "[monitoring.logs]\ngeoip = \"/etc/maxmind/GeoLite2-City.mmdb\"\n";

#[test]
fn a_misspelt_metric_is_found_where_it_is_written() {
    let s = site(&format!(
        "{PIPELINE}[alerts.BusyClient]\nexpr = \"sum by (client_ip) (rate(promtail_custom_http_request_total_ip[5m])) > 5\"\nsummary = \"busy\"\n"
    ));
    let (code, findings) = lint_findings(&s);
    assert_eq!(code, Some(1));
    let f = findings
        .iter()
        .find(|f| f["rule"] == "HL301")
        .unwrap_or_else(|| panic!("{findings:?}"));
    assert_eq!(
        f["line"],
        common::line_of(&s, "promtail_custom_http_request_total_ip")
    );
    let msg = f["message"].as_str().unwrap();
    assert!(
        msg.contains("did you mean `promtail_custom_http_requests_total_ip`"),
        "{msg}"
    );
    // Spelt right, or declared by the workload that serves it: clean.
    let fixed = s.replace("http_request_total_ip", "http_requests_total_ip");
    assert!(!lint_findings(&fixed).1.iter().any(|f| f["rule"] == "HL301"));
    let custom = site(
        "[alerts.AppSlow]\nexpr = \"histogram_quantile(0.9, rate(app_request_seconds_bucket[5m])) > 1\"\nsummary = \"slow\"\n",
    );
    assert!(
        lint_findings(&custom)
            .1
            .iter()
            .any(|f| f["rule"] == "HL301")
    );
    let declared = custom.replace(
        "probes.readiness",
        "metrics = { port = \"http\", produces = [\"app_*\"] }\nprobes.readiness",
    );
    let declared = declared.replace(
        "env.PASSWORD",
        "metrics = { port = \"http\", produces = [\"app_*\"] }\nenv.PASSWORD",
    );
    let (_, f) = lint_findings(&declared);
    assert!(!f.iter().any(|f| f["rule"] == "HL301"), "{f:?}");
}

#[test]
fn bad_promql_and_logql_are_bad_input_with_their_location() {
    for (extra, needle, what) in [
        (
            "[alerts.Broken]\nexpr = \"sum(rate(up[5m])\"\nsummary = \"x\"\n",
            "sum(rate(up[5m])",
            "PromQL",
        ),
        (
            "[dashboards.mine]\ntitle = \"Mine\"\npanels = [\n  { title = \"WAF\", datasource = \"loki\", query = \"{namespace=ingress-nginx} |= `x`\" },\n]\n[monitoring.datasources.loki]\nkind = \"loki\"\nurl = \"http://loki.loki.svc:3100\"\n",
            "query = ",
            "LogQL",
        ),
    ] {
        let s = site(extra);
        let (code, _, err) = run(&s, &["render"]);
        assert_eq!(code, Some(2), "{err}");
        assert!(err.contains(what), "{err}");
        assert!(
            err.contains(&format!("site.toml:{}:", common::line_of(&s, needle))),
            "expected line {} in {err}",
            common::line_of(&s, needle)
        );
    }
}

#[test]
fn a_missing_contact_point_or_datasource_is_bad_input() {
    let s = site("").replace("notify = \"ops\"", "notify = \"opz\"");
    let (code, _, err) = run(&s, &["render"]);
    assert_eq!(code, Some(2));
    common::contains_all(
        "stderr",
        &err,
        ["contact point `opz` is not declared", "did you mean `ops`?"],
    );
    assert!(err.contains(&format!(
        "site.toml:{}:",
        common::line_of(&s, "notify = \"opz\"")
    )));

    let s = site(
        "[dashboards.mine]\ntitle = \"Mine\"\npanels = [{ title = \"Up\", datasource = \"prometheu\", query = \"up\" }]\n",
    );
    let (code, _, err) = run(&s, &["render"]);
    assert_eq!(code, Some(2));
    common::contains_all(
        "stderr",
        &err,
        [
            "datasource `prometheu` is not declared",
            "did you mean `prometheus`?",
        ],
    );
    assert!(err.contains(&format!(
        "site.toml:{}:",
        common::line_of(&s, "prometheu\",")
    )));

    let s = site("").replace("key = \"TELEGRAM\" }", "key = \"TELEGRAM_TOKEN\" }");
    let (code, _, err) = run(&s, &["render"]);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("not a key of a secret of the Grafana service"),
        "{err}"
    );
}

#[test]
fn a_datasource_pointing_nowhere_is_a_finding() {
    let s = site("").replace(
        "http://prometheus-server.prometheus.svc",
        "http://prometheus-server.monitoring.svc",
    );
    let (code, findings) = lint_findings(&s);
    assert_eq!(code, Some(1));
    let f = findings
        .iter()
        .find(|f| f["rule"] == "HL303")
        .expect("HL303");
    assert_eq!(
        f["line"],
        common::line_of(&s, "[monitoring.datasources.prometheus]")
    );
    assert!(
        !lint_findings(&site(""))
            .1
            .iter()
            .any(|f| f["rule"] == "HL303")
    );
}

#[test]
fn a_counter_with_too_many_series_is_a_warning() {
    let s = site(&format!(
        "{PIPELINE}fields = {{ client_ip = \"remote_address\", path = \"path\" }}\ncounters = [{{ name = \"http_requests_total_ip_path\", labels = [\"client_ip\", \"path\"] }}]\n[monitoring.alerts]\nclient_ip_requests = {{ enabled = false }}\nwaf_blocks = {{ enabled = false }}\n"
    ));
    let (code, findings) = lint_findings(&s);
    let f = findings
        .iter()
        .find(|f| f["rule"] == "HL302")
        .expect("HL302");
    assert_eq!(f["severity"], "warning");
    assert_eq!(code, Some(0));
    assert!(f["message"].as_str().unwrap().contains("500000"), "{f}");
    // The seed's counters stay under the limit.
    let (_, findings) = lint_findings(&site(PIPELINE));
    assert!(
        !findings.iter().any(|f| f["rule"] == "HL302"),
        "{findings:?}"
    );
}

#[test]
fn every_backup_is_watched_or_reported() {
    let (_, findings) = lint_findings(MINIMAL);
    let f = findings
        .iter()
        .find(|f| f["rule"] == "HL005")
        .expect("HL005");
    assert_eq!(f["line"], common::line_of(MINIMAL, "[backups.daily]"));
    let (_, findings) = lint_findings(&site(""));
    assert!(!findings.iter().any(|f| f["rule"] == "HL005"));
    let off = site("[monitoring.alerts]\nbackups = { enabled = false }\n");
    let (_, findings) = lint_findings(&off);
    assert!(findings.iter().any(|f| f["rule"] == "HL005"));
}

#[test]
fn a_built_in_alert_without_its_counter_is_bad_input() {
    let s = site(&format!(
        "{PIPELINE}counters = [{{ name = \"by_ip\", labels = [\"client_ip\"] }}]\n"
    ));
    let (code, _, err) = run(&s, &["render"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("waf_blocks"), "{err}");
    let ok = s + "[monitoring.alerts]\nwaf_blocks = { enabled = false }\n";
    let (code, _, err) = run(&ok, &["render"]);
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn a_config_map_carries_only_generated_files_that_exist() {
    let cm = "[services.app.config_maps.agent]\ngenerated = [\"promtail.yml\"]\n";
    let s = site(&format!("{PIPELINE}{cm}"));
    let (code, _, err) = run(&s, &["render"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("did you mean `promtail.yaml`?"), "{err}");
    let s = site(&format!(
        "{PIPELINE}{}",
        cm.replace("promtail.yml", "config.alloy")
    ));
    let (code, _, err) = run(&s, &["render"]);
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn the_exporter_example_renders_a_locked_down_daemonset() {
    let example = std::fs::read_to_string(common::repo().join("examples/exporter.toml")).unwrap();
    let s = site(&format!("{PIPELINE}count_with = \"exporter\"\n{example}"));
    let dir = Scratch::with_site(&s);
    let out = dir.here(&["render"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let read = |rel: &str| -> Value {
        serde_saphyr::from_str(
            &std::fs::read_to_string(dir.path().join("rendered").join(rel)).unwrap(),
        )
        .unwrap()
    };
    let ds = read("apps/hearth-exporter/hearth-exporter.daemonset.yaml");
    let pod = &ds["spec"]["template"];
    assert_eq!(
        pod["metadata"]["annotations"]["prometheus.io/scrape"],
        "true"
    );
    let c = &pod["spec"]["containers"][0];
    assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(c["securityContext"]["capabilities"]["drop"][0], "ALL");
    let logs = c["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["mountPath"] == "/var/log/pods")
        .unwrap();
    assert_eq!(logs["readOnly"], true);
    let cm = read("apps/hearth-exporter/hearth-exporter-config.configmap.yaml");
    let generated = dir.read("rendered/monitoring/exporter.yaml");
    assert_eq!(cm["data"]["exporter.yaml"].as_str().unwrap(), generated);
    // The agent no longer counts: its configs only ship logs.
    let promtail = dir.read("rendered/monitoring/promtail.yaml");
    assert!(!promtail.contains("ingress-nginx-metrics"), "{promtail}");
    let alloy = dir.read("rendered/monitoring/config.alloy");
    assert!(!alloy.contains("ingress_metrics"));
    // And the site stays clean of security findings.
    let (_, findings) = lint_findings(&s);
    let ours: Vec<&Value> = findings
        .iter()
        .filter(|f| f["message"].as_str().unwrap().contains("hearth-exporter"))
        .collect();
    assert!(ours.is_empty(), "{ours:?}");
}

/// Real ModSecurity v3 lines: Debian's nginx 1.22.1 with
/// libnginx-mod-http-modsecurity 1.0.3 (libmodsecurity 3.0.9) and
/// modsecurity-crs 3.3.4, the rendered snippet's anomaly thresholds, four
/// requests (SQL injection, XSS with bytes that are not UTF-8 in the path,
/// XSS, path traversal): every `ModSecurity:` line of its error log, verbatim.
const MODSECURITY_V3: &str = "tests/fixtures/modsecurity-v3-error.log";

/// Lines as Loki's Go regexp reads them: bytes that are not UTF-8 are U+FFFD.
fn modsecurity_lines() -> Vec<String> {
    let raw = std::fs::read(common::repo().join(MODSECURITY_V3)).unwrap();
    raw.split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect()
}

/// Loki's `pattern` semantics: literals and captures alternate; a capture
/// takes everything up to the next occurrence of the literal after it (the
/// last one, the rest of the line); the line must start with the first
/// literal; a literal not found means no match. `<_>` captures nothing.
fn loki_pattern(pattern: &str, line: &str) -> Option<Vec<(String, String)>> {
    let mut parts = Vec::new(); // (literal before, capture name)
    let mut rest = pattern;
    let mut literal = String::new();
    while let Some(i) = rest.find('<') {
        let close = rest[i..].find('>').map(|j| i + j)?;
        let name = &rest[i + 1..close];
        if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !name.is_empty() {
            literal.push_str(&rest[..i]);
            parts.push((std::mem::take(&mut literal), name.to_string()));
        } else {
            literal.push_str(&rest[..=i]);
            rest = &rest[i + 1..];
            continue;
        }
        rest = &rest[close + 1..];
    }
    let tail = format!("{literal}{rest}");
    let mut out = Vec::new();
    let mut at = 0;
    for (k, (lit, _)) in parts.iter().enumerate() {
        if k == 0 {
            if !line.starts_with(lit.as_str()) {
                return None;
            }
            at = lit.len();
        }
        let next = parts.get(k + 1).map_or(tail.as_str(), |p| p.0.as_str());
        let end = if next.is_empty() {
            line.len()
        } else {
            at + line[at..].find(next)?
        };
        out.push((parts[k].1.clone(), line[at..end].to_string()));
        at = end + next.len();
    }
    Some(out.into_iter().filter(|(n, _)| n != "_").collect())
}

#[test]
fn the_waf_table_reads_real_modsecurity_v3_lines() {
    let boards = dashboards();
    let waf = &boards
        .iter()
        .find(|(n, _)| n == "hearth-waf.json")
        .unwrap()
        .1;
    let query = exprs(waf)
        .into_iter()
        .find(|q| q.contains("| regexp `"))
        .expect("the WAF table's query");
    // The query: a line filter, the regexp, a filter on its rule id.
    let (head, rest) = query.split_once(" | regexp `").unwrap();
    let (re, after) = rest.split_once('`').unwrap();
    assert_eq!(head, "{namespace=\"ingress-nginx\"} |= `ModSecurity:`");
    assert_eq!(after, " | rule_id != \"\"");
    let re = regex::Regex::new(re).unwrap();
    let lines = modsecurity_lines();
    assert_eq!(lines.len(), 16);
    let mut ids = Vec::new();
    let mut denied = 0;
    for line in &lines {
        assert!(line.contains("ModSecurity:"));
        let c = re
            .captures(line)
            .unwrap_or_else(|| panic!("no match: {line}"));
        let get = |n: &str| c.name(n).map_or("", |m| m.as_str());
        ids.push(get("rule_id").to_string());
        assert_eq!(get("date"), "2026/12/01", "{line}");
        assert_eq!(get("client"), "127.0.0.1", "{line}");
        assert_eq!(get("server"), "vaultwarden.example.test", "{line}");
        assert_eq!(get("request_method"), "GET", "{line}");
        assert_eq!(get("http_version"), "HTTP/1.1", "{line}");
        assert_eq!(get("owasp_version"), "OWASP_CRS/3.3.4", "{line}");
        assert!(get("rule_set").starts_with("REQUEST-9"), "{line}");
        assert!(
            !get("msg").is_empty() && !get("msg").contains('"'),
            "{line}"
        );
        match get("modsec_action") {
            "Warning" => assert_eq!(get("level"), "info", "{line}"),
            "Access denied with code 403 (phase 2)" => {
                denied += 1;
                assert_eq!(get("level"), "error", "{line}");
                assert_eq!(get("rule_set"), "REQUEST-949-BLOCKING-EVALUATION");
                assert!(get("msg").starts_with("Inbound Anomaly Score Exceeded"));
            }
            other => panic!("{other}: {line}"),
        }
    }
    // Read off the lines by hand: four requests, each blocked once (949110).
    assert_eq!(
        ids,
        [
            "942100", "949110", "941100", "941110", "941160", "949110", "941100", "941110",
            "941160", "949110", "930100", "930110", "930110", "930120", "932160", "949110"
        ]
    );
    assert_eq!(denied, 4);
    let paths: Vec<&str> = lines
        .iter()
        .map(|l| re.captures(l).unwrap().name("ressource").unwrap().as_str())
        .collect();
    assert!(
        paths.contains(&"/\u{fffd}\u{fffd}?q=%22%5C<script>"),
        "{paths:?}"
    );
    // A rule outside the CRS: no [rev], no [ver], its file anywhere.
    let custom = "2026/12/01 20:47:01 [error] 1#1: *9 [client 192.0.2.1] ModSecurity: Access denied with code 403 (phase 1). Matched \"Operator `Rx' with parameter `^/admin' against variable `REQUEST_URI' (Value: `/admin' ) [file \"<<reference missing or not informed>>\"] [line \"3\"] [id \"10001\"] [msg \"admin\"] [data \"\"] [severity \"0\"] [hostname \"127.0.0.1\"] [uri \"/admin\"] [unique_id \"1\"] [ref \"o0,6v4,6\"], client: 192.0.2.1, server: a.example.test, request: \"GET /admin HTTP/1.1\", host: \"a.example.test\"";
    let c = re.captures(custom).expect("a rule outside the CRS");
    assert_eq!(&c["rule_id"], "10001");
    assert_eq!(&c["msg"], "admin");
    assert!(c.name("owasp_version").is_none());
    // Negative control: the seed's pattern, on the same lines with the rules
    // where ingress-nginx keeps them, reads `[rev ""]` into the rule id.
    let seed = SEED_WAF_QUERY
        .split_once("| pattern `")
        .unwrap()
        .1
        .split_once('`')
        .unwrap()
        .0;
    let moved = lines[1].replace(
        "/usr/share/modsecurity-crs/rules/",
        "/etc/nginx/owasp-modsecurity-crs/rules/",
    );
    let got = loki_pattern(seed, &moved).expect("the seed's pattern matches");
    let rule_id = &got.iter().find(|(n, _)| n == "rule_id").unwrap().1;
    assert_eq!(rule_id, "949110\"] [rev \"");
}
