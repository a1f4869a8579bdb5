//! The closed vocabularies of site.toml: kinds, modes, protocols. Each is read
//! in site.toml's kebab-case and carried by the plan as the enum itself, so no
//! stage downstream compares strings; it serialises in the spelling templates
//! and Kubernetes use (`StatefulSet`, `TCP`, `ReadWriteOnce`, `pg-backup`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// How site.toml spells a value of the vocabulary.
pub trait Word: Copy {
    fn word(self) -> &'static str;
}

/// Serialise a value as site.toml spells it: the JSON Schema's `default` of a
/// site.toml field is then the word a user would write.
pub fn as_word<T: Word, S: serde::Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.word())
}

/// One enum of the vocabulary: each variant with its site.toml word and its
/// rendered spelling.
macro_rules! vocabulary {
    ($(#[$m:meta])* $name:ident default $d:ident $body:tt) => {
        vocabulary!($(#[$m])* $name $body);
        impl Default for $name {
            fn default() -> Self {
                Self::$d
            }
        }
    };
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $word:literal => $out:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Deserialize, Serialize, JsonSchema, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename(deserialize = $word, serialize = $out))] $v),+
        }
        impl Word for $name {
            fn word(self) -> &'static str {
                match self { $(Self::$v => $word),+ }
            }
        }
        impl $name {
            /// How the plan, templates and rendered objects spell it.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $out),+ }
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(self.as_str())
            }
        }
    };
}

vocabulary!(Arch {
    Arm64 = "arm64" => "arm64",
    Amd64 = "amd64" => "amd64",
    Arm = "arm" => "arm",
});

vocabulary!(
    /// The ingress controller of the site: every ingress setting is rendered
    /// in its own terms (annotations for ingress-nginx, `Middleware` objects
    /// for Traefik).
    IngressController default IngressNginx {
    /// kubernetes/ingress-nginx (its chart; ModSecurity WAF available).
    IngressNginx = "ingress-nginx" => "ingress-nginx",
    /// Traefik v3, as k3s ships it or from its chart (`traefik.io/v1alpha1` CRDs).
    Traefik = "traefik" => "traefik",
});

impl IngressController {
    /// The ingress class the controller's own install registers.
    pub fn default_class(self) -> &'static str {
        match self {
            Self::IngressNginx => "nginx",
            Self::Traefik => "traefik",
        }
    }
}

vocabulary!(
    /// Whether a namespace's pods may talk to anything (`none`, Kubernetes'
    /// default) or only to what the site implies (`default-deny` plus allows).
    NetworkPolicyMode default None {
    /// No NetworkPolicy: every pod may reach and be reached by any other.
    None = "none" => "none",
    /// A `default-deny` NetworkPolicy for the namespace, and allows for the
    /// traffic the site implies (ingresses, scraping, dependencies, LAN ports).
    DefaultDeny = "default-deny" => "default-deny",
});

vocabulary!(
    /// Where a workload's pods may connect beyond what the site implies.
    Egress {
    /// Any address outside the cluster (`0.0.0.0/0` and `::/0`), every port.
    Internet = "internet" => "internet",
});

vocabulary!(
    /// A DNS provider cert-manager's ACME DNS-01 solver writes records with.
    Dns01Provider {
    /// Cloudflare, with an API token.
    Cloudflare = "cloudflare" => "cloudflare",
    /// AWS Route 53, with an access key.
    Route53 = "route53" => "route53",
    /// Any RFC 2136 (dynamic update) server, with a TSIG key.
    Rfc2136 = "rfc2136" => "rfc2136",
});

vocabulary!(NodeRole {
    Server = "server" => "server",
    Agent = "agent" => "agent",
});

vocabulary!(BackupKind {
    /// A Longhorn RecurringJob that backs up the listed Longhorn volumes to a target.
    Longhorn = "longhorn" => "longhorn",
    /// pg_dump of the listed databases to a dump volume (github.com/Guillembonet/pg-backup).
    PgBackup = "pg-backup" => "pg-backup",
    /// An rclone CronJob syncing a volume to an (encrypted) remote.
    Rclone = "rclone" => "rclone",
    /// A CronJob dumping the listed databases of one server with the engine's
    /// own tools and official image (`pg_dump`, `mariadb-dump`, `mysqldump`).
    Dump = "dump" => "dump",
    /// A restic CronJob snapshotting volumes into a repository, with a
    /// retention policy and an optional `restic check` schedule.
    Restic = "restic" => "restic",
    /// Your own CronJob (image, command) protecting the listed volumes, with
    /// the command that restores them.
    Job = "job" => "job",
});

vocabulary!(
    /// The store behind a backup target, written as the scheme of Longhorn's
    /// backup target URL.
    TargetKind {
    /// Amazon S3 or an S3-compatible store (MinIO, Backblaze B2, Garage):
    /// `s3://<bucket>@<region>/<path>/`.
    S3 = "s3" => "s3",
    /// An NFSv4 export: `nfs://<server>:<path>`.
    Nfs = "nfs" => "nfs",
    /// An SMB/CIFS share: `cifs://<server>/<share>/<path>`.
    Cifs = "cifs" => "cifs",
    /// An Azure Blob Storage container: `azblob://<container>@<suffix>/<path>/`.
    AzureBlob = "azure-blob" => "azblob",
});

impl BackupKind {
    /// Kinds that recover a database from a dump of its own (not its files).
    pub fn dumps_databases(self) -> bool {
        matches!(self, Self::PgBackup | Self::Dump)
    }
}

vocabulary!(DatabaseEngine default Postgres {
    /// PostgreSQL.
    Postgres = "postgres" => "postgres",
    /// MariaDB.
    Mariadb = "mariadb" => "mariadb",
    /// MySQL.
    Mysql = "mysql" => "mysql",
    /// SQLite: a file in a volume, read by the workload that uses it (no server).
    Sqlite = "sqlite" => "sqlite",
});

impl DatabaseEngine {
    /// The port the engine's server listens on unless told otherwise; none
    /// for an engine without a server.
    pub fn default_port(self) -> Option<u16> {
        match self {
            Self::Postgres => Some(5432),
            Self::Mariadb | Self::Mysql => Some(3306),
            Self::Sqlite => None,
        }
    }

    /// The official image (Docker Hub library) carrying the engine's dump
    /// tools; SQLite has none (see `SQLITE_IMAGE`).
    pub fn official_image(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Mariadb => "mariadb",
            Self::Mysql => "mysql",
            Self::Sqlite => "keinos/sqlite3",
        }
    }

    /// The engine an image's name shows (`postgres:16`, `bitnami/mariadb:11`,
    /// `tensorchord/pgvecto-rs:pg16`), if any.
    pub fn of_image(image: &str) -> Option<Self> {
        let repo = image.split(['@', ':']).next().unwrap_or(image);
        let last = repo.rsplit('/').next().unwrap_or(repo);
        if last.contains("mariadb") {
            Some(Self::Mariadb)
        } else if last.contains("mysql") {
            Some(Self::Mysql)
        } else if last.contains("postgres") || last.starts_with("pg") {
            Some(Self::Postgres)
        } else {
            None
        }
    }
}

// Templates see the PascalCase name.
vocabulary!(Capability {
    /// The GitOps engine (ArgoCD). Everything else depends on it.
    Gitops = "gitops" => "Gitops",
    /// The SealedSecret controller.
    SealedSecrets = "sealed-secrets" => "SealedSecrets",
    /// Longhorn block storage.
    Longhorn = "longhorn" => "Longhorn",
    /// cert-manager.
    CertManager = "cert-manager" => "CertManager",
    /// The ingress controller.
    Ingress = "ingress" => "Ingress",
    /// A database server.
    Database = "database" => "Database",
    /// Metrics (Prometheus).
    Metrics = "metrics" => "Metrics",
});

vocabulary!(WorkloadKind {
    Deployment = "deployment" => "Deployment",
    StatefulSet = "stateful-set" => "StatefulSet",
    DaemonSet = "daemon-set" => "DaemonSet",
    CronJob = "cron-job" => "CronJob",
});

impl WorkloadKind {
    /// The API group/version that serves the kind.
    pub fn api_version(self) -> &'static str {
        match self {
            Self::CronJob => "batch/v1",
            _ => "apps/v1",
        }
    }

    /// Kinds whose pod count is `replicas`.
    pub fn has_replicas(self) -> bool {
        matches!(self, Self::Deployment | Self::StatefulSet)
    }
}

// Rendered as Grafana's integration type.
vocabulary!(
    /// The integrations hearth provisions. ntfy goes through Grafana's webhook
    /// with ntfy's message templates (ntfy 2.10 or later).
    ContactKind {
        Telegram = "telegram" => "telegram",
        Discord = "discord" => "discord",
        Slack = "slack" => "slack",
        Pushover = "pushover" => "pushover",
        Ntfy = "ntfy" => "webhook",
        Webhook = "webhook" => "webhook",
        Email = "email" => "email",
    }
);

vocabulary!(FsGroupChange {
    /// Change the owner and mode of every file at each mount (the default).
    Always = "always" => "Always",
    /// Only when the volume's root does not already carry the group: fast
    /// starts on large volumes.
    OnRootMismatch = "on-root-mismatch" => "OnRootMismatch",
});

vocabulary!(NodeOperator {
    /// The label has one of `values`.
    In = "in" => "In",
    /// The label has none of `values` (or is missing).
    NotIn = "not-in" => "NotIn",
    /// The node carries the label, whatever its value.
    Exists = "exists" => "Exists",
    /// The node does not carry the label.
    DoesNotExist = "does-not-exist" => "DoesNotExist",
});

vocabulary!(WhenUnsatisfiable {
    /// Leave the pod pending rather than exceed the skew.
    DoNotSchedule = "do-not-schedule" => "DoNotSchedule",
    /// Prefer the spread, but schedule anyway.
    ScheduleAnyway = "schedule-anyway" => "ScheduleAnyway",
});

vocabulary!(TaintEffect {
    /// New pods are not scheduled on the node.
    NoSchedule = "no-schedule" => "NoSchedule",
    /// The scheduler avoids the node when it can.
    PreferNoSchedule = "prefer-no-schedule" => "PreferNoSchedule",
    /// Running pods are evicted too.
    NoExecute = "no-execute" => "NoExecute",
});

vocabulary!(Exposure {
    /// A LoadBalancer Service: an address of its own on the LAN (MetalLB,
    /// k3s ServiceLB).
    LoadBalancer = "load-balancer" => "LoadBalancer",
    /// A NodePort Service: a port (30000-32767) on every node's address.
    NodePort = "node-port" => "NodePort",
});

vocabulary!(Strategy {
    Recreate = "recreate" => "Recreate",
    RollingUpdate = "rolling-update" => "RollingUpdate",
});

vocabulary!(Protocol default Tcp {
    Tcp = "tcp" => "TCP",
    Udp = "udp" => "UDP",
});

vocabulary!(VolumeKind {
    /// A PVC on the `longhorn` storage class.
    Longhorn = "longhorn" => "longhorn",
    /// A static local PersistentVolume on one node's folder.
    Local = "local" => "local",
    /// A hostPath folder mounted straight into the pod.
    HostPath = "host-path" => "host-path",
    /// A claim created by the service's Helm chart (declared for recovery accounting).
    Chart = "chart" => "chart",
});

impl VolumeKind {
    /// Kinds whose data lives on a disk hearth must see recovered.
    pub fn always_holds_data(self) -> bool {
        matches!(self, Self::Longhorn | Self::Local | Self::Chart)
    }
}

vocabulary!(HostPathType {
    /// A folder that must exist (a data disk, a log folder): a missing one
    /// stops the pod instead of becoming an empty folder.
    Directory = "directory" => "Directory",
    /// A folder created empty when missing (a cache, a scratch folder).
    DirectoryOrCreate = "directory-or-create" => "DirectoryOrCreate",
    /// A file that must exist.
    File = "file" => "File",
    /// A file created empty when missing.
    FileOrCreate = "file-or-create" => "FileOrCreate",
    /// A UNIX socket that must exist (e.g. a container runtime's).
    Socket = "socket" => "Socket",
    /// A character device that must exist (e.g. `/dev/ttyUSB0`).
    CharDevice = "char-device" => "CharDevice",
    /// A block device that must exist.
    BlockDevice = "block-device" => "BlockDevice",
});

vocabulary!(AccessMode default ReadWriteOnce {
    ReadWriteOnce = "read-write-once" => "ReadWriteOnce",
    ReadWriteMany = "read-write-many" => "ReadWriteMany",
    ReadOnlyMany = "read-only-many" => "ReadOnlyMany",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_words_read_and_rendered_spellings_write() {
        let k: WorkloadKind = serde_json::from_str("\"stateful-set\"").unwrap();
        assert_eq!(k, WorkloadKind::StatefulSet);
        assert_eq!(serde_json::to_string(&k).unwrap(), "\"StatefulSet\"");
        assert_eq!(k.word(), "stateful-set");
        assert!(serde_json::from_str::<WorkloadKind>("\"StatefulSet\"").is_err());
        assert_eq!(Protocol::Udp.to_string(), "UDP");
        assert_eq!(BackupKind::PgBackup.as_str(), "pg-backup");
    }

    #[test]
    fn an_image_name_shows_the_engine_and_nothing_else_guesses() {
        use DatabaseEngine::*;
        for (image, engine) in [
            ("postgres:16.2-alpine3.19", Some(Postgres)),
            (
                "ghcr.io/immich-app/postgres:14-vectorchord0.3.0",
                Some(Postgres),
            ),
            ("tensorchord/pgvecto-rs:pg16-v0.2.0", Some(Postgres)),
            ("bitnami/postgresql:16.3.0", Some(Postgres)),
            ("mariadb:11.4.2", Some(Mariadb)),
            ("lscr.io/linuxserver/mariadb:10.11.8", Some(Mariadb)),
            ("mysql:8.0.39", Some(Mysql)),
            ("registry:5000/postgres-tools/app:1.0", None),
            ("vaultwarden/server:1.32.0", None),
        ] {
            assert_eq!(DatabaseEngine::of_image(image), engine, "{image}");
        }
        assert_eq!(Mariadb.default_port(), Some(3306));
        assert_eq!(Sqlite.default_port(), None);
        assert_eq!(Postgres.official_image(), "postgres");
    }
}
