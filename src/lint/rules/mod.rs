//! The built-in rules, one file each (as ruff keeps them): the file holds the
//! rule's documentation (its `//!` comment, which build.rs lifts into
//! `docs`) and its check. This table gives each its stable id;
//! `Code` is the only way to name a built-in rule in code, so a finding can
//! never cite a rule that does not exist, and ids never change meaning.

use super::rule::{Context, Doc, Rule, Sink};
use crate::diag::Severity;

/// A rule's check: reads the context, reports into the sink.
pub type Check = for<'p> fn(&Context<'p>, &mut Sink<'p>);

/// Declares the modules, `Code` and the id table in one place, so they
/// cannot drift apart.
macro_rules! rules {
    ($($code:ident $id:literal $module:ident $name:literal $severity:ident,)*) => {
        $(pub mod $module;)*

        /// Every built-in rule. The order is the order of `--list-rules` and
        /// of SARIF's rule descriptors.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($code,)*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$code,)*];

            pub fn id(self) -> &'static str {
                match self {
                    $(Code::$code => $id,)*
                }
            }

            /// The kebab-case name users may write instead of the id.
            pub fn name(self) -> &'static str {
                match self {
                    $(Code::$code => $name,)*
                }
            }

            pub fn severity(self) -> Severity {
                match self {
                    $(Code::$code => Severity::$severity,)*
                }
            }

            /// The check in the rule's file; None for the exception rules
            /// (HL9xx): only the driver knows which exceptions excused
            /// something.
            pub fn check(self) -> Option<Check> {
                match self {
                    $(Code::$code => $module::CHECK,)*
                }
            }

            /// The documentation in the rule file's `//!` comment.
            pub fn doc(self) -> Doc<'static> {
                match self {
                    $(Code::$code => docs::$module,)*
                }
            }

            pub fn rule(self) -> &'static dyn Rule {
                match self {
                    $(Code::$code => &Code::$code,)*
                }
            }
        }
    };
}

/// One `Doc` per rule file, from its `//!` comment (build.rs).
mod docs {
    use super::super::rule::Doc;
    include!(concat!(env!("OUT_DIR"), "/rule_docs.rs"));
}

rules! {
    VolumeUnrecoverable "HL001" volume_unrecoverable "volume-unrecoverable" Error,
    VolumeRecoveryAmbiguous "HL002" volume_recovery_ambiguous "volume-recovery-ambiguous" Warning,
    BackupCredentialsNotExported "HL003" backup_credentials_not_exported "backup-credentials-not-exported" Error,
    DatabaseUnrecoverable "HL004" database_unrecoverable "database-unrecoverable" Error,
    BackupUnwatched "HL005" backup_unwatched "backup-unwatched" Warning,
    IngressExposureUnstated "HL101" ingress_exposure_unstated "ingress-exposure-unstated" Error,
    AdminUiWithoutAuth "HL102" admin_ui_without_auth "admin-ui-without-auth" Error,
    ImageLatest "HL103" image_latest "image-latest" Error,
    PrivilegeWithoutReason "HL104" privilege_without_reason "privilege-without-reason" Warning,
    MetricsThroughIngress "HL105" metrics_through_ingress "metrics-through-ingress" Warning,
    SecretInGit "HL106" secret_in_git "secret-in-git" Error,
    HighEntropyString "HL107" high_entropy_string "high-entropy-string" Error,
    SecretEnvLiteral "HL108" secret_env_literal "secret-env-literal" Error,
    LanExposureUnstated "HL109" lan_exposure_unstated "lan-exposure-unstated" Warning,
    SnippetAnnotation "HL110" snippet_annotation "snippet-annotation" Error,
    BackupTargetCleartext "HL111" backup_target_cleartext "backup-target-cleartext" Warning,
    MissingResources "HL201" missing_resources "missing-resources" Warning,
    MissingProbes "HL202" missing_probes "missing-probes" Warning,
    LocalVolumeNotPinned "HL203" local_volume_not_pinned "local-volume-not-pinned" Warning,
    SingleReplicaLonghorn "HL204" single_replica_longhorn "single-replica-longhorn" Warning,
    BodyAboveWafLimit "HL205" body_above_waf_limit "body-above-waf-limit" Error,
    WebdavBehindWaf "HL206" webdav_behind_waf "webdav-behind-waf" Warning,
    RwoVolumeShared "HL207" rwo_volume_shared "rwo-volume-shared" Warning,
    UnknownMetric "HL301" unknown_metric "unknown-metric" Error,
    PipelineCardinality "HL302" pipeline_cardinality "pipeline-cardinality" Warning,
    DatasourceUnresolved "HL303" datasource_unresolved "datasource-unresolved" Error,
    ExceptionExpired "HL901" exception_expired "exception-expired" Error,
    ExceptionUnused "HL902" exception_unused "exception-unused" Warning,
    ExceptionUnknownRule "HL903" exception_unknown_rule "exception-unknown-rule" Error,
}

impl Code {
    /// A rule by id (case-insensitive) or name, as a user writes it.
    pub fn find(id: &str) -> Option<Code> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.id().eq_ignore_ascii_case(id) || c.name() == id)
    }
}

impl Rule for Code {
    fn id(&self) -> &str {
        Code::id(*self)
    }
    fn name(&self) -> &str {
        Code::name(*self)
    }
    fn severity(&self) -> Severity {
        Code::severity(*self)
    }
    fn doc(&self) -> Doc<'_> {
        Code::doc(*self)
    }
    fn check<'p>(&'p self, cx: &Context<'p>, out: &mut Sink<'p>) {
        if let Some(check) = Code::check(*self) {
            check(cx, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_are_unique_and_well_formed() {
        let mut ids: Vec<&str> = Code::ALL.iter().map(|c| c.id()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), Code::ALL.len());
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len());
        for (i, c) in Code::ALL.iter().enumerate() {
            let id = c.id();
            assert!(
                id.len() == 5
                    && id.starts_with("HL")
                    && id[2..].bytes().all(|b| b.is_ascii_digit()),
                "{id}"
            );
            assert_eq!(*c as usize, i, "Code::ALL is in declaration order");
            assert_eq!(Code::find(id), Some(*c));
            assert_eq!(Code::find(&id.to_lowercase()), Some(*c));
            assert_eq!(Code::find(c.name()), Some(*c));
        }
        assert_eq!(Code::find("HL000"), None);
    }

    /// Every rule documents what it does, why, an example and the fix; the
    /// example is TOML that parses (it is a fragment of a site).
    #[test]
    fn every_rule_has_its_doc_sections() {
        for c in Code::ALL {
            let d = c.doc();
            let id = c.id();
            assert!(
                d.summary.ends_with('.') && !d.summary.contains('\n'),
                "{id}: the summary is one sentence"
            );
            assert!(d.why.len() > 40, "{id}: `why` explains");
            assert!(!d.fix.is_empty(), "{id}: no fix");
            assert!(!d.example.trim().is_empty(), "{id}: no example");
            if let Err(e) = d.example.parse::<toml::Table>() {
                panic!("{id}: the example is not TOML: {e}");
            }
            let text = super::super::rule::explain(c);
            for section in ["What it does:", "Why:", "Example:", "Fix:"] {
                assert!(text.contains(section), "{id}: `{section}` missing");
            }
        }
    }
}
