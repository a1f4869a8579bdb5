//! Every built-in rule: a stable id, a severity, what it checks, why, and the
//! fix. `hearth explain <id>` prints an entry; ids never change meaning.

use serde::{Deserialize, Serialize};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

#[derive(Debug, Serialize)]
pub struct Rule {
    pub id: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    /// What it checks, one line.
    pub summary: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// What to do.
    pub fix: &'static str,
}

use Severity::{Error, Warning};

pub const RULES: &[Rule] = &[
    Rule {
        id: "HL001",
        name: "volume-unrecoverable",
        severity: Error,
        summary: "A volume holding data has no recovery path.",
        why: "Replicas protect against a dead disk, not against a deleted volume, a corrupted filesystem or a lost cluster. A volume is recoverable only through a backup that leaves the cluster: a Longhorn backup to a target, a pg-backup dump of the databases on it (the dump volume itself backed up), or an rclone sync of its folder.",
        fix: "Add the volume to a backup (`volumes = [\"service/volume\"]` of a longhorn or rclone backup, or dump its databases with a pg-backup backup), or state `no_backup = \"why\"` on the volume.",
    },
    Rule {
        id: "HL002",
        name: "volume-recovery-ambiguous",
        severity: Warning,
        summary: "A volume has more than one recovery path (or a backup and a `no_backup` reason).",
        why: "A restore needs one answer to 'where does this data come from'. Two paths restore twice (for example a Longhorn snapshot of a database's files and its logical dump), and a volume both backed up and marked `no_backup` leaves the reader guessing which is true.",
        fix: "Keep one recovery path: remove the volume from the extra backup, or drop the stale `no_backup`.",
    },
    Rule {
        id: "HL003",
        name: "backup-credentials-not-exported",
        severity: Error,
        summary: "A backup target's credentials are marked regenerable, so they are not in the DR export.",
        why: "Backups are useless after a disaster without the key to read them: the target's credentials must be in the offline DR export.",
        fix: "Remove `regenerable` from the credentials secret.",
    },
    Rule {
        id: "HL004",
        name: "database-unrecoverable",
        severity: Error,
        summary: "A database is not dumped by any pg-backup, and its server's volume has no file-level backup.",
        why: "A dump of one database on a server does not bring back the others: each database needs its own dump (or its server's whole volume a backup).",
        fix: "Add `service/database` to the `databases` of a pg-backup backup.",
    },
    Rule {
        id: "HL005",
        name: "backup-unwatched",
        severity: Warning,
        summary: "No alert watches a backup for failure or staleness.",
        why: "A backup that silently stopped months ago is found out during the restore. Each backup needs an alert that fires when it fails or when its last success is older than its schedule allows.",
        fix: "Add `[monitoring]` (its built-in backup alerts cover every pg-backup, rclone and Longhorn backup), and keep `[monitoring.alerts.backups]` enabled.",
    },
    Rule {
        id: "HL101",
        name: "ingress-exposure-unstated",
        severity: Error,
        summary: "An ingress is neither `public = true` nor protected by `auth`.",
        why: "Everything behind the ingress controller is on the internet. Saying so explicitly, or putting authentication in front, is the difference between a decision and an accident.",
        fix: "Set `auth = \"basic\"` with `auth_secret`, or `public = true` when the application has its own login.",
    },
    Rule {
        id: "HL102",
        name: "admin-ui-without-auth",
        severity: Error,
        summary: "The UI of Prometheus or Longhorn is exposed without authentication.",
        why: "Neither has a login of its own: anyone could read every metric, or delete every volume and backup.",
        fix: "Set `auth = \"basic\"` and `auth_secret` on the ingress.",
    },
    Rule {
        id: "HL103",
        name: "image-latest",
        severity: Error,
        summary: "A container image uses the `latest` tag.",
        why: "`latest` floats: the cluster runs whatever was pushed last, not what Git says, and a restore brings back a different version.",
        fix: "Pin a version tag or a digest.",
    },
    Rule {
        id: "HL104",
        name: "privilege-without-reason",
        severity: Warning,
        summary: "A workload is privileged, uses the host network or adds capabilities without saying why.",
        why: "These settings give a container the node. Each should be a recorded decision.",
        fix: "Set `security.reason = \"…\"` on the workload, or drop the privilege.",
    },
    Rule {
        id: "HL105",
        name: "metrics-through-ingress",
        severity: Warning,
        summary: "An ingress routes to a workload's metrics port without denying `/metrics`.",
        why: "Metrics leak internals (versions, paths, client counts) to the internet.",
        fix: "Keep `/metrics` in the ingress's `deny_paths` (the default), or route to another port.",
    },
    Rule {
        id: "HL106",
        name: "secret-in-git",
        severity: Error,
        summary: "A rendered Secret carries data in Git.",
        why: "Secret data is only base64: anyone who can read the repository can read it. Secrets go into Git sealed.",
        fix: "Declare it under `secrets` (rendered as a SealedSecret) instead of in a template.",
    },
    Rule {
        id: "HL107",
        name: "high-entropy-string",
        severity: Error,
        summary: "site.toml or a site-local template holds a string that looks like a generated secret.",
        why: "A token, password or key written in plain text is readable by everyone who can read the repository, and stays in its history after it is removed. Random strings (high entropy per character) are how such values look; sealed-secrets ciphertext is recognised and allowed.",
        fix: "Rotate the value, then seal it with kubeseal and declare it under the service's `secrets`; if the string is not a secret, excuse it with an exception on the service.",
    },
    Rule {
        id: "HL201",
        name: "missing-resources",
        severity: Warning,
        summary: "A workload has no CPU/memory requests or limits.",
        why: "On a Raspberry Pi, one runaway container starves every other; without requests the scheduler packs blindly.",
        fix: "Set `resources = { requests = { cpu, memory }, limits = { cpu, memory } }`.",
    },
    Rule {
        id: "HL202",
        name: "missing-probes",
        severity: Warning,
        summary: "A long-running workload has no readiness probe.",
        why: "Without probes, traffic reaches pods that are still starting and a hung process is never restarted.",
        fix: "Add `probes.readiness` (and `probes.liveness`) with an HTTP path, a TCP port or a command.",
    },
    Rule {
        id: "HL203",
        name: "local-volume-not-pinned",
        severity: Warning,
        summary: "A workload mounts a node-local volume without being pinned to that node.",
        why: "The pod can only start where the folder is; unpinned, it waits in Pending after every reschedule elsewhere.",
        fix: "Set `node = \"<the volume's node>\"` on the workload.",
    },
    Rule {
        id: "HL204",
        name: "single-replica-longhorn",
        severity: Warning,
        summary: "Longhorn keeps a single replica of every volume.",
        why: "One dead disk loses the volume until it is restored from backup.",
        fix: "Set `longhorn_replicas` to 2 or more (one per node).",
    },
    Rule {
        id: "HL301",
        name: "unknown-metric",
        severity: Error,
        summary: "A dashboard or alert query reads a metric nothing in the site produces.",
        why: "A misspelt or missing metric does not fail anywhere: the panel stays empty and the alert never fires. hearth knows what the site produces: the log pipeline's counters, the exporters of the charts and images it runs, pg-backup's gauges, and what workloads declare in `metrics.produces`.",
        fix: "Correct the name (the message suggests the closest known one), or declare it with `metrics = { port = \"…\", produces = [\"name\"] }` on the workload that serves it.",
    },
    Rule {
        id: "HL302",
        name: "pipeline-cardinality",
        severity: Warning,
        summary: "A log-pipeline counter may produce more series than `monitoring.max_series`.",
        why: "Every distinct combination of label values is a series held in memory by the agent and by Prometheus. Labels such as client IP and path multiply; on a Raspberry Pi a runaway metric takes the node down.",
        fix: "Drop a label from the counter, split it into counters with fewer labels (as the seed does), or raise `max_series` knowingly.",
    },
    Rule {
        id: "HL303",
        name: "datasource-unresolved",
        severity: Error,
        summary: "A Grafana datasource URL does not point at a Service of the site.",
        why: "A datasource pointing at a service that does not exist (a renamed namespace, a typo) leaves every dashboard and alert on it empty, and alerts on an unreachable datasource never fire.",
        fix: "Use `http://<service>.<namespace>.svc[:port]` of a service the site deploys.",
    },
    Rule {
        id: "HL901",
        name: "exception-expired",
        severity: Error,
        summary: "A lint exception is past its `until` date.",
        why: "Exceptions are temporary by design; an expired one hides a finding nobody re-examined.",
        fix: "Fix the finding and remove the exception, or extend `until` with a new reason.",
    },
    Rule {
        id: "HL902",
        name: "exception-unused",
        severity: Warning,
        summary: "A lint exception excuses nothing.",
        why: "Stale exceptions accumulate and would silently excuse a future finding.",
        fix: "Remove the exception.",
    },
    Rule {
        id: "HL903",
        name: "exception-unknown-rule",
        severity: Error,
        summary: "A lint exception names a rule that does not exist.",
        why: "A typo in a rule id excuses nothing and hides that fact.",
        fix: "Use an id from `hearth lint --list-rules`.",
    },
];

pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(id) || r.name == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_are_unique_and_documented() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
        let mut names: Vec<&str> = RULES.iter().map(|r| r.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), RULES.len());
        for r in RULES {
            assert!(r.id.starts_with("HL") && r.id.len() == 5, "{}", r.id);
            assert!(
                !r.summary.is_empty() && r.why.len() > 40 && !r.fix.is_empty(),
                "{} is missing its explanation",
                r.id
            );
        }
    }
}
