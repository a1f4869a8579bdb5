//! Records too long to hold (nginx's `escape=json` can make ~95 KB lines,
//! which containerd splits into 16 KiB `P` frames), reduced while they stream
//! past to what counting reads from them, so there is no length past which a
//! record is dropped and memory stays bounded whatever the length:
//!
//! - a JSON object becomes a small object of its wanted fields only (raw, in
//!   their order), which `parse::json_fields` reads exactly as it would have
//!   read the whole line: the scan checks the same syntax on the way;
//! - any other text keeps its head and its tail (where ModSecurity puts the
//!   rule id and the client).

use memchr::memchr2;

/// Bytes of a text record kept from its end.
const TAIL: usize = 4096;
/// Key bytes kept while scanning a key (longer keys are not wanted ones).
const KEY_MAX: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Json {
    /// Before the `{`.
    Open,
    /// Before a key (`first`: `}` may close an empty object).
    Key {
        first: bool,
    },
    InKey {
        esc: bool,
    },
    Colon,
    Value,
    InStr {
        esc: bool,
    },
    Bare,
    AfterValue,
    /// After the closing `}`: only whitespace may follow.
    Closed,
    Broken,
}

#[derive(Debug)]
enum Mode {
    /// Nothing but whitespace yet.
    Undecided,
    Json(Json),
    Text,
}

/// One long record in progress.
#[derive(Debug)]
pub struct Reducer {
    mode: Mode,
    /// JSON: the reduced object so far; text: the head.
    out: Vec<u8>,
    key: Vec<u8>,
    keep: bool,
    /// The bare value so far (a number or literal; checked at its end).
    bare: Vec<u8>,
    tail: Vec<u8>,
    /// Bytes `out` may hold; past it the record cannot be counted.
    limit: usize,
    overflow: bool,
}

/// What a long record came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Reduced {
    /// A record to classify and count like any other.
    Record(Vec<u8>),
    /// Its wanted fields alone exceed the memory bound.
    TooLong,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

impl Reducer {
    pub fn new(limit: usize) -> Self {
        Reducer {
            mode: Mode::Undecided,
            out: Vec::new(),
            key: Vec::new(),
            keep: false,
            bare: Vec::new(),
            tail: Vec::new(),
            limit,
            overflow: false,
        }
    }

    fn put(&mut self, b: &[u8]) {
        if self.out.len() + b.len() > self.limit {
            self.overflow = true;
        } else {
            self.out.extend_from_slice(b);
        }
    }

    /// The next piece of the record.
    pub fn feed(&mut self, mut piece: &[u8], wanted: &[Vec<u8>]) {
        if let Mode::Undecided = self.mode {
            let lead = piece.iter().take_while(|b| b.is_ascii_whitespace()).count();
            piece = &piece[lead..];
            match piece.first() {
                None => return,
                Some(b'{') => {
                    self.mode = Mode::Json(Json::Open);
                }
                Some(_) => self.mode = Mode::Text,
            }
        }
        match self.mode {
            Mode::Text => self.text(piece),
            Mode::Json(_) => self.json(piece, wanted),
            Mode::Undecided => {}
        }
    }

    fn text(&mut self, piece: &[u8]) {
        let room = self.limit.saturating_sub(self.out.len()).min(piece.len());
        self.out.extend_from_slice(&piece[..room]);
        let rest = &piece[room..];
        if rest.len() >= TAIL {
            self.tail.clear();
            self.tail.extend_from_slice(&rest[rest.len() - TAIL..]);
        } else if !rest.is_empty() {
            let drop = (self.tail.len() + rest.len()).saturating_sub(TAIL);
            self.tail.drain(..drop);
            self.tail.extend_from_slice(rest);
        }
    }

    fn json(&mut self, s: &[u8], wanted: &[Vec<u8>]) {
        let Mode::Json(mut st) = self.mode else {
            return;
        };
        let mut i = 0;
        while i < s.len() {
            let b = s[i];
            st = match st {
                Json::Broken => break,
                Json::Open if is_ws(b) => st,
                Json::Open if b == b'{' => {
                    self.put(b"{");
                    Json::Key { first: true }
                }
                Json::Key { .. } if is_ws(b) => st,
                Json::Key { first: true } if b == b'}' => Json::Closed,
                Json::Key { .. } if b == b'"' => {
                    self.key.clear();
                    Json::InKey { esc: false }
                }
                Json::InKey { esc: true } => {
                    self.push_key(b);
                    Json::InKey { esc: false }
                }
                Json::InKey { esc: false } if b == b'"' => self.key_end(wanted),
                Json::InKey { esc: false } => {
                    self.push_key(b);
                    Json::InKey { esc: b == b'\\' }
                }
                Json::Colon if is_ws(b) => st,
                Json::Colon if b == b':' => Json::Value,
                Json::Value if is_ws(b) => st,
                Json::Value if b == b'"' => {
                    if self.keep {
                        self.put(b"\"");
                    }
                    Json::InStr { esc: false }
                }
                Json::Value if b == b'{' || b == b'[' => Json::Broken,
                Json::Value => {
                    self.bare.clear();
                    continue_bare(&mut self.bare, b);
                    Json::Bare
                }
                Json::InStr { esc: true } => {
                    if self.keep {
                        self.put(&[b]);
                    }
                    Json::InStr { esc: false }
                }
                Json::InStr { esc: false } => {
                    let (next, at) = self.string_run(s, i);
                    i = at;
                    match next {
                        Some(st) => st,
                        None => continue,
                    }
                }
                Json::Bare if !(is_ws(b) || b == b',' || b == b'}') => {
                    continue_bare(&mut self.bare, b);
                    Json::Bare
                }
                Json::Bare => {
                    // Not consumed: the separator is read as after a value.
                    st = self.bare_end();
                    continue;
                }
                Json::AfterValue if is_ws(b) => st,
                Json::AfterValue if b == b',' => Json::Key { first: false },
                Json::AfterValue if b == b'}' => Json::Closed,
                Json::Closed if is_ws(b) => st,
                _ => Json::Broken,
            };
            i += 1;
        }
        self.mode = Mode::Json(st);
    }

    /// A key's closing quote: keep the field if it is wanted (its key goes
    /// out at once), and expect the colon.
    fn key_end(&mut self, wanted: &[Vec<u8>]) -> Json {
        self.keep = self.key.len() <= KEY_MAX && wanted.contains(&self.key);
        if self.keep {
            let key = std::mem::take(&mut self.key);
            self.put(b"\"");
            self.put(&key);
            self.put(b"\":");
            self.key = key;
        }
        Json::Colon
    }

    /// String content from `s[i]`: most of a long record, so skip to the next
    /// quote or backslash at once. Returns the state after that byte and its
    /// index, or None (and the end of `s`) when the piece ends inside the string.
    fn string_run(&mut self, s: &[u8], i: usize) -> (Option<Json>, usize) {
        let Some(j) = memchr2(b'"', b'\\', &s[i..]).map(|k| i + k) else {
            if self.keep {
                self.put(&s[i..]);
            }
            return (None, s.len());
        };
        if self.keep {
            self.put(&s[i..=j]);
        }
        if s[j] == b'"' {
            if self.keep {
                self.put(b",");
            }
            (Some(Json::AfterValue), j)
        } else {
            (Some(Json::InStr { esc: true }), j)
        }
    }

    /// The end of a bare value (number, true, false, null): kept if valid.
    fn bare_end(&mut self) -> Json {
        if !valid_bare(&self.bare) {
            return Json::Broken;
        }
        if self.keep {
            let bare = std::mem::take(&mut self.bare);
            self.put(&bare);
            self.put(b",");
            self.bare = bare;
        }
        Json::AfterValue
    }

    fn push_key(&mut self, b: u8) {
        if self.key.len() <= KEY_MAX {
            self.key.push(b);
        }
    }

    /// The record, reduced; the reducer is spent.
    pub fn finish(mut self) -> Reduced {
        if self.overflow {
            return Reduced::TooLong;
        }
        match self.mode {
            Mode::Undecided => Reduced::Record(Vec::new()),
            Mode::Text => {
                if !self.tail.is_empty() {
                    self.out.push(b' ');
                    self.out.extend_from_slice(&self.tail);
                }
                Reduced::Record(self.out)
            }
            Mode::Json(Json::Closed) => {
                // Drop the last pair's comma and close the object.
                if self.out.last() == Some(&b',') {
                    self.out.pop();
                }
                self.out.push(b'}');
                Reduced::Record(self.out)
            }
            // Cut or malformed: a record `json_fields` refuses the same way.
            Mode::Json(_) => Reduced::Record(b"{".to_vec()),
        }
    }
}

/// A bare token's bytes, bounded: only its first few are needed to check it.
fn continue_bare(bare: &mut Vec<u8>, b: u8) {
    if bare.len() < 64 {
        bare.push(b);
    } else if !(b.is_ascii_digit() || b"+-.eE".contains(&b)) {
        // Past any literal: a long token must be all number characters.
        bare[0] = b'x';
    }
}

/// The check `parse::json_fields` makes of a bare value.
fn valid_bare(v: &[u8]) -> bool {
    v == b"null"
        || v == b"true"
        || v == b"false"
        || (!v.is_empty() && v.iter().all(|c| c.is_ascii_digit() || b"+-.eE".contains(c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reduce(pieces: &[&[u8]], wanted: &[&[u8]], limit: usize) -> Reduced {
        let wanted: Vec<Vec<u8>> = wanted.iter().map(|w| w.to_vec()).collect();
        let mut r = Reducer::new(limit);
        for p in pieces {
            r.feed(p, &wanted);
        }
        r.finish()
    }

    #[test]
    fn a_long_access_line_keeps_its_wanted_fields() {
        let long = "a".repeat(100_000);
        let line = format!(
            r#" {{"remote_address": "203.0.113.7", "request": "GET /{long} HTTP/1.1", "status": 200, "ua": "x\"y", "ingress_namespace" : "im\u00e9"}}"#
        );
        let wanted: [&[u8]; 3] = [b"remote_address", b"ingress_namespace", b"status"];
        let pieces: Vec<&[u8]> = line.as_bytes().chunks(16_384).collect();
        assert_eq!(
            reduce(&pieces, &wanted, 1024),
            Reduced::Record(
                br#"{"remote_address":"203.0.113.7","status":200,"ingress_namespace":"im\u00e9"}"#
                    .to_vec()
            )
        );
    }

    #[test]
    fn wanted_fields_past_the_bound_are_too_long() {
        let line = format!(r#"{{"status": "{}"}}"#, "9".repeat(5000));
        assert_eq!(
            reduce(&[line.as_bytes()], &[b"status"], 1024),
            Reduced::TooLong
        );
    }

    #[test]
    fn text_keeps_head_and_tail() {
        let line = format!(
            "ModSecurity: [id \"1\"] {} , client: 1.2.3.4, server: x",
            "z".repeat(50_000)
        );
        let Reduced::Record(r) = reduce(&[line.as_bytes()], &[], 1024) else {
            panic!()
        };
        assert!(r.starts_with(b"ModSecurity: [id \"1\"]"));
        assert!(r.ends_with(b", client: 1.2.3.4, server: x"));
        assert!(r.len() <= 1024 + 1 + TAIL);
    }
}
