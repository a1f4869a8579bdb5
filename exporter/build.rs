//! Tells the tests which real programs are missing: outside CI a missing one
//! sets `no_<name>` and the tests that need it are `#[ignore]`d with the
//! reason (as the workspace's build.rs does); under `CI=true` they run and
//! fail on the missing program.

use std::path::Path;

/// (cfg, programs on PATH, files) of the end-to-end test with real programs.
const REAL: [(&str, &[&str], &[&str]); 1] = [(
    "real_nginx",
    &["nginx", "prometheus"],
    &[
        "/usr/lib/nginx/modules/ngx_http_modsecurity_module.so",
        "/usr/share/modsecurity-crs/rules/REQUEST-949-BLOCKING-EVALUATION.conf",
        "/etc/modsecurity/crs/crs-setup.conf",
    ],
)];

fn main() {
    println!("cargo:rerun-if-env-changed=CI");
    println!("cargo:rerun-if-env-changed=PATH");
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    let path = std::env::var_os("PATH").unwrap_or_default();
    for (cfg, programs, files) in REAL {
        println!("cargo::rustc-check-cfg=cfg(no_{cfg})");
        let mut found = true;
        for p in programs {
            match std::env::split_paths(&path)
                .map(|d| d.join(p))
                .find(|c| c.is_file())
            {
                Some(c) => println!("cargo:rerun-if-changed={}", c.display()),
                None => {
                    println!("cargo:rerun-if-changed=/usr/bin/{p}");
                    found = false;
                }
            }
        }
        for f in files {
            println!("cargo:rerun-if-changed={f}");
            found &= Path::new(f).is_file();
        }
        if !found && !ci {
            println!("cargo::rustc-cfg=no_{cfg}");
        }
    }
}
