//! Diagnostics for bad input. Every error a user can cause is an `InputError`:
//! a message, the file it is about, labelled spans in that file and a help line.
//! `main` prints them with miette (file:line:column, like rustc) and exits 2.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, SourceCode};
use serde::{Deserialize, Serialize};

mod codes;

pub use codes::{Code, CodeDoc};

/// How bad a diagnostic is: an input error or lint finding that fails the
/// run, or a warning that fails it only under `--deny warnings`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    /// The lowercase name reports print (`error`, `warning`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A file hearth read, kept whole so diagnostics can quote it.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// The name shown in diagnostics (the path as the user gave it).
    pub name: String,
    pub text: Arc<str>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        Self {
            name: name.into(),
            text: text.into(),
        }
    }

    /// Byte offset of a 1-based line and column (in characters), as miette
    /// counts them; past the end of the text, its end.
    pub fn offset(&self, line: usize, col: usize) -> usize {
        miette::SourceOffset::from_location(&*self.text, line, col)
            .offset()
            .min(self.text.len())
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..floor_char_boundary(&self.text, offset)];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[derive(Debug, Clone)]
pub struct Label {
    pub span: Range<usize>,
    pub text: String,
}

/// One problem with the user's input.
#[derive(Debug, Clone)]
pub struct InputError {
    /// `hearth::…` for input errors; a rule id for lint findings.
    pub code: Cow<'static, str>,
    pub message: String,
    pub source: Option<SourceFile>,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    /// Input errors are errors; a lint finding has its rule's severity.
    pub severity: Severity,
}

impl InputError {
    /// An input error of a documented kind.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self::coded(code.as_str(), message)
    }

    /// A lint finding, under its rule's id (its documentation is the rule's).
    pub fn finding(rule: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::coded(rule, message)
    }

    fn coded(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            source: None,
            labels: Vec::new(),
            help: None,
            severity: Severity::Error,
        }
    }
    pub fn in_file(mut self, source: &SourceFile) -> Self {
        self.source = Some(source.clone());
        self
    }
    pub fn label(mut self, span: Range<usize>, text: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            text: text.into(),
        });
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// `file:line:col` of the first label, for plain-text summaries.
    pub fn location(&self) -> Option<String> {
        let src = self.source.as_ref()?;
        let span = self.labels.first()?;
        let (l, c) = src.line_col(span.span.start);
        Some(format!("{}:{l}:{c}", src.name))
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for InputError {}

impl Diagnostic for InputError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Warning => miette::Severity::Warning,
            Severity::Error => miette::Severity::Error,
        })
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            return None;
        }
        let len = self.source.as_ref().map_or(0, |s| s.text.len());
        Some(Box::new(self.labels.iter().enumerate().map(
            move |(i, l)| {
                let start = l.span.start.min(len);
                let end = l.span.end.clamp(start, len);
                let span = (start, end - start);
                if i == 0 {
                    LabeledSpan::new_primary_with_span(Some(l.text.clone()), span)
                } else {
                    LabeledSpan::new_with_span(Some(l.text.clone()), span)
                }
            },
        )))
    }
}

impl SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )))
    }
}

/// Every problem found in one pass. Stages collect all they can before failing,
/// so a user fixes a file in one round, not one error per run.
#[derive(Debug, Default)]
pub struct Errors(pub Vec<InputError>);

impl Errors {
    pub fn push(&mut self, e: InputError) {
        self.0.push(e);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn into_result<T>(self, ok: T) -> Result<T, Errors> {
        if self.0.is_empty() { Ok(ok) } else { Err(self) }
    }
}

impl From<InputError> for Errors {
    fn from(e: InputError) -> Self {
        Errors(vec![e])
    }
}

/// The closest candidate to a misspelt word, if it is close enough to suggest.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let s = SourceFile::new("f", "ab\ncé\nx");
        assert_eq!(s.line_col(0), (1, 1));
        assert_eq!(s.line_col(3), (2, 1));
        assert_eq!(s.line_col(4), (2, 2));
        assert_eq!(s.line_col(7), (3, 1));
    }

    #[test]
    fn offsets_and_line_columns_agree() {
        let s = SourceFile::new("f", "ab\ncé\nx");
        for offset in [0, 1, 3, 4, 7, 8] {
            let (l, c) = s.line_col(offset);
            assert_eq!(s.offset(l, c), offset, "{offset}");
        }
        assert_eq!(s.offset(99, 1), s.text.len());
    }

    #[test]
    fn suggestions() {
        assert_eq!(closest("nmae", ["name", "domain"]), Some("name"));
        assert_eq!(closest("zzz", ["name", "domain"]), None);
    }
}
