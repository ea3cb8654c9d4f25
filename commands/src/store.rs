//! Building the cqrs-es framework for an aggregate over our events table.

use cqrs_es::persist::PersistedEventStore;
use cqrs_es::{Aggregate, CqrsFramework};
use postgres_es::{PostgresCqrs, PostgresEventRepository};
use sqlx::PgPool;

use crate::snapshots::{SnapshotStore, Snapshotted};

/// The table postgres-es appends to (see `migrations/`).
pub const EVENTS_TABLE: &str = "events";
pub const SNAPSHOTS_TABLE: &str = "snapshots";

/// An aggregate's current state, read from its events (no snapshots).
pub async fn load<A: Aggregate>(
    pool: PgPool,
    id: &str,
) -> Result<A, cqrs_es::AggregateError<A::Error>> {
    use cqrs_es::EventStore as _;
    let repo = PostgresEventRepository::new(pool).with_tables(EVENTS_TABLE, SNAPSHOTS_TABLE);
    let store = PersistedEventStore::<_, A>::new_event_store(repo);
    Ok(store.load_aggregate(id).await?.aggregate)
}

/// A framework with no in-process queries: read models are built by the
/// subscription engine, which survives crashes (see the crate docs).
pub fn framework<A: Aggregate>(pool: PgPool, services: A::Services) -> PostgresCqrs<A> {
    let repo = PostgresEventRepository::new(pool).with_tables(EVENTS_TABLE, SNAPSHOTS_TABLE);
    let store = PersistedEventStore::new_event_store(repo);
    CqrsFramework::new(store, vec![], services)
}

/// [`framework`] for an aggregate with a long stream, loaded from its latest
/// snapshot (see [`crate::snapshots`]).
pub fn snapshotted<A: Snapshotted>(pool: PgPool) -> CqrsFramework<A, SnapshotStore<A>>
where
    A::Services: Default,
{
    CqrsFramework::new(SnapshotStore::new(pool), vec![], A::Services::default())
}
