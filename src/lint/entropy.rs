//! Finding secrets written in plain text: runs of token characters that are
//! too random to be words, names or paths. The thresholds follow the usual
//! detectors (detect-secrets, truffleHog): Shannon entropy per character,
//! with a lower bar for hexadecimal. Calibrated on random tokens (a random
//! base64 token of 20 characters has ~4.0 bits/char, of 40 ~4.8) against the
//! reference site and the original repository, which have none.

use std::ops::Range;

/// Shortest token considered: shorter random strings are not distinguishable
/// from identifiers by their entropy.
const MIN_LEN: usize = 20;
/// Hexadecimal tokens (hashes, API keys) need this many characters.
const MIN_HEX_LEN: usize = 32;
const HEX_BITS: f64 = 3.0;

/// Bits per character of `s` (Shannon entropy of its byte distribution).
pub fn shannon(s: &[u8]) -> f64 {
    let mut counts = [0u32; 256];
    for b in s {
        counts[*b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|c| **c > 0)
        .map(|c| {
            let p = f64::from(*c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Does this token look like a generated secret rather than a word or name?
pub fn looks_secret(t: &[u8]) -> bool {
    if t.len() < MIN_LEN
        || !t.iter().any(u8::is_ascii_digit)
        || !t.iter().any(u8::is_ascii_alphabetic)
    {
        return false;
    }
    let h = shannon(t);
    if t.iter().all(u8::is_ascii_hexdigit) {
        return t.len() >= MIN_HEX_LEN && h >= HEX_BITS;
    }
    // A fixed bar would miss short random tokens (at most log2(len) bits) or
    // flag long words; 80 % of the maximum catches 99 % of random base64.
    h >= (0.8 * (t.len() as f64).log2()).min(4.5)
}

fn token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'=' | b'_' | b'-')
}

/// Byte ranges of every secret-looking token in `text`. Sealed-secrets
/// ciphertexts (`Ag…`, hundreds of base64 characters) are encrypted for the
/// cluster and belong in Git: they are skipped whole. Paths are split at `/`
/// so that a long path is judged segment by segment.
pub fn hits(text: &str) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !(token_byte(b[i]) || b[i] == b'/') {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && (token_byte(b[i]) || b[i] == b'/') {
            i += 1;
        }
        let run = &text[start..i];
        if crate::site::values::is_sealed_ciphertext(run) {
            continue;
        }
        // Digests pin images and charts: hexadecimal after `sha256:`.
        let after_digest = text[..start].ends_with("sha256:") || text[..start].ends_with("sha512:");
        let mut at = start;
        for seg in run.split('/') {
            if !after_digest && looks_secret(seg.as_bytes()) {
                out.push(at..at + seg.len());
            }
            at += seg.len() + 1;
        }
    }
    out
}

/// `abcd…(40 chars)`: enough to find it, not enough to use it.
pub fn redact(token: &str) -> String {
    let head: String = token.chars().take(4).collect();
    format!("`{head}…` ({} characters)", token.chars().count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_tokens_are_found_and_words_are_not() {
        for secret in [
            "ghp_Zx81kQ2mVb7LpT4wRy9NcH3sFd6GjA0eUo5I",
            "AKIAIOSFODNN7EXAMPLEkey9Qz",
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "xK7pQ2mN9vL4wR8tY3zB6cF1",
        ] {
            let text = format!("token = \"{secret}\"\n");
            let h = hits(&text);
            assert_eq!(h.len(), 1, "{secret} not found");
            assert_eq!(&text[h[0].clone()], secret);
        }
        for plain in [
            "/var/lib/mysterium-node",
            "VAULTWARDEN_DB_PASSWORD",
            "app_kubernetes_io_managed_by",
            "http://loki.loki.svc:3100/loki/api/v1/push",
            "/etc/maxmind/GeoLite2-City.mmdb",
            "ghcr.io/immich-app/immich-server:v1.106.4",
            "nginx@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "prometheus-prometheus-pushgateway.prometheus.svc:9091",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1",
        ] {
            assert!(hits(plain).is_empty(), "{plain} flagged");
        }
    }

    #[test]
    fn sealed_ciphertexts_are_not_secrets() {
        let sealed: String = format!(
            "Ag{}",
            "Zx81kQ2mVb7LpT4wRy9NcH3sFd6GjA0eUo5I+/"
                .chars()
                .cycle()
                .take(400)
                .collect::<String>()
        );
        assert!(hits(&format!("k = \"{sealed}\"")).is_empty());
    }
}
