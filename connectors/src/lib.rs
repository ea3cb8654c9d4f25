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
