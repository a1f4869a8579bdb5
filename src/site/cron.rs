//! Cron schedules as the Kubernetes CronJob controller reads them, and the
//! time between two runs.
//!
//! The controller parses `spec.schedule` with robfig/cron v3's standard parser
//! (`cron.ParseStandard`, called from `pkg/controller/cronjob/utils.go` and
//! `pkg/apis/batch/validation.validateScheduleFormat`): five fields, each a
//! comma list of `*`, `?`, `N`, `N-M`, with an optional `/step` (a bare `N/step`
//! means `N-max/step`); month and weekday names; minute 0–59, hour 0–23,
//! day-of-month 1–31, month 1–12, weekday 0–6 (7 is refused). The check below
//! follows those rules so a schedule hearth accepts is one the controller
//! accepts. Next-run arithmetic comes from `croner` over `jiff` civil times.

use std::time::Duration;

/// One field of the five: its name, bounds and the names it accepts.
struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    hint: &'static str,
}

const FIELDS: [Field; 5] = [
    Field {
        name: "minute",
        min: 0,
        max: 59,
        names: &[],
        hint: "",
    },
    Field {
        name: "hour",
        min: 0,
        max: 23,
        names: &[],
        hint: "",
    },
    Field {
        name: "day-of-month",
        min: 1,
        max: 31,
        names: &[],
        hint: "",
    },
    Field {
        name: "month",
        min: 1,
        max: 12,
        names: &[
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ],
        hint: "",
    },
    Field {
        name: "day-of-week",
        min: 0,
        max: 6,
        names: &["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
        hint: " (0 is Sunday; Kubernetes does not accept 7)",
    },
];

impl Field {
    fn value(&self, s: &str, expr: &str) -> Result<u32, String> {
        let v = match s.parse::<u32>() {
            Ok(v) => v,
            Err(_) => match self.names.iter().position(|n| n.eq_ignore_ascii_case(s)) {
                Some(i) => self.min + i as u32,
                None => {
                    return Err(format!(
                        "{} `{s}` in `{expr}` is not a number{}",
                        self.name,
                        if self.names.is_empty() {
                            String::new()
                        } else {
                            format!(" or a name ({})", self.names.join(", "))
                        }
                    ));
                }
            },
        };
        if v < self.min || v > self.max {
            return Err(format!(
                "{} {v} in `{expr}` is out of range {}–{}{}",
                self.name, self.min, self.max, self.hint
            ));
        }
        Ok(v)
    }

    /// One comma-separated part: `*`, `?`, `N`, `N-M`, each with an optional `/step`.
    fn part(&self, part: &str, expr: &str) -> Result<(), String> {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, Some(s)),
            None => (part, None),
        };
        if let Some(s) = step {
            match s.parse::<u32>() {
                Ok(0) | Err(_) => {
                    return Err(format!(
                        "{} step `/{s}` in `{expr}` must be a positive number",
                        self.name
                    ));
                }
                Ok(_) => {}
            }
        }
        if range == "*" || range == "?" {
            return Ok(());
        }
        let (lo, hi) = match range.split_once('-') {
            Some((a, b)) => (self.value(a, expr)?, self.value(b, expr)?),
            None => {
                let v = self.value(range, expr)?;
                (v, v)
            }
        };
        if hi < lo {
            return Err(format!(
                "{} range `{range}` in `{expr}` ends before it starts",
                self.name
            ));
        }
        Ok(())
    }
}

/// robfig's descriptors and the five fields each stands for (`@every` has
/// none: it counts from when the controller started).
const SHORTHANDS: [(&str, &str); 7] = [
    ("@yearly", "0 0 1 1 *"),
    ("@annually", "0 0 1 1 *"),
    ("@monthly", "0 0 1 * *"),
    ("@weekly", "0 0 * * 0"),
    ("@daily", "0 0 * * *"),
    ("@midnight", "0 0 * * *"),
    ("@hourly", "0 * * * *"),
];

/// Why `s` is not a schedule the CronJob controller accepts.
pub fn check(s: &str) -> Result<(), String> {
    let fields: Vec<&str> = s.split_whitespace().collect();
    // The controller takes these too, but hearth reads the five fields (run
    // times, gaps between backups): say the spelling to use.
    if let Some((_, five)) = SHORTHANDS.iter().find(|(d, _)| s.trim() == *d) {
        return Err(format!(
            "`{s}` is a shorthand; hearth reads the five fields: write `{five}`"
        ));
    }
    if s.trim_start().starts_with("@every") {
        return Err(format!(
            "`{s}` counts from whenever the controller started; write five fields: minute hour day-of-month month day-of-week"
        ));
    }
    if fields.len() != 5 {
        let n = fields.len();
        return Err(format!(
            "`{s}` has {n} field{}; a schedule has five: minute hour day-of-month month day-of-week",
            if n == 1 { "" } else { "s" }
        ));
    }
    for (text, field) in fields.iter().zip(FIELDS.iter()) {
        for part in text.split(',') {
            if part.is_empty() {
                return Err(format!("{} `{text}` has an empty list item", field.name));
            }
            field.part(part, text)?;
        }
    }
    Ok(())
}

/// The same schedule in the spelling croner reads: `?` as `*`, `N/step` as
/// `N-max/step` (robfig's reading).
fn for_croner(s: &str) -> String {
    let fields: Vec<String> = s
        .split_whitespace()
        .zip(FIELDS.iter())
        .map(|(text, f)| {
            let parts: Vec<String> = text
                .split(',')
                .map(|p| {
                    let p = if let Some(rest) = p.strip_prefix('?') {
                        format!("*{rest}")
                    } else {
                        p.to_string()
                    };
                    match p.split_once('/') {
                        Some((r, step)) if r != "*" && !r.contains('-') => {
                            format!("{r}-{}/{step}", f.max)
                        }
                        _ => p,
                    }
                })
                .collect();
            parts.join(",")
        })
        .collect();
    fields.join(" ")
}

/// The longest time between two consecutive runs of a checked schedule, over
/// a year of runs from a fixed date (so the answer never depends on today);
/// `None` only if croner cannot read a schedule `check` accepted.
pub fn longest_gap(s: &str) -> Option<Duration> {
    let cron = croner::parser::CronParser::new()
        .parse(&for_croner(s))
        .ok()?;
    let start = jiff::civil::date(2025, 1, 1).at(0, 0, 0, 0);
    // A leap-day schedule runs once in four years; everything else within one.
    for years in [1, 8] {
        let end = start.checked_add(jiff::Span::new().years(years)).ok()?;
        let mut prev: Option<jiff::civil::DateTime> = None;
        let mut longest = jiff::SignedDuration::ZERO;
        for (i, t) in cron
            .iter_from(start, croner::Direction::Forward)
            .enumerate()
        {
            if t > end || i > 20_000 {
                break;
            }
            if let Some(p) = prev {
                longest = longest.max(t.duration_since(p));
            }
            prev = Some(t);
        }
        if longest > jiff::SignedDuration::ZERO {
            return Duration::try_from(longest).ok();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_the_controller_accepts() {
        for ok in [
            "0 4 * * *",
            "*/5 * * * 1-5",
            "0 */6 * * *",
            "15 2 1,15 * sun",
            "0 0 ? * MON-FRI",
            "5/10 * * * *",
            "0 0 1 jan-mar *",
            "59 23 31 12 6",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn refuses_what_the_controller_refuses() {
        for (bad, says) in [
            ("0 25 * * *", "hour 25 in `25` is out of range 0–23"),
            ("60 1 * * *", "minute 60 in `60` is out of range 0–59"),
            ("0 4 * * 8", "day-of-week 8 in `8` is out of range 0–6"),
            ("0 4 * * 7", "Kubernetes does not accept 7"),
            (
                "*/0 * * * *",
                "minute step `/0` in `*/0` must be a positive number",
            ),
            ("0 4 0 * *", "day-of-month 0 in `0` is out of range 1–31"),
            ("0 4 * 13 *", "month 13"),
            ("0 5-2 * * *", "ends before it starts"),
            ("0 4 * * funday", "is not a number or a name"),
            ("0 4 * *", "has 4 fields"),
            ("0 4,, * * *", "empty list item"),
            ("0 4 L * *", "is not a number"),
        ] {
            let e = check(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn gaps_are_the_real_time_between_runs() {
        let h = |n: u64| Some(Duration::from_secs(n * 3_600));
        assert_eq!(longest_gap("0 3 * * *"), h(24));
        assert_eq!(longest_gap("0 */6 * * *"), h(6));
        assert_eq!(longest_gap("0 3 * * 0"), h(7 * 24));
        // Weekdays only: the weekend makes the longest gap three days.
        assert_eq!(longest_gap("0 3 * * 1-5"), h(72));
        assert_eq!(longest_gap("*/5 * * * *"), Some(Duration::from_secs(300)));
        assert_eq!(longest_gap("0 4 1 * *"), h(31 * 24));
        assert_eq!(
            longest_gap("5/20 * * * *"),
            Some(Duration::from_secs(20 * 60))
        );
        assert_eq!(longest_gap("0 0 29 2 *"), h(1_461 * 24));
    }
}
