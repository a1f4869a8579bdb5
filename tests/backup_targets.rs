//! Backup targets: each kind becomes Longhorn's backup target URL and the
//! credentials secret's name in the chart values the pinned chart reads
//! (`defaultSettings` before 1.8, `defaultBackupStore` from 1.8), each
//! missing piece is an input error at its line, and restic derives its
//! repository from an s3 target.

mod common;

use common::MINIMAL;
use serde_json::{Value, json};

const NFS: &str = "[backup_targets]\nnas = { kind = \"nfs\", server = \"nas.lab.example\", path = \"/backups\" }\n";

/// MINIMAL with its nfs target replaced by `target` and `secret` (a table
/// body of keys) declared in the Longhorn service as `creds`.
fn site(target: &str, secret: Option<&str>) -> String {
    let mut s = MINIMAL.replace(NFS, &format!("[backup_targets.nas]\n{target}"));
    if let Some(keys) = secret {
        s = s.replace(
            "version = \"1.6.2\"\n",
            &format!(
                "version = \"1.6.2\"\n[services.longhorn.secrets.creds]\nkeys = {{ {keys} }}\n"
            ),
        );
    }
    s
}

fn longhorn_values(text: &str) -> Value {
    let s = common::rendered(text);
    let app = s.read("rendered/argocd/longhorn.application.yaml");
    let app: Value = serde_saphyr::from_str(&app).unwrap();
    app["spec"]["sources"][0]["helm"]["valuesObject"].clone()
}

const S3_KEYS: &str =
    "AWS_ACCESS_KEY_ID = \"placeholder\", AWS_SECRET_ACCESS_KEY = \"placeholder\"";

#[test]
fn each_kind_renders_longhorns_url_and_secret_for_the_pinned_chart() {
    let cases = [
        (
            "kind = \"s3\"\nbucket = \"lab-backups\"\nregion = \"eu-central-1\"\npath = \"longhorn\"\ncredentials = \"longhorn/creds\"\n".to_string(),
            Some(S3_KEYS.to_string()),
            json!({ "backupTarget": "s3://lab-backups@eu-central-1/longhorn/", "backupTargetCredentialSecret": "creds" }),
        ),
        (
            "kind = \"s3\"\nbucket = \"lab\"\nregion = \"us-east-1\"\nendpoint = \"http://minio.lan:9000\"\nvirtual_hosted_style = true\ncredentials = \"longhorn/creds\"\n".to_string(),
            Some(format!("{S3_KEYS}, AWS_ENDPOINTS = \"placeholder\", VIRTUAL_HOSTED_STYLE = \"placeholder\"")),
            json!({ "backupTarget": "s3://lab@us-east-1/", "backupTargetCredentialSecret": "creds" }),
        ),
        (
            "kind = \"nfs\"\nserver = \"10.1.10.9\"\npath = \"/volume1/longhorn\"\noptions = [\"nfsvers=4.1\", \"actimeo=1\", \"soft\"]\n".to_string(),
            None,
            json!({ "backupTarget": "nfs://10.1.10.9:/volume1/longhorn?nfsOptions=nfsvers=4.1,actimeo=1,soft" }),
        ),
        (
            "kind = \"cifs\"\nserver = \"nas.lab.example\"\nshare = \"backup\"\npath = \"longhorn\"\ncredentials = \"longhorn/creds\"\n".to_string(),
            Some("CIFS_USERNAME = \"placeholder\", CIFS_PASSWORD = \"placeholder\"".to_string()),
            json!({ "backupTarget": "cifs://nas.lab.example/backup/longhorn", "backupTargetCredentialSecret": "creds" }),
        ),
        (
            "kind = \"azure-blob\"\ncontainer = \"lab-backups\"\npath = \"cluster/a\"\ncredentials = \"longhorn/creds\"\n".to_string(),
            Some("AZBLOB_ACCOUNT_NAME = \"placeholder\", AZBLOB_ACCOUNT_KEY = \"placeholder\"".to_string()),
            json!({ "backupTarget": "azblob://lab-backups@core.windows.net/cluster/a/", "backupTargetCredentialSecret": "creds" }),
        ),
    ];
    for (target, keys, expect) in cases {
        let text = site(&target, keys.as_deref());
        let v = longhorn_values(&text);
        assert_eq!(v["defaultSettings"], expect, "{target}");
        assert!(v.get("defaultBackupStore").is_none(), "{target}");
        // Chart 1.8 and later read the same under `defaultBackupStore`.
        let v = longhorn_values(&text.replace("version = \"1.6.2\"", "version = \"1.8.0\""));
        assert_eq!(v["defaultBackupStore"], expect, "{target}");
        assert!(v.get("defaultSettings").is_none(), "{target}");
    }
}

#[test]
fn the_reference_site_keeps_its_azure_target() {
    let app =
        std::fs::read_to_string(common::repo().join("rendered/argocd/longhorn.application.yaml"))
            .unwrap();
    let app: Value = serde_saphyr::from_str(&app).unwrap();
    assert_eq!(
        app["spec"]["sources"][0]["helm"]["valuesObject"]["defaultSettings"],
        json!({
            "backupTarget": "azblob://longhorn-backups@core.windows.net/",
            "backupTargetCredentialSecret": "azblob-secret",
        })
    );
}

/// Rendering `text` is refused with `code`, and each (message, line text) is
/// reported at that line of site.toml.
fn refused(text: &str, code: &str, expect: &[(&str, &str)]) {
    let err = common::refused(text, &[code]);
    for (msg, at) in expect {
        common::contains_all("stderr", &err, [msg]);
        common::located(&err, text, at);
    }
}

#[test]
fn a_missing_field_or_a_field_of_another_kind_is_located() {
    refused(
        &site(
            "kind = \"s3\"\nbucket = \"lab\"\nserver = \"nas.lab.example\"\ncredentials = \"longhorn/creds\"\n",
            Some(S3_KEYS),
        ),
        "hearth::backup-target",
        &[
            (
                "a backup target of kind `s3` needs `region`",
                "[backup_targets.nas]",
            ),
            (
                "`server` does not apply to a backup target of kind `s3`",
                "server = \"nas.lab.example\"",
            ),
        ],
    );
    refused(
        &site("kind = \"cifs\"\nserver = \"nas.lab.example\"\n", None),
        "hearth::backup-target",
        &[
            (
                "a backup target of kind `cifs` needs `share`",
                "[backup_targets.nas]",
            ),
            (
                "a backup target of kind `cifs` needs `credentials`",
                "[backup_targets.nas]",
            ),
        ],
    );
    refused(
        &site(
            "kind = \"nfs\"\nserver = \"nas.lab.example\"\npath = \"backups\"\n",
            None,
        ),
        "hearth::backup-target",
        &[(
            "path `backups`: an NFS export path is absolute",
            "path = \"backups\"",
        )],
    );
    refused(
        &site(
            "kind = \"nfs\"\nserver = \"nas.lab.example\"\npath = \"/backups\"\noptions = [\"soft,timeo=300\"]\n",
            None,
        ),
        "hearth::backup-target",
        &[(
            "mount option `soft,timeo=300` cannot go into Longhorn's target URL",
            "options = [",
        )],
    );
    refused(
        &site(
            "kind = \"s3\"\nbucket = \"Lab_Backups\"\nregion = \"eu-central-1\"\nendpoint = \"minio.lan:9000\"\ncredentials = \"longhorn/creds\"\n",
            Some(S3_KEYS),
        ),
        "hearth::backup-target",
        &[
            (
                "bucket `Lab_Backups`: a bucket name has 3 to 63",
                "bucket = \"Lab_Backups\"",
            ),
            (
                "endpoint `minio.lan:9000` is not an http:// or https:// URL",
                "endpoint = ",
            ),
        ],
    );
}

#[test]
fn the_credentials_secret_holds_exactly_the_keys_longhorn_reads() {
    let s3 = "kind = \"s3\"\nbucket = \"lab\"\nregion = \"us-east-1\"\ncredentials = \"longhorn/creds\"\n";
    // A missing key, and a misspelt one: each named, at the reference and the secret.
    let text = site(
        s3,
        Some("AWS_ACCESS_KEY = \"placeholder\", AWS_SECRET_ACCESS_KEY = \"placeholder\""),
    );
    refused(
        &text,
        "hearth::backup-target",
        &[
            (
                "the credentials secret of a `s3` target lacks `AWS_ACCESS_KEY_ID`",
                "credentials = \"longhorn/creds\"",
            ),
            (
                "Longhorn does not read key `AWS_ACCESS_KEY` of a `s3` target's secret",
                "credentials = \"longhorn/creds\"",
            ),
            (
                "did you mean `AWS_ACCESS_KEY_ID`?",
                "credentials = \"longhorn/creds\"",
            ),
        ],
    );
    // An endpoint reaches Longhorn only through AWS_ENDPOINTS, and back.
    let minio = s3.replace(
        "credentials",
        "endpoint = \"https://minio.lan:9000\"\ncredentials",
    );
    refused(
        &site(&minio, Some(S3_KEYS)),
        "hearth::backup-target",
        &[(
            "`endpoint` is set, but the credentials secret lacks `AWS_ENDPOINTS`",
            "credentials = \"longhorn/creds\"",
        )],
    );
    refused(
        &site(
            s3,
            Some(&format!("{S3_KEYS}, AWS_ENDPOINTS = \"placeholder\"")),
        ),
        "hearth::backup-target",
        &[(
            "the credentials secret holds `AWS_ENDPOINTS`, but the target does not say `endpoint`",
            "credentials = \"longhorn/creds\"",
        )],
    );
    // An IAM role stands in for the access keys.
    longhorn_values(&site(s3, Some("AWS_IAM_ROLE_ARN = \"placeholder\"")));
    // cifs and azure-blob keys.
    refused(
        &site(
            "kind = \"cifs\"\nserver = \"nas.lab.example\"\nshare = \"backup\"\ncredentials = \"longhorn/creds\"\n",
            Some("CIFS_USERNAME = \"placeholder\""),
        ),
        "hearth::backup-target",
        &[(
            "the credentials secret of a `cifs` target lacks `CIFS_PASSWORD`",
            "credentials = \"longhorn/creds\"",
        )],
    );
    refused(
        &site(
            "kind = \"azure-blob\"\ncontainer = \"lab\"\ncredentials = \"longhorn/creds\"\n",
            Some("AZBLOB_ACCOUNT_NAME = \"placeholder\", AWS_SECRET_ACCESS_KEY = \"placeholder\""),
        ),
        "hearth::backup-target",
        &[
            (
                "the credentials secret of a `azure-blob` target lacks `AZBLOB_ACCOUNT_KEY`",
                "credentials = \"longhorn/creds\"",
            ),
            (
                "Longhorn does not read key `AWS_SECRET_ACCESS_KEY` of a `azure-blob` target's secret",
                "credentials = \"longhorn/creds\"",
            ),
        ],
    );
}

#[test]
fn the_credentials_secret_lives_in_longhorns_namespace() {
    let text = site(
        "kind = \"cifs\"\nserver = \"nas.lab.example\"\nshare = \"backup\"\ncredentials = \"app/app-secret\"\n",
        None,
    );
    refused(
        &text,
        "hearth::backup-target",
        &[(
            "secret `app/app-secret` is in namespace `app`; Longhorn reads target credentials from its own namespace `longhorn-system`",
            "credentials = \"app/app-secret\"",
        )],
    );
    refused(
        &site(
            "kind = \"cifs\"\nserver = \"nas.lab.example\"\nshare = \"backup\"\ncredentials = \"longhorn/cred\"\n",
            Some("CIFS_USERNAME = \"placeholder\", CIFS_PASSWORD = \"placeholder\""),
        ),
        "hearth::dangling",
        &[(
            "service `longhorn` has no secret `cred`",
            "credentials = \"longhorn/cred\"",
        )],
    );
}

/// A restic backup naming an s3 target gets its repository in the target's
/// bucket, the region, and the target's secret (shared into its namespace).
#[test]
fn restic_derives_its_repository_from_an_s3_target() {
    let target = "kind = \"s3\"\nbucket = \"lab\"\nregion = \"us-east-1\"\nendpoint = \"https://minio.lan:9000\"\npath = \"cluster\"\ncredentials = \"longhorn/creds\"\n";
    let shared = "\n[secrets.creds]\nnamespaces = [\"longhorn-system\", \"app\"]\nkeys = { AWS_ACCESS_KEY_ID = {}, AWS_SECRET_ACCESS_KEY = {}, AWS_ENDPOINTS = {} }\n";
    let restic = "\n[backups.files]\nkind = \"restic\"\nschedule = \"0 4 * * *\"\ntarget = \"nas\"\npassword = { secret = \"app-secret\", key = \"PASSWORD\" }\nvolumes = [\"app/data\"]\nkeep = { daily = 7 }\n";
    let text = site(target, None) + shared + restic;
    let s = common::rendered(&text);
    let job = s.read("rendered/apps/app/files.cronjob.yaml");
    let job: Value = serde_saphyr::from_str(&job).unwrap();
    let c = &job["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0];
    let env: Vec<(String, String)> = c["env"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| {
            Some((
                e["name"].as_str()?.to_string(),
                e["value"].as_str()?.to_string(),
            ))
        })
        .collect();
    assert!(
        env.contains(&(
            "RESTIC_REPOSITORY".into(),
            "s3:https://minio.lan:9000/lab/cluster/restic/files".into()
        )),
        "{env:?}"
    );
    assert!(
        env.contains(&("AWS_DEFAULT_REGION".into(), "us-east-1".into())),
        "{env:?}"
    );
    assert_eq!(c["envFrom"], json!([{ "secretRef": { "name": "creds" } }]));
    // Without the copy in the job's namespace, the reference is refused.
    let text = site(
        target,
        Some(&format!("{S3_KEYS}, AWS_ENDPOINTS = \"placeholder\"")),
    ) + restic;
    refused(
        &text,
        "hearth::dangling",
        &[(
            "secret `creds` does not exist in namespace `app`",
            "target = \"nas\"\npassword",
        )],
    );
    // Only s3 targets hold a restic repository.
    refused(
        &(MINIMAL.to_string() + restic),
        "hearth::backup",
        &[(
            "restic reaches only `s3` targets; `nas` is a `nfs` target",
            "target = \"nas\"\npassword",
        )],
    );
}
