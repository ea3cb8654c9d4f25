//! Test support (a dev-dependency only): real services for tests.
//!
//! - [`pg`]: a fresh PostgreSQL database per test, copied from a migrated
//!   template, on the cluster `make test` starts (`ANCRE_TEST_DATABASE_URL`).
//! - [`jwks`]: a local server that speaks Clerk's JWKS protocol, with an RSA
//!   key generated per test, and a signer that mints session tokens.
//! - [`openai`]: a local server that speaks OpenAI's embeddings protocol.
//! - [`wait`]: waiting on a condition with a deadline (tests never sleep to
//!   synchronise).

pub mod jwks;
pub mod openai;
pub mod pg;
pub mod wait;
