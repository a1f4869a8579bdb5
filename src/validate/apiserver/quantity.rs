//! Resource quantities as k8s.io/apimachinery `pkg/api/resource/quantity.go`
//! (`ParseQuantity`) reads them:
//!
//! ```text
//! quantity  = [sign] number [suffix]
//! number    = digits | digits "." [digits] | "." digits
//! suffix    = "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei"        (binary SI)
//!           | "n" | "u" | "m" | "k" | "M" | "G" | "T" | "P" | "E"  (decimal SI)
//!           | ("e" | "E") [sign] digits                      (decimal exponent)
//! ```
//!
//! Values are compared exactly in nano-units (the API server's finest scale;
//! finer values round up there too), falling back to floating point only for
//! values beyond 10^29.

use std::cmp::Ordering;

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantity {
    negative: bool,
    /// The value in nano-units, when it fits.
    nanos: Option<i128>,
    approx: f64,
}

impl Quantity {
    pub fn is_negative(&self) -> bool {
        self.negative
    }

    /// A whole number as `ValidateResourceQuantityValue` decides it: the
    /// value in milli-units (rounded up, as `MilliValue`) is a multiple of 1000.
    pub fn is_integer(&self) -> bool {
        match self.nanos {
            Some(n) => {
                let milli = n.unsigned_abs().div_ceil(1_000_000);
                milli % 1000 == 0
            }
            None => self.approx.fract() == 0.0,
        }
    }

    /// Exact when both fit in nano-units.
    pub fn compare(&self, other: &Quantity) -> Ordering {
        match (self.nanos, other.nanos) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => self.approx.total_cmp(&other.approx),
        }
    }
}

/// Parse a quantity string; `Err` says why the API server would refuse it.
pub fn parse(s: &str) -> Result<Quantity, String> {
    let bad = || {
        format!(
            "`{s}` is not a quantity (a number with an optional suffix such as `m`, `Mi`, `G` or `e3`)"
        )
    };
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (int, mut rest) = rest.split_at(int_len);
    let mut frac = "";
    if let Some(r) = rest.strip_prefix('.') {
        let n = r.bytes().take_while(u8::is_ascii_digit).count();
        frac = &r[..n];
        rest = &r[n..];
    }
    if int.is_empty() && frac.is_empty() {
        return Err(bad());
    }
    let (exp10, exp2) = suffix(rest).ok_or_else(bad)?;
    // value = int.frac × 10^exp10 × 2^exp2
    let mantissa_digits = format!("{int}{frac}");
    let scale = exp10 - frac.len() as i64 + 9; // power of ten for nano-units
    // Correctly rounded, subnormals included (beyond f64: infinity or 0).
    let approx = format!("{}{int}.{frac}0e{exp10}", if negative { "-" } else { "" })
        .parse::<f64>()
        .map_or(f64::NAN, |m| m * 2f64.powi(exp2 as i32));
    let nanos = nano_units(&mantissa_digits, scale, exp2);
    // Negative means a minus sign before a non-zero number (the API server
    // rounds away from zero, so no negative value becomes 0).
    let negative = negative && mantissa_digits.bytes().any(|b| b != b'0');
    Ok(Quantity {
        negative,
        nanos: nanos.map(|n| if negative { -n } else { n }),
        approx,
    })
}

/// The suffixes with a fixed meaning: binary (2^n) and decimal SI (10^n).
const SUFFIXES: [(&str, i64, u32); 15] = [
    ("Ki", 0, 10),
    ("Mi", 0, 20),
    ("Gi", 0, 30),
    ("Ti", 0, 40),
    ("Pi", 0, 50),
    ("Ei", 0, 60),
    ("n", -9, 0),
    ("u", -6, 0),
    ("m", -3, 0),
    ("k", 3, 0),
    ("M", 6, 0),
    ("G", 9, 0),
    ("T", 12, 0),
    ("P", 15, 0),
    ("E", 18, 0),
];

/// A suffix as (power of ten, power of two): none, one of `SUFFIXES`, or a
/// decimal exponent `e<int>` of at most six digits. None: not a suffix.
fn suffix(rest: &str) -> Option<(i64, u32)> {
    if rest.is_empty() {
        return Some((0, 0));
    }
    if let Some((_, e10, e2)) = SUFFIXES.iter().find(|(s, ..)| *s == rest) {
        return Some((*e10, *e2));
    }
    let e = rest.strip_prefix(['e', 'E'])?;
    let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) || digits.len() > 6 {
        return None;
    }
    Some((e.parse::<i64>().ok()?, 0))
}

/// The magnitude in nano-units of `digits` × 10^(scale-9) × 2^exp2, rounded
/// away from zero as the API server rounds; None beyond i128.
fn nano_units(digits: &str, scale: i64, exp2: u32) -> Option<i128> {
    let trimmed = digits.trim_start_matches('0');
    if trimmed.len() > 36 {
        return None;
    }
    let mut m: i128 = if trimmed.is_empty() {
        0
    } else {
        trimmed.parse().ok()?
    };
    if scale >= 0 {
        for _ in 0..scale.min(40) {
            m = m.checked_mul(10)?;
        }
        if scale > 40 && m != 0 {
            return None;
        }
    } else if -scale > 38 {
        m = i128::from(m != 0); // far below a nano-unit: rounds up to one
    } else {
        let div = 10i128.pow(u32::try_from(-scale).ok()?);
        m = m / div + i128::from(m % div != 0); // away from zero, as the API server rounds
    }
    m.checked_mul(1i128 << exp2)
}

/// A quantity as it appears in a rendered object: a string or a JSON number.
pub fn from_json(v: &Value) -> Result<Quantity, String> {
    match v {
        Value::String(s) => parse(s),
        Value::Number(n) => parse(&n.to_string()),
        other => Err(format!("`{other}` is not a quantity")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Quantity {
        parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn grammar() {
        for ok in [
            "0", "1", "+1", "-1", "1.", ".5", "1.5", "100m", "1Ki", "1.5Gi", "1e3", "1E3", "1E",
            "2e-3", "5n", "3u", "12k",
        ] {
            assert!(parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", ".", "-", "1KiB", "1 Gi", "Gi", "1e", "1ki", "1.2.3", "1mi", "0x10", "1e+", " 1",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn order() {
        use Ordering::*;
        assert_eq!(q("1Gi").compare(&q("1073741824")), Equal);
        assert_eq!(q("500m").compare(&q("0.5")), Equal);
        assert_eq!(q("1").compare(&q("1001m")), Less);
        assert_eq!(q("1k").compare(&q("1Ki")), Less);
        assert_eq!(q("1e3").compare(&q("1k")), Equal);
        assert_eq!(q("128Mi").compare(&q("1Gi")), Less);
        assert_eq!(q("1E").compare(&q("1Ei")), Less);
        assert!(q("-1").is_negative());
        assert!(!q("-0").is_negative());
        assert!(!q("-0.0e5").is_negative());
        assert!(q("-1e-310").is_negative());
        assert_eq!(q("1e-310").compare(&q("1n")), Equal);
        assert_eq!(q("1e-310").compare(&q("0")), Greater);
    }
}
