//! The write side: commands in, events appended to the PostgreSQL log.
//!
//! `cqrs-es` loads an aggregate from its events, lets it decide, and
//! `postgres-es` appends the new events in one transaction. The primary key
//! `(aggregate_type, aggregate_id, sequence)` is the optimistic-concurrency
//! check; a lost race is retried against the fresh state a few times and then
//! reported as a conflict — never a silent overwrite.
//!
//! cqrs-es can also dispatch "queries" in-process after a commit. We register
//! none: they would be lost on a crash between commit and dispatch. Read models
//! are built by the subscription engine in `ancre-projections` instead.
//!
//! Module map:
//! - [`metadata`]: who asked, for which tenant, as part of which request.
//! - [`store`]: building the cqrs-es framework over the events table.
//! - [`snapshots`]: loading long streams (usage periods) from a snapshot.
//! - [`service`]: the command bus the API calls (`execute` with retries).
//! - [`usage`]: recording usage in a tenant's current period (opening it,
//!   closing the previous one and carrying its balances over).

pub mod metadata;

pub mod service;
pub mod snapshots;
pub mod store;
pub mod usage;

pub use ancre_domain::LogPosition;
pub use metadata::{Actor, EventMetadata};
pub use service::{CommandError, Commands};
