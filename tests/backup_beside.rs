//! Restic and own-job backups of a ReadWriteOnce volume run on the node of the
//! pod using it (pod affinity on the host name): the claim is attached to one
//! node, and a job started elsewhere waits on a Multi-Attach error forever.

mod common;

use common::backups::{kinds, plan_of, workload};
use common::hearth;
use hearth::plan::Workload;

/// The labels the workload's pods must run beside, if any.
fn beside(w: &Workload) -> Option<&std::collections::BTreeMap<String, String>> {
    w.placement.affinity.as_ref().map(|a| &a.beside)
}

#[test]
fn restic_and_job_backups_run_beside_the_pod_holding_the_volume() {
    let plan = plan_of(&kinds());
    let web = workload(&plan, "files", "web");
    for job in ["files", "docs"] {
        let j = workload(&plan, "files", job);
        assert_eq!(beside(j), Some(&web.selector), "{job}");
    }
    // `restic check` reads the repository only: it mounts nothing and may run anywhere.
    assert_eq!(beside(workload(&plan, "files", "files-check")), None);
}

#[test]
fn only_running_pods_of_one_workload_are_followed() {
    // A cron job's pods come and go: required affinity to them would keep
    // the backup from ever starting.
    let cron = kinds().replace(
        "[services.files.workloads.web]\nkind = \"deployment\"\n",
        "[services.files.workloads.web]\nkind = \"cron-job\"\nschedule = \"0 1 * * *\"\n",
    );
    assert_ne!(cron, kinds());
    assert_eq!(beside(workload(&plan_of(&cron), "files", "files")), None);
    // Two workloads holding the backup's volumes may be on two nodes: no one
    // node to follow (HL207 reports it).
    let two = kinds().replace(
        "[services.files.volumes.media]",
        "[services.files.workloads.thumbs]\nkind = \"deployment\"\nimage = \"nginx:1.27.0\"\nmounts = [{ path = \"/docs\", volume = \"docs\" }]\n[services.files.volumes.media]",
    );
    let two = two.replace(
        "volumes = [\"files/media\"]",
        "volumes = [\"files/media\", \"files/docs\"]",
    );
    assert!(two.contains("\"files/media\", \"files/docs\""));
    let plan = plan_of(&two);
    assert_eq!(beside(workload(&plan, "files", "files")), None);
    // Read-write-many volumes attach to every node.
    let rwx = kinds().replace(
        "[services.files.volumes.media]\nkind = \"longhorn\"\n",
        "[services.files.volumes.media]\nkind = \"longhorn\"\naccess = \"read-write-many\"\n",
    );
    assert_ne!(rwx, kinds());
    assert_eq!(beside(workload(&plan_of(&rwx), "files", "files")), None);
}

#[test]
fn the_rendered_restic_cronjob_has_pod_affinity_and_lint_does_not_flag_it() {
    let s = common::rendered(kinds());
    let cron = s.read("rendered/apps/files/files.cronjob.yaml");
    common::contains_all(
        "CronJob",
        &cron,
        [
            "podAffinity:",
            "requiredDuringSchedulingIgnoredDuringExecution:",
            "app.kubernetes.io/name: web",
            "app.kubernetes.io/part-of: files",
            "topologyKey: kubernetes.io/hostname",
        ],
    );
    let out = hearth()
        .current_dir(s.path())
        .args(["lint", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hl207: Vec<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "HL207")
        .collect();
    assert!(hl207.is_empty(), "{hl207:#?}");
}

#[test]
fn an_rclone_sync_runs_beside_the_pod_holding_its_volume() {
    let site = kinds()
        + "\n[backups.mirror]\nkind = \"rclone\"\nschedule = \"0 6 * * *\"\nimage = \"rclone/rclone:1.67.0\"\nvolume = \"files/docs\"\nremote = \"offsite:docs\"\nconfig = { secret = \"files-secret\", key = \"RESTIC_PASSWORD\" }\n";
    let plan = plan_of(&site);
    let web = workload(&plan, "files", "web");
    assert_eq!(
        beside(workload(&plan, "files", "mirror")),
        Some(&web.selector)
    );
}

/// A per-pod volume is one claim per pod and none under the volume's name: a
/// restic, job or rclone backup mounting it would wait for that claim forever.
#[test]
fn a_per_pod_volume_is_refused_by_backups_that_mount_one_claim() {
    let per_pod = kinds()
        .replacen(
            "[services.files.workloads.web]\nkind = \"deployment\"\n",
            "[services.files.workloads.web]\nkind = \"stateful-set\"\n",
            1,
        )
        .replacen(
            "[services.files.volumes.media]\nkind = \"longhorn\"\n",
            "[services.files.volumes.media]\nkind = \"longhorn\"\nper_pod = true\n",
            1,
        );
    assert!(per_pod.contains("per_pod = true"));
    common::refused(
        &per_pod,
        &[
            "hearth::backup",
            "volume `files/media` is per pod: there is no one claim for the job to mount",
            "back it up with a `longhorn` backup (it covers every pod's claim)",
        ],
    );
    let mirror = per_pod.replacen(
        "volumes = [\"files/media\"]",
        "volumes = [\"files/docs\"]",
        1,
    ) + "\n[backups.mirror]\nkind = \"rclone\"\nschedule = \"0 6 * * *\"\nimage = \"rclone/rclone:1.67.0\"\nvolume = \"files/media\"\nremote = \"offsite:media\"\nconfig = { secret = \"files-secret\", key = \"RESTIC_PASSWORD\" }\n";
    common::refused(
        &mirror,
        &["volume `files/media` is per pod: there is no one claim for the job to mount"],
    );
}
