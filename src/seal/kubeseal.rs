//! kubeseal's ciphertext, written from the controller's own code
//! (bitnami-labs/sealed-secrets): `pkg/crypto/crypto.go` `HybridEncrypt` /
//! `singleDecrypt`, and the scope label of `EncryptionLabel` in
//! `pkg/apis/sealedsecrets/v1alpha1/sealedsecret_expansion.go`.
//!
//! One value is sealed as:
//!
//! ```text
//! base64( u16 big-endian len(rsa) || rsa || aes )
//!   rsa = RSA-OAEP(SHA-256, MGF1-SHA-256, label = scope label)(session key)
//!   aes = AES-256-GCM(session key, nonce = 12 zero bytes, no AAD)(value) || tag
//! ```
//!
//! The 32-byte session key is fresh for every value, which is why the
//! controller can use a zero nonce.

use std::ops::Range;
use std::time::{SystemTime, UNIX_EPOCH};

use aes_gcm::aead::Aead;
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use base64::Engine as _;
use rand_core::{OsRng, RngCore};
use rsa::pkcs8::DecodePublicKey;
use rsa::traits::PublicKeyParts;
use rsa::{Oaep, RsaPublicKey};
use x509_cert::Certificate;
use x509_cert::der::{DecodePem, Encode};

/// The controller's key size by default (`--key-size 4096`): its ciphertext
/// starts with `Ag`, which is how site.toml tells sealed values from plaintext.
pub const KEY_BYTES: usize = 512;

const SESSION_KEY_BYTES: usize = 32;

/// Who may unseal a value: `EncryptionLabel`'s three scopes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope<'a> {
    /// Bound to one namespace and one secret name (kubeseal's default).
    Strict { namespace: &'a str, name: &'a str },
    /// Bound to a namespace; needs `sealedsecrets.bitnami.com/namespace-wide`.
    NamespaceWide { namespace: &'a str },
    /// Any namespace; needs `sealedsecrets.bitnami.com/cluster-wide`.
    ClusterWide,
}

impl Scope<'_> {
    /// The OAEP label: `<namespace>/<name>`, `<namespace>`, or empty.
    pub fn label(&self) -> String {
        match self {
            Scope::Strict { namespace, name } => format!("{namespace}/{name}"),
            Scope::NamespaceWide { namespace } => (*namespace).to_string(),
            Scope::ClusterWide => String::new(),
        }
    }
}

/// The controller's public key, read from the certificate
/// `kubeseal --fetch-cert` prints.
#[derive(Debug)]
pub struct SealingKey {
    key: RsaPublicKey,
}

/// Why a certificate cannot be used, and the bytes of the file it is about.
#[derive(Debug)]
pub struct CertProblem {
    pub span: Range<usize>,
    /// What the span shows.
    pub label: &'static str,
    pub message: String,
    pub help: &'static str,
}

const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const END: &str = "-----END CERTIFICATE-----";
const FETCH: &str = "fetch the controller's certificate with `kubeseal --fetch-cert > sealed-secrets.pem` (or copy it from the controller's log)";

impl SealingKey {
    /// The first certificate of a PEM file, as kubeseal's `ParseKey` takes it:
    /// an RSA public key, refused once the certificate has expired.
    pub fn from_pem(text: &str) -> Result<Self, CertProblem> {
        let problem = |span: Range<usize>, message: String, help| CertProblem {
            label: if span.start == 0 && !text.starts_with(BEGIN) {
                "expected a PEM certificate here"
            } else {
                "this certificate"
            },
            span,
            message,
            help,
        };
        let Some(start) = text.find(BEGIN) else {
            let end = text.find('\n').unwrap_or(text.len()).max(1).min(text.len());
            return Err(problem(
                0..end,
                "no `-----BEGIN CERTIFICATE-----` block: this is not a PEM certificate".into(),
                FETCH,
            ));
        };
        let end = text[start..]
            .find(END)
            .map_or(text.len(), |e| start + e + END.len());
        let block = start..end;
        let cert = Certificate::from_pem(&text[block.clone()]).map_err(|e| {
            problem(
                block.clone(),
                format!("the certificate cannot be read: {e}"),
                FETCH,
            )
        })?;
        let tbs = &cert.tbs_certificate;
        let not_after = tbs.validity.not_after.to_unix_duration();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        if now > not_after {
            return Err(problem(
                block,
                format!(
                    "the certificate expired {} (kubeseal refuses to seal with it too)",
                    tbs.validity.not_after
                ),
                "fetch the current certificate with `kubeseal --fetch-cert` (the controller adds a new key every 30 days and its certificates last `--key-ttl`, 10 years by default)",
            ));
        }
        let spki = tbs.subject_public_key_info.to_der().map_err(|e| {
            problem(
                block.clone(),
                format!("the public key cannot be read: {e}"),
                FETCH,
            )
        })?;
        let key = RsaPublicKey::from_public_key_der(&spki).map_err(|_| {
            problem(
                block.clone(),
                format!(
                    "the certificate holds a {} key, not an RSA key",
                    tbs.subject_public_key_info.algorithm.oid
                ),
                "the sealed-secrets controller's certificate holds an RSA key: fetch it with `kubeseal --fetch-cert`",
            )
        })?;
        if key.size() != KEY_BYTES {
            return Err(problem(
                block,
                format!(
                    "the certificate holds a {}-bit RSA key; hearth seals with the controller's default 4096-bit keys",
                    key.size() * 8
                ),
                "site.toml tells ciphertext from plaintext by the `Ag` a 4096-bit key's ciphertext starts with: run the controller with its default `--key-size 4096`",
            ));
        }
        Ok(Self { key })
    }

    /// `HybridEncrypt`, base64 (standard alphabet, padded) as in `encryptedData`.
    pub fn seal(&self, value: &[u8], scope: Scope<'_>) -> Result<String, String> {
        let mut session = [0u8; SESSION_KEY_BYTES];
        OsRng
            .try_fill_bytes(&mut session)
            .map_err(|e| format!("no randomness for a session key: {e}"))?;
        let aes = Aes256Gcm::new_from_slice(&session).map_err(|e| e.to_string())?;
        let wrapped = self
            .key
            .encrypt(
                &mut OsRng,
                Oaep::new_with_label::<sha2::Sha256, _>(scope.label()),
                &session,
            )
            .map_err(|e| format!("RSA-OAEP failed: {e}"))?;
        session.fill(0);
        // The session key is used once: `HybridEncrypt`'s zero nonce, no AAD.
        let sealed = aes
            .encrypt(&Nonce::default(), value)
            .map_err(|e| format!("AES-GCM failed: {e}"))?;
        let len = u16::try_from(wrapped.len()).map_err(|_| "RSA ciphertext too long")?;
        let mut out = Vec::with_capacity(2 + wrapped.len() + sealed.len());
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&wrapped);
        out.extend_from_slice(&sealed);
        Ok(base64::engine::general_purpose::STANDARD.encode(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_encryption_label() {
        let strict = Scope::Strict {
            namespace: "db",
            name: "pg",
        };
        assert_eq!(strict.label(), "db/pg");
        assert_eq!(Scope::NamespaceWide { namespace: "db" }.label(), "db");
        assert_eq!(Scope::ClusterWide.label(), "");
    }

    #[test]
    fn not_a_certificate_is_located_at_the_start() {
        let e = SealingKey::from_pem("hello\nworld\n").unwrap_err();
        assert_eq!(e.span, 0..5);
        assert!(e.message.contains("not a PEM certificate"));
        let e = SealingKey::from_pem(&format!("x\n{BEGIN}\nAAAA\n{END}\n")).unwrap_err();
        assert_eq!(e.span.start, 2);
        assert!(e.message.contains("cannot be read"), "{}", e.message);
    }
}
