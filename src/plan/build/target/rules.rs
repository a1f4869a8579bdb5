//! The shape of each target field, as the stores themselves accept it:
//! endpoints, bucket and container names, regions, shares, path segments.

/// `http(s)://host[:port]` with an optional trailing `/` → (scheme, host).
pub(super) fn endpoint_rule(e: &str) -> Result<(&'static str, String), String> {
    let (scheme, rest) = if let Some(r) = e.strip_prefix("https://") {
        ("https", r)
    } else if let Some(r) = e.strip_prefix("http://") {
        ("http", r)
    } else {
        return Err("is not an http:// or https:// URL".into());
    };
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    let (host, port) = authority.split_once(':').unwrap_or((authority, ""));
    if authority.contains('/') || authority.contains('@') {
        return Err("has a path or user; give only scheme, host and port".into());
    }
    crate::site::values::HostName::new(host).map_err(|e| format!("has no valid host: {e}"))?;
    if !port.is_empty() && port.parse::<u16>().map_or(true, |p| p == 0) {
        return Err(format!("has port `{port}`, not a number from 1 to 65535"));
    }
    Ok((scheme, host.to_string()))
}

/// S3's bucket naming rules: 3 to 63 lowercase letters, digits, `.` and `-`,
/// starting and ending with a letter or digit.
pub(super) fn bucket_rule(b: &str) -> Result<(), String> {
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if !(3..=63).contains(&b.len())
        || !b
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-')
        || !edge(b.chars().next())
        || !edge(b.chars().last())
    {
        return Err("a bucket name has 3 to 63 lowercase letters, digits, `.` and `-`, and starts and ends with a letter or digit".into());
    }
    Ok(())
}

pub(super) fn region_rule(r: &str) -> Result<(), String> {
    if r.is_empty()
        || !r
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err("a region is lowercase letters, digits and `-`, e.g. `eu-central-1`".into());
    }
    Ok(())
}

/// Azure's container naming rules: 3 to 63 lowercase letters, digits and `-`.
pub(super) fn container_rule(c: &str) -> Result<(), String> {
    if !(3..=63).contains(&c.len())
        || !c
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        || c.starts_with('-')
    {
        return Err("a container name has 3 to 63 lowercase letters, digits and `-`, starting with a letter or digit".into());
    }
    Ok(())
}

pub(super) fn share_rule(s: &str) -> Result<(), String> {
    if s.is_empty() || !s.chars().all(path_char) {
        return Err("a share name is letters, digits, `.`, `_`, `-` and `$`".into());
    }
    Ok(())
}

/// Characters a path segment of the URL may hold unescaped.
fn path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '$')
}

/// Segments of a path: none empty, `.` or `..`, each of `path_char`s.
pub(super) fn segments_rule(p: &str) -> Result<(), String> {
    for s in p.split('/') {
        if s.is_empty() || s == "." || s == ".." || !s.chars().all(path_char) {
            return Err(format!(
                "segment `{s}` is not a folder name (letters, digits, `.`, `_`, `-`; no empty, `.` or `..` segment)"
            ));
        }
    }
    Ok(())
}
