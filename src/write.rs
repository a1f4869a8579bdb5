//! Write: turn validated objects into files and replace `rendered/` atomically.
//!
//! The new tree is written to a temporary folder beside the output folder, then
//! swapped in with two renames; a failure before the swap leaves the previous
//! output untouched, and files of removed services disappear with the old tree.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::diag::{Code, InputError};
use crate::render::{Rendered, canonical};

/// Path under the output folder → file contents.
pub type Files = BTreeMap<String, String>;

/// The bytes of every output file.
pub fn files(rendered: &Rendered) -> Result<Files, InputError> {
    // Serialising is independent per object: spread it over every core.
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let chunk = rendered.objects.len().div_ceil(threads).max(1);
    let parts: Vec<Result<Vec<(String, String)>, InputError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = rendered
            .objects
            .chunks(chunk)
            .map(|objects| {
                scope.spawn(move || {
                    objects
                        .iter()
                        .map(|o| {
                            let text = canonical::to_yaml(&o.value).map_err(|e| {
                                InputError::new(
                                    Code::Write,
                                    format!("cannot serialise `{}`: {e}", o.path),
                                )
                            })?;
                            Ok((o.path.clone(), text))
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("serialising threads do not panic"))
            .collect()
    });
    let mut out = Files::new();
    for part in parts {
        out.extend(part?);
    }
    out.extend(
        rendered
            .files
            .iter()
            .map(|f| (f.path.clone(), with_final_newline(&f.content))),
    );
    Ok(out)
}

/// Text files end with a newline (POSIX text; `git diff` and editors flag a
/// missing one). Templates lose theirs: minijinja drops the last newline.
fn with_final_newline(text: &str) -> String {
    if text.is_empty() || text.ends_with('\n') {
        text.to_string()
    } else {
        format!("{text}\n")
    }
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> InputError {
    InputError::new(Code::Io, format!("cannot {what} `{}`: {e}", path.display()))
        .help("check that the folder is writable and the disk is not full")
}

/// True when `dir` is missing, empty, or looks like hearth's own output
/// (`marker` is a file hearth writes there, starting with its header).
fn is_ours(dir: &Path, marker: &str) -> bool {
    let Ok(mut entries) = std::fs::read_dir(dir) else {
        return true;
    };
    if entries.next().is_none() {
        return true;
    }
    std::fs::read_to_string(dir.join(marker)).is_ok_and(|t| t.starts_with(canonical::HEADER))
}

/// Whether process `pid` still runs; unknown counts as running (its folder is
/// then left alone, never deleted under a live render).
fn process_runs(pid: u32) -> bool {
    if pid == std::process::id() {
        return false; // ours are from an earlier process that had our id
    }
    if Path::new("/proc/self").exists() {
        return Path::new("/proc").join(pid.to_string()).exists();
    }
    #[cfg(unix)]
    {
        // `kill -0` asks whether the process exists without signalling it.
        std::process::Command::new("kill")
            .args(["-0", &pid.to_string()])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
    #[cfg(not(unix))]
    true
}

/// Remove `.<base>.tmp-<pid>` and `.<base>.old-<pid>` folders beside the output
/// whose process no longer runs: a render killed between the swap's two
/// renames (or while writing) leaves them, and nothing else would remove them.
fn remove_stale_temporaries(parent: &Path, base: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let prefixes = [format!(".{base}.tmp-"), format!(".{base}.old-")];
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let pid = prefixes
            .iter()
            .find_map(|p| name.strip_prefix(p.as_str()))
            .and_then(|n| n.parse::<u32>().ok());
        if let Some(pid) = pid
            && e.file_type().is_ok_and(|t| t.is_dir())
            && !process_runs(pid)
        {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// Replace `out` with exactly `files`.
pub fn write(out: &Path, files: &Files) -> Result<(), InputError> {
    write_owned(out, files, "argocd/kustomization.yaml")
}

/// Replace `out` with exactly `files`, when `out` is hearth's: missing, empty,
/// or holding `marker` with hearth's header (the chart objects' folder is
/// recognised by its `index.yaml`).
pub fn write_owned(out: &Path, files: &Files, marker: &str) -> Result<(), InputError> {
    if out.exists() && !out.is_dir() {
        return Err(InputError::new(
            Code::Write,
            format!("`{}` exists and is not a folder", out.display()),
        )
        .help("pass another folder with `--out`"));
    }
    if !is_ours(out, marker) {
        return Err(InputError::new(
            Code::Write,
            format!(
                "`{}` holds files hearth did not write; refusing to replace it",
                out.display()
            ),
        )
        .help("hearth owns its output folder: pass another `--out`, or move those files away"));
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| io_err("create", &parent, e))?;
    let base = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "rendered".into());
    remove_stale_temporaries(&parent, &base);
    let tmp = parent.join(format!(".{base}.tmp-{}", std::process::id()));
    let old = parent.join(format!(".{base}.old-{}", std::process::id()));
    let result = (|| {
        for (rel, text) in files {
            let path = tmp.join(rel);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| io_err("create", dir, e))?;
            }
            let mut f = std::fs::File::create(&path).map_err(|e| io_err("write", &path, e))?;
            // No fsync per file: rendered/ is reproducible from site.toml, and
            // thousands of fsyncs cost seconds. The swap below is what keeps a
            // failed run from leaving a half-written tree.
            f.write_all(text.as_bytes())
                .map_err(|e| io_err("write", &path, e))?;
            #[cfg(unix)]
            if rel.ends_with(".sh") {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
                    .map_err(|e| io_err("make executable", &path, e))?;
            }
        }
        if out.exists() {
            std::fs::rename(out, &old).map_err(|e| io_err("move aside", out, e))?;
        }
        if let Err(e) = std::fs::rename(&tmp, out) {
            let _ = std::fs::rename(&old, out);
            return Err(io_err("replace", out, e));
        }
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&tmp);
    let _ = std::fs::remove_dir_all(&old);
    result
}

/// The files currently under `dir`, for comparisons (`hearth check`, tests).
pub fn read_tree(dir: &Path) -> Result<Files, InputError> {
    let mut out = Files::new();
    if !dir.exists() {
        return Ok(out);
    }
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| {
            InputError::new(Code::Io, format!("cannot read `{}`: {e}", dir.display()))
        })?;
        if entry.file_type().is_file() {
            let rel = entry
                .path()
                .strip_prefix(dir)
                .expect("under dir")
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(entry.path())
                .map_err(|e| io_err("read", entry.path(), e))?;
            out.insert(rel, text);
        }
    }
    Ok(out)
}
