//! Reading `$all`, the global event log, without ever skipping an event.
//!
//! Positions come from a sequence, so they are handed out at insert time, not
//! at commit time: a transaction that inserted early and commits late has a
//! smaller position than events already read. A reader that asks for
//! "position > checkpoint" would skip it forever.
//!
//! The safe reader orders by `(transaction_id, position)` and only reads events
//! whose transaction id is below `pg_snapshot_xmin(pg_current_snapshot())`,
//! the oldest transaction still in flight. Every transaction below that
//! horizon has ended, so the set of readable events never grows behind a
//! checkpoint: anything that commits later has a transaction id at or above
//! the horizon, hence sorts after every checkpoint taken so far.
//!
//! The price: a long transaction holds every projector back until it ends.
//! Writers keep their transactions short (one command = one transaction).

use ancre_domain::{LogPosition, TenantId};
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use sqlx::PgConnection;

use crate::ProjectionError;

/// One event as stored in the log.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct StoredEvent {
    #[sqlx(flatten)]
    pub at: Position,
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: i64,
    pub event_type: String,
    pub event_version: String,
    pub payload: serde_json::Value,
    pub metadata: serde_json::Value,
    pub recorded_at: DateTime<Utc>,
}

/// A row's place in the log, as sqlx reads it.
#[derive(Clone, Copy, Debug, sqlx::FromRow)]
pub struct Position {
    pub transaction_id: i64,
    pub position: i64,
}

impl From<Position> for LogPosition {
    fn from(p: Position) -> Self {
        LogPosition {
            transaction_id: p.transaction_id,
            position: p.position,
        }
    }
}

impl StoredEvent {
    pub fn log_position(&self) -> LogPosition {
        self.at.into()
    }

    /// The payload as the aggregate's event enum.
    pub fn decode<E: DeserializeOwned>(&self) -> Result<E, ProjectionError> {
        serde_json::from_value(self.payload.clone()).map_err(|e| self.decode_error(e.to_string()))
    }

    /// The tenant recorded in the event's metadata.
    pub fn tenant_id(&self) -> Option<TenantId> {
        self.metadata
            .get("tenant_id")
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse().ok())
    }

    /// The aggregate id as a UUID (all our aggregates but `usage` use UUID ids).
    pub fn aggregate_uuid(&self) -> Result<uuid::Uuid, ProjectionError> {
        self.aggregate_id.parse().map_err(|_| {
            self.decode_error(format!(
                "aggregate id {:?} is not a UUID",
                self.aggregate_id
            ))
        })
    }

    pub fn decode_error(&self, reason: String) -> ProjectionError {
        ProjectionError::Decode {
            event_type: self.event_type.clone(),
            position: self.at.position,
            reason,
        }
    }
}

const SELECT_EVENTS: &str = "SELECT transaction_id::text::bigint AS transaction_id, position,
        aggregate_type, aggregate_id, sequence, event_type, event_version,
        payload, metadata, recorded_at
   FROM events";

/// What one read of the log returned.
#[derive(Debug)]
pub struct Slice {
    /// The events asked for, in log order.
    pub events: Vec<StoredEvent>,
    /// How far the log has been read: the last event returned, or — when the
    /// slice is not full — the last event below the horizon, whatever its type
    /// (so that a reader of some aggregate types still moves past the others).
    pub end: LogPosition,
    /// True when `limit` events were returned: more may be waiting.
    pub full: bool,
}

/// Up to `limit` events after `after`, in log order, below the in-flight
/// horizon; only of `types` when given.
///
/// The horizon is taken once, first: every transaction below it has ended,
/// so the set of events below it can no longer change and the following
/// statements may rely on it.
pub async fn read_after(
    conn: &mut PgConnection,
    after: LogPosition,
    limit: i64,
    types: Option<&[&str]>,
) -> Result<Slice, sqlx::Error> {
    let horizon: String =
        sqlx::query_scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")
            .fetch_one(&mut *conn)
            .await?;
    let types: Option<Vec<String>> = types.map(|t| t.iter().map(|s| s.to_string()).collect());
    let events = sqlx::query_as::<_, StoredEvent>(&format!(
        "{SELECT_EVENTS}
          WHERE (transaction_id, position) > ($1::text::xid8, $2)
            AND transaction_id < $3::xid8
            AND ($4::text[] IS NULL OR aggregate_type = ANY($4))
          ORDER BY transaction_id, position
          LIMIT $5"
    ))
    .bind(after.transaction_id.to_string())
    .bind(after.position)
    .bind(&horizon)
    .bind(&types)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let full = events.len() as i64 == limit;
    let end = match (full, events.last()) {
        (true, Some(last)) => last.log_position(),
        _ if types.is_none() => events.last().map_or(after, StoredEvent::log_position),
        _ => {
            let last: Option<Position> = sqlx::query_as(
                "SELECT transaction_id::text::bigint AS transaction_id, position FROM events
                  WHERE (transaction_id, position) > ($1::text::xid8, $2)
                    AND transaction_id < $3::xid8
                  ORDER BY transaction_id DESC, position DESC
                  LIMIT 1",
            )
            .bind(after.transaction_id.to_string())
            .bind(after.position)
            .bind(&horizon)
            .fetch_optional(&mut *conn)
            .await?;
            last.map_or(after, LogPosition::from)
        }
    };
    Ok(Slice { events, end, full })
}
