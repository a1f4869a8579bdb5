//! Parsing one log record, allocation-free on the common path: the CRI frame,
//! a flat JSON access line (only the wanted fields are kept, as slices of the
//! line), and a ModSecurity error line. Escaped JSON strings are the one case
//! that copies, into a caller's scratch buffer.

use memchr::{memchr, memmem};

/// `<time> <stdout|stderr> <P|F> <message>`.
#[derive(Debug, PartialEq, Eq)]
pub struct Cri<'a> {
    pub partial: bool,
    pub message: &'a [u8],
}

/// Split a CRI record; None when the frame is malformed.
pub fn cri(line: &[u8]) -> Option<Cri<'_>> {
    let a = memchr(b' ', line)?;
    if a == 0 {
        return None;
    }
    let rest = &line[a + 1..];
    let b = memchr(b' ', rest)?;
    if !matches!(&rest[..b], b"stdout" | b"stderr") {
        return None;
    }
    let rest = &rest[b + 1..];
    let (flag, message) = match rest.split_first()? {
        (b'P', m) => (true, m),
        (b'F', m) => (false, m),
        _ => return None,
    };
    // The flag is followed by one space, unless the message is empty.
    let message = match message.split_first() {
        Some((b' ', m)) => m,
        None => message,
        Some(_) => return None,
    };
    Some(Cri {
        partial: flag,
        message,
    })
}

/// Why a record was skipped; the label of `hearth_exporter_parse_errors_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ErrorKind {
    /// Not a CRI frame.
    Cri,
    /// Not valid UTF-8. No longer counted (invalid bytes are decoded as
    /// Promtail does); kept so saved states keep their indices.
    Utf8,
    /// Starts like JSON but does not parse (or was cut).
    Json,
    /// A wanted field is missing or not a string/number.
    MissingField,
    /// Longer than `max_line_bytes`: cut and skipped.
    TooLong,
    /// Neither an access line nor an nginx error line.
    Garbage,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 6] = [
        ErrorKind::Cri,
        ErrorKind::Utf8,
        ErrorKind::Json,
        ErrorKind::MissingField,
        ErrorKind::TooLong,
        ErrorKind::Garbage,
    ];
    pub fn name(self) -> &'static str {
        match self {
            ErrorKind::Cri => "cri",
            ErrorKind::Utf8 => "utf8",
            ErrorKind::Json => "json",
            ErrorKind::MissingField => "missing_field",
            ErrorKind::TooLong => "too_long",
            ErrorKind::Garbage => "garbage",
        }
    }
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A field value as found in the line: its bytes between the quotes (or the
/// bare number), and whether it holds escapes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Raw<'a> {
    pub bytes: &'a [u8],
    pub escaped: bool,
    pub found: bool,
}

#[inline(always)]
fn skip_ws(s: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\r' | b'\n') = s.get(i) {
        i += 1;
    }
    i
}

/// The first `"` or `\\` at or after `i`, eight bytes at a time (SWAR):
/// strings in access lines are short, where memchr's setup costs more than
/// the scan.
#[inline(always)]
fn quote_or_backslash(s: &[u8], mut i: usize) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    while i + 8 <= s.len() {
        let w = u64::from_le_bytes(s[i..i + 8].try_into().expect("8 bytes"));
        let q = w ^ (LO * b'"' as u64);
        let b = w ^ (LO * b'\\' as u64);
        // A byte is zero in q (a quote) or b (a backslash): the lowest flagged
        // byte is exact (borrows only flag bytes above a real zero).
        let m = ((q.wrapping_sub(LO) & !q) | (b.wrapping_sub(LO) & !b)) & HI;
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    while i < s.len() {
        if s[i] == b'"' || s[i] == b'\\' {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// End of a string whose content starts at `i`: the index of the closing
/// quote, and whether it holds a backslash.
#[inline(always)]
fn string_end(s: &[u8], mut i: usize) -> Option<(usize, bool)> {
    let mut escaped = false;
    loop {
        let j = quote_or_backslash(s, i)?;
        if s[j] == b'"' {
            return Some((j, escaped));
        }
        escaped = true;
        i = j + 2;
        if i > s.len() {
            return None;
        }
    }
}

/// Scan a flat JSON object, filling `out[k]` for each `wanted[k]` key. Nested
/// values are refused (access lines have none). Err on malformed JSON: the
/// whole line is checked, so a truncated line is never counted.
pub fn json_fields<'a>(
    s: &'a [u8],
    wanted: &[&[u8]],
    out: &mut [Raw<'a>],
) -> Result<(), ErrorKind> {
    for o in out.iter_mut() {
        *o = Raw::default();
    }
    let mut i = skip_ws(s, 0);
    if s.get(i) != Some(&b'{') {
        return Err(ErrorKind::Json);
    }
    i = skip_ws(s, i + 1);
    if s.get(i) == Some(&b'}') {
        return closed(s, i);
    }
    loop {
        if s.get(i) != Some(&b'"') {
            return Err(ErrorKind::Json);
        }
        let (kend, _) = string_end(s, i + 1).ok_or(ErrorKind::Json)?;
        let key = &s[i + 1..kend];
        i = skip_ws(s, kend + 1);
        if s.get(i) != Some(&b':') {
            return Err(ErrorKind::Json);
        }
        i = skip_ws(s, i + 1);
        let value = match s.get(i) {
            Some(b'"') => {
                let (vend, escaped) = string_end(s, i + 1).ok_or(ErrorKind::Json)?;
                let v = Raw {
                    bytes: &s[i + 1..vend],
                    escaped,
                    found: true,
                };
                i = vend + 1;
                v
            }
            Some(b'{' | b'[') | None => return Err(ErrorKind::Json),
            Some(_) => {
                let (v, end) = bare_value(s, i)?;
                i = end;
                v
            }
        };
        // Length and first byte reject most keys before a byte comparison.
        for (k, w) in wanted.iter().enumerate() {
            if w.len() == key.len() && w.first() == key.first() && *w == key {
                out[k] = value;
                break;
            }
        }
        i = skip_ws(s, i);
        match s.get(i) {
            Some(b',') => i = skip_ws(s, i + 1),
            Some(b'}') => {
                return closed(s, i);
            }
            _ => return Err(ErrorKind::Json),
        }
    }
}

/// A number, `true`, `false` or `null` from `start`, and where it ends.
#[inline]
fn bare_value(s: &[u8], start: usize) -> Result<(Raw<'_>, usize), ErrorKind> {
    let mut i = start;
    while i < s.len() && !matches!(s[i], b',' | b'}' | b' ' | b'\t' | b'\r' | b'\n') {
        i += 1;
    }
    let v = &s[start..i];
    let ok = v == b"null"
        || v == b"true"
        || v == b"false"
        || (!v.is_empty() && v.iter().all(|c| c.is_ascii_digit() || b"+-.eE".contains(c)));
    if !ok {
        return Err(ErrorKind::Json);
    }
    let raw = Raw {
        bytes: v,
        escaped: false,
        found: v != b"null",
    };
    Ok((raw, i))
}

/// The object closed at `i`: only white space may follow.
#[inline]
fn closed(s: &[u8], i: usize) -> Result<(), ErrorKind> {
    if skip_ws(s, i + 1) == s.len() {
        Ok(())
    } else {
        Err(ErrorKind::Json)
    }
}

/// `bytes` appended as text the way Go's JSON decoder (Promtail's) reads
/// them: each byte of an invalid UTF-8 sequence becomes one U+FFFD.
pub fn push_lossy(out: &mut String, mut bytes: &[u8]) {
    loop {
        match std::str::from_utf8(bytes) {
            Ok(s) => return out.push_str(s),
            Err(e) => {
                let (good, bad) = bytes.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(good).unwrap_or_default());
                let n = e.error_len().unwrap_or(bad.len());
                out.extend(std::iter::repeat_n('\u{fffd}', n));
                bytes = &bad[n..];
            }
        }
    }
}

/// Four hex digits of a `\u` escape.
fn hex4(b: &[u8]) -> Option<u32> {
    let h = b.get(..4)?;
    h.iter()
        .try_fold(0, |acc, c| Some(acc * 16 + (*c as char).to_digit(16)?))
}

/// A field as text: borrowed when plain valid UTF-8, decoded into `scratch`
/// otherwise (escapes resolved, invalid UTF-8 replaced as Go does). None when
/// an escape is malformed.
pub fn text<'a>(raw: &Raw<'a>, scratch: &'a mut String) -> Option<&'a str> {
    if !raw.escaped
        && let Ok(s) = std::str::from_utf8(raw.bytes)
    {
        return Some(s);
    }
    scratch.clear();
    let b = raw.bytes;
    let mut i = 0;
    while i < b.len() {
        let j = memchr(b'\\', &b[i..]).map_or(b.len(), |k| i + k);
        push_lossy(scratch, &b[i..j]);
        if j == b.len() {
            break;
        }
        i = j + 2;
        let c = match *b.get(j + 1)? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let mut cp = hex4(&b[i..])?;
                i += 4;
                // A surrogate pair is one character; a lone half is U+FFFD.
                if (0xD800..0xDC00).contains(&cp)
                    && b.get(i..i + 2) == Some(b"\\u")
                    && let Some(lo) = hex4(&b[i + 2..]).filter(|lo| (0xDC00..0xE000).contains(lo))
                {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 6;
                }
                char::from_u32(cp).unwrap_or('\u{fffd}')
            }
            _ => return None,
        };
        scratch.push(c);
    }
    Some(scratch.as_str())
}

/// What a ModSecurity line says: the rule id, the client, and whether it is
/// the interruption (one per blocked request) or a rule match logged on the
/// way (`ModSecurity: Warning. …`, `[info]`).
#[derive(Debug, PartialEq, Eq)]
pub struct Waf<'a> {
    pub rule_id: &'a str,
    pub client: &'a str,
    pub blocked: bool,
}

/// `… ModSecurity: Access denied with code 403 (phase 2). … [id "949110"]
/// [rev ""] [msg …] …, client: 1.2.3.4, server: …` (ModSecurity v3 through
/// the nginx connector). None when the line is not a ModSecurity line or
/// lacks the rule id.
pub fn modsecurity(line: &str) -> Option<Waf<'_>> {
    let b = line.as_bytes();
    let at = memmem::find(b, b"ModSecurity: ")?;
    let rest = &line[at..];
    let id_at = rest.find("[id \"")? + 5;
    let id_end = rest[id_at..].find('"')? + id_at;
    let rule_id = &rest[id_at..id_end];
    if rule_id.is_empty() || !rule_id.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let client = rest
        .find(", client: ")
        .map(|c| {
            let v = &rest[c + 10..];
            &v[..v.find([',', ' ']).unwrap_or(v.len())]
        })
        .unwrap_or("");
    let blocked = rest["ModSecurity: ".len()..].starts_with("Access denied with code ");
    Some(Waf {
        rule_id,
        client,
        blocked,
    })
}

/// An nginx error-log line: `YYYY/MM/DD HH:MM:SS [level] …`.
pub fn is_nginx_error(line: &[u8]) -> bool {
    line.len() > 21
        && line[4] == b'/'
        && line[7] == b'/'
        && line[10] == b' '
        && line[13] == b':'
        && line[16] == b':'
        && line[19] == b' '
        && line[20] == b'['
        && line[..4].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests;
