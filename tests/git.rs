//! The Git workflow on real temporary repositories: built with git2, checked
//! independently with the `git` binary.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{MINIMAL, Scratch, hearth, stderr};
use git2::{Repository, Signature};

fn git(dir: &Path, args: &[&str]) -> Output {
    let out = common::git_cmd(dir, args);
    assert!(
        out.status.success() || args[0] == "commit",
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A repository in a scratch folder, with an identity configured.
fn repo(s: &Scratch) -> Repository {
    let r = Repository::init(s.path()).unwrap();
    let mut c = r.config().unwrap();
    c.set_str("user.name", "t").unwrap();
    c.set_str("user.email", "t@example.com").unwrap();
    r
}

/// Commit every file of the worktree (git2), return the commit id.
fn commit_all(r: &Repository, msg: &str) -> String {
    let mut index = r.index().unwrap();
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    index.update_all(["*"], None).unwrap();
    index.write().unwrap();
    let tree = r.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = Signature::now("t", "t@example.com").unwrap();
    let parent = r.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    r.commit(Some("HEAD"), &sig, &sig, msg, &tree, &parents)
        .unwrap()
        .to_string()
}

fn run(dir: &Path, args: &[&str]) -> Output {
    hearth().current_dir(dir).args(args).output().unwrap()
}

/// A ciphertext-shaped value nobody else would write, so leaks can be grepped.
fn planted(tag: &str) -> String {
    let body: String = tag.chars().cycle().take(400).collect();
    format!("Ag{body}")
}

#[test]
fn check_reports_stale_missing_and_extra_files() {
    let s = common::rendered(MINIMAL);
    let ok = run(s.path(), &["check"]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert!(stdout(&ok).contains("up to date"));

    s.write("site.toml", MINIMAL.replace("nginx:1.27.0", "nginx:1.27.1"));
    std::fs::remove_file(
        s.path()
            .join("rendered/apps/app/app-secret.sealedsecret.yaml"),
    )
    .unwrap();
    s.write("rendered/apps/app/stray.yaml", "x: 1\n");
    let out = run(s.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("stale:") && text.contains("web.deployment.yaml"),
        "{text}"
    );
    assert!(
        text.contains("missing:") && text.contains("app-secret.sealedsecret.yaml"),
        "{text}"
    );
    assert!(
        text.contains("extra:") && text.contains("stray.yaml"),
        "{text}"
    );

    s.write("site.toml", "[site]\nname = 1\n");
    assert_eq!(run(s.path(), &["check"]).status.code(), Some(2));

    // up to date but a lint error: check fails unless --no-lint
    let unstated = MINIMAL.replace(
        "[services.app.ingresses.web]\npublic = true\n",
        "[services.app.ingresses.web]\n",
    );
    s.write("site.toml", &unstated);
    assert!(s.render().status.success());
    let out = run(s.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("HL101"), "{}", stderr(&out));
    assert_eq!(
        run(s.path(), &["check", "--no-lint"]).status.code(),
        Some(0)
    );
}

fn second_version() -> String {
    MINIMAL.replace("nginx:1.27.0", "nginx:1.27.1").replace(
        "[services.app.ingresses.web]\npublic = true\nrate_limit = \"standard\"\n",
        "",
    ) + "\n[services.extra]\n[services.extra.config_maps.settings.data]\nMODE = \"on\"\n"
}

#[test]
fn diff_between_two_commits_lists_added_removed_and_changed_objects() {
    let s = Scratch::new();
    let r = repo(&s);
    s.write("site.toml", MINIMAL);
    let c1 = commit_all(&r, "one");
    s.write("site.toml", second_version());
    let c2 = commit_all(&r, "two");
    // independent check: the git binary sees both commits and the site at each
    assert_eq!(
        stdout(&git(s.path(), &["rev-list", "--count", "HEAD"])).trim(),
        "2"
    );
    assert!(stdout(&git(s.path(), &["show", &format!("{c1}:site.toml")])).contains("nginx:1.27.0"));

    let out = run(
        s.path(),
        &["diff", "--base", &c1, "--head", &c2, "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let by = |change: &str| -> Vec<String> {
        v["objects"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["change"] == change)
            .map(|o| {
                format!(
                    "{} {}",
                    o["key"]["kind"].as_str().unwrap(),
                    o["key"]["name"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert!(
        by("added").contains(&"ConfigMap settings".to_string()),
        "{:?}",
        by("added")
    );
    assert!(by("added").contains(&"Application extra".to_string()));
    assert!(
        by("removed").contains(&"Ingress web".to_string()),
        "{:?}",
        by("removed")
    );
    assert!(
        by("changed").contains(&"Deployment web".to_string()),
        "{:?}",
        by("changed")
    );
    let dep = v["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["key"]["kind"] == "Deployment")
        .unwrap();
    assert_eq!(
        dep["fields"][0]["path"],
        ".spec.template.spec.containers[name=web].image"
    );
    assert_eq!(v["intent"]["services_added"], serde_json::json!(["extra"]));
    assert_eq!(v["intent"]["images_changed"][0][2], "nginx:1.27.1");

    // --exit-code, and the other formats
    assert_eq!(
        run(
            s.path(),
            &["diff", "--base", &c1, "--head", &c2, "--exit-code"]
        )
        .status
        .code(),
        Some(1)
    );
    assert_eq!(
        run(
            s.path(),
            &["diff", "--base", &c2, "--head", &c2, "--exit-code"]
        )
        .status
        .code(),
        Some(0)
    );
    let md = stdout(&run(
        s.path(),
        &["diff", "--base", &c1, "--head", &c2, "--format", "markdown"],
    ));
    assert!(
        md.contains("| added | removed | changed |")
            && md.contains("<details>")
            && md.contains("```diff"),
        "{md}"
    );
    let text = stdout(&run(s.path(), &["diff", "--base", &c1, "--head", &c2]));
    assert!(
        text.contains("image of app/web: nginx:1.27.0 → nginx:1.27.1"),
        "{text}"
    );
}

#[test]
fn every_secret_value_is_masked() {
    let s = Scratch::new();
    let r = repo(&s);
    let (a, b, c) = (
        planted("oldSecretValue"),
        planted("newSecretValue"),
        planted("addedSecret"),
    );
    s.write(
        "site.toml",
        MINIMAL.replace("PASSWORD = \"placeholder\"", &format!("PASSWORD = \"{a}\"")),
    );
    let c1 = commit_all(&r, "one");
    let site = MINIMAL.replace("PASSWORD = \"placeholder\"", &format!("PASSWORD = \"{b}\""))
        + &format!("\n[services.app.secrets.other]\nkeys = {{ TOKEN = \"{c}\" }}\n");
    s.write("site.toml", site);
    for format in ["text", "markdown", "json"] {
        let out = run(s.path(), &["diff", "--base", &c1, "--format", format]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains("SealedSecret"), "{text}");
        for planted in [&a, &b, &c] {
            for window in [&planted[..24], &planted[100..140], &planted[380..]] {
                assert!(
                    !text.contains(window),
                    "{format} output leaks a secret value: {window}"
                );
            }
        }
        assert!(
            text.contains("‹hidden #"),
            "{format}: a changed secret shows as changed"
        );
    }
}

#[test]
fn diff_against_a_base_without_a_site_shows_everything_added() {
    let s = Scratch::new();
    let r = repo(&s);
    s.write("README.md", "empty repo\n");
    let c1 = commit_all(&r, "one");
    s.write("site.toml", MINIMAL);
    let out = run(s.path(), &["diff", "--base", &c1, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let objects = v["objects"].as_array().unwrap();
    assert!(objects.len() > 8);
    assert!(objects.iter().all(|o| o["change"] == "added"));
}

#[test]
fn a_base_ref_that_does_not_exist_is_bad_input() {
    let s = Scratch::new();
    let r = repo(&s);
    s.write("site.toml", MINIMAL);
    commit_all(&r, "one");
    let out = run(s.path(), &["diff", "--base", "no-such-branch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("ref `no-such-branch` does not exist"),
        "{}",
        stderr(&out)
    );
    let out = run(
        &std::env::temp_dir(),
        &["diff", "--base", "main", "--site", "/nonexistent/site.toml"],
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_dirty_worktree_is_compared_and_left_alone() {
    let s = Scratch::new();
    let r = repo(&s);
    s.write("site.toml", MINIMAL);
    commit_all(&r, "one");
    s.write("site.toml", second_version());
    s.write("notes.txt", "untracked\n");
    let before = stdout(&git(s.path(), &["status", "--porcelain"]));
    let out = run(s.path(), &["diff", "--base", "HEAD", "--exit-code"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("worktree"));
    assert_eq!(
        before,
        stdout(&git(s.path(), &["status", "--porcelain"])),
        "diff changed the worktree"
    );
}

#[test]
fn diff_works_in_a_bare_clone() {
    let s = Scratch::new();
    let r = repo(&s);
    s.write("site.toml", MINIMAL);
    let c1 = commit_all(&r, "one");
    s.write("site.toml", second_version());
    commit_all(&r, "two");
    let bare = Scratch::new();
    let dest = bare.path().join("site.git");
    git(
        bare.path(),
        &[
            "clone",
            "--bare",
            "-q",
            &s.path().display().to_string(),
            &dest.display().to_string(),
        ],
    );
    let out = run(&dest, &["diff", "--base", &c1, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["head"], "HEAD");
    assert!(!v["objects"].as_array().unwrap().is_empty());
}

#[test]
fn render_commit_refuses_while_lint_has_errors() {
    let s = Scratch::new();
    let r = repo(&s);
    // HL001: a Longhorn volume no backup names and no reason
    let site =
        format!("{MINIMAL}\n[services.app.volumes.logs]\nkind = \"longhorn\"\nsize = \"1Gi\"\n");
    s.write("site.toml", &site);
    let head = commit_all(&r, "one");
    for args in [
        &["render", "--commit"][..],
        &["render", "--branch", "out"][..],
    ] {
        let out = run(s.path(), args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("HL001"), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("--allow-lint-errors"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(
        head.trim(),
        stdout(&git(s.path(), &["rev-parse", "HEAD"])).trim()
    );
    assert!(!s.path().join("rendered").exists(), "nothing is written");
    let out = run(s.path(), &["render", "--commit", "--allow-lint-errors"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_ne!(
        head.trim(),
        stdout(&git(s.path(), &["rev-parse", "HEAD"])).trim()
    );
}

#[test]
fn render_commit_stages_only_the_output_and_refuses_unrelated_staged_changes() {
    let s = Scratch::new();
    let r = repo(&s);
    s.write("site.toml", MINIMAL);
    s.write("other.txt", "a\n");
    commit_all(&r, "one");

    let out = run(s.path(), &["render", "--commit", "-m", "render it"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let shown = stdout(&git(
        s.path(),
        &["show", "--stat", "--format=%s%n%b", "HEAD"],
    ));
    assert!(shown.starts_with("render it"), "{shown}");
    assert!(
        shown.contains("+ rendered/apps/app/web.deployment.yaml"),
        "the message lists changed files: {shown}"
    );
    let files = stdout(&git(
        s.path(),
        &["show", "--name-only", "--format=", "HEAD"],
    ));
    assert!(files.lines().all(|l| l.starts_with("rendered/")), "{files}");
    assert!(stdout(&git(s.path(), &["status", "--porcelain", "rendered"])).is_empty());

    // unchanged: no new commit
    let head = stdout(&git(s.path(), &["rev-parse", "HEAD"]));
    assert!(stdout(&run(s.path(), &["render", "--commit"])).contains("nothing to commit"));
    assert_eq!(head, stdout(&git(s.path(), &["rev-parse", "HEAD"])));

    // an unrelated staged change: refuse, commit nothing
    s.write("other.txt", "b\n");
    git(s.path(), &["add", "other.txt"]);
    s.write("site.toml", second_version());
    let out = run(s.path(), &["render", "--commit"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("other.txt"), "{}", stderr(&out));
    assert_eq!(head, stdout(&git(s.path(), &["rev-parse", "HEAD"])));

    // with the site file: both staged together, removed files go too
    git(s.path(), &["restore", "--staged", "other.txt"]);
    let out = run(s.path(), &["render", "--commit", "--include-site"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let files = stdout(&git(
        s.path(),
        &["show", "--name-status", "--format=", "HEAD"],
    ));
    common::contains_all(
        "files",
        &files,
        ["site.toml", "D\trendered/apps/app/web.ingress.yaml"],
    );
    assert!(!files.contains("other.txt"));
}

#[test]
fn render_branch_leaves_the_worktree_alone() {
    let s = Scratch::new();
    let r = repo(&s);
    s.write("site.toml", MINIMAL);
    commit_all(&r, "one");
    let head = stdout(&git(s.path(), &["rev-parse", "HEAD"]));
    let out = run(s.path(), &["render", "--branch", "rendered-manifests"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        !s.path().join("rendered").exists(),
        "--branch must not write the worktree"
    );
    assert_eq!(head, stdout(&git(s.path(), &["rev-parse", "HEAD"])));
    assert!(stdout(&git(s.path(), &["status", "--porcelain"])).is_empty());
    let listed = stdout(&git(
        s.path(),
        &["ls-tree", "-r", "--name-only", "rendered-manifests"],
    ));
    assert!(
        listed.lines().all(|l| l.starts_with("rendered/")),
        "{listed}"
    );
    assert!(listed.contains("rendered/argocd/root.application.yaml"));
    // the same content as a normal render
    assert!(run(s.path(), &["render"]).status.success());
    for path in listed.lines() {
        let in_branch = stdout(&git(
            s.path(),
            &["show", &format!("rendered-manifests:{path}")],
        ));
        assert_eq!(
            in_branch,
            std::fs::read_to_string(s.path().join(path)).unwrap(),
            "{path}"
        );
    }
    // rendering again changes nothing; the checked-out branch is refused
    assert!(
        stdout(&run(
            s.path(),
            &["render", "--branch", "rendered-manifests"]
        ))
        .contains("nothing to commit")
    );
    let current = stdout(&git(s.path(), &["branch", "--show-current"]));
    assert_eq!(
        run(s.path(), &["render", "--branch", current.trim()])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn the_installed_hook_blocks_stale_commits_and_never_overwrites_a_foreign_hook() {
    let s = Scratch::new();
    let r = repo(&s);
    s.write("site.toml", MINIMAL);
    assert!(s.render().status.success());
    commit_all(&r, "one");
    let out = run(s.path(), &["hook", "install"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // fresh: the commit goes through
    s.write("notes.txt", "x\n");
    git(s.path(), &["add", "notes.txt"]);
    let ok = git(s.path(), &["commit", "-q", "-m", "fresh"]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );

    // stale: refused by the hook
    s.write("site.toml", second_version());
    git(s.path(), &["add", "site.toml"]);
    let refused = git(s.path(), &["commit", "-q", "-m", "stale"]);
    assert!(!refused.status.success(), "a stale commit went through");
    assert!(
        String::from_utf8_lossy(&refused.stdout).contains("stale:")
            || String::from_utf8_lossy(&refused.stderr).contains("stale")
    );

    // the index is what is judged: a fresh rendered/ left unstaged is refused,
    // and the same commit goes through once it is staged
    assert!(s.render().status.success());
    let refused = git(s.path(), &["commit", "-q", "-m", "unstaged output"]);
    assert!(
        !refused.status.success(),
        "a commit with stale staged output went through"
    );
    assert!(
        String::from_utf8_lossy(&refused.stdout).contains("stale:")
            || String::from_utf8_lossy(&refused.stderr).contains("stale")
    );
    git(s.path(), &["add", "rendered"]);
    let ok = git(s.path(), &["commit", "-q", "-m", "staged output"]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    // and the other way round: stale work tree, fresh index
    s.write("site.toml", MINIMAL);
    let ok = git(
        s.path(),
        &["commit", "-q", "--allow-empty", "-m", "index fresh"],
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );

    // reinstalling our own hook is fine; a foreign one is refused, then kept as .bak with --force
    assert_eq!(run(s.path(), &["hook", "install"]).status.code(), Some(0));
    let hook = s.path().join(".git/hooks/pre-commit");
    std::fs::write(&hook, "#!/bin/sh\necho mine\n").unwrap();
    let out = run(s.path(), &["hook", "install"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not written by hearth"));
    assert_eq!(
        std::fs::read_to_string(&hook).unwrap(),
        "#!/bin/sh\necho mine\n"
    );
    assert_eq!(
        run(s.path(), &["hook", "install", "--force"]).status.code(),
        Some(0)
    );
    assert_eq!(
        s.read(".git/hooks/pre-commit.bak"),
        "#!/bin/sh\necho mine\n"
    );
}

#[test]
fn init_scaffolds_a_site_that_renders() {
    let s = Scratch::new();
    let dir = s.path().join("new-site");
    let out = run(s.path(), &["init", &dir.display().to_string()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for f in [
        "site.toml",
        "schema/site.schema.json",
        ".pre-commit-config.yaml",
        ".gitignore",
        "policies/README.md",
    ] {
        assert!(dir.join(f).exists(), "{f} missing");
    }
    let out = hearth()
        .args([
            "render",
            "--site",
            &dir.join("site.toml").display().to_string(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(dir.join("schema/site.schema.json"))
            .unwrap()
            .trim_end(),
        hearth::site::schema_json()
    );
    // never over an existing site
    let again = run(s.path(), &["init", &dir.display().to_string()]);
    assert_eq!(again.status.code(), Some(2));
}

/// The real pre-commit framework runs the hook definitions of
/// `.pre-commit-hooks.yaml` (via `pre-commit try-repo`, which reads this
/// repository as it is on disk): it passes on a fresh render and fails on a
/// stale one.
#[test]
#[cfg_attr(no_pre_commit, ignore = "no pre-commit: run scripts/test (CI=true fails)")]
fn the_pre_commit_framework_runs_the_published_hooks() {
    let venv = std::env::var_os("HEARTH_VENV")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| common::repo().join(".venv"));
    let pre_commit = venv.join("bin/pre-commit");
    if !pre_commit.is_file() {
        assert!(
            !common::in_ci(),
            "pre-commit is required in CI; scripts/test installs it"
        );
        eprintln!("SKIP: pre-commit not installed (scripts/test installs it)");
        return;
    }
    let s = Scratch::new();
    let r = repo(&s);
    s.write("site.toml", MINIMAL);
    assert!(s.render().status.success());
    commit_all(&r, "one");
    let home = Scratch::new();
    let path = common::path_with_hearth();
    let try_repo_hook = |hook: &str| {
        Command::new(&pre_commit)
            .current_dir(s.path())
            .args([
                "try-repo",
                &common::repo().display().to_string(),
                hook,
                "--all-files",
            ])
            .env("PATH", &path)
            .env("PRE_COMMIT_HOME", home.path())
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .unwrap()
    };
    let try_repo = || try_repo_hook("hearth-check");
    let lint = try_repo_hook("hearth-lint");
    assert!(
        lint.status.success(),
        "hearth-lint failed on a clean site:\n{}",
        stdout(&lint)
    );
    assert!(stdout(&lint).contains("hearth lint"), "{}", stdout(&lint));
    let fresh = try_repo();
    assert!(
        fresh.status.success(),
        "pre-commit failed on a fresh render:\n{}{}",
        stdout(&fresh),
        stderr(&fresh)
    );
    assert!(
        stdout(&fresh).contains("hearth check") && stdout(&fresh).contains("Passed"),
        "{}",
        stdout(&fresh)
    );

    s.write("site.toml", MINIMAL.replace("nginx:1.27.0", "nginx:1.27.2"));
    let stale = try_repo();
    assert_eq!(
        stale.status.code(),
        Some(1),
        "pre-commit passed a stale render:\n{}",
        stdout(&stale)
    );
    assert!(
        stdout(&stale).contains("Failed") && stdout(&stale).contains("stale:"),
        "{}",
        stdout(&stale)
    );
}

#[test]
fn diff_lints_each_side_with_the_policies_of_its_own_ref() {
    let policy = |min: u32| {
        format!(
            "id: two-replicas\nmessage: a Deployment runs two replicas\nselect:\n  kinds: [Deployment]\nschema:\n  properties:\n    spec:\n      properties:\n        replicas: {{ minimum: {min} }}\n"
        )
    };
    let s = Scratch::new();
    let r = repo(&s);
    s.write("site.toml", MINIMAL);
    s.write("policies/two-replicas.yaml", policy(1));
    let c1 = commit_all(&r, "lenient policy");
    // The worktree tightens the policy: only the head side breaks it.
    s.write("policies/two-replicas.yaml", policy(2));
    let out = run(s.path(), &["diff", "--base", &c1, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let new = v["intent"]["new_findings"].to_string();
    assert!(new.contains("two-replicas"), "{new}");
    // Committed, then compared the other way round: nothing new.
    let c2 = commit_all(&r, "strict policy");
    let out = run(
        s.path(),
        &["diff", "--base", &c2, "--head", &c1, "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        !v["intent"]["new_findings"]
            .to_string()
            .contains("two-replicas"),
        "{v}"
    );
    // A policy broken at the base is bad input naming the ref.
    s.write("policies/two-replicas.yaml", "id: [\n");
    let c3 = commit_all(&r, "broken policy");
    s.write("policies/two-replicas.yaml", policy(1));
    let out = run(s.path(), &["diff", "--base", &c3]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(&format!("{c3}:policies/two-replicas.yaml:1:")),
        "{}",
        stderr(&out)
    );
}
