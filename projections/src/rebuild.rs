//! `ancre projections rebuild NAME`: forget a projection and replay it from
//! the start of the log, in **one** transaction. Readers keep seeing the old
//! state until the new one commits, and the live engine (which takes the same
//! advisory lock) simply waits, then continues from the rebuilt checkpoint.

use ancre_domain::LogPosition;
use sqlx::PgPool;

use crate::deliveries::checkpoint_row;
use crate::engine::{apply_from, lock, store_checkpoint};
use crate::{ProjectionError, Projector};

/// Replays `projector` from the start; returns how many events were applied.
pub async fn rebuild(
    pool: &PgPool,
    projector: &dyn Projector,
    batch_size: i64,
) -> Result<u64, ProjectionError> {
    let mut tx = pool.begin().await?;
    lock(&mut tx, projector.name()).await?;
    projector.reset(&mut tx).await?;
    // A projector fed from Kafka rebuilds its per-aggregate positions too.
    let tracks = checkpoint_row(&mut tx, projector.name())
        .await?
        .tracks_aggregates;
    if tracks {
        sqlx::query("DELETE FROM projector_aggregate_positions WHERE projector = $1")
            .bind(projector.name())
            .execute(&mut *tx)
            .await?;
    }
    let mut at = LogPosition::START;
    let mut total = 0_u64;
    loop {
        let (applied, to, full, _) = apply_from(&mut tx, projector, at, batch_size, tracks).await?;
        total += applied as u64;
        at = to;
        if !full {
            break;
        }
    }
    store_checkpoint(&mut tx, projector.name(), at).await?;
    tx.commit().await?;
    tracing::info!(projector = projector.name(), events = total, "rebuilt");
    Ok(total)
}
