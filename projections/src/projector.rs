//! The contract of a projector: a name, a way to forget everything it built,
//! and a way to apply one event inside the engine's transaction.

use async_trait::async_trait;
use sqlx::PgConnection;

use crate::{ProjectionError, StoredEvent};

#[async_trait]
pub trait Projector: Send + Sync + 'static {
    /// Stable name: the key of its checkpoint and of `ancre projections rebuild NAME`.
    fn name(&self) -> &'static str;

    /// The aggregate types whose events this projector applies; `None` for
    /// all. The engine filters in SQL, so a projector is not woken, nor its
    /// transaction lengthened, by events it would ignore.
    fn aggregate_types(&self) -> Option<&'static [&'static str]> {
        None
    }

    /// Delete everything this projector has built, before a replay.
    async fn reset(&self, tx: &mut PgConnection) -> Result<(), ProjectionError>;

    /// Apply one event. Called for every event of the log, in log order, inside
    /// the transaction that will also store the checkpoint: do all writes
    /// through `tx`, ignore events you do not care about, and derive every value
    /// from the event itself (time included: use `recorded_at`, never `now()`),
    /// so that a rebuild reproduces the live state exactly.
    async fn apply(
        &self,
        tx: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError>;

    /// Apply a batch of events, in order, inside the batch transaction. The
    /// default applies them one by one; a projector may override it to write
    /// set-based (one statement per table for the whole batch).
    async fn apply_batch(
        &self,
        tx: &mut PgConnection,
        events: &[StoredEvent],
    ) -> Result<(), ProjectionError> {
        for event in events {
            self.apply(tx, event).await?;
        }
        Ok(())
    }
}
