//! `hearth seal`: seal secret values into site.toml with the controller's
//! certificate, offline, in kubeseal's format; `--check` lists what is not
//! sealed yet. Values are read from a terminal without echo, from stdin
//! (`--key`) or from a file (`--from-env-file`), and never printed: output and
//! diagnostics name keys (`service/secret/KEY`) and line numbers only.

use std::io::{IsTerminal as _, Read as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use hearth::diag::{Code, Errors, InputError, SourceFile, closest};
use hearth::seal::{SealingKey, Slot};
use zeroize::Zeroizing;

use super::{Closing, SiteArg, report};

/// What `hearth seal` was asked to do.
#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub site: SiteArg,
    /// The sealed-secrets controller's certificate, as `kubeseal --fetch-cert` prints it.
    #[arg(long, env = "HEARTH_SEAL_CERT", value_name = "PEM")]
    pub cert: Option<PathBuf>,
    /// List the keys still "placeholder" (exit 1 if any), seal nothing.
    #[arg(long)]
    pub check: bool,
    /// Seal one key (`service/secret/KEY`, or `secret/KEY` of a `[secrets]` one,
    /// sealed or not) with the value read from stdin (one trailing newline dropped).
    #[arg(long, value_name = "SERVICE/SECRET/KEY", conflicts_with = "from_env_file")]
    pub key: Option<String>,
    /// Seal the keys a file lists, one `service/secret/KEY=value` (or `secret/KEY=value`) per line
    /// (`#` comments and blank lines skipped; the value is taken as written).
    #[arg(long, value_name = "FILE")]
    pub from_env_file: Option<PathBuf>,
}

/// A value on its way to the cipher: wiped from memory when dropped.
type Value = Zeroizing<Vec<u8>>;

pub fn seal(a: &Args) -> ExitCode {
    let site = &a.site.site;
    let closing = if a.check {
        Closing::Count
    } else {
        Closing::NothingWritten
    };
    let loaded = match hearth::site::load(site) {
        Ok(l) => l,
        Err(e) => return report(e.into(), &format!("in `{}`", site.display()), closing),
    };
    let slots = hearth::seal::slots(&loaded);
    if a.check {
        return check(&loaded.source, &slots);
    }
    let sealing = match read_cert(a.cert.as_deref()) {
        Ok(k) => k,
        Err(e) => return report(e.into(), "", closing),
    };
    let values = match values(a, &slots) {
        Ok(v) => v,
        Err(e) => return report(e, "", closing),
    };
    if values.is_empty() {
        eprintln!("nothing to seal: site.toml is unchanged");
        return ExitCode::SUCCESS;
    }
    match write(site, &loaded.source, &sealing, &values) {
        Ok(()) => {}
        Err(e) => return report(e.into(), "", closing),
    }
    for (slot, _) in &values {
        let verb = if slot.placeholder() {
            "sealed"
        } else {
            "resealed"
        };
        out!(
            "{verb} {} ({}, strict scope)",
            slot.id(),
            slot.namespaces(false)
        );
    }
    let left = slots.iter().filter(|s| s.placeholder()).count()
        - values.iter().filter(|(s, _)| s.placeholder()).count();
    eprintln!(
        "{} key(s) sealed in `{}`; {left} still \"placeholder\"; run `hearth render` to update the output",
        values.len(),
        site.display()
    );
    ExitCode::SUCCESS
}

/// `--check`: every key still "placeholder", located; exit 1 if any.
fn check(source: &SourceFile, slots: &[Slot]) -> ExitCode {
    let open: Vec<(String, &Slot)> = slots
        .iter()
        .filter(|s| s.placeholder())
        .map(|s| {
            let (l, c) = source.line_col(s.span.start);
            (format!("{}:{l}:{c}", source.name), s)
        })
        .collect();
    if open.is_empty() {
        out!("every secret key in `{}` is sealed", source.name);
        return ExitCode::SUCCESS;
    }
    let at = open.iter().map(|(a, _)| a.len()).max().unwrap_or(0);
    let id = open.iter().map(|(_, s)| s.id().len()).max().unwrap_or(0);
    for (loc, s) in &open {
        out!("{loc:<at$}  {:<id$}  {}", s.id(), s.namespaces(true));
    }
    out!(
        "{} key(s) still \"placeholder\" (not sealed: no Secret in the cluster); seal them with `hearth seal --cert <controller.pem>`",
        open.len()
    );
    ExitCode::from(1)
}

/// The controller's key from `--cert`, or a diagnostic in the certificate file.
fn read_cert(path: Option<&Path>) -> Result<SealingKey, InputError> {
    let path = path.ok_or_else(|| {
        InputError::new(Code::Cert, "`hearth seal` needs the controller's certificate")
            .help("pass `--cert sealed-secrets.pem` or set HEARTH_SEAL_CERT; `kubeseal --fetch-cert > sealed-secrets.pem` fetches it")
    })?;
    let text = std::fs::read(path).map_err(|e| {
        InputError::new(Code::Io, format!("cannot read `{}`: {e}", path.display()))
            .help("pass the file `kubeseal --fetch-cert` wrote")
    })?;
    let text = String::from_utf8_lossy(&text).into_owned();
    SealingKey::from_pem(&text).map_err(|p| {
        let src = SourceFile::new(path.display().to_string(), text);
        InputError::new(Code::Cert, format!("`{}`: {}", path.display(), p.message))
            .in_file(&src)
            .label(p.span, p.label)
            .help(p.help)
    })
}

/// The values to seal, by slot, from the one source the command line names.
fn values<'s>(a: &Args, slots: &'s [Slot]) -> Result<Vec<(&'s Slot, Value)>, Errors> {
    if let Some(id) = &a.key {
        let slot = find(slots, id).map_err(Errors::from)?;
        let mut v = Zeroizing::new(Vec::new());
        std::io::stdin()
            .read_to_end(&mut v)
            .map_err(|e| InputError::new(Code::Io, format!("cannot read stdin: {e}")))?;
        trim_newline(&mut v);
        if v.is_empty() {
            return Err(seal_err(format!("the value for `{id}` on stdin is empty"))
                .help("pipe the value in: `printf %s \"$VALUE\" | hearth seal --key …`")
                .into());
        }
        return Ok(vec![(slot, v)]);
    }
    if let Some(file) = &a.from_env_file {
        return env_file(file, slots);
    }
    if !std::io::stdin().is_terminal() {
        return Err(seal_err("stdin is not a terminal, so hearth cannot ask for values")
            .help("pass `--key service/secret/KEY` with the value on stdin, or `--from-env-file FILE`")
            .into());
    }
    prompt(slots)
}

/// One prompt per placeholder on the terminal, without echo; an empty answer
/// leaves that key as it is.
fn prompt(slots: &[Slot]) -> Result<Vec<(&Slot, Value)>, Errors> {
    let open: Vec<&Slot> = slots.iter().filter(|s| s.placeholder()).collect();
    if !open.is_empty() {
        eprintln!(
            "{} key(s) to seal; input is not shown, an empty answer skips a key",
            open.len()
        );
    }
    let mut out = Vec::new();
    for s in open {
        let question = format!("{} ({}): ", s.id(), s.namespaces(false));
        let v = rpassword::prompt_password(question)
            .map_err(|e| InputError::new(Code::Io, format!("cannot read the terminal: {e}")))?;
        let v = Zeroizing::new(v.into_bytes());
        if !v.is_empty() {
            out.push((s, v));
        }
    }
    Ok(out)
}

/// `service/secret/KEY=value` lines. Diagnostics name the line and the key,
/// never quote the line: it holds a value.
fn env_file<'s>(file: &Path, slots: &'s [Slot]) -> Result<Vec<(&'s Slot, Value)>, Errors> {
    let text = Zeroizing::new(std::fs::read(file).map_err(|e| {
        InputError::new(Code::Io, format!("cannot read `{}`: {e}", file.display()))
    })?);
    let mut out: Vec<(&Slot, Value)> = Vec::new();
    let mut errs = Errors::default();
    for (n, line) in text.split(|b| *b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let at = format!("`{}` line {}", file.display(), n + 1);
        if line.trim_ascii().is_empty() || line.trim_ascii_start().starts_with(b"#") {
            continue;
        }
        let Some(eq) = line.iter().position(|b| *b == b'=') else {
            errs.push(seal_err(format!("{at} has no `=`")).help(
                "write each line as `service/secret/KEY=value` (`hearth seal --check` lists the keys)",
            ));
            continue;
        };
        let id = String::from_utf8_lossy(line[..eq].trim_ascii()).into_owned();
        let value = Zeroizing::new(line[eq + 1..].to_vec());
        match find(slots, &id) {
            Err(e) => errs.push(InputError::new(Code::Seal, format!("{at}: {e}"))),
            Ok(_) if value.is_empty() => {
                errs.push(seal_err(format!("{at}: `{id}` has an empty value")))
            }
            Ok(s) if out.iter().any(|(o, _)| o.id() == id) => {
                errs.push(seal_err(format!("{at}: `{}` is given twice", s.id())))
            }
            Ok(s) => out.push((s, value)),
        }
    }
    errs.into_result(out)
}

/// A declared key by its `service/secret/KEY` name, with "did you mean".
fn find<'s>(slots: &'s [Slot], id: &str) -> Result<&'s Slot, InputError> {
    if let Some(s) = slots.iter().find(|s| s.id() == id) {
        return Ok(s);
    }
    let ids: Vec<String> = slots.iter().map(Slot::id).collect();
    let help = match closest(id, ids.iter().map(String::as_str)) {
        Some(c) => format!("did you mean `{c}`? (`hearth seal --check` lists the unsealed keys)"),
        None => "name a key as `service/secret/KEY` (`[services.<service>.secrets.<secret>] keys`) or `secret/KEY` (`[secrets.<secret>] keys`)".into(),
    };
    Err(seal_err(format!("site.toml declares no secret key `{id}`")).help(help))
}

fn seal_err(message: impl Into<String>) -> InputError {
    InputError::new(Code::Seal, message)
}

fn trim_newline(v: &mut Vec<u8>) {
    if v.last() == Some(&b'\n') {
        v.pop();
        if v.last() == Some(&b'\r') {
            v.pop();
        }
    }
}

/// Seal every value, edit site.toml in place, check the result still loads
/// with every value where it was meant to go, and replace the file.
fn write(
    site: &Path,
    source: &SourceFile,
    sealing: &SealingKey,
    values: &[(&Slot, Value)],
) -> Result<(), InputError> {
    let mut edits = Vec::with_capacity(values.len());
    for (slot, v) in values {
        // A shared key gets one ciphertext per namespace, all of one value,
        // so its namespaces never disagree.
        let cs = slot
            .places
            .iter()
            .map(|p| sealing.seal(v, slot.scope(p)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| seal_err(format!("sealing `{}` failed: {e}", slot.id())))?;
        edits.push((*slot, cs));
    }
    let text = hearth::seal::apply(&source.text, &edits)
        .map_err(|e| seal_err(format!("cannot edit `{}`: {e}", site.display())))?;
    let reloaded = hearth::site::parse(&source.name, text.clone().into_bytes())?;
    let after = hearth::seal::slots(&reloaded);
    for (slot, cs) in &edits {
        let landed = after
            .iter()
            .any(|s| s.id() == slot.id() && !s.placeholder())
            && cs.iter().all(|c| reloaded.source.text.contains(c.as_str()));
        if !landed {
            return Err(seal_err(format!(
                "the edit of `{}` did not land where it was meant to; site.toml is unchanged",
                slot.id()
            )));
        }
    }
    hearth::seal::write_atomic(site, &text)
}
