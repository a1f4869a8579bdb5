//! Charts from OCI registries: `repo = "oci://<registry>/<path>"`. The
//! Application names the registry without `oci://` (ArgoCD 2.11 reads a
//! `repoURL` without a scheme as an OCI registry, `helm.IsHelmOciRepo`, and
//! pulls `oci://<repoURL>/<chart>`), the AppProject allows that source, the
//! runbook installs ArgoCD from the reference, and `hearth charts pull` asks
//! Helm for `oci://…/<chart>`.

mod common;

use common::{MINIMAL, Scratch, hearth, stderr};
use serde_json::Value;

const OCI: &str = r#"
[services.toys]
[services.toys.helm]
repo = "oci://ghcr.io/example/charts"
chart = "widgets"
version = "0.1.0"
values.widget = { size = 3, color = "blue" }
"#;

fn yaml(s: &Scratch, rel: &str) -> Value {
    let text = std::fs::read_to_string(s.path().join("rendered").join(rel)).unwrap();
    hearth::render::yaml::documents(&text).unwrap().remove(0)
}

#[test]
fn an_oci_chart_is_an_application_argocd_pulls_from_the_registry() {
    let s = common::rendered(format!("{MINIMAL}{OCI}"));
    let app = yaml(&s, "argocd/toys.application.yaml");
    let source = &app["spec"]["sources"][0];
    assert_eq!(source["repoURL"], "ghcr.io/example/charts");
    assert_eq!(source["chart"], "widgets");
    assert_eq!(source["targetRevision"], "0.1.0");
    let project_file = std::fs::read_dir(s.path().join("rendered/argocd"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|f| f.ends_with(".appproject.yaml"))
        .unwrap();
    let project = yaml(&s, &format!("argocd/{project_file}"));
    let repos = project["spec"]["sourceRepos"].as_array().unwrap();
    assert!(
        repos.iter().any(|r| r == "ghcr.io/example/charts"),
        "{repos:?}"
    );
    assert!(
        repos.iter().any(|r| r == "https://charts.longhorn.io"),
        "{repos:?}"
    );
    let out = s.validate();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn the_runbook_installs_argocd_from_its_oci_reference() {
    let argocd = "\n[services.argocd]\nprovides = [\"gitops\"]\n[services.argocd.helm]\nrepo = \"oci://ghcr.io/argoproj/argo-helm\"\nchart = \"argo-cd\"\nversion = \"7.3.7\"\n";
    let s = common::rendered(format!("{MINIMAL}{argocd}"));
    let runbook = s.read("rendered/dr/RUNBOOK.md");
    assert!(
        runbook.contains(
            "| helm install argocd oci://ghcr.io/argoproj/argo-helm/argo-cd --version 7.3.7 \\"
        ),
        "{runbook}"
    );
    assert!(!runbook.contains("helm repo add"), "{runbook}");
}

#[test]
fn a_repository_that_is_neither_http_nor_oci_is_an_error_at_the_chart() {
    for repo in [
        "ghcr.io/example/charts",
        "oci://ghcr.io",
        "https://",
        "s3://bucket/charts",
    ] {
        let s = Scratch::with_site(format!(
            "{MINIMAL}{}",
            OCI.replace("oci://ghcr.io/example/charts", repo)
        ));
        let out = s.validate();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{repo}: {err}");
        assert!(err.contains("hearth::chart-repo"), "{repo}: {err}");
        assert!(
            err.contains(&format!("chart repository `{repo}` is neither")),
            "{repo}: {err}"
        );
        // Located at the `[services.toys.helm]` table.
        let line = format!("{MINIMAL}{OCI}")
            .lines()
            .position(|l| l == "[services.toys.helm]")
            .unwrap()
            + 1;
        assert!(err.contains(&format!("site.toml:{line}:")), "{repo}: {err}");
        assert!(!s.path().join("rendered").exists());
    }
}

/// A stand-in `helm` that records its arguments and packs the fixture chart
/// as `helm pull` does: named by `--repo`'s chart, or by an OCI reference's
/// last segment.
const OCI_HELM: &str = "#!/bin/sh\necho \"$@\" >> \"$ARGS\"\n[ \"$1\" = pull ] || exit 64\nif [ \"$3\" = --repo ]; then chart=$2 version=$6 dest=$8; else chart=${2##*/} version=$4 dest=$6; fi\nexec tar czf \"$dest/$chart-$version.tgz\" -C \"$FIXTURES\" \"$chart\"\n";

#[test]
fn charts_pull_asks_helm_for_the_oci_reference_and_locks_it() {
    use std::os::unix::fs::PermissionsExt;
    let s = Scratch::with_site(format!("{MINIMAL}{OCI}"));
    let helm = s.write("bin/helm", OCI_HELM);
    std::fs::set_permissions(&helm, std::fs::Permissions::from_mode(0o755)).unwrap();
    // Longhorn's chart is not a fixture: pull only needs it for the record.
    std::fs::create_dir_all(s.path().join("fixtures/longhorn")).unwrap();
    std::fs::write(
        s.path().join("fixtures/longhorn/Chart.yaml"),
        "apiVersion: v2\nname: longhorn\nversion: 1.6.2\n",
    )
    .unwrap();
    let fixtures = s.path().join("fixtures");
    std::fs::create_dir_all(fixtures.join("widgets")).unwrap();
    let widgets = common::charts::fixtures().join("widgets");
    let copied = std::process::Command::new("cp")
        .args(["-r"])
        .arg(&widgets)
        .arg(&fixtures)
        .status()
        .unwrap();
    assert!(copied.success());
    let out = hearth()
        .args(["charts", "pull", "--site"])
        .arg(s.site())
        .env("HEARTH_HELM", &helm)
        .env("FIXTURES", &fixtures)
        .env("ARGS", s.path().join("args"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let args = s.read("args");
    let dest = s.path().join("charts");
    assert!(
        args.lines().any(|l| l
            == format!(
                "pull oci://ghcr.io/example/charts/widgets --version 0.1.0 --destination {}",
                dest.display()
            )),
        "{args}"
    );
    assert!(
        args.lines().any(|l| l
            == format!(
                "pull longhorn --repo https://charts.longhorn.io --version 1.6.2 --destination {}",
                dest.display()
            )),
        "{args}"
    );
    let lock = std::fs::read_to_string(dest.join("charts.lock")).unwrap();
    assert!(
        lock.contains("repo = \"oci://ghcr.io/example/charts\""),
        "{lock}"
    );
    let verify = hearth()
        .args(["charts", "verify", "--site"])
        .arg(s.site())
        .output()
        .unwrap();
    assert!(verify.status.success(), "{}", stderr(&verify));
}
