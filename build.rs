//! Embeds every file under `templates/` into the binary as (name, source) pairs,
//! so a release binary renders with no files beside it.

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

fn main() {
    // The manifest folder at run time, not `env!` at the script's compile time:
    // a build script compiled for one checkout is reused by cargo for another
    // (its unit hash does not depend on the path), and must read that one's
    // templates.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest).join("templates");
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
