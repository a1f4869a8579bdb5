//! The built-in rules, one file each (as ruff keeps them): the file holds the
//! rule's documentation and its check. This table gives each its stable id;
//! `Code` is the only way to name a built-in rule in code, so a finding can
//! never cite a rule that does not exist, and ids never change meaning.

use super::rule::{Context, Doc, Rule, Sink};
use crate::diag::Severity;

/// A rule's check: reads the context, reports into the sink.
pub type Check = for<'p> fn(&Context<'p>, &mut Sink<'p>);

/// What a rule file declares about its rule.
pub struct Builtin {
    pub name: &'static str,
    pub severity: Severity,
    /// What it does, one line.
    pub summary: &'static str,
    pub why: &'static str,
    /// A site.toml fragment that triggers the rule.
    pub example: &'static str,
    pub fix: &'static str,
    /// None for the exception rules (HL9xx): only the driver knows which
    /// exceptions excused something.
    pub check: Option<Check>,
}

/// Declares the modules, `Code` and the id table in one place, so they
/// cannot drift apart.
macro_rules! rules {
    ($($code:ident $id:literal $module:ident,)*) => {
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

            /// The declaration in the rule's file.
            pub fn builtin(self) -> &'static Builtin {
                match self {
                    $(Code::$code => &$module::RULE,)*
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

rules! {
    VolumeUnrecoverable "HL001" volume_unrecoverable,
    VolumeRecoveryAmbiguous "HL002" volume_recovery_ambiguous,
    BackupCredentialsNotExported "HL003" backup_credentials_not_exported,
    DatabaseUnrecoverable "HL004" database_unrecoverable,
    BackupUnwatched "HL005" backup_unwatched,
    IngressExposureUnstated "HL101" ingress_exposure_unstated,
    AdminUiWithoutAuth "HL102" admin_ui_without_auth,
    ImageLatest "HL103" image_latest,
    PrivilegeWithoutReason "HL104" privilege_without_reason,
    MetricsThroughIngress "HL105" metrics_through_ingress,
    SecretInGit "HL106" secret_in_git,
    HighEntropyString "HL107" high_entropy_string,
    SecretEnvLiteral "HL108" secret_env_literal,
    MissingResources "HL201" missing_resources,
    MissingProbes "HL202" missing_probes,
    LocalVolumeNotPinned "HL203" local_volume_not_pinned,
    SingleReplicaLonghorn "HL204" single_replica_longhorn,
    BodyAboveWafLimit "HL205" body_above_waf_limit,
    WebdavBehindWaf "HL206" webdav_behind_waf,
    RwoVolumeShared "HL207" rwo_volume_shared,
    UnknownMetric "HL301" unknown_metric,
    PipelineCardinality "HL302" pipeline_cardinality,
    DatasourceUnresolved "HL303" datasource_unresolved,
    ExceptionExpired "HL901" exception_expired,
    ExceptionUnused "HL902" exception_unused,
    ExceptionUnknownRule "HL903" exception_unknown_rule,
}

impl Code {
    /// A rule by id (case-insensitive) or name, as a user writes it.
    pub fn find(id: &str) -> Option<Code> {
        Code::ALL
            .iter()
            .copied()
            .find(|c| c.id().eq_ignore_ascii_case(id) || c.builtin().name == id)
    }
}

impl Rule for Code {
    fn id(&self) -> &str {
        Code::id(*self)
    }
    fn name(&self) -> &str {
        self.builtin().name
    }
    fn severity(&self) -> Severity {
        self.builtin().severity
    }
    fn doc(&self) -> Doc<'_> {
        let b = self.builtin();
        Doc {
            summary: b.summary,
            why: b.why,
            example: b.example,
            fix: b.fix,
        }
    }
    fn check<'p>(&'p self, cx: &Context<'p>, out: &mut Sink<'p>) {
        if let Some(check) = self.builtin().check {
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
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.builtin().name).collect();
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
            assert_eq!(Code::find(c.builtin().name), Some(*c));
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
