//! Scalar value types of site.toml that carry a rule: container images with a pinned
//! tag, Kubernetes quantities, cron schedules, sealed secret values, env values.
//! Each is checked when site.toml is parsed, so every later stage can trust it.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

/// A string newtype checked once at parse time by `$check` (a function or
/// closure `&str -> Result<(), String>`), with a JSON Schema for editors.
macro_rules! checked_string {
    ($(#[$doc:meta])* $name:ident, $check:expr, $schema:tt) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, ::serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(s: impl Into<String>) -> Result<Self, String> {
                let s = s.into();
                ($check)(&s)?;
                Ok(Self(s))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Self::new(<String as ::serde::Deserialize>::deserialize(d)?).map_err(::serde::de::Error::custom)
            }
        }
        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                ::schemars::json_schema!($schema)
            }
        }
    };
}

pub(crate) use checked_string;

checked_string!(
    /// A container image reference with a pinned tag or digest: `repo/name:tag` or
    /// `repo/name@sha256:…`. An image without either is refused: it would float.
    Image, check_image,
    { "type": "string", "pattern": "^[^\\s:@]+(:[0-9]+)?(/[^\\s:@]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|@sha256:[a-f0-9]{64})$" });
checked_string!(
    /// A Kubernetes resource quantity such as `100m`, `128Mi`, `5Gi` or `1.5`.
    Quantity, check_quantity,
    { "type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$" });
checked_string!(
    /// A five-field cron schedule (minute hour day-of-month month day-of-week).
    Cron, super::cron::check,
    { "type": "string", "pattern": "^\\S+ \\S+ \\S+ \\S+ \\S+$" });
checked_string!(
    /// A span of time in whole seconds, minutes and hours: `30s`, `2m`,
    /// `1h`, `1m30s`.
    Duration, |s: &str| parse_duration(s).map(|_| ()),
    { "type": "string", "pattern": "^([0-9]+h)?([0-9]+m)?([0-9]+s)?$", "minLength": 2 });
checked_string!(
    /// An absolute path on a node or in a container.
    AbsPath, check_abs_path,
    { "type": "string", "pattern": "^/" });
checked_string!(
    /// A DNS host name (a subdomain or the apex of the site's domain).
    HostName, check_host,
    { "type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$" });

impl Duration {
    /// The length in seconds.
    pub fn seconds(&self) -> u64 {
        parse_duration(self.as_str()).unwrap_or(0)
    }
}

/// `1h2m3s` and its parts, each at most once and in that order.
fn parse_duration(s: &str) -> Result<u64, String> {
    let bad = || format!("`{s}` is not a duration: write e.g. `30s`, `2m`, `1h` or `1m30s`");
    let mut rest = s;
    let mut total: u64 = 0;
    let mut units = ['h', 'm', 's'].into_iter();
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (n, tail) = rest.split_at(digits);
        let unit = tail.chars().next().ok_or_else(bad)?;
        let n: u64 = n.parse().map_err(|_| bad())?;
        let scale = match units.find(|u| *u == unit) {
            Some('h') => 3600,
            Some('m') => 60,
            Some(_) => 1,
            None => return Err(bad()),
        };
        total = n
            .checked_mul(scale)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
        rest = &tail[1..];
    }
    if s.is_empty() {
        return Err(bad());
    }
    Ok(total)
}

fn check_image(s: &str) -> Result<(), String> {
    if s.is_empty() || s.chars().any(char::is_whitespace) {
        return Err(format!("`{s}` is not an image reference"));
    }
    if let Some((_, digest)) = s.split_once('@') {
        let ok = digest.strip_prefix("sha256:").is_some_and(|h| {
            h.len() == 64
                && h.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        });
        return if ok {
            Ok(())
        } else {
            Err(format!(
                "`{s}` has a malformed digest; expected @sha256:<64 hex digits>"
            ))
        };
    }
    // The tag is after the last ':' that comes after the last '/', so a registry
    // port (`registry:5000/x`) is not mistaken for a tag.
    let last = s.rsplit('/').next().unwrap_or(s);
    match last.split_once(':') {
        Some((name, tag)) if !name.is_empty() && !tag.is_empty() => {
            if tag.len() > 128
                || !tag
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
            {
                Err(format!("`{s}` has an invalid tag `{tag}`"))
            } else {
                Ok(())
            }
        }
        _ => Err(format!(
            "image `{s}` has no tag; pin a version such as `{s}:1.2.3` (or a digest `@sha256:…`) so the cluster runs what Git says"
        )),
    }
}

impl Image {
    /// The tag, or None for a digest reference.
    pub fn tag(&self) -> Option<&str> {
        if self.0.contains('@') {
            return None;
        }
        self.0
            .rsplit('/')
            .next()
            .and_then(|l| l.split_once(':'))
            .map(|(_, t)| t)
    }
}

fn check_quantity(s: &str) -> Result<(), String> {
    const SUFFIXES: [&str; 14] = [
        "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "m", "k", "M", "G", "T", "P", "E", "",
    ];
    let num_end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, suffix) = s.split_at(num_end);
    let num_ok = !num.is_empty()
        && num.matches('.').count() <= 1
        && !num.starts_with('.')
        && !num.ends_with('.');
    if num_ok && SUFFIXES.contains(&suffix) {
        Ok(())
    } else {
        Err(format!(
            "`{s}` is not a Kubernetes quantity; write e.g. `100m`, `128Mi`, `5Gi`"
        ))
    }
}

fn check_abs_path(s: &str) -> Result<(), String> {
    if !s.starts_with('/') {
        return Err(format!("`{s}` must be an absolute path (start with `/`)"));
    }
    if s.split('/').any(|p| p == "..") {
        return Err(format!("`{s}` must not contain `..`"));
    }
    Ok(())
}

fn check_host(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 253 {
        return Err("a host name has 1 to 253 characters".into());
    }
    for label in s.split('.') {
        crate::site::names::check_dns_label(label, 63).map_err(|e| format!("host `{s}`: {e}"))?;
    }
    Ok(())
}

/// The value of one key of a SealedSecret: kubeseal ciphertext, or the explicit
/// placeholder `"placeholder"` for a site that has not been sealed yet. Anything
/// else looks like plaintext and is refused: plaintext never goes into Git.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct SealedValue(String);

pub const PLACEHOLDER: &str = "placeholder";

/// kubeseal output is base64 of a 2-byte length prefix (0x02 0x00 for a 4096-bit
/// key) followed by the RSA-wrapped session key: it starts with "Ag" and is long.
pub fn is_sealed_ciphertext(s: &str) -> bool {
    s.starts_with("Ag")
        && s.len() >= 300
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
}

impl SealedValue {
    pub fn new(s: impl Into<String>) -> Result<Self, String> {
        let s = s.into();
        if s == PLACEHOLDER {
            return Ok(Self(s));
        }
        if is_sealed_ciphertext(&s) {
            Ok(Self(s))
        } else {
            Err(
                "this is not kubeseal ciphertext; never put a plaintext secret in site.toml. \
                 Write \"placeholder\" and seal it with `hearth seal --cert <controller.pem>` \
                 (or `kubeseal --raw --namespace <ns> --name <secret> --from-file=/dev/stdin`)"
                    .into(),
            )
        }
    }
    /// `"placeholder"`: not sealed yet.
    pub fn placeholder() -> Self {
        Self(PLACEHOLDER.into())
    }
    pub fn is_placeholder(&self) -> bool {
        self.0 == PLACEHOLDER
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for SealedValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::new(String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for SealedValue {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "SealedValue".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "kubeseal ciphertext (base64, starts with `Ag`), or \"placeholder\"",
            "type": "string",
            "anyOf": [ { "const": "placeholder" }, { "pattern": "^Ag[A-Za-z0-9+/=]{298,}$" } ]
        })
    }
}

impl Cron {
    /// The longest time between two runs (weekday schedules wait over the weekend).
    pub fn longest_gap(&self) -> std::time::Duration {
        super::cron::longest_gap(self.as_str()).unwrap_or(std::time::Duration::from_secs(86_400))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_hours_minutes_seconds_in_order() {
        for (text, secs) in [
            ("30s", 30),
            ("2m", 120),
            ("1h", 3600),
            ("1m30s", 90),
            ("0s", 0),
        ] {
            assert_eq!(Duration::new(text).map(|d| d.seconds()), Ok(secs), "{text}");
        }
        for bad in ["", "30", "s", "1s1m", "1m1m", "1d", "-1s", "1.5m"] {
            assert!(Duration::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn images() {
        assert!(Image::new("redis:7.2.4").is_ok());
        assert!(Image::new("ghcr.io/immich-app/immich-server:v1.106.4").is_ok());
        assert!(Image::new("registry:5000/x:1").is_ok());
        assert!(
            Image::new("registry:5000/x")
                .unwrap_err()
                .contains("no tag")
        );
        assert!(Image::new("redis").unwrap_err().contains("no tag"));
        assert!(Image::new(format!("redis@sha256:{}", "a".repeat(64))).is_ok());
        assert!(Image::new("redis@sha256:abc").is_err());
        assert_eq!(Image::new("a/b:c").unwrap().tag(), Some("c"));
    }

    #[test]
    fn quantities() {
        for ok in ["100m", "128Mi", "5Gi", "1", "1.5", "200M", "128G"] {
            assert!(Quantity::new(ok).is_ok(), "{ok}");
        }
        for bad in ["", "Mi", "1.2.3", "12 Mi", "5GB", ".5"] {
            assert!(Quantity::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn crons_paths_hosts() {
        assert!(Cron::new("0 4 * * *").is_ok());
        assert!(Cron::new("*/5 * * * 1-5").is_ok());
        assert!(Cron::new("0 4 * *").is_err());
        assert!(AbsPath::new("/home/x").is_ok());
        assert!(AbsPath::new("home").is_err());
        assert!(AbsPath::new("/a/../b").is_err());
        assert!(HostName::new("bunetz.dev").is_ok());
        assert!(HostName::new("Bunetz.dev").is_err());
    }

    #[test]
    fn sealed_values() {
        assert!(SealedValue::new("placeholder").unwrap().is_placeholder());
        assert!(SealedValue::new("hunter2").is_err());
        assert!(SealedValue::new(format!("Ag{}", "B".repeat(400))).is_ok());
    }
}
