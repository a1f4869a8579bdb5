//! Alerts on the cluster's health, each from a producer the site runs (the
//! same gate as the health dashboards): a volume or a node's disk filling up
//! (the kubelet's volume stats, node-exporter: the prometheus chart), a
//! certificate cert-manager is not renewing, a Longhorn volume that lost
//! replicas. Gauges: a threshold held for `for`.

use super::{Common, Draft, Tuned, horizon, tune};
use crate::monitoring::alerts::{AlertRule, Case};
use crate::monitoring::context::{
    Ctx, NOT_DISKS, chart_of, labels, num, robustness_has_states, runs_chart, selector,
};
use crate::plan::Capability;
use crate::site::model::Monitoring;

pub(super) fn alerts(c: &mut Ctx, m: &Monitoring, common: &Common) -> Vec<AlertRule> {
    let a = &m.alerts;
    let plan = c.plan;
    let mut out = Vec::new();
    if runs_chart(plan, "prometheus") {
        if let Some(t) = tune(c, &a.volume_full, 0.9, "5m", "15m") {
            out.push(volume_full(common, &t));
        }
        if let Some(t) = tune(c, &a.node_disk_full, 0.9, "5m", "15m") {
            out.push(node_disk_full(common, &t));
        }
    }
    if chart_of(plan, Capability::CertManager, "cert-manager").is_some()
        && let Some(t) = tune(c, &a.certificate_expiry, 14.0, "5m", "1h")
    {
        out.push(certificate_expiry(common, &t));
    }
    if let Some(version) = chart_of(plan, Capability::Longhorn, "longhorn")
        && let Some(t) = tune(c, &a.longhorn_degraded, 0.0, "5m", "10m")
    {
        out.push(longhorn_degraded(
            common,
            &t,
            robustness_has_states(version),
        ));
    }
    out
}

/// A series of a test case: metric, labels, the value it holds.
type Held<'a> = (&'a str, &'a [(&'a str, &'a str)], f64);

/// A case whose series hold `value` from the start: the alert fires (with
/// `who`'s labels) or stays quiet.
fn flat(t: &Tuned, series: &[Held], fires: Option<&[(&str, &str)]>) -> Case {
    let (mins, at) = horizon("0m", &t.for_);
    Case::minutely(
        series
            .iter()
            .map(|(metric, who, value)| (selector(metric, who), format!("{value}+0x{mins}")))
            .collect(),
        at,
        fires.map(labels),
    )
}

fn volume_full(common: &Common, t: &Tuned) -> AlertRule {
    let who = [("namespace", "immich"), ("persistentvolumeclaim", "photos")];
    let used = "kubelet_volume_stats_used_bytes";
    let size = "kubelet_volume_stats_capacity_bytes";
    let at = |fill: f64| {
        flat(
            t,
            &[(used, &who, fill * 1000.0), (size, &who, 1000.0)],
            None,
        )
    };
    let mut fires = at((1.0 + t.threshold) / 2.0);
    fires.fires = Some(labels(&who));
    let draft = Draft {
        name: "VolumeAlmostFull".into(),
        group: "cluster",
        expr: format!("{used} / {size} > {}", num(t.threshold)),
        summary: "{{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is almost full"
            .into(),
        description: format!(
            "The volume is more than {}% full; grow it (`size` in site.toml) or clean it up.",
            num(t.threshold * 100.0)
        ),
    };
    common.rule(t, draft, vec![fires, at(t.threshold / 2.0)])
}

fn node_disk_full(common: &Common, t: &Tuned) -> AlertRule {
    let who = [
        ("instance", "10.1.10.1:9100"),
        ("mountpoint", "/"),
        ("fstype", "ext4"),
    ];
    let avail = "node_filesystem_avail_bytes";
    let size = "node_filesystem_size_bytes";
    let at = |fill: f64| {
        flat(
            t,
            &[(avail, &who, (1.0 - fill) * 1000.0), (size, &who, 1000.0)],
            None,
        )
    };
    let mut fires = at((1.0 + t.threshold) / 2.0);
    fires.fires = Some(labels(&who));
    let draft = Draft {
        name: "NodeDiskAlmostFull".into(),
        group: "cluster",
        expr: format!(
            "1 - {avail}{{{NOT_DISKS}}} / {size}{{{NOT_DISKS}}} > {}",
            num(t.threshold)
        ),
        summary: "{{ $labels.mountpoint }} on {{ $labels.instance }} is almost full".into(),
        description: format!(
            "More than {}% of the filesystem is used.",
            num(t.threshold * 100.0)
        ),
    };
    common.rule(t, draft, vec![fires, at(t.threshold / 2.0)])
}

/// cert-manager renews a certificate a third of its life before it expires
/// (30 days for Let's Encrypt's 90): one this close to expiry is not renewing.
fn certificate_expiry(common: &Common, t: &Tuned) -> AlertRule {
    let who = [("namespace", "vaultwarden"), ("name", "vaultwarden-tls")];
    let metric = "certmanager_certificate_expiration_timestamp_seconds";
    let (_, at) = horizon("0m", &t.for_);
    let now = crate::monitoring::promql::duration_secs(&at).unwrap_or(0) as f64;
    let expiring = |days: f64| flat(t, &[(metric, &who, now + days * 86_400.0)], None);
    let mut fires = expiring(t.threshold / 2.0);
    fires.fires = Some(labels(&who));
    let draft = Draft {
        name: "CertificateExpiring".into(),
        group: "cluster",
        expr: format!("({metric} - time()) / 86400 < {}", num(t.threshold)),
        summary: "Certificate {{ $labels.namespace }}/{{ $labels.name }} is not being renewed"
            .into(),
        description: format!(
            "It expires in less than {} days; `kubectl describe certificate` and the cert-manager logs say why renewal fails.",
            num(t.threshold)
        ),
    };
    common.rule(t, draft, vec![fires, expiring(t.threshold * 2.0)])
}

fn longhorn_degraded(common: &Common, t: &Tuned, per_state: bool) -> AlertRule {
    let metric = "longhorn_volume_robustness";
    let (expr, cases) = if per_state {
        let who = |state| [("volume", "pvc-1"), ("node", "a"), ("state", state)];
        let (degraded, healthy) = (who("degraded"), who("healthy"));
        (
            format!("{metric}{{state=~\"degraded|faulted\"}} == 1"),
            vec![
                {
                    let mut c = flat(
                        t,
                        &[(metric, &degraded, 1.0), (metric, &healthy, 0.0)],
                        None,
                    );
                    c.fires = Some(labels(&degraded));
                    c
                },
                flat(
                    t,
                    &[(metric, &degraded, 0.0), (metric, &healthy, 1.0)],
                    None,
                ),
            ],
        )
    } else {
        // 0 unknown, 1 healthy, 2 degraded, 3 faulted.
        let who = [("volume", "pvc-1"), ("node", "a")];
        (
            format!("{metric} > 1"),
            vec![
                flat(t, &[(metric, &who, 2.0)], Some(&who)),
                flat(t, &[(metric, &who, 1.0)], None),
            ],
        )
    };
    let draft = Draft {
        name: "LonghornVolumeDegraded".into(),
        group: "cluster",
        expr,
        summary: "Longhorn volume {{ $labels.volume }} lost replicas".into(),
        description: "The volume is degraded or faulted: fewer healthy replicas than it should have. Longhorn's UI shows which node dropped out.".into(),
    };
    common.rule(t, draft, cases)
}
