//! The committed `rendered/` is exactly what the reference site renders to, and
//! rendering is deterministic: twice in a row, and with site.toml's entries in
//! another order, the bytes are the same.

mod common;

use std::path::Path;

fn reference() -> String {
    std::fs::read_to_string(common::repo().join("site.toml")).unwrap()
}

#[test]
fn committed_rendered_matches_site_toml() {
    let files = common::render_text("site.toml", &reference());
    let drift = common::drift(&files, &common::repo().join("rendered"));
    assert!(
        drift.is_empty(),
        "rendered/ is stale; run `cargo run --release -- render`\n{drift}"
    );
}

#[test]
fn every_rendered_file_ends_with_a_newline() {
    let files = common::render_text("site.toml", &reference());
    // the DR scripts and runbook come from templates, which lose their last newline
    assert!(
        files
            .keys()
            .any(|k| k.starts_with("dr/") && k.ends_with(".sh"))
    );
    let missing: Vec<&String> = files
        .iter()
        .filter(|(_, text)| !text.ends_with('\n'))
        .map(|(k, _)| k)
        .collect();
    assert!(missing.is_empty(), "no final newline: {missing:?}");
}

#[test]
fn rendering_twice_gives_the_same_bytes() {
    assert_eq!(
        common::render_text("site.toml", &reference()),
        common::render_text("site.toml", &reference())
    );
}

/// Split site.toml into its preamble and one block per service: a `[services.X]`
/// header and everything up to the next one.
fn service_blocks(text: &str) -> (String, Vec<String>) {
    let mut pre = String::new();
    let mut blocks: Vec<String> = Vec::new();
    for line in text.split_inclusive('\n') {
        let t = line.trim_end();
        let is_service_header = t.starts_with("[services.")
            && t.ends_with(']')
            && !t["[services.".len()..t.len() - 1].contains('.');
        if is_service_header {
            blocks.push(String::new());
        }
        match blocks.last_mut() {
            Some(b) => b.push_str(line),
            None => pre.push_str(line),
        }
    }
    assert!(
        blocks.len() >= 20,
        "expected the reference site's services, found {}",
        blocks.len()
    );
    (pre, blocks)
}

fn services_reversed(text: &str) -> String {
    let (pre, mut blocks) = service_blocks(text);
    blocks.reverse();
    pre + &blocks.concat()
}

/// The same document with every table's keys re-emitted in sorted order.
fn keys_resorted(text: &str) -> String {
    let v: toml::Table = toml::from_str(text).unwrap();
    toml::to_string(&v).unwrap()
}

#[test]
fn order_of_entries_does_not_matter() {
    let base = common::render_text("site.toml", &reference());
    let reversed = services_reversed(&reference());
    assert_ne!(reversed, reference());
    assert_eq!(
        base,
        common::render_text("reversed.toml", &reversed),
        "reversing the services changed the output"
    );
    assert_eq!(
        base,
        common::render_text("resorted.toml", &keys_resorted(&reference())),
        "re-sorting keys changed the output"
    );
}

#[test]
fn render_command_writes_the_same_tree_and_replaces_stale_files() {
    let s = common::Scratch::new();
    std::fs::copy(common::repo().join("site.toml"), s.site()).unwrap();
    let out = s.render();
    assert!(out.status.success(), "{}", common::stderr(&out));
    let written = common::tree(&s.path().join("rendered"));
    let expected = common::tree(&common::repo().join("rendered"));
    assert_eq!(
        written.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    assert!(
        written == expected,
        "render output differs from the committed rendered/"
    );

    // A service removed from the site disappears from the output.
    let (pre, blocks) = service_blocks(&reference());
    let kept: Vec<String> = blocks
        .into_iter()
        .filter(|b| !b.starts_with("[services.whoami]"))
        .collect();
    s.write("site.toml", pre + &kept.concat());
    let out = s.render();
    assert!(out.status.success(), "{}", common::stderr(&out));
    let after = common::tree(&s.path().join("rendered"));
    assert!(
        !after.keys().any(|k| k.contains("whoami")),
        "files of a removed service remain"
    );
    assert!(!Path::new(&s.path().join("rendered/apps/whoami")).exists());
    // no temporary folders are left beside the output
    let leftovers: Vec<_> = std::fs::read_dir(s.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// The id of a process that has exited.
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

#[test]
fn a_render_killed_mid_swap_is_cleaned_up_by_the_next() {
    let s = common::Scratch::new();
    std::fs::copy(common::repo().join("site.toml"), s.site()).unwrap();
    assert!(s.render().status.success());
    // Killed between the two renames: the old tree moved aside, the new one
    // never moved in, so there is no rendered/ at all.
    let dead = dead_pid();
    let old = s.path().join(format!(".rendered.old-{dead}"));
    let tmp = s.path().join(format!(".rendered.tmp-{dead}"));
    std::fs::rename(s.path().join("rendered"), &old).unwrap();
    std::fs::create_dir_all(tmp.join("argocd")).unwrap();
    std::fs::write(tmp.join("argocd/half.yaml"), "x\n").unwrap();
    // A render running right now (this test process) keeps its folder.
    let live = s
        .path()
        .join(format!(".rendered.tmp-{}", std::process::id()));
    std::fs::create_dir_all(&live).unwrap();
    // Not ours: another name, or not a pid.
    let other = s.path().join(".rendered.tmp-notes");
    std::fs::create_dir_all(&other).unwrap();

    let out = s.render();
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(!old.exists() && !tmp.exists(), "stale temporaries remain");
    assert!(live.exists() && other.exists());
    assert_eq!(
        common::tree(&s.path().join("rendered")),
        common::tree(&common::repo().join("rendered"))
    );
}

#[test]
fn committed_schema_is_current() {
    let committed =
        std::fs::read_to_string(common::repo().join("schema/site.schema.json")).unwrap();
    assert_eq!(
        committed.trim_end(),
        hearth::site::schema_json(),
        "schema/site.schema.json is stale: run `cargo run -- schema > schema/site.schema.json`"
    );
    let site = reference();
    assert!(
        site.starts_with("#:schema ./schema/site.schema.json\n"),
        "site.toml must start with the #:schema directive"
    );
}

#[test]
fn reference_site_has_all_21_deployables() {
    let loaded = hearth::site::parse("site.toml", reference().into_bytes()).unwrap();
    let names: Vec<&str> = loaded.raw.services.keys().map(|n| n.as_str()).collect();
    for expected in [
        "argocd",
        "cert-manager",
        "ingress-nginx",
        "longhorn",
        "sealed-secrets",
        "prometheus",
        "grafana",
        "loki",
        "promtail",
        "geoipupdate",
        "postgres",
        "pg-backup",
        "pi-metrics",
        "bunetz",
        "homebridge",
        "immich",
        "myst",
        "pihole",
        "vaultwarden",
        "whoami",
        "ip",
    ] {
        assert!(names.contains(&expected), "missing service {expected}");
    }
    assert_eq!(names.len(), 21);
}

#[test]
fn readme_opens_with_the_two_commands_and_carries_the_current_reference() {
    let readme = std::fs::read_to_string(common::repo().join("README.md")).unwrap();
    let first_block = readme.split("```").nth(1).expect("a code block");
    common::contains_all(
        "first_block",
        first_block,
        ["cargo run --release -- render", "scripts/test"],
    );
    let ci = std::fs::read_to_string(common::repo().join(".ci/run")).unwrap();
    assert!(
        ci.lines().any(|l| l.trim() == "exec scripts/test"),
        ".ci/run must run the README's test command"
    );
    let start = readme
        .find("<!-- site-reference:start -->\n")
        .expect("start marker")
        + "<!-- site-reference:start -->\n".len();
    let end = readme
        .find("<!-- site-reference:end -->")
        .expect("end marker");
    assert_eq!(
        &readme[start..end],
        hearth::site::reference::markdown(),
        "README's site.toml reference is stale: regenerate it with `hearth schema --markdown`"
    );
}

#[test]
fn sync_waves_follow_the_restore_order() {
    let loaded = hearth::site::parse("site.toml", reference().into_bytes()).unwrap();
    let plan = hearth::plan::plan(&loaded).unwrap();
    let wave = |n: &str| {
        plan.service(n)
            .unwrap_or_else(|| panic!("no service {n}"))
            .wave
    };
    assert_eq!(wave("argocd"), 0);
    assert_eq!(wave("sealed-secrets"), 1);
    assert_eq!(wave("longhorn"), 2);
    assert_eq!(wave("cert-manager"), 3);
    assert_eq!(wave("ingress-nginx"), 3);
    assert_eq!(wave("postgres"), 4);
    for app in [
        "immich",
        "vaultwarden",
        "grafana",
        "bunetz",
        "loki",
        "prometheus",
    ] {
        assert!(wave(app) >= 5, "{app} must sync after the platform");
    }
    // explicit depends_on pushes later
    assert!(wave("pg-backup") > wave("immich") && wave("pg-backup") > wave("postgres"));
    assert!(wave("promtail") > wave("loki"));
    // and it is what the Application says
    let app =
        std::fs::read_to_string(common::repo().join("rendered/argocd/longhorn.application.yaml"))
            .unwrap();
    assert!(app.contains("argocd.argoproj.io/sync-wave: \"2\""), "{app}");
}
