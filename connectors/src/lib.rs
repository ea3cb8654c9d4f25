//! Connectors: documents that come from a tenant's own sources (Google Drive,
//! Notion…) through a self-hosted Nango, which holds the OAuth connections and
//! runs the syncs.
//!
//! - [`nango`]: Nango's HTTP API (`client`) and the webhooks it sends
//!   (`webhook`: HMAC-SHA256 verification and the payloads).
//! - [`provider`]: the providers Ancre supports, what their sync's records
//!   are, and how one record becomes a file to ingest.

pub mod nango;
pub mod provider;

pub use provider::{source_file, SourceFile};

/// `value` with everything but RFC 3986's unreserved characters
/// percent-encoded: safe as one path segment or one query value.
pub(crate) fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
