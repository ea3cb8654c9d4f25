//! Projectors fed from somewhere other than the log (Kafka): events arrive
//! in order per aggregate only, and at least once.
//!
//! Such a projector keeps, per aggregate, the last sequence it applied
//! (`projector_aggregate_positions`) and skips what is at or below it, in the
//! transaction that applies the batch. Its checkpoint stays a true low
//! watermark of the log — every event of its types at or before it has been
//! applied — so `projections status`, `/readyz` and read-your-writes work as
//! for a projector reading the log. A projector is fed from one source at a
//! time (`projector_checkpoints.source`); the log engine leaves a Kafka-fed
//! one alone, and once a projector has been fed from Kafka every batch of it,
//! from either source, keeps the per-aggregate positions (`tracks_aggregates`).

use std::collections::HashMap;

use ancre_domain::LogPosition;
use sqlx::{PgConnection, PgPool};

use crate::engine::{lock, store_checkpoint};
use crate::{ProjectionError, Projector, StoredEvent};

/// Where a projector's batches come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Log,
    Kafka,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Log => "log",
            Source::Kafka => "kafka",
        }
    }

    fn parse(text: &str) -> Source {
        match text {
            "kafka" => Source::Kafka,
            _ => Source::Log,
        }
    }
}

/// A projector's row in `projector_checkpoints`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct CheckpointRow {
    pub at: LogPosition,
    pub source: Source,
    pub tracks_aggregates: bool,
}

pub(crate) async fn checkpoint_row(
    conn: &mut PgConnection,
    name: &str,
) -> Result<CheckpointRow, sqlx::Error> {
    let row: Option<(i64, i64, String, bool)> = sqlx::query_as(
        "SELECT transaction_id::text::bigint, position, source, tracks_aggregates
           FROM projector_checkpoints WHERE name = $1",
    )
    .bind(name)
    .fetch_optional(conn)
    .await?;
    Ok(match row {
        Some((transaction_id, position, source, tracks_aggregates)) => CheckpointRow {
            at: LogPosition {
                transaction_id,
                position,
            },
            source: Source::parse(&source),
            tracks_aggregates,
        },
        None => CheckpointRow {
            at: LogPosition::START,
            source: Source::Log,
            tracks_aggregates: false,
        },
    })
}

/// Of `events` (each aggregate's in order), those this projector has not
/// applied yet; records them as applied (in the caller's transaction).
pub(crate) async fn keep_unapplied(
    conn: &mut PgConnection,
    name: &str,
    events: Vec<StoredEvent>,
) -> Result<Vec<StoredEvent>, sqlx::Error> {
    if events.is_empty() {
        return Ok(events);
    }
    let (types, ids): (Vec<String>, Vec<String>) = events
        .iter()
        .map(|e| (e.aggregate_type.clone(), e.aggregate_id.clone()))
        .unzip();
    let known: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT p.aggregate_type, p.aggregate_id, p.last_sequence
           FROM projector_aggregate_positions p
           JOIN unnest($2::text[], $3::text[]) AS a(aggregate_type, aggregate_id)
             ON a.aggregate_type = p.aggregate_type AND a.aggregate_id = p.aggregate_id
          WHERE p.projector = $1",
    )
    .bind(name)
    .bind(&types)
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?;
    let mut last: HashMap<(String, String), i64> = known
        .into_iter()
        .map(|(t, id, sequence)| ((t, id), sequence))
        .collect();
    let mut moved: HashMap<(String, String), i64> = HashMap::new();
    let mut fresh = Vec::with_capacity(events.len());
    for event in events {
        let key = (event.aggregate_type.clone(), event.aggregate_id.clone());
        if last.get(&key).is_some_and(|seen| event.sequence <= *seen) {
            continue; // delivered again
        }
        last.insert(key.clone(), event.sequence);
        moved.insert(key, event.sequence);
        fresh.push(event);
    }
    if !moved.is_empty() {
        let mut types = Vec::with_capacity(moved.len());
        let mut ids = Vec::with_capacity(moved.len());
        let mut sequences = Vec::with_capacity(moved.len());
        for ((t, id), sequence) in moved {
            types.push(t);
            ids.push(id);
            sequences.push(sequence);
        }
        sqlx::query(
            "INSERT INTO projector_aggregate_positions (projector, aggregate_type, aggregate_id, last_sequence)
             SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[])
             ON CONFLICT (projector, aggregate_type, aggregate_id)
             DO UPDATE SET last_sequence = greatest(projector_aggregate_positions.last_sequence,
                                                    EXCLUDED.last_sequence)",
        )
        .bind(name)
        .bind(&types)
        .bind(&ids)
        .bind(&sequences)
        .execute(&mut *conn)
        .await?;
    }
    Ok(fresh)
}

/// The furthest point of the log, from `from`, up to which every event of
/// `types` has been applied (per the aggregate positions).
async fn watermark(
    conn: &mut PgConnection,
    name: &str,
    types: Option<&[&str]>,
    from: LogPosition,
) -> Result<LogPosition, sqlx::Error> {
    let types: Option<Vec<String>> = types.map(|t| t.iter().map(|s| s.to_string()).collect());
    let reached: Option<(i64, i64)> = sqlx::query_as(
        "WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS h),
         first_missing AS (
             SELECT e.transaction_id, e.position FROM events e
               LEFT JOIN projector_aggregate_positions p
                 ON p.projector = $1 AND p.aggregate_type = e.aggregate_type
                AND p.aggregate_id = e.aggregate_id
              WHERE (e.transaction_id, e.position) > ($2::text::xid8, $3)
                AND e.transaction_id < (SELECT h FROM horizon)
                AND ($4::text[] IS NULL OR e.aggregate_type = ANY($4))
                AND (p.last_sequence IS NULL OR p.last_sequence < e.sequence)
              ORDER BY e.transaction_id, e.position
              LIMIT 1)
         SELECT e.transaction_id::text::bigint, e.position FROM events e
          WHERE (e.transaction_id, e.position) > ($2::text::xid8, $3)
            AND e.transaction_id < (SELECT h FROM horizon)
            AND (NOT EXISTS (SELECT 1 FROM first_missing)
                 OR (e.transaction_id, e.position)
                    < (SELECT transaction_id, position FROM first_missing))
          ORDER BY e.transaction_id DESC, e.position DESC
          LIMIT 1",
    )
    .bind(name)
    .bind(from.transaction_id.to_string())
    .bind(from.position)
    .bind(&types)
    .fetch_optional(conn)
    .await?;
    Ok(
        reached.map_or(from, |(transaction_id, position)| LogPosition {
            transaction_id,
            position,
        }),
    )
}

/// Makes `source` feed `projector` from now on. Moving to Kafka first
/// records, per aggregate, what the checkpoint already covers, so that
/// redelivered events are recognised.
pub async fn claim(
    pool: &PgPool,
    projector: &dyn Projector,
    source: Source,
) -> Result<(), ProjectionError> {
    let name = projector.name();
    let mut tx = pool.begin().await?;
    lock(&mut tx, name).await?;
    sqlx::query("INSERT INTO projector_checkpoints (name) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind(name)
        .execute(&mut *tx)
        .await?;
    let row = checkpoint_row(&mut tx, name).await?;
    if source == Source::Kafka && !row.tracks_aggregates {
        let types: Option<Vec<String>> = projector
            .aggregate_types()
            .map(|t| t.iter().map(|s| s.to_string()).collect());
        sqlx::query(
            "INSERT INTO projector_aggregate_positions (projector, aggregate_type, aggregate_id, last_sequence)
             SELECT $1, aggregate_type, aggregate_id, max(sequence) FROM events
              WHERE (transaction_id, position) <= ($2::text::xid8, $3)
                AND ($4::text[] IS NULL OR aggregate_type = ANY($4))
              GROUP BY aggregate_type, aggregate_id
             ON CONFLICT (projector, aggregate_type, aggregate_id)
             DO UPDATE SET last_sequence = greatest(projector_aggregate_positions.last_sequence,
                                                    EXCLUDED.last_sequence)",
        )
        .bind(name)
        .bind(row.at.transaction_id.to_string())
        .bind(row.at.position)
        .bind(&types)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "UPDATE projector_checkpoints
            SET source = $2, tracks_aggregates = tracks_aggregates OR $3
          WHERE name = $1",
    )
    .bind(name)
    .bind(source.as_str())
    .bind(source == Source::Kafka)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What a delivered batch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivered {
    /// Applied (`applied` of them were new); the checkpoint is now `checkpoint`.
    Applied {
        applied: usize,
        checkpoint: LogPosition,
    },
    /// The projector is fed from the log now: nothing was applied.
    NotOurs,
}

/// Applies `events` as delivered by Kafka (each aggregate's in order, maybe
/// again): those not applied yet, in one transaction with the positions and
/// the moved checkpoint.
pub async fn apply_delivered(
    pool: &PgPool,
    projector: &dyn Projector,
    events: Vec<StoredEvent>,
) -> Result<Delivered, ProjectionError> {
    let name = projector.name();
    let mut tx = pool.begin().await?;
    lock(&mut tx, name).await?;
    let row = checkpoint_row(&mut tx, name).await?;
    if row.source != Source::Kafka {
        return Ok(Delivered::NotOurs);
    }
    let wanted: Vec<StoredEvent> = events
        .into_iter()
        .filter(|e| {
            projector
                .aggregate_types()
                .is_none_or(|types| types.contains(&e.aggregate_type.as_str()))
        })
        .collect();
    let fresh = keep_unapplied(&mut tx, name, wanted).await?;
    projector.apply_batch(&mut tx, &fresh).await?;
    let checkpoint = watermark(&mut tx, name, projector.aggregate_types(), row.at).await?;
    if checkpoint != row.at {
        store_checkpoint(&mut tx, name, checkpoint).await?;
    }
    tx.commit().await?;
    Ok(Delivered::Applied {
        applied: fresh.len(),
        checkpoint,
    })
}
