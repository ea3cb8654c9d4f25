//! Content hashes, as the API records and compares them.

use sha2::{Digest, Sha256};

/// The SHA-256 of `bytes`, as lowercase hex: API-key secrets are stored as
/// this, and uploads are identified by it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
