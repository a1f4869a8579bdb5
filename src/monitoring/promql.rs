//! PromQL: parsed with the `promql-parser` crate (the Prometheus grammar), so a
//! query hearth renders into a dashboard or a rule file is one Prometheus
//! accepts, and the metric names it reads can be checked against what the site
//! produces.

use promql_parser::parser::{self, Expr};
use promql_parser::util::{ExprVisitor, walk_expr};

/// The metric names an expression reads (vector and matrix selectors, by name
/// or by a `__name__="…"` matcher), sorted and unique; or the parser's error.
pub fn metric_names(query: &str) -> Result<Vec<String>, String> {
    let expr = parser::parse(query)?;
    struct Names(Vec<String>);
    impl ExprVisitor for Names {
        type Error = ();
        fn pre_visit(&mut self, e: &Expr) -> Result<bool, ()> {
            let vs = match e {
                Expr::VectorSelector(vs) => vs,
                Expr::MatrixSelector(ms) => &ms.vs,
                _ => return Ok(true),
            };
            if let Some(n) = &vs.name {
                self.0.push(n.clone());
            }
            for m in &vs.matchers.matchers {
                if m.name == "__name__" && matches!(m.op, promql_parser::label::MatchOp::Equal) {
                    self.0.push(m.value.clone());
                }
            }
            Ok(true)
        }
    }
    let mut v = Names(Vec::new());
    let _ = walk_expr(&mut v, &expr);
    v.0.sort();
    v.0.dedup();
    Ok(v.0)
}

/// A Prometheus duration (`5m`, `1h30m`) in seconds, or why it is not one:
/// the one grammar of `hearth_contract::Duration` (what `max_idle` and the
/// exporter read too), above zero. promql-parser's `parse_duration` is not
/// used: it also takes bare numbers as seconds, which a rule's `for:` does not
/// (Prometheus's `model.ParseDuration`), and panics on `-1` or `inf`.
pub fn duration_secs(s: &str) -> Result<u64, String> {
    match s.parse::<hearth_contract::Duration>() {
        Ok(d) if d.secs() > 0 => Ok(d.secs()),
        Ok(_) => Err(format!(
            "`{s}` is not a duration above zero; write e.g. `30s`, `5m`, `1h`, `7d`"
        )),
        Err(e) => Err(format!("{e}; write e.g. `30s`, `5m`, `1h`, `7d`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_the_seed_query() {
        let q = "sum by(client_ip) (increase(promtail_custom_http_requests_total_ip{}[1h]) > 0 or last_over_time(promtail_custom_http_requests_total_ip{}[5m])) > 0";
        assert_eq!(
            metric_names(q).unwrap(),
            ["promtail_custom_http_requests_total_ip"]
        );
        assert_eq!(
            metric_names("time() - {__name__=\"pg_backup_last_success\"} > 3600").unwrap(),
            ["pg_backup_last_success"]
        );
        assert!(metric_names("sum(rate(x[5m])").is_err());
        assert!(metric_names("rate(x)").is_err());
        assert_eq!(duration_secs("1h30m").unwrap(), 5400);
        assert!(duration_secs("5 minutes").is_err());
        // Bare numbers, signs and non-finite numbers are refused, not a panic.
        for bad in ["-1", "inf", "NaN", "1.5", "300", "0", "0s", ""] {
            assert!(duration_secs(bad).is_err(), "{bad}");
        }
        assert_eq!(duration_secs("1w2d").unwrap(), 777_600);
    }
}
