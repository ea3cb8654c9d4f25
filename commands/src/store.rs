//! Building the cqrs-es framework for an aggregate over our events table.

use cqrs_es::persist::PersistedEventStore;
use cqrs_es::{Aggregate, CqrsFramework};
use postgres_es::{PostgresCqrs, PostgresEventRepository};
use sqlx::PgPool;

use crate::snapshots::SnapshotStore;

/// The table postgres-es appends to (see `migrations/`).
pub const EVENTS_TABLE: &str = "events";
pub const SNAPSHOTS_TABLE: &str = "snapshots";

/// A framework with no in-process queries: read models are built by the
/// subscription engine, which survives crashes (see the crate docs).
pub fn framework<A: Aggregate>(pool: PgPool, services: A::Services) -> PostgresCqrs<A> {
    let repo = PostgresEventRepository::new(pool).with_tables(EVENTS_TABLE, SNAPSHOTS_TABLE);
    let store = PersistedEventStore::new_event_store(repo);
    CqrsFramework::new(store, vec![], services)
}

/// Aggregates written more often than between snapshots: a snapshot every
/// this many events bounds a load to one row and fewer events than this.
pub const SNAPSHOT_EVERY: usize = 100;

/// [`framework`] for an aggregate with a long stream, loaded from its latest
/// snapshot (see [`crate::snapshots`]); `version` is its state's version.
pub fn snapshotted<A: Aggregate>(pool: PgPool, version: u32) -> CqrsFramework<A, SnapshotStore<A>>
where
    A::Services: Default,
{
    CqrsFramework::new(
        SnapshotStore::new(pool, SNAPSHOT_EVERY, version),
        vec![],
        A::Services::default(),
    )
}
