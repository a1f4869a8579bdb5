//! The typed model of `site.toml` and its loading. `load` turns a file into a
//! `RawSite` or into diagnostics pointing at the exact line and column; nothing
//! past this module reads site.toml again.

pub mod cron;
pub mod folder;
pub mod kinds;
pub mod kube;
pub mod model;
pub mod names;
pub mod reference;
pub mod spanned;
pub mod values;

use std::path::Path;

pub use model::RawSite;

use crate::diag::{Code, InputError, SourceFile, closest};

/// A parsed site and the text it came from (spans in `raw` index into it).
#[derive(Debug)]
pub struct Loaded {
    pub source: SourceFile,
    pub raw: RawSite,
}

/// Read and parse a site file.
pub fn load(path: &Path) -> Result<Loaded, InputError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        let help = if e.kind() == std::io::ErrorKind::NotFound {
            "pass the site file with `--site PATH`, or run hearth in the folder that holds site.toml"
        } else {
            "check the file's permissions"
        };
        InputError::new(Code::Io, format!("cannot read `{name}`: {e}")).help(help)
    })?;
    parse(&name, bytes)
}

/// Parse site text already in memory (from disk or from a Git object).
pub fn parse(name: &str, bytes: Vec<u8>) -> Result<Loaded, InputError> {
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let src = SourceFile::new(name, lossy);
            let at = at.min(src.text.len());
            return Err(
                InputError::new(Code::Utf8, format!("`{name}` is not valid UTF-8"))
                    .in_file(&src)
                    .label(at..at + 1, "this byte is not UTF-8")
                    .help("save the file as UTF-8"),
            );
        }
    };
    let source = SourceFile::new(name, text);
    if source.text.trim().is_empty() {
        return Err(InputError::new(Code::Empty, format!("`{name}` is empty")).help(
            "a site needs at least a [site] table with `name`, `domain` and `repo_url`; `hearth init` writes a starting point",
        ));
    }
    match toml::from_str::<RawSite>(&source.text) {
        Ok(mut raw) => {
            model::expand_shared(&mut raw, &source)?;
            Ok(Loaded { source, raw })
        }
        Err(e) => Err(syntax_error(&source).unwrap_or_else(|| toml_error(&source, &e))),
    }
}

/// A file that is not TOML at all gets a syntax diagnostic, not a complaint
/// about whatever key the typed parse happened to reach. Only run on failure.
fn syntax_error(source: &SourceFile) -> Option<InputError> {
    let e = toml::from_str::<toml::Table>(&source.text).err()?;
    let span = e.span().unwrap_or(0..0);
    let msg = e.message().trim().to_string();
    let (msg, label, help) = if msg.contains("duplicate key") {
        (
            msg,
            "defined again here",
            "each name may appear once: rename one of the two, or merge them",
        )
    } else {
        (
            format!("invalid TOML: {msg}"),
            "here",
            "fix the syntax at this spot (TOML reference: https://toml.io)",
        )
    };
    Some(
        InputError::new(Code::Parse, msg)
            .in_file(source)
            .label(span, label)
            .help(help),
    )
}

/// Turn a toml/serde error into a diagnostic with its span and a useful help line.
fn toml_error(src: &SourceFile, e: &toml::de::Error) -> InputError {
    let message = e.message().trim().to_string();
    let span = e.span().unwrap_or(0..0);
    let mut err = InputError::new(Code::Parse, message.clone()).in_file(src);
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (field, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        err.message = format!("unknown key `{field}`");
        err = err.label(span, "not a key hearth knows here");
        err = match closest(field, known.iter().copied()) {
            Some(c) => err.help(format!("did you mean `{c}`?")),
            None if known.is_empty() => err.help("remove this key"),
            None => err.help(format!("known keys here: {}", known.join(", "))),
        };
    } else if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (word, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        err = err.label(span, "not a word hearth knows here");
        err = match closest(word, known.iter().copied()) {
            Some(c) => err.help(format!("did you mean `{c}`?")),
            None => err.help(format!("one of: {}", known.join(", "))),
        };
    } else if message == "invalid IP address syntax" {
        err = err
            .label(span, "not an IP address")
            .help("write an IPv4 or IPv6 address, e.g. \"192.168.1.240\"");
    } else if message.starts_with("missing field") {
        err = err.label(span, "in this table").help("add the missing key");
    } else if message.starts_with("invalid type") {
        err = err
            .label(span, "wrong type")
            .help("see schema/site.schema.json for the expected type");
    } else if message.contains("duplicate key") {
        err = err
            .label(span, "defined again here")
            .help("each name may appear once; rename or merge the two");
    } else {
        err = err.label(span, "here");
    }
    err
}

/// The JSON Schema of site.toml, as committed under `schema/site.schema.json`.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(RawSite);
    serde_json::to_string_pretty(&schema).expect("schemas serialise")
}
