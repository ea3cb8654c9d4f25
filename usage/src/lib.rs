//! Metering. The [`recorder`] follows the log and records, in each tenant's
//! `Usage` aggregate, what documents and conversations consumed (pages
//! parsed, tokens embedded, documents and bytes freed, chat-model tokens).
//! What must be checked *before* work starts — a document stored, a chat
//! message answered — is charged by the API itself, under the quota, with
//! the idempotency keys of [`keys`].
//!
//! Module map:
//! - [`recorder`]: the `usage_recorder` process manager.
//! - [`keys`]: the idempotency keys, shared by the API and the recorder.
//! - [`reservations`]: gives back the tokens reserved by turns that never ended.

pub mod keys;
pub mod recorder;
pub mod reservations;
