//! The HTTP edge of Ancre and the `ancre` binary's building blocks.
//!
//! A request is authenticated ([`auth`]), its tenant resolved from the verified
//! credential (never from a path or body field), then a route group
//! ([`routes`]) either sends a typed command to `ancre-commands` and waits for
//! the affected read models to catch up (read-your-writes), or reads a read
//! model through `ancre-projections::read`. Every error leaves as
//! `application/problem+json` through the one mapping in [`error`].
//!
//! Module map:
//! - [`config`]: the one typed configuration, from the environment and `.env`.
//! - [`app`]: wiring (state, router, middleware) and serving.
//! - [`serve`]: the HTTP server loop with its limits (slow clients, connections).
//! - [`spool`]: an upload's file, written to disk and hashed as it arrives.
//! - [`intake`]: a file entering a collection as a document (uploads and connector syncs).
//! - [`copilot`]: the copilot's AG-UI agent (offline router, events over SSE).
//! - [`kpi`]: a tenant's key figures for the copilot's cards, by role.
//! - [`digest`]: SHA-256 as the API stores it (API-key secrets, uploads).
//! - [`error`]: the edge's error enum and its problem+json mapping.
//! - [`extract`]: JSON and path extractors whose rejections are problems.
//! - [`auth`]: dev bypass, Clerk session JWTs (JWKS), API keys; principals.
//! - [`routes`]: one module per route group, plus the OpenAPI document.
//! - [`telemetry`]: logs, request spans and the Prometheus metrics.
//! - [`chat`]: one chat turn as a task: answer, record, report as frames.
//! - [`cli`]: the sub-commands of the binary.
//! - [`connectors`]: Nango's webhooks and the `connector_sync` worker.
//! - [`web`]: the built web UI at `/` (everything outside `/api`).

pub mod app;
pub mod auth;
pub mod billing;
pub mod chat;
pub mod cli;
pub mod config;
pub mod connectors;
pub mod copilot;
pub mod digest;
pub mod error;
pub mod extract;
pub mod intake;
pub mod kpi;
pub mod quota;
pub mod routes;
pub mod serve;
pub mod spool;
pub mod telemetry;
pub mod web;

/// The sub-command that turns the `ancre` binary into the PDF sandbox's child
/// (dispatched in `main` before anything else starts).
pub const PARSE_PDF: &str = "parse-pdf";

/// The migrations, embedded in the binary and applied at start-up.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");
