//! Runs projectors: one task per projector, each looping over batches.
//!
//! A batch is one transaction: take the projector's advisory lock (so that a
//! second process, or `ancre projections rebuild`, never interleaves with it),
//! read its checkpoint, read the next events below the in-flight horizon,
//! apply them, write the new checkpoint, commit. A failure rolls everything
//! back and the batch is retried after a back-off: nothing is lost, nothing is
//! applied twice.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use ancre_domain::LogPosition;
use chrono::Utc;
use sqlx::postgres::PgListener;
use sqlx::{PgConnection, PgPool};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tracing::Instrument;

use crate::deliveries::{self, checkpoint_row, Source};
use crate::lag::LagHistogram;
use crate::{log, Progress, ProjectionError, Projector};

/// The channel the events table notifies on commit (see the migrations).
pub const CHANNEL: &str = "ancre_events";

#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Events per transaction.
    pub batch_size: i64,
    /// Fallback wake-up when no notification arrives.
    pub poll_interval: Duration,
    /// First back-off after a failed batch (doubles up to 30 s).
    pub retry_backoff: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            batch_size: 500,
            poll_interval: Duration::from_millis(500),
            retry_backoff: Duration::from_millis(200),
        }
    }
}

/// The set of projectors a process runs, and what it exposes about them.
pub struct Engine {
    pool: PgPool,
    config: EngineConfig,
    projectors: Vec<Arc<dyn Projector>>,
    progress: Progress,
    lag: Arc<HashMap<&'static str, LagHistogram>>,
}

impl Engine {
    pub fn new(pool: PgPool, config: EngineConfig, projectors: Vec<Arc<dyn Projector>>) -> Self {
        let lag = projectors
            .iter()
            .map(|p| (p.name(), LagHistogram::default()))
            .collect();
        Self {
            pool,
            config,
            projectors,
            progress: Progress::default(),
            lag: Arc::new(lag),
        }
    }

    pub fn progress(&self) -> Progress {
        self.progress.clone()
    }

    /// Lag histograms per projector name.
    pub fn lag(&self) -> Arc<HashMap<&'static str, LagHistogram>> {
        self.lag.clone()
    }

    pub fn projector_names(&self) -> Vec<&'static str> {
        self.projectors.iter().map(|p| p.name()).collect()
    }

    /// Runs every projector until `shutdown` resolves. Each projector is woken
    /// by NOTIFY and by polling; a failing projector retries without stopping
    /// the others.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()> + Send) {
        let wakers: Vec<Arc<Notify>> = self
            .projectors
            .iter()
            .map(|_| Arc::new(Notify::new()))
            .collect();
        let mut tasks = JoinSet::new();
        tasks.spawn(listen(self.pool.clone(), wakers.clone()));
        for (projector, waker) in self.projectors.iter().zip(wakers) {
            let worker = Worker {
                pool: self.pool.clone(),
                config: self.config.clone(),
                projector: projector.clone(),
                progress: self.progress.clone(),
                lag: self.lag.clone(),
                waker,
            };
            let span = tracing::info_span!("projector", name = projector.name());
            tasks.spawn(worker.run().instrument(span));
        }
        shutdown.await;
        tasks.shutdown().await;
    }
}

struct Worker {
    pool: PgPool,
    config: EngineConfig,
    projector: Arc<dyn Projector>,
    progress: Progress,
    lag: Arc<HashMap<&'static str, LagHistogram>>,
    waker: Arc<Notify>,
}

impl Worker {
    async fn run(self) {
        let name = self.projector.name();
        let mut backoff = self.config.retry_backoff;
        loop {
            match run_batch(&self.pool, self.projector.as_ref(), self.config.batch_size).await {
                Ok(batch) => {
                    backoff = self.config.retry_backoff;
                    if batch.fed_elsewhere {
                        self.progress.forget(name);
                    } else {
                        self.progress.advance(name, batch.checkpoint);
                    }
                    if let Some(hist) = self.lag.get(name) {
                        let now = Utc::now();
                        for recorded_at in &batch.recorded_at {
                            hist.record((now - *recorded_at).to_std().unwrap_or_default());
                        }
                    }
                    if batch.full {
                        continue; // more is waiting
                    }
                    tokio::select! {
                        _ = self.waker.notified() => {}
                        _ = tokio::time::sleep(self.config.poll_interval) => {}
                    }
                }
                Err(error) => {
                    tracing::error!(%error, retry_in = ?backoff, "projector batch failed; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
            }
        }
    }
}

/// What one batch did.
#[derive(Debug, Clone)]
pub struct Batch {
    pub applied: usize,
    /// The batch was full: more events may be waiting.
    pub full: bool,
    pub checkpoint: LogPosition,
    pub recorded_at: Vec<chrono::DateTime<Utc>>,
    /// The projector is fed from Kafka (by another process): nothing applied.
    pub fed_elsewhere: bool,
}

/// Applies the next batch of events to one projector, in one transaction.
pub async fn run_batch(
    pool: &PgPool,
    projector: &dyn Projector,
    batch_size: i64,
) -> Result<Batch, ProjectionError> {
    let mut tx = pool.begin().await?;
    lock(&mut tx, projector.name()).await?;
    let row = checkpoint_row(&mut tx, projector.name()).await?;
    let from = row.at;
    if row.source == Source::Kafka {
        // Fed from Kafka by another process: the log leaves it alone.
        return Ok(Batch {
            applied: 0,
            full: false,
            checkpoint: from,
            recorded_at: Vec::new(),
            fed_elsewhere: true,
        });
    }
    let (applied, to, full, recorded_at) =
        apply_from(&mut tx, projector, from, batch_size, row.tracks_aggregates).await?;
    if to != from {
        store_checkpoint(&mut tx, projector.name(), to).await?;
    }
    tx.commit().await?;
    Ok(Batch {
        applied,
        full,
        checkpoint: to,
        recorded_at,
        fed_elsewhere: false,
    })
}

/// Reads and applies up to `limit` events after `from` on `conn`. Returns how
/// many were applied, the new checkpoint, whether more may be waiting, and
/// the applied events' commit times. A projector that `tracks_aggregates`
/// (it has been fed from Kafka) skips what it applied from there and records
/// what it applies now (see `deliveries`).
pub(crate) async fn apply_from(
    conn: &mut PgConnection,
    projector: &dyn Projector,
    from: LogPosition,
    limit: i64,
    tracks_aggregates: bool,
) -> Result<(usize, LogPosition, bool, Vec<chrono::DateTime<Utc>>), ProjectionError> {
    let slice = log::read_after(conn, from, limit, projector.aggregate_types()).await?;
    let events = if tracks_aggregates {
        deliveries::keep_unapplied(conn, projector.name(), slice.events).await?
    } else {
        slice.events
    };
    projector.apply_batch(conn, &events).await?;
    let recorded_at = events.iter().map(|e| e.recorded_at).collect();
    Ok((events.len(), slice.end, slice.full, recorded_at))
}

/// Serialises every writer of one projection (engines in several processes,
/// rebuilds) for the rest of the transaction.
pub(crate) async fn lock(conn: &mut PgConnection, name: &str) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('projector:' || $1, 0))")
        .bind(name)
        .execute(conn)
        .await?;
    Ok(())
}

/// The projector's checkpoint; the start of the log if it never ran.
pub async fn checkpoint(conn: &mut PgConnection, name: &str) -> Result<LogPosition, sqlx::Error> {
    Ok(checkpoint_row(conn, name).await?.at)
}

pub(crate) async fn store_checkpoint(
    conn: &mut PgConnection,
    name: &str,
    at: LogPosition,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO projector_checkpoints (name, transaction_id, position, updated_at)
         VALUES ($1, $2::text::xid8, $3, now())
         ON CONFLICT (name) DO UPDATE
            SET transaction_id = EXCLUDED.transaction_id,
                position = EXCLUDED.position,
                updated_at = EXCLUDED.updated_at",
    )
    .bind(name)
    .bind(at.transaction_id.to_string())
    .bind(at.position)
    .execute(conn)
    .await?;
    Ok(())
}

/// Forwards commit notifications to every projector. On a lost connection it
/// reconnects; meanwhile the projectors' polling keeps them going.
async fn listen(pool: PgPool, wakers: Vec<Arc<Notify>>) {
    loop {
        match PgListener::connect_with(&pool).await {
            Ok(mut listener) => {
                if let Err(error) = listener.listen(CHANNEL).await {
                    tracing::warn!(%error, "LISTEN failed; relying on polling");
                } else {
                    // Events may have committed while we were not listening.
                    wakers.iter().for_each(|w| w.notify_one());
                    loop {
                        match listener.recv().await {
                            Ok(_) => wakers.iter().for_each(|w| w.notify_one()),
                            Err(error) => {
                                tracing::warn!(%error, "notification stream broke; reconnecting");
                                break;
                            }
                        }
                    }
                }
            }
            Err(error) => tracing::warn!(%error, "cannot open the notification listener"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
