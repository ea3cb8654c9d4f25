//! An event store that loads an aggregate from its latest snapshot and the
//! events after it, for aggregates with long streams (a usage period holds
//! one event per billable cause: thousands a month for a busy tenant, and
//! every upload and chat message loads it to check the quotas).
//!
//! Why not cqrs-es 0.5's own snapshot store: its commit folds the new events
//! into the snapshot a second time (the event sink has already applied them
//! to the context's aggregate), so its snapshots count every event twice.
//! Here the context's aggregate *is* the state after the new events, and is
//! written as it is.
//!
//! Invariants:
//! - A snapshot is written in the transaction that appends the events it
//!   includes (postgres-es `persist`), so it never runs ahead of the log or
//!   behind it. A load replays fewer than [`SNAPSHOT_EVERY`] events after it (plus the
//!   events of the command that writes the next one).
//! - A snapshot carries the state's version; one written by a build whose
//!   state meant something else (a different version, or a payload that no
//!   longer deserializes) is ignored and the state rebuilt from all events.
//!   The next snapshot replaces it.
//! - Events are the truth: deleting every snapshot changes no decision.

use std::collections::HashMap;
use std::marker::PhantomData;

use cqrs_es::persist::{PersistedEventRepository, PersistenceError, SerializedEvent};
use cqrs_es::{Aggregate, AggregateContext, AggregateError, EventEnvelope, EventStore};
use postgres_es::PostgresEventRepository;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::PgPool;

use crate::store::{EVENTS_TABLE, SNAPSHOTS_TABLE};

/// A snapshot is written once this many events follow the latest usable
/// one, so a load reads one row and fewer events than this.
pub const SNAPSHOT_EVERY: usize = 100;

/// An aggregate loaded from snapshots, and what its serialized state means:
/// a change to the state's shape or meaning bumps the version, and
/// snapshots of another version are then ignored (see the invariants).
pub trait Snapshotted: Aggregate {
    const SNAPSHOT_VERSION: u32;
}

impl Snapshotted for ancre_domain::usage::Usage {
    const SNAPSHOT_VERSION: u32 = ancre_domain::usage::Usage::SNAPSHOT_VERSION;
}

/// A connection's stream grows with every record a sync imports.
impl Snapshotted for ancre_domain::connection::Connection {
    const SNAPSHOT_VERSION: u32 = ancre_domain::connection::Connection::SNAPSHOT_VERSION;
}

/// What a snapshot row's payload holds.
#[derive(Serialize, Deserialize)]
struct Payload {
    version: u32,
    state: Value,
}

pub struct SnapshotStore<A> {
    repo: PostgresEventRepository,
    aggregate: PhantomData<fn() -> A>,
}

/// An aggregate as loaded, with what the next snapshot must know.
pub struct SnapshotContext<A> {
    aggregate_id: String,
    aggregate: A,
    /// The sequence of the last event folded into `aggregate`.
    sequence: usize,
    /// The sequence the state was loaded from (0: replayed from the start).
    snapshot_sequence: usize,
    /// The snapshot row's own version number (postgres-es optimistic lock on
    /// the row), kept even when its state was not usable.
    snapshot_row: Option<usize>,
}

impl<A: Aggregate> AggregateContext<A> for SnapshotContext<A> {
    fn aggregate(&mut self) -> &mut A {
        &mut self.aggregate
    }
}

impl<A> SnapshotStore<A> {
    pub fn new(pool: PgPool) -> Self {
        Self {
            repo: PostgresEventRepository::new(pool).with_tables(EVENTS_TABLE, SNAPSHOTS_TABLE),
            aggregate: PhantomData,
        }
    }
}

/// Whether a state `sequence` events long, loaded from `snapshot_sequence`,
/// should be written as the new snapshot: once [`SNAPSHOT_EVERY`] events have to be
/// replayed on top of the latest usable snapshot. A stream written before
/// snapshots existed, or whose snapshot is of another version, gets one at
/// its next command.
fn snapshot_due(snapshot_sequence: usize, sequence: usize) -> bool {
    sequence.saturating_sub(snapshot_sequence) >= SNAPSHOT_EVERY
}

fn deserialize<A: Aggregate>(
    events: Vec<SerializedEvent>,
) -> Result<Vec<EventEnvelope<A>>, PersistenceError> {
    events.into_iter().map(EventEnvelope::try_from).collect()
}

impl<A: Snapshotted> EventStore<A> for SnapshotStore<A> {
    type AC = SnapshotContext<A>;

    async fn load_events(
        &self,
        aggregate_id: &str,
    ) -> Result<Vec<EventEnvelope<A>>, AggregateError<A::Error>> {
        Ok(deserialize(self.repo.get_events::<A>(aggregate_id).await?)?)
    }

    async fn load_aggregate(
        &self,
        aggregate_id: &str,
    ) -> Result<Self::AC, AggregateError<A::Error>> {
        let mut context = SnapshotContext {
            aggregate_id: aggregate_id.to_owned(),
            aggregate: A::default(),
            sequence: 0,
            snapshot_sequence: 0,
            snapshot_row: None,
        };
        if let Some(snapshot) = self.repo.get_snapshot::<A>(aggregate_id).await? {
            // The row's version is kept even when its state is not usable:
            // the next snapshot must replace this row, not insert a second.
            context.snapshot_row = Some(snapshot.current_snapshot);
            let state = serde_json::from_value::<Payload>(snapshot.aggregate)
                .ok()
                .filter(|p| p.version == A::SNAPSHOT_VERSION)
                .and_then(|p| serde_json::from_value::<A>(p.state).ok());
            match state {
                Some(state) => {
                    context.aggregate = state;
                    context.sequence = snapshot.current_sequence;
                    context.snapshot_sequence = snapshot.current_sequence;
                }
                None => tracing::warn!(
                    aggregate = A::TYPE,
                    aggregate_id,
                    "snapshot of another state version, or unreadable, ignored; replaying every event"
                ),
            }
        }
        let events = self
            .repo
            .get_last_events::<A>(aggregate_id, context.sequence)
            .await?;
        for envelope in deserialize::<A>(events)? {
            context.sequence = envelope.sequence;
            context.aggregate.apply(envelope.payload);
        }
        Ok(context)
    }

    async fn commit(
        &self,
        events: Vec<A::Event>,
        context: Self::AC,
        metadata: HashMap<String, String>,
    ) -> Result<Vec<EventEnvelope<A>>, AggregateError<A::Error>> {
        if events.is_empty() {
            return Ok(vec![]);
        }
        let envelopes: Vec<EventEnvelope<A>> = events
            .into_iter()
            .zip(context.sequence + 1..)
            .map(|(payload, sequence)| EventEnvelope {
                aggregate_id: context.aggregate_id.clone(),
                sequence,
                payload,
                metadata: metadata.clone(),
            })
            .collect();
        let serialized = envelopes
            .iter()
            .map(SerializedEvent::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        let last = context.sequence + envelopes.len();
        // The sink applied the new events to the context's aggregate while it
        // decided: it is the state after them, as the snapshot must be.
        let snapshot = if snapshot_due(context.snapshot_sequence, last) {
            let payload = Payload {
                version: A::SNAPSHOT_VERSION,
                state: serde_json::to_value(&context.aggregate).map_err(PersistenceError::from)?,
            };
            Some((
                context.aggregate_id.clone(),
                serde_json::to_value(payload).map_err(PersistenceError::from)?,
                context.snapshot_row.map_or(1, |row| row + 1),
            ))
        } else {
            None
        };
        self.repo.persist::<A>(&serialized, snapshot).await?;
        Ok(envelopes)
    }
}

#[cfg(test)]
mod tests {
    use super::{snapshot_due, SNAPSHOT_EVERY};

    #[test]
    fn a_snapshot_is_due_once_enough_events_follow_the_last_one() {
        assert_eq!(SNAPSHOT_EVERY, 100);
        // No snapshot yet: the first once the stream is `SNAPSHOT_EVERY` long.
        assert!(!snapshot_due(0, 99));
        assert!(snapshot_due(0, 100));
        // A long stream from before snapshots: at its next command.
        assert!(snapshot_due(0, 20_001));
        // After one: `SNAPSHOT_EVERY` events later, not at the next multiple.
        assert!(!snapshot_due(150, 249));
        assert!(snapshot_due(150, 250));
    }
}
