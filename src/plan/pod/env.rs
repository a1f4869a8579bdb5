//! A container's environment: variables and where each value comes from,
//! and whole Secrets or ConfigMaps as variables.

use k8s_openapi::api::core::v1 as k8s;
use serde::Serialize;

use crate::site::names::{ConfigMapName, DataKey, SecretName};

/// One environment variable and where its value comes from.
#[derive(Debug, Clone, Serialize)]
#[serde(into = "k8s::EnvVar")]
pub struct EnvVar {
    pub name: String,
    pub value: EnvValue,
    /// The value in site.toml (None for variables hearth adds itself).
    pub span: Option<std::ops::Range<usize>>,
}

#[derive(Debug, Clone)]
pub enum EnvValue {
    Literal(String),
    SecretKey {
        secret: SecretName,
        key: DataKey,
    },
    ConfigMapKey {
        config_map: ConfigMapName,
        key: DataKey,
    },
    Field(String),
}

impl From<EnvVar> for k8s::EnvVar {
    fn from(e: EnvVar) -> Self {
        let (value, value_from) = match e.value {
            EnvValue::Literal(v) => (Some(v), None),
            EnvValue::SecretKey { secret, key } => (
                None,
                Some(k8s::EnvVarSource {
                    secret_key_ref: Some(k8s::SecretKeySelector {
                        name: secret.to_string(),
                        key: key.to_string(),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
            ),
            EnvValue::ConfigMapKey { config_map, key } => (
                None,
                Some(k8s::EnvVarSource {
                    config_map_key_ref: Some(k8s::ConfigMapKeySelector {
                        name: config_map.to_string(),
                        key: key.to_string(),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
            ),
            EnvValue::Field(path) => (
                None,
                Some(k8s::EnvVarSource {
                    field_ref: Some(k8s::ObjectFieldSelector {
                        field_path: path,
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
            ),
        };
        Self {
            name: e.name,
            value,
            value_from,
        }
    }
}

/// Every key of a Secret or ConfigMap as environment variables.
#[derive(Debug, Clone, Serialize)]
#[serde(into = "k8s::EnvFromSource")]
pub enum EnvFrom {
    Secret(SecretName),
    ConfigMap(ConfigMapName),
}

impl From<EnvFrom> for k8s::EnvFromSource {
    fn from(e: EnvFrom) -> Self {
        match e {
            EnvFrom::Secret(s) => Self {
                secret_ref: Some(k8s::SecretEnvSource {
                    name: s.to_string(),
                    ..Default::default()
                }),
                ..Default::default()
            },
            EnvFrom::ConfigMap(c) => Self {
                config_map_ref: Some(k8s::ConfigMapEnvSource {
                    name: c.to_string(),
                    ..Default::default()
                }),
                ..Default::default()
            },
        }
    }
}
