//! The one duration type of `exporter.yaml` (`limits.max_idle`), also what
//! hearth checks `[monitoring.logs] max_idle` with: whatever hearth accepts,
//! the exporter reads, because both call [`Duration::from_str`].

use std::fmt;
use std::str::FromStr;

/// Whole seconds. Read in Prometheus's duration grammar (`model.ParseDuration`):
/// unit terms largest first, each at most once, integer counts: `90s`, `30m`,
/// `1h30m`, `7d`, `1w2d`, `1y`, a bare `0`; `ms` terms round the total down
/// to whole seconds. No fractions, signs, spaces or bare numbers.
///
/// Printed as hours, minutes and seconds (`24h`, `1h30m`, `1m30s`, `0s`),
/// the subset that Go's `time.ParseDuration` (Promtail's and Alloy's
/// `max_idle_duration`) reads as well; so the largest duration is the largest
/// Go can hold (`i64::MAX` nanoseconds, about 292 years).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(u64);

impl Duration {
    /// The longest duration: what an `i64` of nanoseconds holds, in seconds.
    pub const MAX_SECS: u64 = i64::MAX as u64 / 1_000_000_000;

    /// `secs` seconds, if not above [`Duration::MAX_SECS`].
    pub const fn from_secs(secs: u64) -> Option<Duration> {
        if secs <= Self::MAX_SECS {
            Some(Duration(secs))
        } else {
            None
        }
    }

    pub const fn secs(self) -> u64 {
        self.0
    }
}

impl FromStr for Duration {
    type Err = String;

    fn from_str(s: &str) -> Result<Duration, String> {
        let bad = || format!("`{s}` is not a duration such as `90s`, `30m`, `1h30m`, `7d`");
        // Unit, milliseconds, place in the order the terms must come in
        // (`ms` is tried before `m`).
        const UNITS: [(&str, u64, u8); 7] = [
            ("y", 365 * 86_400_000, 0),
            ("w", 7 * 86_400_000, 1),
            ("d", 86_400_000, 2),
            ("h", 3_600_000, 3),
            ("ms", 1, 6),
            ("m", 60_000, 4),
            ("s", 1_000, 5),
        ];
        match s {
            "" => return Err(bad()),
            // Prometheus takes a bare zero too.
            "0" => return Ok(Duration(0)),
            _ => {}
        }
        let (mut rest, mut millis, mut last) = (s, 0u64, None::<u8>);
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(bad());
            }
            let n: u64 = rest[..digits].parse().map_err(|_| bad())?;
            rest = &rest[digits..];
            let (unit, mul, place) = UNITS
                .iter()
                .find(|(u, _, _)| rest.starts_with(u))
                .ok_or_else(bad)?;
            if last.is_some_and(|l| *place <= l) {
                return Err(bad());
            }
            last = Some(*place);
            rest = &rest[unit.len()..];
            millis = n
                .checked_mul(*mul)
                .and_then(|v| millis.checked_add(v))
                .ok_or_else(bad)?;
        }
        Duration::from_secs(millis / 1_000)
            .ok_or_else(|| format!("`{s}` is longer than {}h", Self::MAX_SECS / 3_600))
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, m, s) = (self.0 / 3_600, self.0 / 60 % 60, self.0 % 60);
        if self.0 == 0 {
            return f.write_str("0s");
        }
        if h > 0 {
            write!(f, "{h}h")?;
        }
        if m > 0 {
            write!(f, "{m}m")?;
        }
        if s > 0 {
            write!(f, "{s}s")?;
        }
        Ok(())
    }
}

impl serde::Serialize for Duration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Duration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as `90s`, `30m`, `1h30m`, `7d`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Duration, E> {
                v.parse().map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn secs(s: &str) -> Result<u64, String> {
        s.parse::<Duration>().map(Duration::secs)
    }

    #[test]
    fn the_forms() {
        for (d, n) in [
            ("24h", 86_400),
            ("1h30m", 5_400),
            ("90s", 90),
            ("7d", 604_800),
            ("1w2d", 777_600),
            ("1y", 31_536_000),
            ("2m500ms", 120),
            ("999ms", 0),
            ("0s", 0),
            ("0", 0),
            ("01h", 3_600),
        ] {
            assert_eq!(secs(d), Ok(n), "{d}");
        }
        for bad in [
            "1 day", "", "h", "30m1h", "1h1h", "1.5h", "-1h", "+1h", "24", "1hh", " 1h", "1h ",
            "1H", "00", "1e3s", "inf", "1µs", "1ns", "300y",
        ] {
            assert!(secs(bad).is_err(), "{bad}");
        }
        assert_eq!(secs("292y"), Ok(292 * 31_536_000));
    }

    #[test]
    fn printed_in_hours_minutes_seconds() {
        for (n, s) in [
            (0, "0s"),
            (1, "1s"),
            (90, "1m30s"),
            (3_600, "1h"),
            (5_400, "1h30m"),
            (86_400, "24h"),
            (90_061, "25h1m1s"),
        ] {
            assert_eq!(Duration(n).to_string(), s);
        }
    }

    /// A term sequence in any order, with repeats: the grammar takes it
    /// exactly when the units come largest first, each once.
    fn terms() -> impl Strategy<Value = Vec<(u64, usize)>> {
        proptest::collection::vec((0u64..10_000, 0usize..7), 1..6)
    }
    const UNITS: [(&str, u64); 7] = [
        ("y", 31_536_000_000),
        ("w", 604_800_000),
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
        ("ms", 1),
    ];

    proptest! {
        #[test]
        fn print_then_parse_is_the_same(n in 0..=Duration::MAX_SECS) {
            let d = Duration(n);
            prop_assert_eq!(d.to_string().parse::<Duration>(), Ok(d));
        }

        #[test]
        fn terms_in_order_are_read_others_refused(t in terms()) {
            let text: String = t.iter().map(|(n, u)| format!("{n}{}", UNITS[*u].0)).collect();
            let ordered = t.windows(2).all(|w| w[0].1 < w[1].1);
            let millis: u64 = t.iter().map(|(n, u)| n * UNITS[*u].1).sum();
            match text.parse::<Duration>() {
                Ok(d) => {
                    prop_assert!(ordered, "{text} read as {d}");
                    prop_assert_eq!(d.secs(), millis / 1_000);
                }
                Err(e) => prop_assert!(!ordered || millis / 1_000 > Duration::MAX_SECS, "{text}: {e}"),
            }
        }

        #[test]
        fn any_text_parses_or_says_why(s in "\\PC{0,12}") {
            if let Ok(d) = s.parse::<Duration>() {
                // Whatever is read prints as a form read to the same value.
                prop_assert_eq!(d.to_string().parse::<Duration>(), Ok(d));
            }
        }
    }
}
