//! Reading rendered YAML back into data, straight from the parser's events.
//!
//! serde-saphyr writes the output, but reading every rendered document back
//! through its serde layer was most of a render's time (measured: 55 % of all
//! instructions for a 1,000-service site). Building `serde_json::Value`s from
//! granit-parser events (the parser serde-saphyr itself uses) does the same job
//! in a fraction of it. Plain scalars resolve by the YAML 1.2 core schema, as
//! serde-saphyr resolves them; duplicate keys are errors.

use std::collections::HashMap;

use granit_parser::{Event, Parser, ScalarStyle};
use serde_json::{Map, Number, Value};

#[derive(Debug)]
pub struct YamlError {
    /// 1-based line and column.
    pub line: usize,
    pub col: usize,
    pub message: String,
}

enum Frame {
    Seq(Vec<Value>, usize),
    Map(Map<String, Value>, Option<String>, usize),
}

/// The reader's state between parser events.
#[derive(Default)]
struct Reader {
    docs: Vec<Value>,
    stack: Vec<Frame>,
    root: Option<Value>,
    anchors: HashMap<usize, Value>,
}

/// Every document of `text`, in order (an empty document is `null`).
pub fn documents(text: &str) -> Result<Vec<Value>, YamlError> {
    let mut r = Reader::default();
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| YamlError {
            line: e.marker().line(),
            col: e.marker().col() + 1,
            message: e.info(),
        })?;
        let at = |message: String| YamlError {
            line: span.start.line(),
            col: span.start.col() + 1,
            message,
        };
        if let Some((value, anchor)) = r.event(event).map_err(at)? {
            if anchor != 0 {
                r.anchors.insert(anchor, value.clone());
            }
            r.place(value).map_err(at)?;
        }
    }
    Ok(r.docs)
}

impl Reader {
    /// One event: Some(a finished value and its anchor id) when it completes
    /// a scalar, alias or collection.
    fn event(&mut self, event: Event) -> Result<Option<(Value, usize)>, String> {
        Ok(match event {
            // Anchor metadata and comments (never enabled here) carry no data.
            Event::StreamStart
            | Event::StreamEnd
            | Event::Anchor(..)
            | Event::UnresolvedAlias(..) => None,
            Event::DocumentStart(..) => {
                self.root = None;
                None
            }
            Event::DocumentEnd => {
                self.docs.push(self.root.take().unwrap_or(Value::Null));
                None
            }
            Event::Alias(id) => Some((
                self.anchors
                    .get(&id)
                    .cloned()
                    .ok_or("alias to an unknown anchor")?,
                0,
            )),
            Event::Scalar(v, style, anchor, tag) => {
                // Keys keep their text: a key `n:` or `on:` names a field, it is not a boolean.
                let is_key = matches!(self.stack.last(), Some(Frame::Map(_, None, _)));
                let as_str = is_key
                    || style != ScalarStyle::Plain
                    || tag
                        .as_ref()
                        .is_some_and(|t| t.is_yaml_core_schema_tag("str"));
                let value = if as_str {
                    Value::String(v.into_owned())
                } else {
                    resolve(&v)
                };
                Some((value, anchor))
            }
            Event::SequenceStart(_, anchor, _) => {
                self.stack.push(Frame::Seq(Vec::new(), anchor));
                None
            }
            Event::MappingStart(_, anchor, _) => {
                self.stack.push(Frame::Map(Map::new(), None, anchor));
                None
            }
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Seq(v, a)) => Some((Value::Array(v), a)),
                Some(Frame::Map(m, _, a)) => Some((Value::Object(m), a)),
                None => return Err("unbalanced collection end".into()),
            },
            #[allow(unreachable_patterns)] // Event is non-exhaustive
            _ => None,
        })
    }

    /// Put a finished value where it belongs: the document's root, the next
    /// item of a sequence, a mapping's key (scalars only) or its value.
    fn place(&mut self, value: Value) -> Result<(), String> {
        match self.stack.last_mut() {
            None => self.root = Some(value),
            Some(Frame::Seq(items, _)) => items.push(value),
            Some(Frame::Map(_, key @ None, _)) => match value {
                Value::String(s) => *key = Some(s),
                Value::Null => *key = Some("null".into()),
                Value::Bool(b) => *key = Some(b.to_string()),
                Value::Number(n) => *key = Some(n.to_string()),
                _ => return Err("a mapping key must be a scalar".into()),
            },
            Some(Frame::Map(map, key @ Some(_), _)) => {
                let k = key.take().expect("matched Some");
                if map.contains_key(&k) {
                    return Err(format!("duplicate key `{k}`"));
                }
                map.insert(k, value);
            }
        }
        Ok(())
    }
}

/// Resolve a plain scalar the way Kubernetes reads YAML (go-yaml v2, YAML 1.1):
/// `on`/`yes`/`y` are booleans, `0755` is octal, `1_000` is an integer. What a
/// site-local template prints unquoted thus means what the cluster would take it
/// to mean, and the canonical output then spells it unambiguously.
fn resolve(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return Value::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return Value::Bool(false);
        }
        _ => {}
    }
    if let Some(i) = parse_int(s) {
        return Value::Number(i.into());
    }
    // go-yaml's float form: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((a, b)) => {
            a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
                && !(a.is_empty() && b.is_empty())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|c| c.is_ascii_digit()),
    };
    let exp_ok = exp.is_none_or(|e| {
        let d = e.strip_prefix(['-', '+']).unwrap_or(e);
        !d.is_empty() && d.bytes().all(|c| c.is_ascii_digit())
    });
    if mantissa_ok
        && exp_ok
        && let Some(n) = s.parse::<f64>().ok().and_then(Number::from_f64)
    {
        return Value::Number(n);
    }
    Value::String(s.to_string())
}

/// Go's `strconv.ParseInt(s, 0, 64)`: sign, `0x`/`0o`/`0b` prefixes, a leading
/// `0` for octal, `_` between digits.
fn parse_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) =
        if let Some(d) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            (16, d)
        } else if let Some(d) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
            (8, d)
        } else if let Some(d) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
            (2, d)
        } else if body.len() > 1 && body.starts_with('0') {
            (8, &body[1..])
        } else {
            (10, body)
        };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    let v = i64::from_str_radix(&clean, radix).ok()?;
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_like_kubernetes() {
        let text = "a: 1\nb: \"1\"\nc: [x, 'y', 2.5, true, ~]\nd:\n  e: |\n    line\n  f: >-\n    folded\n    text\ng: 0o17\nh: 0755\ni: on\nj: 2024-01-01\nk: !!str 12\nl: no\nm: 1_000\nn: 1e3\no: 0x1F\np: 08\nq: .5\nr: 1.2.3\n---\n- {p: q}\n---\n";
        let v = documents(text).unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(
            v[0],
            json!({ "a": 1, "b": "1", "c": ["x", "y", 2.5, true, null], "d": { "e": "line\n", "f": "folded text" },
                    "g": 15, "h": 493, "i": true, "j": "2024-01-01", "k": "12", "l": false, "m": 1000, "n": 1000.0,
                    "o": 31, "p": 8.0, "q": 0.5, "r": "1.2.3" })
        );
        assert_eq!(v[1], json!([{ "p": "q" }]));
        assert_eq!(v[2], Value::Null);
    }

    #[test]
    fn errors_carry_a_location() {
        let e = documents("a: 1\nb: [unclosed\n").unwrap_err();
        assert!(e.line >= 2, "{e:?}");
        let e = documents("a: 1\na: 2\n").unwrap_err();
        assert!(e.message.contains("duplicate key"), "{e:?}");
        assert_eq!(e.line, 2);
    }

    #[test]
    fn anchors_and_aliases() {
        let v = documents("a: &x {b: 1}\nc: *x\n").unwrap();
        assert_eq!(v[0]["c"], json!({ "b": 1 }));
    }
}
