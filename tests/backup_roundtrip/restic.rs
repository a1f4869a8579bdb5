//! restic: the `restic` job's script into a local repository (the CronJob's
//! `/data/<service>/<volume>` mounts moved under a scratch folder), its
//! retention applied, and the runbook's `restic restore` bringing the files back.

use super::*;

fn files(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    common::tree(dir)
}

#[test]
fn restic_backup_forgets_by_policy_and_restores_with_the_runbooks_command() {
    let Some(restic) = common::tool("restic", &[]) else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    let root = scratch.path().to_path_buf();
    let media = root.join("data/files/media");
    std::fs::create_dir_all(media.join("2024/album")).unwrap();
    std::fs::write(media.join("2024/album/photo.jpg"), [0u8, 255, 1, 254, 2]).unwrap();
    std::fs::write(media.join("notes.txt"), "keep me\n").unwrap();
    let before = files(&media);

    let plan = plan();
    let job = workload(&plan, "files", "files");
    let repo = root.join("repo");
    let env = job_env(
        job,
        &[("RESTIC_PASSWORD", "repo-secret")],
        &[("RESTIC_REPOSITORY", &repo.display().to_string())],
    );
    let run = script(job, "/data/", &root.join("data/"));
    let path = path_with(restic.parent().unwrap());
    // Twice on one day: the first run creates the repository, and
    // `--keep-daily 7` leaves one snapshot of the day.
    sh(&run, &env, &path, None);
    std::fs::write(media.join("notes.txt"), "keep me, edited\n").unwrap();
    let before_second = files(&media);
    assert_ne!(before, before_second);
    sh(&run, &env, &path, None);
    let snaps = stdout(&sh("restic snapshots --json", &env, &path, None));
    let list: serde_json::Value = serde_json::from_str(&snaps).unwrap();
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{snaps}");
    assert_eq!(list[0]["hostname"], "files");

    std::fs::remove_dir_all(&media).unwrap();
    let restore = plan
        .backups
        .iter()
        .find(|b| b.name.as_str() == "files")
        .unwrap()
        .restore
        .clone()
        .unwrap();
    sh(&restore, &env, &path, None);
    assert_eq!(files(&media), before_second);

    // A wrong password fails the job instead of creating a second repository.
    let mut wrong = env.clone();
    wrong[1].1 = "not-the-password".into();
    let mut c = Command::new("/bin/sh");
    c.args(["-c", &run])
        .env("PATH", &path)
        .envs(wrong.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    assert!(!c.output().unwrap().status.success());
}
