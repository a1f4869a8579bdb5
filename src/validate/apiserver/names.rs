//! The string formats of k8s.io/apimachinery `pkg/util/validation/validation.go`
//! (v0.33, Kubernetes 1.33) and `pkg/api/validation/path/name.go`, written as
//! plain byte checks. Each function returns the reasons a value is refused
//! (empty = accepted), in the API server's words where they are short.

/// Lowercase RFC 1123 label body: `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, no length check.
fn label_1123_shape(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// Dot-separated RFC 1123 labels, no length check.
fn subdomain_1123_shape(s: &str) -> bool {
    s.split('.').all(label_1123_shape)
}

const LABEL_1123: &str = "must be lowercase letters, digits and `-`, starting and ending with a letter or digit (RFC 1123 label)";
const SUBDOMAIN_1123: &str = "must be lowercase letters, digits, `-` and `.`, each dot-separated part starting and ending with a letter or digit (RFC 1123 subdomain)";

fn too_long(max: usize) -> String {
    format!("must be no more than {max} characters")
}

/// `IsDNS1123Label`: at most 63 characters of `[a-z0-9]([-a-z0-9]*[a-z0-9])?`.
pub fn dns1123_label(s: &str) -> Vec<String> {
    let mut e = Vec::new();
    if s.len() > 63 {
        e.push(too_long(63));
    }
    if !label_1123_shape(s) {
        e.push(if subdomain_1123_shape(s) {
            "must not contain dots".to_string()
        } else {
            LABEL_1123.to_string()
        });
    }
    e
}

/// `IsDNS1123Subdomain`: at most 253 characters, dot-separated RFC 1123 labels.
pub fn dns1123_subdomain(s: &str) -> Vec<String> {
    let mut e = Vec::new();
    if s.len() > 253 {
        e.push(too_long(253));
    }
    if !subdomain_1123_shape(s) {
        e.push(SUBDOMAIN_1123.to_string());
    }
    e
}

/// `IsDNS1035Label`: at most 63 characters of `[a-z]([-a-z0-9]*[a-z0-9])?`
/// (a Service name: it becomes a DNS label and an environment variable prefix).
pub fn dns1035_label(s: &str) -> Vec<String> {
    let mut e = Vec::new();
    if s.len() > 63 {
        e.push(too_long(63));
    }
    if !(label_1123_shape(s) && s.as_bytes()[0].is_ascii_lowercase()) {
        e.push("must be lowercase letters, digits and `-`, starting with a letter and ending with a letter or digit (RFC 1035 label)".to_string());
    }
    e
}

/// `IsWildcardDNS1123Subdomain`: `*.` followed by an RFC 1123 subdomain, at most
/// 253 characters in all (so `*` only as the whole first label).
pub fn wildcard_dns1123_subdomain(s: &str) -> Vec<String> {
    let mut e = Vec::new();
    if s.len() > 253 {
        e.push(too_long(253));
    }
    match s.strip_prefix("*.") {
        Some(rest) if subdomain_1123_shape(rest) => {}
        _ => e.push(
            "a wildcard host must be `*.` followed by an RFC 1123 subdomain (`*` only as the whole first label)"
                .to_string(),
        ),
    }
    e
}

/// `IsValidPortNum`: 1 to 65535.
pub fn port_num(n: i64) -> Vec<String> {
    if (1..=65535).contains(&n) {
        Vec::new()
    } else {
        vec!["must be between 1 and 65535, inclusive".to_string()]
    }
}

/// `IsValidPortName` (an IANA service name): at most 15 characters, lowercase
/// letters, digits and `-`, at least one letter, no `--`, no `-` at either end.
pub fn port_name(s: &str) -> Vec<String> {
    let mut e = Vec::new();
    if s.len() > 15 {
        e.push(too_long(15));
    }
    if s.is_empty()
        || !s
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
    {
        e.push(
            "must contain only lowercase letters (a-z), digits (0-9) and hyphens (-)".to_string(),
        );
    }
    if !s.bytes().any(|c| c.is_ascii_lowercase()) {
        e.push("must contain at least one letter (a-z)".to_string());
    }
    if s.contains("--") {
        e.push("must not contain consecutive hyphens".to_string());
    }
    if s.starts_with('-') || s.ends_with('-') {
        e.push("must not begin or end with a hyphen".to_string());
    }
    e
}

/// `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?` — the name part of a qualified
/// name, and a non-empty label value.
fn qualified_part_shape(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// `IsQualifiedName` (label keys, annotation keys after lowercasing, selector
/// keys): an optional RFC 1123 subdomain prefix and `/`, then a name of at most
/// 63 characters of alphanumerics, `-`, `_`, `.`, alphanumeric at both ends.
pub fn qualified_name(s: &str) -> Vec<String> {
    let mut e = Vec::new();
    let name = match s.split_once('/') {
        None => s,
        Some((_, name)) if name.contains('/') => {
            e.push("a qualified name is a name with an optional DNS subdomain prefix and one `/` (e.g. `example.com/MyName`)".to_string());
            return e;
        }
        Some((prefix, name)) => {
            if prefix.is_empty() {
                e.push("prefix part must be non-empty".to_string());
            } else {
                e.extend(
                    dns1123_subdomain(prefix)
                        .into_iter()
                        .map(|m| format!("prefix part {m}")),
                );
            }
            name
        }
    };
    if name.is_empty() {
        e.push("name part must be non-empty".to_string());
    } else if name.len() > 63 {
        e.push(format!("name part {}", too_long(63)));
    }
    if !qualified_part_shape(name) {
        e.push("name part must be alphanumerics, `-`, `_` or `.`, starting and ending with an alphanumeric".to_string());
    }
    e
}

/// `IsValidLabelValue`: empty, or at most 63 characters of alphanumerics,
/// `-`, `_`, `.`, alphanumeric at both ends.
pub fn label_value(s: &str) -> Vec<String> {
    let mut e = Vec::new();
    if s.len() > 63 {
        e.push(too_long(63));
    }
    if !s.is_empty() && !qualified_part_shape(s) {
        e.push("a label value must be empty or alphanumerics, `-`, `_` or `.`, starting and ending with an alphanumeric".to_string());
    }
    e
}

/// `hasChDirPrefix`: not `.`, not `..`, not starting with `..`.
fn chdir_prefix(s: &str) -> Vec<String> {
    if s == "." {
        vec!["must not be '.'".to_string()]
    } else if s == ".." {
        vec!["must not be '..'".to_string()]
    } else if s.starts_with("..") {
        vec!["must not start with '..'".to_string()]
    } else {
        Vec::new()
    }
}

/// `IsEnvVarName` (the rule before 1.32): `[-._a-zA-Z][-._a-zA-Z0-9]*`, and not
/// `.`/`..`/`..…`.
pub fn env_var_name_strict(s: &str) -> Vec<String> {
    let b = s.as_bytes();
    let ok = !b.is_empty()
        && !b[0].is_ascii_digit()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_'));
    let mut e = Vec::new();
    if !ok {
        e.push(
            "must be letters, digits, `_`, `-` or `.`, and must not start with a digit".to_string(),
        );
    }
    e.extend(chdir_prefix(s));
    e
}

/// `IsRelaxedEnvVarName` (feature gate RelaxedEnvironmentVariableValidation:
/// alpha 1.30, beta and on by default 1.32, GA 1.34): non-empty, printable ASCII
/// (space to `~`) other than `=`.
pub fn env_var_name_relaxed(s: &str) -> Vec<String> {
    let mut e = Vec::new();
    if s.is_empty() {
        e.push("environment variable name must be non-empty".to_string());
    }
    if s.bytes().any(|c| !(b' '..=b'~').contains(&c) || c == b'=') {
        e.push("must consist only of printable ASCII characters other than '='".to_string());
    }
    e
}

/// The environment variable name rule of Kubernetes 1.`minor`: relaxed from
/// 1.32 on (the gate's default; KEP-4369: alpha 1.30, beta 1.32, GA 1.34).
pub fn env_var_name(s: &str, minor: u32) -> Vec<String> {
    if relaxed_env_names(minor) {
        env_var_name_relaxed(s)
    } else {
        env_var_name_strict(s)
    }
}

/// Whether 1.`minor`'s API server takes relaxed environment variable names
/// (RelaxedEnvironmentVariableValidation on by default).
pub fn relaxed_env_names(minor: u32) -> bool {
    minor >= 32
}

/// `IsConfigMapKey`: at most 253 characters of alphanumerics, `-`, `_`, `.`,
/// and not `.`/`..`/`..…` (keys of ConfigMaps and Secrets, and keys a
/// `configMapKeyRef`/`secretKeyRef` names).
pub fn config_map_key(s: &str) -> Vec<String> {
    let mut e = Vec::new();
    if s.len() > 253 {
        e.push(too_long(253));
    }
    if s.is_empty()
        || !s
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
    {
        e.push("must be alphanumerics, `-`, `_` or `.`".to_string());
    }
    e.extend(chdir_prefix(s));
    e
}

/// `IsValidPathSegmentName` (path/name.go; RBAC object names): not `.` or
/// `..`, no `/` and no `%`.
pub fn path_segment_name(s: &str) -> Vec<String> {
    if s == "." || s == ".." {
        return vec![format!("may not be '{s}'")];
    }
    let mut e = Vec::new();
    for bad in ["/", "%"] {
        if s.contains(bad) {
            e.push(format!("may not contain '{bad}'"));
        }
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_from_the_upstream_tests() {
        for ok in ["a", "ab", "a-b", "0", "a1", "1-1", &"a".repeat(63)] {
            assert!(dns1123_label(ok).is_empty(), "{ok}");
        }
        for bad in ["", "A", "-a", "a-", "a.b", "a_b", &"a".repeat(64)] {
            assert!(!dns1123_label(bad).is_empty(), "{bad}");
        }
        assert_eq!(dns1123_label("a.b"), vec!["must not contain dots"]);
        assert!(dns1123_subdomain("a.b-c.d").is_empty());
        assert!(!dns1123_subdomain("a..b").is_empty());
        assert!(!dns1035_label("1a").is_empty());
        assert!(dns1035_label("a1").is_empty());
        for ok in ["http", "h-t-t-p", "a1", "1a", &"a".repeat(15)] {
            assert!(port_name(ok).is_empty(), "{ok}");
        }
        for bad in ["", "80", "a--b", "-a", "a-", "A", "a_b", &"a".repeat(16)] {
            assert!(!port_name(bad).is_empty(), "{bad}");
        }
        for ok in [
            "a",
            "A",
            "a.b/c",
            "example.com/My_Name-1",
            "app.kubernetes.io/name",
        ] {
            assert!(qualified_name(ok).is_empty(), "{ok}");
        }
        for bad in [
            "",
            "/a",
            "a/",
            "a/b/c",
            "_a",
            "a_",
            "Example.com/a",
            &"a".repeat(64),
        ] {
            assert!(!qualified_name(bad).is_empty(), "{bad}");
        }
        assert!(label_value("").is_empty());
        assert!(label_value("My_value.1").is_empty());
        assert!(!label_value("a b").is_empty());
        assert!(env_var_name_relaxed("1 weird-name!").is_empty());
        assert!(!env_var_name_relaxed("A=B").is_empty());
        assert!(!env_var_name_relaxed("é").is_empty());
        assert!(!env_var_name_strict("1A").is_empty());
        assert!(!env_var_name_strict("..A").is_empty());
        assert!(env_var_name_strict("my.env-name_1").is_empty());
        assert!(wildcard_dns1123_subdomain("*.a.b").is_empty());
        assert!(!wildcard_dns1123_subdomain("a.*.b").is_empty());
        assert!(!wildcard_dns1123_subdomain("*a.b").is_empty());
        assert!(config_map_key("a.b_c-d").is_empty());
        assert!(!config_map_key("..a").is_empty());
        assert!(!path_segment_name("a/b").is_empty());
        assert!(path_segment_name("system:auth").is_empty());
    }
}
