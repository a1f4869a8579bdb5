//! LogQL, checked enough to catch what breaks a panel: a malformed stream
//! selector (`{namespace="ingress-nginx"}`), an unknown pipeline stage, an
//! unterminated string, unbalanced brackets, and `pattern` expressions Loki
//! refuses (no named capture, two captures side by side). There is no LogQL
//! parser crate; this is the grammar's front part, written for these checks.

/// A problem and the byte offset in the query where it is.
#[derive(Debug, PartialEq)]
pub struct LogqlError {
    pub at: usize,
    pub message: String,
}

fn err<T>(at: usize, message: impl Into<String>) -> Result<T, LogqlError> {
    Err(LogqlError {
        at,
        message: message.into(),
    })
}

const STAGES: &[&str] = &[
    "json",
    "logfmt",
    "pattern",
    "regexp",
    "unpack",
    "line_format",
    "label_format",
    "unwrap",
    "decolorize",
    "drop",
    "keep",
];

struct Lexer<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Lexer<'a> {
    fn skip_ws(&mut self) {
        while self.i < self.s.len() && self.s.as_bytes()[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }
    fn eat(&mut self, t: &str) -> bool {
        if self.s[self.i..].starts_with(t) {
            self.i += t.len();
            true
        } else {
            false
        }
    }
    fn ident(&mut self) -> Option<&'a str> {
        let start = self.i;
        let b = self.s.as_bytes();
        while self.i < b.len() && (b[self.i].is_ascii_alphanumeric() || b[self.i] == b'_') {
            self.i += 1;
        }
        (self.i > start && !b[start].is_ascii_digit()).then(|| &self.s[start..self.i])
    }
    /// A `"…"` (with escapes) or `` `…` `` string; its content.
    fn string(&mut self) -> Result<&'a str, LogqlError> {
        let start = self.i;
        let q = match self.peek() {
            Some(q @ (b'"' | b'`')) => q,
            _ => return err(start, "expected a string (`\"…\"` or a backtick string)"),
        };
        self.i += 1;
        let b = self.s.as_bytes();
        while self.i < b.len() {
            if q == b'"' && b[self.i] == b'\\' {
                self.i += 2;
                continue;
            }
            if b[self.i] == q {
                self.i += 1;
                return Ok(&self.s[start + 1..self.i - 1]);
            }
            self.i += 1;
        }
        err(start, "unterminated string")
    }
}

/// Check a LogQL query (a log query, or a metric query around one).
pub fn check(query: &str) -> Result<(), LogqlError> {
    balanced(query)?;
    let mut lx = Lexer { s: query, i: 0 };
    let mut selectors = 0;
    // Walk the text outside strings; every `{` opens a stream selector,
    // followed by its pipeline.
    while lx.i < query.len() {
        match lx.peek() {
            Some(b'"' | b'`') => {
                lx.string()?;
            }
            Some(b'{') => {
                selector(&mut lx)?;
                selectors += 1;
                pipeline(&mut lx)?;
            }
            _ => lx.i += 1,
        }
    }
    if selectors == 0 {
        return err(
            0,
            "no stream selector: a LogQL query starts from `{label=\"value\"}`",
        );
    }
    Ok(())
}

fn balanced(q: &str) -> Result<(), LogqlError> {
    let mut stack: Vec<(u8, usize)> = Vec::new();
    let mut lx = Lexer { s: q, i: 0 };
    while let Some(c) = lx.peek() {
        match c {
            b'"' | b'`' => {
                lx.string()?;
                continue;
            }
            b'(' | b'[' | b'{' => stack.push((c, lx.i)),
            b')' | b']' | b'}' => {
                let open = match c {
                    b')' => b'(',
                    b']' => b'[',
                    _ => b'{',
                };
                match stack.pop() {
                    Some((o, _)) if o == open => {}
                    _ => return err(lx.i, format!("unbalanced `{}`", c as char)),
                }
            }
            _ => {}
        }
        lx.i += 1;
    }
    match stack.pop() {
        Some((o, at)) => err(at, format!("`{}` is never closed", o as char)),
        None => Ok(()),
    }
}

fn selector(lx: &mut Lexer) -> Result<(), LogqlError> {
    let open = lx.i;
    lx.i += 1;
    let mut matchers = 0;
    loop {
        lx.skip_ws();
        if lx.eat("}") {
            break;
        }
        if matchers > 0 && !lx.eat(",") {
            return err(lx.i, "expected `,` or `}` in the stream selector");
        }
        lx.skip_ws();
        let at = lx.i;
        if lx.ident().is_none() {
            return err(at, "expected a label name in the stream selector");
        }
        lx.skip_ws();
        if !["=~", "!~", "!=", "="].iter().any(|op| lx.eat(op)) {
            return err(
                lx.i,
                "expected `=`, `!=`, `=~` or `!~` after the label name",
            );
        }
        lx.skip_ws();
        lx.string()?;
        matchers += 1;
    }
    if matchers == 0 {
        return err(open, "a stream selector needs at least one matcher");
    }
    Ok(())
}

/// Stages after a selector, up to the end of the log query (`[` of a range,
/// `)` of a function, or the end).
fn pipeline(lx: &mut Lexer) -> Result<(), LogqlError> {
    loop {
        lx.skip_ws();
        if ["|=", "!=", "|~", "!~"].iter().any(|op| lx.eat(op)) {
            lx.skip_ws();
            lx.string()?;
            continue;
        }
        if !lx.eat("|") {
            return Ok(());
        }
        lx.skip_ws();
        let at = lx.i;
        let Some(word) = lx.ident() else {
            return err(at, "expected a stage or a label filter after `|`");
        };
        lx.skip_ws();
        if word == "pattern" {
            let start = lx.i + 1;
            let p = lx.string()?;
            check_pattern(p).map_err(|e| LogqlError {
                at: start + e.at,
                message: e.message,
            })?;
        } else if STAGES.contains(&word) {
            // Arguments run to the next stage.
            while let Some(c) = lx.peek() {
                match c {
                    b'|' | b'[' | b')' => break,
                    b'"' | b'`' => {
                        lx.string()?;
                    }
                    _ => lx.i += 1,
                }
            }
        } else {
            // A label filter: `name op value`.
            if !["==", "!=", "=~", "!~", ">=", "<=", "=", ">", "<"]
                .iter()
                .any(|op| lx.eat(op))
            {
                let known = STAGES.join(", ");
                return err(
                    at,
                    format!("`{word}` is neither a stage ({known}) nor a label filter"),
                );
            }
            lx.skip_ws();
            if matches!(lx.peek(), Some(b'"' | b'`')) {
                lx.string()?;
            } else {
                while lx
                    .peek()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || b"._-".contains(&c))
                {
                    lx.i += 1;
                }
            }
        }
    }
}

/// Loki's rules for `pattern`: at least one named capture, and a literal
/// between any two captures.
pub fn check_pattern(p: &str) -> Result<(), LogqlError> {
    let b = p.as_bytes();
    let (mut i, mut named, mut last_was_capture) = (0, 0, false);
    while i < b.len() {
        if b[i] == b'<'
            && let Some(end) = p[i..].find('>')
        {
            let name = &p[i + 1..i + end];
            let valid = name == "_"
                || (!name.is_empty()
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !name.as_bytes()[0].is_ascii_digit());
            if valid {
                if last_was_capture {
                    return err(
                        i,
                        format!(
                            "capture `<{name}>` follows another capture with no literal between them"
                        ),
                    );
                }
                if name != "_" {
                    named += 1;
                }
                last_was_capture = true;
                i += end + 1;
                continue;
            }
        }
        last_was_capture = false;
        i += 1;
    }
    if named == 0 {
        return err(
            0,
            "a pattern needs at least one named capture such as `<ip>`",
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed's WAF query, verbatim.
    pub const SEED_WAF: &str = r#"{namespace="ingress-nginx"} |= `ModSecurity:` | pattern `<date> <time> [<level>] <_> <_> ModSecurity: <modsec_action> [file "/etc/nginx/owasp-modsecurity-crs/rules/<rule_set>.conf<_> [id "<rule_id>"] [msg "<msg>"<_>[ver "<owasp_version>"]<_>, client: <client>, server: <server>, request: "<request_method> <ressource> <http_version>"<_>` | __error__=``"#;

    #[test]
    fn good_queries_pass() {
        for q in [
            SEED_WAF,
            "{namespace=\"ingress-nginx\"} |= `ModSecurity:`",
            "sum by (namespace) (count_over_time({job=~\"a|b\"} | json | status >= 400 [5m]))",
            "{app=\"x\", env!=\"dev\"} | logfmt | level=\"error\" | line_format \"{{.msg}}\"",
        ] {
            assert_eq!(check(q), Ok(()), "{q}");
        }
    }

    #[test]
    fn bad_queries_are_located() {
        let cases = [
            ("namespace=\"x\"", 0),
            ("{namespace=\"x\" |= `a`", 0),
            ("{namespace:\"x\"}", 10),
            ("{} |= `a`", 0),
            ("{a=\"x\"} | jsn", 10),
            ("{a=\"x\"} |= `open", 11),
            ("{a=\"x\"} | pattern `<a><b>`", 22),
            ("{a=\"x\"} | pattern `no captures`", 19),
        ];
        for (q, at) in cases {
            let e = check(q).expect_err(q);
            assert_eq!(e.at, at, "{q}: {}", e.message);
        }
    }
}
