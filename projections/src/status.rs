//! Where each projector stands: checkpoint, events still to apply, and the
//! age of the oldest of them. Read by `ancre projections status`, `/readyz`
//! and `/metrics`.

use ancre_domain::LogPosition;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

#[derive(Debug, Clone)]
pub struct ProjectorStatus {
    pub name: String,
    pub checkpoint: LogPosition,
    pub checkpoint_updated_at: Option<DateTime<Utc>>,
    /// Committed events after the checkpoint (including any held back by an
    /// in-flight transaction).
    pub behind: i64,
    /// Age of the oldest event not yet applied; zero when caught up.
    pub lag_seconds: f64,
    /// Where its batches come from: `log` or `kafka`.
    pub source: String,
}

pub async fn status(pool: &PgPool, names: &[&str]) -> Result<Vec<ProjectorStatus>, sqlx::Error> {
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let row: (i64, i64, Option<DateTime<Utc>>, i64, Option<f64>, String) = sqlx::query_as(
            "WITH cp AS (
                 SELECT coalesce(max(transaction_id::text::bigint), 0) AS txid,
                        coalesce(max(position), 0) AS pos,
                        max(updated_at) AS updated_at,
                        coalesce(max(source), 'log') AS source
                   FROM projector_checkpoints WHERE name = $1)
             SELECT cp.txid, cp.pos, cp.updated_at,
                    (SELECT count(*) FROM events e
                      WHERE (e.transaction_id, e.position) > (cp.txid::text::xid8, cp.pos)),
                    (SELECT extract(epoch FROM clock_timestamp() - min(e.recorded_at))::float8
                       FROM events e
                      WHERE (e.transaction_id, e.position) > (cp.txid::text::xid8, cp.pos)),
                    cp.source
               FROM cp",
        )
        .bind(name)
        .fetch_one(pool)
        .await?;
        out.push(ProjectorStatus {
            name: name.to_string(),
            checkpoint: LogPosition {
                transaction_id: row.0,
                position: row.1,
            },
            checkpoint_updated_at: row.2,
            behind: row.3,
            lag_seconds: row.4.unwrap_or(0.0).max(0.0),
            source: row.5,
        });
    }
    Ok(out)
}
