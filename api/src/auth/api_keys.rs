//! API key secrets: generated here, shown once, stored only as a SHA-256 hash.
//!
//! A key looks like `ak_` + 43 URL-safe base64 characters (32 random bytes).
//! The secret is high-entropy, so a fast hash is enough (no password
//! stretching needed), and lookups by hash are a unique-index probe.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::RngCore;

pub const PREFIX: &str = "ak_";

/// A new secret, its display prefix and its hash.
pub struct NewSecret {
    pub secret: String,
    pub prefix: String,
    pub hash: String,
}

pub fn generate() -> NewSecret {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    NewSecret {
        prefix: secret[..PREFIX.len() + 6].to_owned(),
        hash: hash(&secret),
        secret,
    }
}

pub fn hash(secret: &str) -> String {
    crate::digest::sha256_hex(secret.as_bytes())
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_are_unique_and_only_their_hash_is_kept() {
        let a = super::generate();
        let b = super::generate();
        assert_ne!(a.secret, b.secret);
        assert!(a.secret.starts_with("ak_") && a.secret.len() == 46);
        assert!(a.secret.starts_with(&a.prefix));
        assert_eq!(a.hash, super::hash(&a.secret));
        assert_eq!(a.hash.len(), 64);
        assert!(!a.hash.contains(&a.secret[3..]));
    }
}
