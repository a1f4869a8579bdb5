//! A container's environment: literal values, secret and config map keys,
//! fields of the pod, and whole secrets or config maps.

use super::*;

/// An environment value: a literal string, or `{ secret = "…", key = "…" }`,
/// `{ config_map = "…", key = "…" }`, `{ field = "spec.nodeName" }`.
#[derive(Debug, Clone, JsonSchema)]
#[schemars(untagged)]
pub enum EnvValue {
    Literal(String),
    From(EnvSource),
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvSource {
    pub secret: Option<SecretName>,
    pub config_map: Option<ConfigMapName>,
    pub key: Option<DataKey>,
    /// A pod field, e.g. `spec.nodeName`.
    pub field: Option<String>,
}

impl<'de> Deserialize<'de> for EnvValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = EnvValue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string, or a table with `secret`/`config_map` and `key`, or `field`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<EnvValue, E> {
                Ok(EnvValue::Literal(v.to_owned()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, m: A) -> Result<EnvValue, A::Error> {
                EnvSource::deserialize(serde::de::value::MapAccessDeserializer::new(m))
                    .map(EnvValue::From)
            }
        }
        d.deserialize_any(V)
    }
}

/// `{ secret = "name", key = "KEY" }`: one key of a secret of the same service.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretKeyRef {
    pub secret: SecretName,
    pub key: DataKey,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvFrom {
    pub secret: Option<SecretName>,
    pub config_map: Option<ConfigMapName>,
}
