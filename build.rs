//! Embeds every file under `templates/` into the binary as (name, source) pairs,
//! so a release binary renders with no files beside it; lifts each lint rule's
//! documentation out of its file's `//!` comment (see `rule_docs`); and tells
//! the tests which external programs are missing (see `external_tools`).

use std::path::Path;

fn collect(dir: &Path, root: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("templates/ is readable")
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, root, out);
        } else if p
            .extension()
            .is_some_and(|e| e == "yaml" || e == "json" || e == "md" || e == "sh")
            && p.file_name().is_some_and(|n| n != "README.md")
        {
            out.push(
                p.strip_prefix(root)
                    .expect("under root")
                    .to_string_lossy()
                    .replace('\\', "/"),
            );
        }
    }
}

/// The external programs some tests run, by cfg name: found on PATH, or in
/// the test venv (`HEARTH_VENV`, else `.venv`) that scripts/test sets up.
const TOOLS: [(&str, &str, bool); 10] = [
    ("kubectl", "kubectl", false),
    ("promtool", "promtool", false),
    ("amtool", "amtool", false),
    ("shellcheck", "shellcheck", false),
    ("age", "age", false),
    ("lua", "lua5.1", false),
    ("venv_python", "python3", true),
    ("kubernetes_validate", "kubernetes-validate", true),
    ("check_jsonschema", "check-jsonschema", true),
    ("pre_commit", "pre-commit", true),
];

/// Python packages of the test venv some tests import, by cfg name.
const PACKAGES: [(&str, &str); 2] = [
    ("helm_engine", "helm_python"),
    ("cryptography", "cryptography"),
];

/// Outside CI a missing program sets `no_<tool>`, and the tests that need it
/// are `#[ignore]`d with the reason, so the test run lists them as skipped
/// instead of passing them silently. Under `CI=true` nothing is ignored: such
/// a test runs and fails on the missing program.
fn external_tools() {
    println!("cargo:rerun-if-env-changed=CI");
    println!("cargo:rerun-if-env-changed=PATH");
    println!("cargo:rerun-if-env-changed=HEARTH_VENV");
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    let venv = std::env::var_os("HEARTH_VENV")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join(".venv"))
        .join("bin");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let site_packages: Vec<std::path::PathBuf> = std::fs::read_dir(venv.with_file_name("lib"))
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("site-packages"))
        .collect();
    for (cfg, module) in PACKAGES {
        println!("cargo::rustc-check-cfg=cfg(no_{cfg})");
        let found = site_packages.iter().any(|d| d.join(module).is_dir());
        println!(
            "cargo:rerun-if-changed={}",
            venv.with_file_name("lib").display()
        );
        if !found && !ci {
            println!("cargo::rustc-cfg=no_{cfg}");
        }
    }
    for (cfg, program, in_venv) in TOOLS {
        println!("cargo::rustc-check-cfg=cfg(no_{cfg})");
        let candidates: Vec<std::path::PathBuf> = if in_venv {
            vec![venv.join(program)]
        } else {
            std::env::split_paths(&path)
                .map(|d| d.join(program))
                .collect()
        };
        let found = candidates.iter().find(|p| p.is_file());
        // A missing file makes cargo rerun this script on every build, so an
        // installed program is noticed; a found one is watched for changes.
        match found {
            Some(p) => println!("cargo:rerun-if-changed={}", p.display()),
            None => {
                let watch = if in_venv {
                    venv.join(program)
                } else {
                    Path::new("/usr/bin").join(program)
                };
                println!("cargo:rerun-if-changed={}", watch.display());
                if !ci {
                    println!("cargo::rustc-cfg=no_{cfg}");
                }
            }
        }
    }
}

/// The package folder, read when the script runs (not when it was compiled:
/// a build folder copied from another checkout must read this one).
fn manifest_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"))
}

/// The sections of a rule's documentation, as its file's `//!` comment
/// writes them (ruff's layout): `## What it does`, `## Why`, `## Example`
/// (a TOML code block) and `## Fix`.
const SECTIONS: [&str; 4] = ["What it does", "Why", "Example", "Fix"];

/// Each lint rule file (`src/lint/rules/<name>.rs`) documents its rule in
/// its module comment; this writes those sections as one `Doc` constant per
/// rule, named after the file, for `hearth explain`, `--list-rules` and
/// SARIF. Prose is reflowed into one line per paragraph; the example keeps
/// its lines.
fn rule_docs() {
    let dir = manifest_dir().join("src/lint/rules");
    println!("cargo:rerun-if-changed=src/lint/rules");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("src/lint/rules is readable")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs") && !p.ends_with("mod.rs"))
        .collect();
    files.sort();
    let mut code = String::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a rule file is readable");
        let doc: Vec<&str> = text
            .lines()
            .map_while(|l| l.strip_prefix("//!"))
            .map(|l| l.strip_prefix(' ').unwrap_or(l))
            .collect();
        let module = file.file_stem().expect("a file name").to_string_lossy();
        let mut fields = Vec::new();
        for (section, field) in SECTIONS.iter().zip(["summary", "why", "example", "fix"]) {
            let heading = format!("## {section}");
            let start = doc.iter().position(|l| *l == heading).unwrap_or_else(|| {
                panic!(
                    "{}: the rule's `//!` comment has no `{heading}`",
                    file.display()
                )
            });
            let body: Vec<&str> = doc[start + 1..]
                .iter()
                .take_while(|l| !l.starts_with("## "))
                .copied()
                .collect();
            let value = if field == "example" {
                let inner: Vec<&str> = body
                    .iter()
                    .skip_while(|l| !l.starts_with("```"))
                    .skip(1)
                    .take_while(|l| !l.starts_with("```"))
                    .copied()
                    .collect();
                inner.iter().map(|l| format!("{l}\n")).collect::<String>()
            } else {
                body.split(|l| l.is_empty())
                    .filter(|p| !p.is_empty())
                    .map(|p| p.join(" "))
                    .collect::<Vec<_>>()
                    .join("\n\n")
            };
            fields.push(format!("{field}: {value:?}"));
        }
        code.push_str(&format!(
            "#[allow(non_upper_case_globals)]\npub const {module}: Doc<'static> = Doc {{ {} }};\n",
            fields.join(", ")
        ));
    }
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("rule_docs.rs");
    std::fs::write(out, code).expect("write rule_docs.rs");
}

fn main() {
    external_tools();
    rule_docs();
    let root = manifest_dir().join("templates");
    println!("cargo:rerun-if-changed=templates");
    let mut names = Vec::new();
    collect(&root, &root, &mut names);
    let mut code = String::from("pub static TEMPLATES: &[(&str, &str)] = &[\n");
    for n in &names {
        code.push_str(&format!(
            "    ({n:?}, include_str!({:?})),\n",
            root.join(n).display().to_string()
        ));
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("templates.rs");
    std::fs::write(out, code).expect("write templates.rs");
}
