//! Every kind of bad input gives exit code 2, a diagnostic naming the file, line
//! and column and what to do, and leaves a previously rendered output untouched.

mod common;

use common::{MINIMAL, Scratch, stderr, tree};

/// Render MINIMAL, then replace the site (and extra files), render again, and
/// check the failure. Returns stderr.
fn fails(site: Option<&[u8]>, extra: &[(&str, &str)], expect: &[&str]) -> String {
    let s = Scratch::with_site(MINIMAL);
    let ok = s.render();
    assert!(
        ok.status.success(),
        "the minimal site must render: {}",
        stderr(&ok)
    );
    let before = tree(&s.path().join("rendered"));
    assert!(!before.is_empty());
    match site {
        Some(text) => {
            s.write("site.toml", text);
        }
        None => std::fs::remove_file(s.site()).unwrap(),
    }
    for (rel, text) in extra {
        s.write(rel, text);
    }
    let out = s.render();
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "expected exit 2, got {:?}\n{err}",
        out.status.code()
    );
    common::contains_all("stderr", &err, expect);
    assert!(err.contains("nothing was written"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        before,
        tree(&s.path().join("rendered")),
        "rendered/ changed after a failed render"
    );
    snapshot(&err, s.path());
    err
}

/// The diagnostic exactly as a person reads it, pinned per test (the scratch
/// folder's path replaced): wording, location, labels, help and closing line.
fn snapshot(err: &str, scratch: &std::path::Path) {
    let shown = err.replace(&scratch.display().to_string(), "<scratch>");
    let test = std::thread::current()
        .name()
        .expect("tests run on named threads")
        .rsplit("::")
        .next()
        .expect("a name")
        .to_string();
    // A test may check several inputs: number them in order.
    thread_local!(static CALLS: std::cell::Cell<u32> = const { std::cell::Cell::new(0) });
    let n = CALLS.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    let name = if n == 1 { test } else { format!("{test}-{n}") };
    insta::assert_snapshot!(name, shown);
}

fn with(from: &str, to: &str) -> Vec<u8> {
    common::minimal_with(from, to).into_bytes()
}

/// [`fails`] with MINIMAL and `template` as its site-local Namespace template.
fn namespace_template_fails(template: &str, expect: &[&str]) -> String {
    fails(
        Some(MINIMAL.as_bytes()),
        &[("templates/k8s/namespace.yaml", template)],
        expect,
    )
}

#[test]
fn malformed_toml() {
    let err = fails(
        Some(&with("rps = 10", "rps = ")),
        &[],
        &["invalid TOML", "site.toml:16:7", "help:"],
    );
    assert!(err.contains("hearth::parse"));
}

#[test]
fn unknown_key_suggests_the_closest() {
    fails(
        Some(&with("retain = 7", "retian = 7")),
        &[],
        &[
            "unknown key `retian`",
            "site.toml:28:1",
            "did you mean `retain`?",
        ],
    );
}

#[test]
fn wrong_type() {
    fails(
        Some(&with("retain = 7", "retain = \"seven\"")),
        &[],
        &["invalid type", "site.toml:28:10"],
    );
}

#[test]
fn duplicate_service_name() {
    let text = format!("{MINIMAL}\n[services.app]\ndescription = \"again\"\n");
    fails(
        Some(text.as_bytes()),
        &[],
        &["duplicate key", "site.toml:55:11", "defined again here"],
    );
}

#[test]
fn duplicate_object_in_a_shared_namespace() {
    let text = format!(
        "{MINIMAL}\n[services.other]\nnamespace = \"app\"\n[services.other.secrets.app-secret]\nkeys = {{ X = \"placeholder\" }}\n"
    );
    fails(
        Some(text.as_bytes()),
        &[],
        &[
            "duplicate secret `app-secret` in namespace `app`",
            "declared again by service `other`",
            "first declared by service `app`",
        ],
    );
}

#[test]
fn dangling_reference_points_at_the_referencing_line() {
    fails(
        Some(&with(
            "secret = \"app-secret\", key",
            "secret = \"app-secert\", key",
        )),
        &[],
        &[
            "secret `app-secert` does not exist in namespace `app`",
            "site.toml:44:16",
            "did you mean `app-secret`?",
        ],
    );
    fails(
        Some(&with("volumes = [\"app/data\"]", "volumes = [\"app/dta\"]")),
        &[],
        &["service `app` has no volume `dta`", "site.toml:29:12"],
    );
    fails(
        Some(&with(
            "rate_limit = \"standard\"",
            "rate_limit = \"standrd\"",
        )),
        &[],
        &[
            "rate-limit tier `standrd` is not declared",
            "did you mean `standard`?",
        ],
    );
}

#[test]
fn empty_file() {
    fails(Some(b"  \n\n"), &[], &["is empty", "help:"]);
}

#[test]
fn missing_file() {
    fails(
        None,
        &[],
        &["cannot read", "site.toml", "No such file", "--site"],
    );
}

#[test]
fn invalid_utf8() {
    let mut bytes = MINIMAL.as_bytes().to_vec();
    let at = MINIMAL.find("lab.example").unwrap();
    bytes[at] = 0xff;
    fails(
        Some(&bytes),
        &[],
        &[
            "is not valid UTF-8",
            "site.toml:3:11",
            "this byte is not UTF-8",
        ],
    );
}

#[test]
fn image_without_tag() {
    fails(
        Some(&with("image = \"nginx:1.27.0\"", "image = \"nginx\"")),
        &[],
        &["image `nginx` has no tag", "site.toml:42:9"],
    );
}

#[test]
fn plaintext_secret_is_refused() {
    fails(
        Some(&with(
            "PASSWORD = \"placeholder\"",
            "PASSWORD = \"hunter2\"",
        )),
        &[],
        &["not kubeseal ciphertext", "kubeseal --raw"],
    );
}

#[test]
fn template_that_renders_invalid_yaml() {
    let bad = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: [unclosed\n";
    namespace_template_fails(
        bad,
        &[
            "template `k8s/namespace.yaml` rendered invalid YAML",
            "templates/k8s/namespace.yaml",
        ],
    );
}

#[test]
fn template_that_renders_an_invalid_object_names_template_object_and_path() {
    let bad = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{ service.namespace|tojson }}\n  lables: {}\n";
    namespace_template_fails(
        bad,
        &[
            "Namespace `app`",
            "site-local template `templates/k8s/namespace.yaml`",
            "at `/metadata`",
            "lables",
        ],
    );
}

#[test]
fn template_with_an_undefined_variable() {
    let bad = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {{ service.namspace|tojson }}\n";
    namespace_template_fails(
        bad,
        &["template `k8s/namespace.yaml` failed", "namespace.yaml:4"],
    );
}

#[test]
fn override_of_an_unknown_template() {
    fails(
        Some(MINIMAL.as_bytes()),
        &[("templates/k8s/deploymnet.yaml", "x")],
        &["overrides no built-in template"],
    );
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let out = common::hearth().arg("rendr").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = common::hearth().arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Examples:"));
}

#[test]
fn several_problems_are_reported_together() {
    let text = with("secret = \"app-secret\", key", "secret = \"nope\", key");
    let text = String::from_utf8(text)
        .unwrap()
        .replace("rate_limit = \"standard\"", "rate_limit = \"nope\"");
    let err = fails(
        Some(text.as_bytes()),
        &[],
        &[
            "secret `nope` does not exist",
            "rate-limit tier `nope`",
            "2 problems",
        ],
    );
    assert_eq!(err.matches("hearth::dangling").count(), 2);
}

#[test]
fn refuses_to_replace_a_folder_it_did_not_write() {
    let s = Scratch::with_site(MINIMAL);
    s.write("rendered/notes.txt", "mine");
    let out = s.render();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("holds files hearth did not write"));
    assert_eq!(s.read("rendered/notes.txt"), "mine");
}

#[test]
fn dependency_cycle() {
    let text = format!("{MINIMAL}\n[services.b]\ndepends_on = [\"app\"]\n")
        .replace("[services.app]\n", "[services.app]\ndepends_on = [\"b\"]\n");
    fails(
        Some(text.as_bytes()),
        &[],
        &["cycle", "app → b → app", "depends_on"],
    );
}

#[test]
fn dangling_depends_on() {
    let text = MINIMAL.replace(
        "[services.app]\n",
        "[services.app]\ndepends_on = [\"postgress\"]\n",
    );
    fails(
        Some(text.as_bytes()),
        &[],
        &["service `postgress` does not exist", "site.toml:40:15"],
    );
}

#[test]
fn a_closed_stdout_is_not_a_panic() {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = common::hearth()
        .arg("schema")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 1];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap(); // read one byte, then close the pipe
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{:?}", out.status);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

#[test]
fn a_template_cannot_name_an_object_outside_the_output() {
    let bad = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ../../escaped\n";
    let err = namespace_template_fails(bad, &["not a valid object name", "RFC 1123"]);
    assert!(err.contains("../../escaped"));
}

#[test]
fn longhorn_outside_longhorn_system() {
    // longhorn v1.6.2 chart/README.md:3: install in `longhorn-system` only.
    fails(
        Some(&with("namespace = \"longhorn-system\"\n", "")),
        &[],
        &[
            "Longhorn must run in namespace `longhorn-system`, not `longhorn`",
            "site.toml:33:1",
            "namespace = \"longhorn-system\"",
        ],
    );
}

#[test]
fn snippet_switch_written_as_a_config_key() {
    let text = format!(
        "{MINIMAL}\n[services.edge.helm]\nrepo = \"https://kubernetes.github.io/ingress-nginx\"\nchart = \"ingress-nginx\"\nversion = \"4.11.0\"\n[services.edge.helm.values.controller.config]\nallow-snippet-annotations = \"true\"\n"
    );
    fails(
        Some(text.as_bytes()),
        &[],
        &[
            "`controller.config.allow-snippet-annotations` duplicates a key the chart writes itself",
            "controller.allowSnippetAnnotations",
        ],
    );
}

/// Every input-error code is listed by `explain --codes` (pinned) and explained
/// by `explain <code>`, with or without the `hearth::` prefix; an unknown one is
/// a usage error that suggests the closest code.
#[test]
fn every_input_error_code_is_explained() {
    let list = common::hearth()
        .args(["explain", "--codes"])
        .output()
        .unwrap();
    assert!(list.status.success(), "{}", stderr(&list));
    let list = String::from_utf8(list.stdout).unwrap();
    insta::assert_snapshot!("explain_codes", list);
    for line in list.lines() {
        let code = line.split_whitespace().next().unwrap();
        assert!(code.starts_with("hearth::"), "{line}");
        for name in [code, code.trim_start_matches("hearth::")] {
            let out = common::hearth().args(["explain", name]).output().unwrap();
            assert!(out.status.success(), "{name}: {}", stderr(&out));
            let text = String::from_utf8(out.stdout).unwrap();
            for section in ["What it reports:", "Why:", "Fix:"] {
                assert!(text.contains(section), "{name} lacks {section}:\n{text}");
            }
        }
    }
    let out = common::hearth()
        .args(["explain", "hearth::dangle"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean `hearth::dangling`?"),
        "{}",
        stderr(&out)
    );
}

/// Each backup kind takes its own fields: one another kind uses is refused
/// (a typo in `kind` is not silent), and a missing one is named.
#[test]
fn backup_fields_follow_the_kind() {
    // A Longhorn backup has no node, user or image of its own.
    let err = fails(
        Some(&with(
            "retain = 7\nvolumes = [\"app/data\"]",
            "retain = 7\nvolumes = [\"app/data\"]\nnode = \"pi1\"\nuser = \"postgres\"",
        )),
        &[],
        &[
            "`user` does not apply to a backup of kind `longhorn`",
            "`node` does not apply to a backup of kind `longhorn`",
            "site.toml:24:1",
        ],
    );
    assert!(!err.contains("needs"), "{err}");
    // An rclone backup keeps no count of copies, and needs its remote and config.
    fails(
        Some(&with(
            "kind = \"longhorn\"\ntarget = \"nas\"",
            "kind = \"rclone\"\nimage = \"rclone/rclone:1.68.1\"\nvolume = \"app/data\"",
        )),
        &[],
        &[
            "`retain` does not apply to a backup of kind `rclone`",
            "`volumes` does not apply to a backup of kind `rclone`",
            "a backup of kind `rclone` needs `remote`",
            "a backup of kind `rclone` needs `config`",
        ],
    );
}
