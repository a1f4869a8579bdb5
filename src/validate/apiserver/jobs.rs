//! CronJobs and Jobs: `ValidateCronJobCreate`, the schedule and time zone,
//! and `validateJobSpec`.

use serde_json::Value;

use super::pod::{self, Restart};
use super::workloads::nonnegative;
use super::{Sink, str_of};

/// The CronJob controller names each Job `<cronjob>-<11 characters>`, and a Job
/// name must be a 63-character label: `ValidateCronJobCreate` refuses names over
/// 52 characters.
const CRONJOB_NAME_MAX: usize = 63 - 11;

pub(super) fn cron_job(s: &mut Sink, v: &Value) {
    let name = str_of(&v["metadata"]["name"]).unwrap_or("");
    if name.len() > CRONJOB_NAME_MAX {
        s.refuse(
            "ValidateCronJobCreate",
            "metadata.name",
            Some(name),
            format!("`{name}` is {} characters; a CronJob name must be no more than {CRONJOB_NAME_MAX} characters (the controller appends 11 to name its Jobs)", name.len()),
            format!("shorten the name in site.toml to at most {CRONJOB_NAME_MAX} characters (for derived CronJobs: the backup's or volume's name)"),
        );
    }
    let spec = &v["spec"];
    schedule(s, spec);
    if let Some(p) = str_of(&spec["concurrencyPolicy"])
        && !matches!(p, "Allow" | "Forbid" | "Replace")
    {
        s.refuse(
            "validateConcurrencyPolicy (NotSupported)",
            "spec.concurrencyPolicy",
            Some(p),
            format!("`{p}` is not a concurrency policy (Allow, Forbid, Replace)"),
            "use Allow, Forbid or Replace",
        );
    }
    for f in [
        "startingDeadlineSeconds",
        "successfulJobsHistoryLimit",
        "failedJobsHistoryLimit",
    ] {
        nonnegative(
            s,
            "validateCronJobSpec (ValidateNonnegativeField)",
            format!("spec.{f}"),
            &spec[f],
        );
    }
    let jt = &spec["jobTemplate"];
    super::meta::labels(
        s,
        "spec.jobTemplate.metadata.labels",
        &jt["metadata"]["labels"],
    );
    super::meta::annotations(
        s,
        "spec.jobTemplate.metadata.annotations",
        &jt["metadata"]["annotations"],
    );
    job_spec(s, "spec.jobTemplate.spec", &jt["spec"]);
}

/// `validateScheduleFormat` (five standard fields or a descriptor, no `TZ=`
/// prefix) and `validateTimeZone` (an IANA zone the API server can load).
fn schedule(s: &mut Sink, spec: &Value) {
    if let Some(schedule) = s.required(
        "validateCronJobSpec (Required)",
        "spec.schedule",
        &spec["schedule"],
        "a CronJob needs a schedule",
        "set the workload's `schedule` in site.toml",
    ) {
        if schedule.contains("TZ") {
            s.refuse(
                "validateScheduleFormat",
                "spec.schedule",
                Some(schedule),
                "cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
                "set `timezone` in site.toml instead of a TZ= prefix",
            );
        }
        let fields = schedule.split_whitespace().count();
        let descriptor = schedule.starts_with('@');
        if !descriptor && fields != 5 {
            s.refuse(
                "validateScheduleFormat (cron.ParseStandard)",
                "spec.schedule",
                Some(schedule),
                format!("`{schedule}` has {fields} fields; a standard cron schedule has 5"),
                "write the schedule as minute hour day-of-month month day-of-week",
            );
        }
    }
    if let Some(tz) = str_of(&spec["timeZone"])
        && let Err(e) = crate::site::kube::check_time_zone(tz)
    {
        let help = match e.suggestion {
            Some(z) => {
                format!("did you mean `{z}`? set `timezone` in site.toml to an IANA zone name")
            }
            None => "set `timezone` in site.toml to an IANA zone name".to_string(),
        };
        s.refuse(
            "validateTimeZone (time.LoadLocation)",
            "spec.timeZone",
            Some(tz),
            format!(
                "{} (an explicit IANA time zone such as `Europe/Berlin`)",
                e.message
            ),
            help,
        );
    }
}

/// `validateJobSpec`: counts and deadlines not negative, Indexed jobs count
/// their completions, and the pod template restarts `OnFailure` or `Never`.
pub(super) fn job_spec(s: &mut Sink, path: &str, spec: &Value) {
    for f in [
        "parallelism",
        "completions",
        "activeDeadlineSeconds",
        "backoffLimit",
        "ttlSecondsAfterFinished",
    ] {
        nonnegative(
            s,
            "validateJobSpec (ValidateNonnegativeField)",
            format!("{path}.{f}"),
            &spec[f],
        );
    }
    if str_of(&spec["completionMode"]) == Some("Indexed") && spec["completions"].is_null() {
        s.refuse(
            "validateJobSpec (Required)",
            format!("{path}.completions"),
            None,
            "when completion mode is Indexed",
            "set completions for an Indexed job",
        );
    }
    pod::template(
        s,
        &format!("{path}.template"),
        &spec["template"],
        Restart::OnFailureOrNever,
    );
}
