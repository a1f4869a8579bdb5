//! `[monitoring]` and `[alerts]` of site.toml: Grafana, datasources, contact
//! points, built-in alerts and dashboards, and the ingress log pipeline.

use super::*;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Alert {
    /// PromQL; the alert fires for every series it returns.
    pub expr: Spanned<String>,
    /// How long the condition must hold before the alert fires.
    #[serde(rename = "for")]
    pub for_: Option<Spanned<String>>,
    #[serde(default)]
    pub severity: AlertSeverity,
    /// One line; `{{ $labels.x }}` is replaced by a label of the series.
    pub summary: String,
    pub description: Option<String>,
    /// Send this alert to this contact point, past every route; unless given,
    /// `[[monitoring.routes]]` and then `monitoring.notify` decide.
    pub notify: Option<Spanned<ContactName>>,
}

/// A notification route: alerts that match every matcher given go to
/// `notify` instead of `monitoring.notify`. Routes are tried in order and the
/// first that matches takes the alert, unless it says `continue = true`.
/// `services` matches an alert's `namespace` label, which alerts about pods,
/// volumes and backups carry; traffic alerts (per client IP) do not.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// The contact point these alerts go to.
    pub notify: Spanned<ContactName>,
    /// Only alerts of this severity.
    pub severity: Option<AlertSeverity>,
    /// Only alerts about these services (their namespaces).
    #[serde(default)]
    pub services: Vec<Spanned<ServiceName>>,
    /// Only these alerts, by name (built-in, e.g. `BruteForce`, or `[alerts]`).
    #[serde(default)]
    pub alerts: Vec<Spanned<String>>,
    /// Also try the routes after this one (notify several contact points).
    #[serde(default, rename = "continue")]
    pub continue_: bool,
    /// Send a still-firing alert again after this long (default `4h`).
    pub repeat: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize, JsonSchema, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertSeverity {
    #[default]
    Warning,
    Critical,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dashboard {
    pub title: String,
    pub panels: Vec<Spanned<Panel>>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Panel {
    pub title: String,
    /// PromQL for a Prometheus datasource, LogQL for Loki.
    pub query: Spanned<String>,
    /// Datasource uid; defaults to the default datasource.
    pub datasource: Option<Spanned<DatasourceUid>>,
    #[serde(default)]
    pub kind: PanelKind,
    /// Legend, e.g. `{{client_ip}}`.
    pub legend: Option<String>,
}

#[derive(Debug, Default, Deserialize, JsonSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum PanelKind {
    #[default]
    Timeseries,
    Table,
    Stat,
    Logs,
}

/// Monitoring as code: what Grafana gets (datasources, dashboards, alerting),
/// and the log pipeline that turns ingress access lines into metrics.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Monitoring {
    /// The service running Grafana (Helm chart `grafana`); its chart values
    /// receive the datasources, dashboards and alerting provisioning.
    pub grafana: Spanned<ServiceName>,
    /// Datasources by uid.
    pub datasources: BTreeMap<DatasourceUid, Spanned<Datasource>>,
    /// Where alerts can be delivered, by name.
    #[serde(default)]
    pub contact_points: BTreeMap<ContactName, Spanned<ContactPoint>>,
    /// The contact point of the default notification policy.
    pub notify: Spanned<ContactName>,
    /// Where some alerts go instead, by severity, service or name; the first
    /// route that matches takes an alert.
    #[serde(default)]
    pub routes: Vec<Spanned<Route>>,
    /// The mail server Grafana sends `email` contact points through.
    pub smtp: Option<Spanned<Smtp>>,
    /// Built-in dashboards to render (all of them unless listed).
    #[serde(default = "all_dashboards")]
    pub dashboards: Vec<BuiltinDashboard>,
    /// Thresholds of the built-in alerts.
    #[serde(default)]
    pub alerts: BuiltinAlerts,
    /// The ingress log pipeline (Promtail, Alloy and hearth-exporter configs).
    pub logs: Option<Spanned<LogPipeline>>,
    /// `hearth lint` warns when a pipeline metric may have more series than this.
    #[serde(default = "default_max_series")]
    pub max_series: u64,
}

fn all_dashboards() -> Vec<BuiltinDashboard> {
    vec![
        BuiltinDashboard::Traffic,
        BuiltinDashboard::Waf,
        BuiltinDashboard::Cluster,
        BuiltinDashboard::Backups,
        BuiltinDashboard::Nodes,
        BuiltinDashboard::Storage,
        BuiltinDashboard::Certificates,
        BuiltinDashboard::Services,
    ]
}

fn default_max_series() -> u64 {
    100_000
}

#[derive(Debug, Deserialize, JsonSchema, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum BuiltinDashboard {
    /// Requests by client IP (the seed's query), a geomap, requests by namespace and status.
    Traffic,
    /// Requests blocked by ModSecurity, parsed from the ingress-nginx logs in Loki.
    Waf,
    /// Pod restarts and node temperatures.
    Cluster,
    /// Last success of every backup.
    Backups,
    /// CPU, memory, disk and temperature of every node (node-exporter).
    Nodes,
    /// Volume fill levels (kubelet), Longhorn volume health and space.
    Storage,
    /// Time until each cert-manager certificate expires, and those not ready.
    Certificates,
    /// Requests, server errors and response time per ingress (ingress-nginx).
    Services,
}

impl BuiltinDashboard {
    /// Dashboards drawn from what the site runs, left out when it runs none of it.
    pub fn from_what_runs(self) -> bool {
        matches!(
            self,
            Self::Nodes | Self::Storage | Self::Certificates | Self::Services
        )
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Datasource {
    pub kind: DatasourceKind,
    /// In-cluster URL, e.g. `http://prometheus-server.prometheus.svc`.
    pub url: Spanned<String>,
    /// The datasource panels use when they name none (one per kind at most).
    #[serde(default)]
    pub default: bool,
}

#[derive(Debug, Deserialize, JsonSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DatasourceKind {
    Prometheus,
    Loki,
}

/// Where Grafana delivers alerts. Every credential is a key of a secret of
/// the Grafana service; Grafana reads it from an environment variable, so no
/// credential is written into the provisioning files. Which fields a kind
/// takes: telegram `bot_token`, `chat_id`; discord and slack `webhook`;
/// pushover `user_key`, `api_token`; ntfy `topic`, optional `server` and
/// `token`; webhook `url`, optional `token`; email `addresses`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPoint {
    pub kind: ContactKind,
    /// telegram: the bot token.
    pub bot_token: Option<Spanned<SecretKeyRef>>,
    /// telegram: the chat (group) id, e.g. `-1001234567890`.
    pub chat_id: Option<String>,
    /// discord, slack: the webhook URL (it holds the webhook's token).
    pub webhook: Option<Spanned<SecretKeyRef>>,
    /// pushover: the user (or group) key.
    pub user_key: Option<Spanned<SecretKeyRef>>,
    /// pushover: the application's API token.
    pub api_token: Option<Spanned<SecretKeyRef>>,
    /// ntfy: the server, `https://ntfy.sh` unless given.
    pub server: Option<String>,
    /// ntfy: the topic, 1 to 64 letters, digits, `-` and `_`.
    pub topic: Option<String>,
    /// webhook: the endpoint, `http://` or `https://`.
    pub url: Option<String>,
    /// ntfy, webhook: a bearer token sent in `Authorization`.
    pub token: Option<Spanned<SecretKeyRef>>,
    /// email: the recipients (sent through `[monitoring.smtp]`).
    pub addresses: Option<Vec<String>>,
}

/// Grafana's mail server (its `[smtp]` settings).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Smtp {
    /// `host:port`, e.g. `smtp.fastmail.com:587`.
    pub host: String,
    /// The sender, e.g. `grafana@lab.example`.
    pub from: String,
    /// The login, when the server asks for one.
    pub user: Option<String>,
    /// The password: a key of a secret of the Grafana service.
    pub password: Option<Spanned<SecretKeyRef>>,
}

/// Tuning of one built-in alert.
#[derive(Debug, Deserialize, JsonSchema, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct AlertTuning {
    /// Set `false` to leave the alert out.
    pub enabled: Option<bool>,
    /// The count above which it fires (requests, restarts).
    pub threshold: Option<f64>,
    /// The window the count is taken over, e.g. `10m`.
    pub window: Option<Spanned<String>>,
    /// How long the condition must hold, e.g. `5m`.
    #[serde(rename = "for")]
    pub for_: Option<Spanned<String>>,
    pub severity: Option<AlertSeverity>,
}

#[derive(Debug, Deserialize, JsonSchema, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct BuiltinAlerts {
    /// One client IP sending many requests (default 1000 in 10m).
    #[serde(default)]
    pub client_ip_requests: AlertTuning,
    /// A container restarting (default more than 3 in 1h).
    #[serde(default)]
    pub pod_restarts: AlertTuning,
    /// Many requests denied by the WAF (default 50 in 10m): hearth-exporter's `waf_blocked_total` when it counts; with Promtail or Alloy counting (no WAF counter), 403s, less path and `/metrics` denies (they log no namespace) when a counter has `namespace`.
    #[serde(default)]
    pub waf_blocks: AlertTuning,
    /// One IP failing authentication on auth-protected ingresses (default 20 401/403 in 5m).
    #[serde(default)]
    pub brute_force: AlertTuning,
    /// Every backup: failed, or no success for longer than its schedule allows.
    #[serde(default)]
    pub backups: AlertTuning,
    /// A volume more than `threshold` full (default 0.9 for 15m; the kubelet's volume stats).
    #[serde(default)]
    pub volume_full: AlertTuning,
    /// A node's filesystem more than `threshold` full (default 0.9 for 15m; node-exporter).
    #[serde(default)]
    pub node_disk_full: AlertTuning,
    /// A cert-manager certificate expiring in fewer than `threshold` days (default 14 for 1h).
    #[serde(default)]
    pub certificate_expiry: AlertTuning,
    /// A Longhorn volume degraded or faulted (default for 10m).
    #[serde(default)]
    pub longhorn_degraded: AlertTuning,
}

/// One pipeline definition, rendered as Promtail, Grafana Alloy and
/// hearth-exporter configuration: ingress-nginx JSON access lines counted per
/// label set, and (with `loki`) every pod's logs shipped to Loki.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogPipeline {
    /// Namespaces whose pods' access lines are counted.
    #[serde(default = "ingress_namespaces")]
    pub namespaces: Vec<Namespace>,
    /// Loki datasource every pod's logs are shipped to (the `pod-logs` job).
    pub loki: Option<Spanned<DatasourceUid>>,
    /// MaxMind City database (GeoIP labels for the map); shared with geoipupdate.
    pub geoip: Option<AbsPath>,
    /// Metric name prefix (Promtail's default keeps the seed's queries working).
    #[serde(default = "default_prefix")]
    pub prefix: String,
    /// Label name → access-log JSON field.
    #[serde(default = "default_fields")]
    pub fields: BTreeMap<MetricName, Spanned<String>>,
    /// The counters, in order (the seed's four unless given).
    #[serde(default = "default_counters")]
    pub counters: Vec<Spanned<Counter>>,
    /// Where Promtail keeps its read positions (a node folder, not /tmp).
    #[serde(default = "default_positions")]
    pub positions: AbsPath,
    /// Distinct client IPs expected in a day (for the cardinality estimate).
    #[serde(default = "default_clients")]
    pub expected_clients: u64,
    /// Series not updated for this long are dropped (Promtail `max_idle_duration`).
    #[serde(default = "default_idle")]
    pub max_idle: Spanned<String>,
    /// Who counts the access lines: the log agent (`agent`: the
    /// `ingress-nginx-metrics` job of Promtail or Alloy) or hearth-exporter
    /// (`exporter`: the agent then only ships logs). Never both: the same
    /// series from two sources would double every sum.
    #[serde(default)]
    pub count_with: CountWith,
}

#[derive(Debug, Default, Deserialize, JsonSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum CountWith {
    #[default]
    Agent,
    Exporter,
}

#[derive(Debug, Deserialize, JsonSchema, Clone)]
#[serde(deny_unknown_fields)]
pub struct Counter {
    /// Without the prefix, e.g. `http_requests_total_ip`.
    pub name: MetricName,
    /// Labels, each a key of `fields`.
    pub labels: Vec<MetricName>,
    pub help: Option<String>,
}

fn ingress_namespaces() -> Vec<Namespace> {
    vec![Namespace::new("ingress-nginx").expect("valid")]
}
fn default_prefix() -> String {
    "promtail_custom_".into()
}
fn default_fields() -> BTreeMap<MetricName, Spanned<String>> {
    [
        ("client_ip", "remote_address"),
        ("namespace", "ingress_namespace"),
        ("status", "status"),
    ]
    .into_iter()
    .map(|(k, v)| {
        (
            MetricName::new(k).expect("valid"),
            Spanned::unspanned(v.to_string()),
        )
    })
    .collect()
}
fn default_counters() -> Vec<Spanned<Counter>> {
    [
        ("http_requests_total_ip", &["client_ip"][..]),
        (
            "http_requests_total_ip_namespace",
            &["client_ip", "namespace"],
        ),
        ("http_requests_total_ip_status", &["client_ip", "status"]),
        (
            "http_requests_total_ip_namespace_status",
            &["client_ip", "namespace", "status"],
        ),
    ]
    .into_iter()
    .map(|(n, l)| {
        Spanned::unspanned(Counter {
            name: MetricName::new(n).expect("valid"),
            labels: l
                .iter()
                .map(|x| MetricName::new(*x).expect("valid"))
                .collect(),
            help: None,
        })
    })
    .collect()
}
fn default_positions() -> AbsPath {
    AbsPath::new("/var/lib/promtail/positions.yaml").expect("valid")
}
fn default_clients() -> u64 {
    500
}
fn default_idle() -> Spanned<String> {
    Spanned::unspanned("24h".to_string())
}
