//! `hearth seal`: values sealed into site.toml in kubeseal's format, checked by
//! an independent unsealer (`tests/unseal.py`, Python `cryptography`, written
//! from the controller's format) with a key pair the test makes
//! (`tests/sealing_cert.py`); no value ever in hearth's output; `--check`;
//! located diagnostics for bad certificates and bad input.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{Scratch, hearth, stderr};

/// MINIMAL plus a service in another namespace whose secret is written with
/// dotted keys and comments, so the edit must keep every kind of layout.
fn site() -> String {
    format!(
        "{}{}",
        common::MINIMAL,
        r#"
# The database lives in its own namespace.
[services.db]
namespace = "data" # shared with nothing
[services.db.secrets.pg]   # postgres credentials
keys.PASSWORD = "placeholder"   # hearth seal fills this
keys.USER = 'placeholder'
"#
    )
}

/// The values the test seals: each a marker that must never be printed.
const VALUES: [(&str, &str, &str); 3] = [
    (
        "app/app-secret/PASSWORD",
        "app/app-secret",
        "MARKER-app pass=word",
    ),
    ("db/pg/PASSWORD", "data/pg", "MARKER-pg-Ünïcode-ü"),
    ("db/pg/USER", "data/pg", "MARKER-user"),
];

fn python() -> PathBuf {
    common::venv_bin("python3")
}

/// A key pair and certificate as the controller has them, in `dir`.
fn keys(dir: &Path, bits: u32, days: i32) -> (PathBuf, PathBuf) {
    common::succeeds(
        Command::new(python())
            .arg(common::repo().join("tests/sealing_cert.py"))
            .arg(dir)
            .arg(bits.to_string())
            .arg(days.to_string()),
    );
    (dir.join("key.pem"), dir.join("cert.pem"))
}

/// `site` in a scratch folder with a 4096-bit key pair valid for 30 days:
/// the folder, the private key and the certificate's path.
fn with_keys(site: &str) -> (Scratch, PathBuf, String) {
    let s = Scratch::with_site(site);
    let (key, cert) = keys(s.path(), 4096, 30);
    let cert = cert.display().to_string();
    (s, key, cert)
}

fn run(s: &Scratch, args: &[&str], stdin: &[u8]) -> Output {
    use std::io::Write as _;
    let mut child = hearth()
        .arg("seal")
        .arg("--site")
        .arg(s.site())
        .args(args)
        .env_remove("HEARTH_SEAL_CERT")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run hearth");
    // hearth may refuse (a bad certificate) and exit before it reads its
    // input: a closed pipe then is its answer, not the test's failure.
    match child.stdin.take().unwrap().write_all(stdin) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.unwrap(),
    }
    child.wait_with_output().unwrap()
}

/// `hearth seal --cert CERT --from-env-file ENV`.
fn from_env_file(s: &Scratch, cert: &str, env: &Path) -> Output {
    run(
        s,
        &[
            "--cert",
            cert,
            "--from-env-file",
            &env.display().to_string(),
        ],
        b"",
    )
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// No value, nor a recognisable part of one, in anything hearth printed.
fn assert_silent(o: &Output) {
    let all = format!("{}{}", stdout(o), stderr(o));
    for (_, _, v) in VALUES {
        assert!(!all.contains(v), "a value was printed:\n{all}");
    }
    assert!(
        !all.contains("MARKER"),
        "part of a value was printed:\n{all}"
    );
}

/// The ciphertext of `id` (`service/secret/KEY`) in site.toml.
fn ciphertext(text: &str, id: &str) -> String {
    let (svc, rest) = id.split_once('/').unwrap();
    let (secret, key) = rest.split_once('/').unwrap();
    let doc: toml::Table = toml::from_str(text).unwrap();
    doc["services"][svc]["secrets"][secret]["keys"][key]
        .as_str()
        .unwrap()
        .to_string()
}

/// What the independent unsealer makes of (ciphertext, label) pairs: the
/// value's bytes, or None when it refuses.
fn unseal(key: &Path, requests: &[(String, &str)]) -> Vec<Option<Vec<u8>>> {
    use std::io::Write as _;
    let body = serde_json::Value::Array(
        requests
            .iter()
            .map(|(c, l)| serde_json::json!({"ciphertext": c, "label": l}))
            .collect(),
    );
    let mut child = Command::new(python())
        .arg(common::repo().join("tests/unseal.py"))
        .arg(key)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "unseal.py: {}", stderr(&out));
    let answers: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    answers
        .iter()
        .map(|a| {
            a["ok"].as_bool().unwrap().then(|| {
                let hex = a["value_hex"].as_str().unwrap();
                (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                    .collect()
            })
        })
        .collect()
}

#[test]
#[cfg_attr(no_cryptography, ignore = "no Python cryptography: run scripts/test (CI=true fails)")]
fn sealed_values_unseal_with_an_independent_decryption_and_are_never_printed() {
    let before = site();
    let s = Scratch::with_site(&before);
    let (key, cert) = keys(s.path(), 4096, 3650);
    let cert = cert.display().to_string();

    let check = run(&s, &["--check"], b"");
    assert_eq!(check.status.code(), Some(1), "{}", stderr(&check));
    assert_eq!(stdout(&check).matches("namespace").count(), 3);

    // Two keys from a file (a value may hold `=` and spaces), one from stdin.
    let env = s.write(
        "values.env",
        format!(
            "# values\n{}={}\n\n{}={}\r\n",
            VALUES[0].0, VALUES[0].2, VALUES[1].0, VALUES[1].2
        ),
    );
    let o = from_env_file(&s, &cert, &env);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_silent(&o);
    assert_eq!(
        stdout(&o),
        "sealed app/app-secret/PASSWORD (namespace app, strict scope)\n\
         sealed db/pg/PASSWORD (namespace data, strict scope)\n"
    );
    let o = run(
        &s,
        &["--cert", &cert, "--key", VALUES[2].0],
        format!("{}\n", VALUES[2].2).as_bytes(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_silent(&o);
    assert!(
        stderr(&o).contains("0 still \"placeholder\""),
        "{}",
        stderr(&o)
    );

    let after = std::fs::read_to_string(s.site()).unwrap();
    for (_, _, v) in VALUES {
        assert!(!after.contains(v), "a value is in site.toml in plain text");
    }
    let sealed: Vec<String> = VALUES
        .iter()
        .map(|(id, ..)| ciphertext(&after, id))
        .collect();

    // Each value comes back with its own namespace/name label, and only with it.
    let mut requests: Vec<(String, &str)> = Vec::new();
    for (c, (_, label, _)) in sealed.iter().zip(VALUES) {
        requests.push((c.clone(), label));
        requests.push((c.clone(), "other/pg"));
        requests.push((c.clone(), "data"));
        requests.push((c.clone(), ""));
    }
    let answers = unseal(&key, &requests);
    for (i, (_, _, v)) in VALUES.iter().enumerate() {
        assert_eq!(
            answers[4 * i].as_deref(),
            Some(v.as_bytes()),
            "{}",
            VALUES[i].0
        );
        assert!(answers[4 * i + 1..4 * i + 4].iter().all(Option::is_none));
    }
    assert_ne!(sealed[1], sealed[2], "every value has its own session key");

    // Only the values changed: comments, quoting and layout are as they were.
    let mut restored = after.clone();
    for (c, (id, ..)) in sealed.iter().zip(VALUES) {
        let quote = if id == "db/pg/USER" {
            "'placeholder'"
        } else {
            "\"placeholder\""
        };
        restored = restored.replacen(&format!("\"{c}\""), quote, 1);
    }
    assert_eq!(restored, before);

    let check = run(&s, &["--check"], b"");
    assert_eq!(check.status.code(), Some(0), "{}", stdout(&check));
    assert!(stdout(&check).contains("is sealed"));
    let v = common::succeeds(hearth().arg("validate").arg("--site").arg(s.site()));
    assert_silent(&v);
}

#[test]
#[cfg_attr(no_cryptography, ignore = "no Python cryptography: run scripts/test (CI=true fails)")]
fn resealing_a_sealed_key_replaces_its_ciphertext() {
    let (s, key, cert) = with_keys(&site());
    let args = ["--cert", cert.as_str(), "--key", VALUES[2].0];
    assert!(run(&s, &args, b"first").status.success());
    let first = ciphertext(&std::fs::read_to_string(s.site()).unwrap(), VALUES[2].0);
    let o = run(&s, &args, b"second");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "resealed db/pg/USER (namespace data, strict scope)\n"
    );
    let second = ciphertext(&std::fs::read_to_string(s.site()).unwrap(), VALUES[2].0);
    let answers = unseal(&key, &[(first, "data/pg"), (second, "data/pg")]);
    assert_eq!(answers[0].as_deref(), Some(&b"first"[..]));
    assert_eq!(answers[1].as_deref(), Some(&b"second"[..]));
}

#[test]
fn check_lists_every_unsealed_key_with_its_place() {
    let s = Scratch::with_site(site());
    let o = s.here(&["seal", "--check"]);
    assert_eq!(o.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&o));
}

/// Sealing the first key with `cert` (a value of `MARKER-x` on stdin) is
/// refused with each of `wants` in stderr.
fn seal_refused(s: &Scratch, cert: &Path, wants: &[&str]) -> Output {
    let cert = cert.display().to_string();
    let o = run(s, &["--cert", &cert, "--key", VALUES[0].0], b"MARKER-x");
    common::refused_with(&o, wants);
    o
}

/// A certificate that cannot seal stops the command before it reads a value,
/// with a diagnostic in the certificate file; site.toml is left as it was.
#[test]
fn a_file_that_is_not_a_certificate_is_refused_where_it_goes_wrong() {
    let s = Scratch::with_site(site());
    let cert = s.write("cert.pem", "ssh-rsa AAAAB3Nza user@host\n");
    let o = seal_refused(
        &s,
        &cert,
        &[
            "hearth::cert",
            "cert.pem:1:1",
            "not a PEM certificate",
            "kubeseal --fetch-cert",
            "nothing was written",
        ],
    );
    assert_silent(&o);
    assert_eq!(std::fs::read_to_string(s.site()).unwrap(), site());

    let broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    s.write("cert.pem", format!("# fetched today\n{broken}"));
    seal_refused(&s, &cert, &["cert.pem:2:1", "cannot be read"]);

    let o = run(&s, &["--key", VALUES[0].0], b"x");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("HEARTH_SEAL_CERT"), "{}", stderr(&o));
}

#[test]
#[cfg_attr(no_cryptography, ignore = "no Python cryptography: run scripts/test (CI=true fails)")]
fn expired_and_small_keys_are_refused() {
    let s = Scratch::with_site(site());
    let expired = s.path().join("expired");
    std::fs::create_dir(&expired).unwrap();
    let (_, cert) = keys(&expired, 4096, -1);
    seal_refused(&s, &cert, &["expired", "cert.pem:1:1"]);

    let small = s.path().join("small");
    std::fs::create_dir(&small).unwrap();
    let (_, cert) = keys(&small, 2048, 30);
    seal_refused(&s, &cert, &["2048-bit"]);
    assert_eq!(std::fs::read_to_string(s.site()).unwrap(), site());
}

/// Bad input is reported by key and line, never by quoting the line: it holds
/// a value.
#[test]
#[cfg_attr(no_cryptography, ignore = "no Python cryptography: run scripts/test (CI=true fails)")]
fn bad_values_input_names_keys_and_lines_only() {
    let (s, _, cert) = with_keys(&site());
    let env = s.write(
        "values.env",
        "MARKER-no-equals-sign\napp/app-secret/PASSWRD=MARKER-typo\ndb/pg/USER=\ndb/pg/USER=MARKER-a\ndb/pg/USER=MARKER-b\n",
    );
    let o = from_env_file(&s, &cert, &env);
    assert_eq!(o.status.code(), Some(2));
    assert_silent(&o);
    let err = stderr(&o);
    for expected in [
        "line 1 has no `=`",
        "line 2: site.toml declares no secret key `app/app-secret/PASSWRD`",
        "line 3: `db/pg/USER` has an empty value",
        "line 5: `db/pg/USER` is given twice",
        "error: 4 problems; nothing was written",
    ] {
        assert!(err.contains(expected), "{expected}:\n{err}");
    }
    assert_eq!(std::fs::read_to_string(s.site()).unwrap(), site());

    let o = run(&s, &["--cert", &cert, "--key", "db/pg/USER"], b"\n");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("empty"), "{}", stderr(&o));

    // No terminal, no --key, no file: nothing to ask on.
    let o = run(&s, &["--cert", &cert], b"MARKER-piped");
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a terminal"), "{}", stderr(&o));
    assert_silent(&o);
}

/// A secret declared once for several namespaces: one value sealed into one
/// ciphertext per namespace, each bound to its own namespace, rendered as one
/// SealedSecret per namespace with the service owning it.
#[test]
#[cfg_attr(no_cryptography, ignore = "no Python cryptography: run scripts/test (CI=true fails)")]
fn a_shared_secret_is_sealed_once_per_namespace_and_rendered_in_each() {
    let site = common::MINIMAL.replace(
        "mounts = [{ path = \"/data\", volume = \"data\" }]",
        "env.DB_PASSWORD = { secret = \"shared-db\", key = \"PASSWORD\" }\nmounts = [{ path = \"/data\", volume = \"data\" }]",
    ) + r#"
[services.db]
namespace = "data"

# One password for the database and the app.
[secrets.shared-db]
namespaces = ["data", "app"]
keys.PASSWORD = {}   # hearth seal fills this
keys.USER = { data = "placeholder" }
"#;
    let (s, key, cert) = with_keys(&site);

    let o = run(&s, &["--check"], b"");
    assert_eq!(o.status.code(), Some(1));
    let listed = stdout(&o);
    common::contains_all(
        "listed",
        &listed,
        [
            "shared-db/PASSWORD       namespaces data, app",
            "shared-db/USER           namespaces data, app",
        ],
    );

    let env = s.write(
        "values.env",
        "shared-db/PASSWORD=MARKER-shared\nshared-db/USER=MARKER-user\napp/app-secret/PASSWORD=MARKER-app\n",
    );
    let o = from_env_file(&s, &cert, &env);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_silent(&o);
    assert!(stdout(&o).contains("sealed shared-db/PASSWORD (namespaces data, app, strict scope)"));

    let after = std::fs::read_to_string(s.site()).unwrap();
    assert!(after.contains("keys.PASSWORD = { data = \"Ag"), "{after}");
    assert!(after.contains("# hearth seal fills this"));
    let doc: toml::Table = toml::from_str(&after).unwrap();
    let per_ns = |k: &str, ns: &str| {
        doc["secrets"]["shared-db"]["keys"][k][ns]
            .as_str()
            .unwrap()
            .to_string()
    };
    let requests = vec![
        (per_ns("PASSWORD", "data"), "data/shared-db"),
        (per_ns("PASSWORD", "app"), "app/shared-db"),
        (per_ns("USER", "app"), "app/shared-db"),
        (per_ns("PASSWORD", "data"), "app/shared-db"),
        (per_ns("PASSWORD", "app"), "data/shared-db"),
    ];
    let answers = unseal(&key, &requests);
    assert_eq!(answers[0].as_deref(), Some(&b"MARKER-shared"[..]));
    assert_eq!(answers[1].as_deref(), Some(&b"MARKER-shared"[..]));
    assert_eq!(answers[2].as_deref(), Some(&b"MARKER-user"[..]));
    assert!(
        answers[3].is_none() && answers[4].is_none(),
        "each ciphertext is bound to its namespace"
    );

    assert_eq!(run(&s, &["--check"], b"").status.code(), Some(0));
    let o = s.render();
    assert!(o.status.success(), "{}", stderr(&o));
    for (folder, ns) in [("app", "app"), ("db", "data")] {
        let y = std::fs::read_to_string(s.path().join(format!(
            "rendered/apps/{folder}/shared-db.sealedsecret.yaml"
        )))
        .unwrap();
        assert!(y.contains(&format!("namespace: {ns}")), "{y}");
        assert!(y.contains(&per_ns("PASSWORD", ns)), "{y}");
    }
}

#[test]
fn a_shared_secret_needs_a_service_in_each_namespace_and_a_free_name() {
    let base = format!("{}\n[services.db]\nnamespace = \"data\"\n", common::MINIMAL);
    // Each secret table is refused with its messages (stderr is named by it).
    for (secret, wants) in [
        (
            "[secrets.shared-db]\nnamespaces = [\"data\", \"nowhere\"]\nkeys.PASSWORD = {}\n",
            &[
                "no service of the site is in namespace `nowhere`",
                "no service here",
            ][..],
        ),
        (
            "[secrets.app-secret]\nnamespaces = [\"app\"]\nkeys.PASSWORD = { data = \"placeholder\" }\n",
            &["which `namespaces` does not list"],
        ),
        (
            "[secrets.app-secret]\nnamespaces = [\"app\"]\nkeys.PASSWORD = {}\n",
            &[
                "secret `app-secret` is already declared in namespace `app` by service `app`",
                "hearth::duplicate",
            ],
        ),
    ] {
        let o = Scratch::with_site(format!("{base}\n{secret}")).validate();
        assert_eq!(o.status.code(), Some(2), "{secret}{}", stderr(&o));
        common::contains_all(secret, &stderr(&o), wants);
    }
}

/// On a terminal, hearth asks for each placeholder by name and reads the
/// value without echo (driven through a pseudo-terminal by Python's `pty`).
#[test]
#[cfg_attr(no_cryptography, ignore = "no Python cryptography: run scripts/test (CI=true fails)")]
fn the_terminal_prompt_names_the_key_and_does_not_echo() {
    let s = Scratch::with_site(common::MINIMAL);
    let (key, cert) = keys(s.path(), 4096, 30);
    let driver = r#"
import os, pty, sys, termios, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
seen, sent = b"", False
while True:
    try:
        data = os.read(fd, 1024)
    except OSError:
        break
    if not data:
        break
    seen += data
    if not sent and b"(namespace app): " in seen:
        # Type only once the terminal stops echoing, as a person would after
        # reading the prompt (rpassword prints it, then turns echo off).
        deadline = time.monotonic() + 10
        while termios.tcgetattr(fd)[3] & termios.ECHO and time.monotonic() < deadline:
            pass
        os.write(fd, b"MARKER-typed\n")
        sent = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
"#;
    let o = common::succeeds(
        Command::new(python())
            .args(["-c", driver, env!("CARGO_BIN_EXE_hearth"), "seal", "--site"])
            .arg(s.site())
            .arg("--cert")
            .arg(&cert)
            .env("NO_COLOR", "1"),
    );
    let screen = stdout(&o);
    common::contains_all(
        "screen",
        &screen,
        [
            "app/app-secret/PASSWORD (namespace app): ",
            "sealed app/app-secret/PASSWORD",
        ],
    );
    assert!(
        !screen.contains("MARKER"),
        "the value was echoed:\n{screen}"
    );
    let c = ciphertext(
        &std::fs::read_to_string(s.site()).unwrap(),
        "app/app-secret/PASSWORD",
    );
    let answers = unseal(&key, &[(c, "app/app-secret")]);
    assert_eq!(answers[0].as_deref(), Some(&b"MARKER-typed"[..]));
}
