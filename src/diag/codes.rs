//! Every kind of input error hearth reports, with its documentation:
//! `hearth explain hearth::dangling` prints it. A diagnostic names its code
//! through this enum, so an undocumented code cannot be written.

/// Declares the codes: variant, printed code, and the What / Why / Fix text.
macro_rules! codes {
    ($($v:ident = $code:literal {
        what: $what:literal,
        why: $why:literal,
        fix: $fix:literal $(,)?
    })+) => {
        /// The code of an input error.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($v),+
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$v),+];

            /// The code as printed: `hearth::dangling`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$v => $code),+ }
            }

            /// What it reports, why it matters, and what to do.
            pub fn doc(self) -> CodeDoc {
                match self {
                    $(Code::$v => CodeDoc { what: $what, why: $why, fix: $fix }),+
                }
            }
        }
    };
}

/// The documentation of one code.
#[derive(Debug, Clone, Copy)]
pub struct CodeDoc {
    pub what: &'static str,
    pub why: &'static str,
    pub fix: &'static str,
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl Code {
    /// A code by its printed name, with or without the `hearth::` prefix.
    pub fn find(name: &str) -> Option<Code> {
        let name = name.strip_prefix("hearth::").unwrap_or(name);
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().strip_prefix("hearth::") == Some(name))
    }

    /// `hearth explain <code>`.
    pub fn explain(self) -> String {
        let d = self.doc();
        format!(
            "{} (input error, exit code 2)\n\nWhat it reports:\n{}\n\nWhy:\n{}\n\nFix:\n{}\n",
            self.as_str(),
            d.what,
            d.why,
            d.fix
        )
    }
}

codes! {
    Parse = "hearth::parse" {
        what: "site.toml is not valid TOML, or a value has the wrong type or an unknown key.",
        why: "hearth reads site.toml strictly (every table denies unknown keys), so a typo is never silently ignored.",
        fix: "Correct the line the diagnostic points at; `hearth schema --markdown` lists every key and type.",
    }
    Empty = "hearth::empty" {
        what: "site.toml is empty.",
        why: "A site needs at least its identity before anything can be rendered.",
        fix: "Add a [site] table with `name`, `domain` and `repo_url`, or run `hearth init` for a starting point.",
    }
    Utf8 = "hearth::utf8" {
        what: "A file hearth reads (site.toml, a template, a policy) is not valid UTF-8.",
        why: "Every input is text that diagnostics quote and Kubernetes reads as UTF-8.",
        fix: "Save the file as UTF-8.",
    }
    Io = "hearth::io" {
        what: "A file or folder could not be read or written.",
        why: "hearth cannot work around a missing file or a permission it lacks.",
        fix: "Check the path the message names, that it exists and that you may read (or write) it.",
    }
    Dangling = "hearth::dangling" {
        what: "A reference names something that is not declared: a service, secret, key, config map, volume, node, port, issuer, database, rate-limit tier or backup target.",
        why: "The cluster would refuse the object, or a pod would wait forever for a secret or volume that never comes.",
        fix: "Declare the thing, or correct the name (the help line suggests the closest declared name).",
    }
    Reference = "hearth::reference" {
        what: "A cross-service reference is not written as `service/name`.",
        why: "Volumes and databases belong to a service; the service part says which.",
        fix: "Write it as `<service>/<name>`, e.g. `immich/library`.",
    }
    Ambiguous = "hearth::ambiguous" {
        what: "An ingress or database does not say which workload it belongs to, and its service has several.",
        why: "hearth picks a service's only workload by default, but will not guess between several.",
        fix: "Set `workload = \"…\"` on the ingress or database.",
    }
    Duplicate = "hearth::duplicate" {
        what: "Two objects of one kind have one name in one namespace, or two objects render to one file.",
        why: "The second would overwrite the first in the cluster (and in `rendered/`).",
        fix: "Rename one of them; names are unique per namespace and kind.",
    }
    Cycle = "hearth::cycle" {
        what: "Services depend on each other in a circle.",
        why: "Sync waves order services by their dependencies; a circle has no order.",
        fix: "Remove one `depends_on` of the cycle the message lists.",
    }
    Namespace = "hearth::namespace" {
        what: "A service is in a namespace its chart cannot run in.",
        why: "Some charts hard-code their namespace (Longhorn 1.6 runs in `longhorn-system` only).",
        fix: "Set the service's `namespace` to the one the message names.",
    }
    Version = "hearth::version" {
        what: "A chart version is a range or a wildcard.",
        why: "A floating version renders differently over time: Git would no longer say what runs.",
        fix: "Pin the exact chart version, e.g. `1.15.1`.",
    }
    ChartRepo = "hearth::chart-repo" {
        what: "A chart's `repo` is not an `https://` (or `http://`) chart repository or an `oci://<registry>/<path>` reference.",
        why: "ArgoCD and `helm pull` read a chart from a Helm repository URL or from an OCI registry; anything else leaves the Application unable to sync.",
        fix: "Write the chart repository's URL, e.g. `https://charts.jetstack.io`, or the registry path above the chart, e.g. `oci://ghcr.io/org/charts` for `ghcr.io/org/charts/<chart>`.",
    }
    Values = "hearth::values" {
        what: "A chart value sets something the chart already writes itself.",
        why: "The chart would print the key twice; strict YAML readers and kustomize refuse such a file.",
        fix: "Use the chart's own switch the help line names instead of the raw key.",
    }
    Schedule = "hearth::schedule" {
        what: "A cron schedule is missing, misplaced or not one the CronJob controller accepts.",
        why: "The API server refuses a CronJob whose schedule robfig/cron's standard parser rejects; the schedule also feeds alerts and the runbook.",
        fix: "Write five fields (minute 0-59, hour 0-23, day-of-month 1-31, month 1-12, day-of-week 0-6) on a cron job only.",
    }
    Kubernetes = "hearth::kubernetes" {
        what: "`[site] kubernetes` is not a Kubernetes minor version hearth checks against (1.30 to 1.34).",
        why: "Some API-server rules changed between versions (environment variable names are relaxed from 1.32 on); hearth can only promise what the cluster accepts for versions whose rules it knows.",
        fix: "Write the minor version your API server runs as `\"1.33\"` (`kubectl version` prints it), or remove the key for the default, 1.33.",
    }
    TimeZone = "hearth::timezone" {
        what: "`[site] timezone` is not a zone of the IANA time zone database (names are case-sensitive).",
        why: "The API server refuses a CronJob whose `timeZone` Go's `time.LoadLocation` cannot find, so every CronJob and backup job of the site would fail to sync.",
        fix: "Use the zone name the help line suggests, or another IANA name such as `Europe/Madrid` or `UTC`.",
    }
    Replicas = "hearth::replicas" {
        what: "`replicas` is set on a daemon set or cron job.",
        why: "Those kinds have no replica count; the field would be refused or mean nothing.",
        fix: "Remove `replicas`.",
    }
    Probe = "hearth::probe" {
        what: "A probe has no handler, several handlers, or no port for an HTTP or TCP check.",
        why: "The API server requires exactly one handler per probe, and a port for HTTP and TCP probes.",
        fix: "Give exactly one of `http`, `tcp` or `exec`, and `port` (a port name of the workload) for HTTP and TCP.",
    }
    Env = "hearth::env" {
        what: "An environment entry is not a string, a secret key, a config map key or a pod field.",
        why: "Kubernetes takes exactly one value source per variable.",
        fix: "Write a string, `{ secret, key }`, `{ config_map, key }` or `{ field }`; split `env_from` entries naming both kinds.",
    }
    Mount = "hearth::mount" {
        what: "A mount names no source, several sources, or a volume it cannot mount.",
        why: "A container mount reads exactly one pod volume; chart-created volumes belong to the chart's pods.",
        fix: "Give exactly one of `volume`, `secret`, `config_map` or `empty_dir`, and mount only volumes of kind longhorn, local or host-path.",
    }
    Container = "hearth::container" {
        what: "An init container or sidecar reuses a name of its pod, or an init container has `ports` or `probes`.",
        why: "Containers of a pod are told apart by name; an init container runs to completion, so nothing may connect to it or probe it.",
        fix: "Give every container of the pod its own name (the main one is named after the workload); move a long-running container to `sidecars`.",
    }
    Lifecycle = "hearth::lifecycle" {
        what: "A lifecycle hook has no action or several, an HTTP hook has no port of its container, or a plain init container has a hook.",
        why: "The API server takes exactly one action per hook and runs hooks only for containers that keep running.",
        fix: "Give exactly one of `exec`, `http` (with `port`) or `sleep`; move a container with hooks to `sidecars`.",
    }
    Resources = "hearth::resources" {
        what: "An extended resource has a name the API server refuses, or a request without an equal limit.",
        why: "Devices (a GPU, a Zigbee stick) are not shared or overcommitted: Kubernetes takes whole numbers under a `domain/name` outside `kubernetes.io`, and a request must equal the limit.",
        fix: "Write the name as the device plugin advertises it and set only `limits.\"<name>\" = N` (the request defaults to it).",
    }
    Security = "hearth::security" {
        what: "A security setting depends on another one that is not set.",
        why: "`fs_group_change` only says how volumes are re-owned for `fs_group`; alone it does nothing.",
        fix: "Set the setting it depends on (`fs_group`), or remove it.",
    }
    Mode = "hearth::mode" {
        what: "A file mode is not an octal number up to 0777.",
        why: "`defaultMode` is a permission mask; anything else is refused.",
        fix: "Write the mode as an octal string, e.g. \"0440\".",
    }
    Node = "hearth::node" {
        what: "A workload is pinned to one node while a volume it mounts lives on another.",
        why: "A local volume exists on one node only: the pod would never start elsewhere.",
        fix: "Pin the workload to the volume's node, or move the volume.",
    }
    Placement = "hearth::placement" {
        what: "A workload's `node_selector` or `tolerations` cannot hold: a selector naming another host than `node`, or `seconds` on a toleration whose effect is not `no-execute`.",
        why: "The scheduler would never place the pod, or the API server refuses the toleration (`tolerationSeconds` applies to NoExecute taints only).",
        fix: "Pin with `node` or select by `kubernetes.io/hostname`, not both; give `seconds` only with `effect = \"no-execute\"`.",
    }
    PullSecret = "hearth::pull-secret" {
        what: "An `image_pull_secrets` entry is not a secret of the namespace, not of type `kubernetes.io/dockerconfigjson`, or without its `.dockerconfigjson` key.",
        why: "The kubelet reads registry credentials from such a secret only; with another the image pull fails on the node, long after the sync looked fine.",
        fix: "Name a secret of the namespace declared with `type = \"kubernetes.io/dockerconfigjson\"` and a `.dockerconfigjson` key.",
    }
    Expose = "hearth::expose" {
        what: "A port's `expose` settings do not fit: `address`, `node_port` or `expose_reason` without the exposure they belong to, a node port outside 30000-32767, a port exposed without `service`, or one node port or address claimed twice.",
        why: "A LoadBalancer address belongs to a load-balancer Service and a node port to a NodePort one; the API server refuses node ports outside its range and duplicates.",
        fix: "Set `service` on the exposed port, use `address` with `expose = \"load-balancer\"` and `node_port` (30000-32767) with `expose = \"node-port\"`.",
    }
    Volume = "hearth::volume" {
        what: "A volume lacks a field its kind needs, or its path is outside its node's storage roots.",
        why: "Longhorn and local volumes need a size; local and host-path volumes need a node and a path the node holds.",
        fix: "Add the field the message names, or use a path under one of the node's `storage_roots`.",
    }
    Host = "hearth::host" {
        what: "An ingress host is not a DNS name.",
        why: "Ingress hosts and certificates take lowercase DNS names only.",
        fix: "Use a DNS name, `@` for the apex, or a single label for `<label>.<domain>`.",
    }
    Ingress = "hearth::ingress" {
        what: "An ingress is incomplete or contradictory: no port, no TLS issuer, both public and authenticated, or a path that is not plain.",
        why: "The controller would route nowhere, serve no certificate, or an annotation would break nginx's configuration.",
        fix: "Follow the help line: name the port, set an issuer, choose `public` or `auth`, use plain absolute paths.",
    }
    Controller = "hearth::controller" {
        what: "An ingress asks for something the site's ingress controller cannot do: ModSecurity WAF exclusions on Traefik, a sign-in URL for forward auth on Traefik, a basic-auth secret Traefik cannot read.",
        why: "Rendering it anyway would drop the setting silently: the ingress would be served without the protection or behaviour it asked for.",
        fix: "Remove the setting, or run the controller that has it (`[site] ingress_controller`); the help line says which.",
    }
    Network = "hearth::network" {
        what: "A network of `[site.networks]` is not a list of CIDR ranges, or an ingress names a network that is not declared.",
        why: "A LAN-only ingress is only as closed as its source ranges; a typo would open it or lock everyone out.",
        fix: "Write ranges as `10.0.0.0/8` or `fd00::/8` (host bits zero) and name declared networks.",
    }
    Annotation = "hearth::annotation" {
        what: "An ingress's `annotations` sets a key hearth writes itself from a setting of the ingress.",
        why: "Two writers of one annotation means one silently loses: the rendered Ingress would not say what site.toml says.",
        fix: "Use the ingress setting named in the help line instead of the raw annotation.",
    }
    Issuer = "hearth::issuer" {
        what: "An issuer's DNS-01 solver is incomplete for its provider, or a wildcard host's issuer solves HTTP-01.",
        why: "Let's Encrypt issues wildcard certificates only through DNS-01, and a solver missing its credentials never completes a challenge.",
        fix: "Give the issuer `dns01 = { provider = ..., secret = ..., key = ... }` with the provider's fields.",
    }
    HostPath = "hearth::host-path" {
        what: "Two ingresses of the site claim the same host and path.",
        why: "ingress-nginx's admission webhook refuses the second one (`host \"…\" and path \"…\" is already defined in ingress …`), so one of the two services would never sync.",
        fix: "Serve each host from one ingress: change the `host` of one of them, or drop the host from the other's `extra_hosts`.",
    }
    Backup = "hearth::backup" {
        what: "A backup is missing a field its kind needs, uses a field of another kind, or names something it cannot back up.",
        why: "A backup that cannot run is worse than none: lint and the runbook would count it as a recovery path.",
        fix: "Follow the help line; `hearth explain` of the lint rules HL001-HL005 says what a recovery path needs.",
    }
    Database = "hearth::database" {
        what: "A database declares where it is in a way its engine cannot have: a SQLite file without its volume and path, a path leaving the volume, a server port on a SQLite file, or a file on a server engine.",
        why: "The dump job connects to a server's host and port, or mounts the volume and reads the file; with the wrong half it would dump nothing, or another file.",
        fix: "A server engine (postgres, mariadb, mysql) takes `port`; `engine = \"sqlite\"` takes `volume` (a volume of the same service) and `path` (relative, inside it).",
    }
    Target = "hearth::backup-target" {
        what: "A backup target lacks a field its kind needs, has a value Longhorn cannot read, or its credentials secret lacks a key Longhorn reads (or holds one it does not).",
        why: "Longhorn only finds out when the first backup runs (or never, for a key it ignores): every backup to the target would fail, or go somewhere other than meant.",
        fix: "Give the kind's fields (`hearth schema --markdown`, BackupTarget), and the secret exactly the keys the help line names, in Longhorn's namespace.",
    }
    Monitoring = "hearth::monitoring" {
        what: "`[monitoring]` is inconsistent: a query does not parse, a datasource or contact point is missing, or a generated file is unknown.",
        why: "Grafana would refuse the provisioning, or an alert would never be delivered.",
        fix: "Correct the query, declaration or file name the message points at.",
    }
    Policy = "hearth::policy" {
        what: "A user policy under `policies/` is malformed.",
        why: "A policy that cannot be read would silently check nothing.",
        fix: "Correct the YAML, key or JSON Schema the message points at.",
    }
    Template = "hearth::template" {
        what: "A site-local template does not render, renders invalid YAML, overrides nothing, or names an object outside the output folder.",
        why: "Every object hearth writes is read back and validated; a broken template would write broken manifests.",
        fix: "Correct the template the message names (`hearth render --timings` shows nothing of it; the message quotes the line).",
    }
    Render = "hearth::render" {
        what: "A rendered document cannot be laid out.",
        why: "hearth writes only what it can serialise and read back.",
        fix: "This is usually a value hearth cannot represent in YAML; report it with the message.",
    }
    Validate = "hearth::validate" {
        what: "A rendered object is refused by its JSON Schema or by the API server's own rules.",
        why: "The cluster would refuse it at sync time, far from site.toml.",
        fix: "Change the site.toml field the message points at (or the site-local template that prints it).",
    }
    ChartCache = "hearth::chart-cache" {
        what: "A chart the site deploys is missing from the chart cache (`charts/` next to site.toml), is not in `charts/charts.lock`, is locked from another repository, or no longer has its locked SHA-256.",
        why: "`--charts` renders charts from the cache only (no network), and only charts whose bytes are the ones that were locked.",
        fix: "Run `hearth charts pull` (it needs Helm and the network) and commit `charts/`; `hearth charts verify` checks the cache. For `hearth diff --charts`, `hearth charts pull --ref <base>` adds the versions the base pins beside the others.",
    }
    ChartRender = "hearth::chart-render" {
        what: "A chart does not render with the values the site gives it (Helm's engine refused them: `fail`, `required`, a `tpl` error, a type error), or no Helm engine was found for `--charts`.",
        why: "ArgoCD would fail the Application at sync time with the same error, and the cluster would get none of the chart's objects.",
        fix: "Change the value the engine's message names: the diagnostic points at it in `[services.x.helm.values]` when the site sets it, else at `[services.x.helm]` saying which to set. Install Helm or `helm-python-sdk` (see `hearth charts --help`) when none was found.",
    }
    ChartObject = "hearth::chart-object" {
        what: "An object a chart renders is refused by its strict schema (a custom resource by the CRD its chart ships) or by the API server's own rules.",
        why: "The cluster would refuse it at sync time; hearth sees chart output only with `--charts`.",
        fix: "Change the chart values that print the field the message names (the diagnostic points at a refused value the site wrote verbatim), or pin a chart version that prints a valid object.",
    }
    ChartAssumption = "hearth::chart-assumption" {
        what: "Something hearth takes for granted that a chart creates is not in the chart's output: a `kind = \"chart\"` claim (or its size), an ingress backend Service or port, the Service of an in-cluster URL (Pushgateway, datasource), the sealed-secrets controller kubeseal looks for, the ingress class, the `longhorn` storage class; or a `prometheus.io/port` annotation naming a port no container of the pod declares.",
        why: "Backups, DR scripts, ingresses, alerts and dashboards would point at objects that do not exist, and nothing would fail until they are needed. hearth sees chart output only with `--charts`.",
        fix: "Make the site.toml line the message points at name what the chart really creates (the message lists it), or change the chart values so the chart creates the name hearth uses.",
    }
    Apiserver = "hearth::apiserver" {
        what: "A rendered object breaks a rule the Kubernetes API server enforces (names, ports, selectors, probes, resources, mounts, schedules), or one that lets it in but keeps its pods from running.",
        why: "JSON Schema says nothing about these rules: ArgoCD would report the refusal at sync time, far from site.toml. Each rule names the upstream validation function it follows.",
        fix: "Change the site.toml field (or site-local template) the message points at; the help line says how.",
    }
    Write = "hearth::write" {
        what: "The output folder cannot be replaced.",
        why: "hearth swaps the whole output folder atomically; a file in its way stops that.",
        fix: "Move the file the message names, or choose another `--out`.",
    }
    Git = "hearth::git" {
        what: "A Git operation failed: the repository, a ref, the index or a commit.",
        why: "`diff`, `render --commit` and the hooks read and write Git directly.",
        fix: "Follow the help line (e.g. commit or unstage unrelated changes first, or name an existing ref).",
    }
    Hook = "hearth::hook" {
        what: "A pre-commit hook of another tool is already installed.",
        why: "hearth does not overwrite a hook it did not write.",
        fix: "Add `hearth check` to it yourself, or pass --force to replace it (it is kept as pre-commit.bak).",
    }
    Init = "hearth::init" {
        what: "`hearth init` would overwrite an existing file.",
        why: "A starting point must never replace a site.",
        fix: "Run it in an empty folder, or remove the file first.",
    }
    Cert = "hearth::cert" {
        what: "The certificate given to `hearth seal` cannot seal: it is not a PEM certificate, holds no RSA key or one of another size than 4096 bits, or has expired.",
        why: "Only the sealed-secrets controller's private key can unseal what hearth seals; a value sealed with any other key never becomes a Secret.",
        fix: "Fetch the controller's certificate with `kubeseal --fetch-cert > sealed-secrets.pem` and pass it with `--cert` (or HEARTH_SEAL_CERT).",
    }
    Seal = "hearth::seal" {
        what: "`hearth seal` was asked for a key site.toml does not declare, given a malformed `--from-env-file` line or an empty value, or has no terminal to ask on.",
        why: "hearth seals exactly the keys it is told, never guesses, and never prints a value (so these messages name keys and lines only).",
        fix: "Name a key as `service/secret/KEY` (`hearth seal --check` lists them); write `--from-env-file` lines as `service/secret/KEY=value`; without a terminal, pass `--key` or `--from-env-file`.",
    }
    Usage = "hearth::usage" {
        what: "A command line names something that does not exist (a rule, a code, a kind).",
        why: "hearth says so instead of doing nothing.",
        fix: "`hearth lint --list-rules` lists the rules; `hearth explain` takes a rule id or an input-error code.",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_documented_and_found_by_name() {
        let mut seen = std::collections::BTreeSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.as_str()), "{c} twice");
            assert!(c.as_str().starts_with("hearth::"));
            let d = c.doc();
            for part in [d.what, d.why, d.fix] {
                assert!(part.ends_with('.') || part.ends_with(')'), "{c}: {part}");
            }
            assert_eq!(Code::find(c.as_str()), Some(*c));
            assert_eq!(Code::find(&c.as_str()["hearth::".len()..]), Some(*c));
        }
        assert_eq!(Code::find("hearth::nope"), None);
    }
}
