//! Test support (a dev-dependency only): real services for tests.
//!
//! - [`kafka`]: the Kafka-API broker `make test` starts, read by a plain
//!   consumer (`ANCRE_TEST_KAFKA_BROKERS`).
//! - [`pg`]: a fresh PostgreSQL database per test, copied from a migrated
//!   template, on the cluster `make test` starts (`ANCRE_TEST_DATABASE_URL`).
//! - [`jwks`]: a local server that speaks Clerk's JWKS protocol, with an RSA
//!   key generated per test, and a signer that mints session tokens.
//! - [`nango`]: a local server that speaks Nango's HTTP API (connect
//!   sessions, connections, records with cursors, the proxy) and signs
//!   webhooks as Nango does.
//! - [`openai`]: a local server that speaks OpenAI's embeddings protocol, and
//!   ([`openai_chat`]) its Chat Completions streaming protocol.
//! - [`process`]: `ancre` run as real child processes of one deployment.
//! - [`stripe`]: a local server that speaks Stripe's REST protocol (Checkout
//!   and Billing Portal sessions), and webhook payloads signed as Stripe signs them.
//! - [`wait`]: waiting on a condition with a deadline (tests never sleep to
//!   synchronise).

pub mod jwks;
pub mod kafka;
pub mod nango;
pub mod openai;
pub mod openai_chat;
pub mod pg;
pub mod process;
pub mod stripe;
pub mod wait;

/// The directory of the package under test, read when the test runs (cargo
/// and nextest set `CARGO_MANIFEST_DIR` for test processes), not baked in at
/// compile time: build artifacts are shared between clones through
/// `CARGO_TARGET_DIR`, and a baked-in path may name a clone that is gone.
/// Every member sits one level below the workspace root, so `..` is the root.
pub fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into())
}
