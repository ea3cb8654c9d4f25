//! The document pipeline's workers: they take jobs from the work queue kept
//! by the [`jobs`] projector, run the stage, and report its result as a
//! command on the `Document` aggregate — which accepts each stage once and
//! in order, so a worker that restarts after reporting changes nothing.
//!
//! Crash safety: a job is leased, and the lease is renewed while the stage
//! runs. A worker that dies leaves its lease to run out; the job is then
//! leased again and the stage redone (stages write their artifacts under
//! fixed keys, so redoing one overwrites, never duplicates).
//!
//! Failures: a problem with the document (unreadable, too many pages, no
//! text) fails it at once with the reason; a problem around it (storage,
//! the database, a remote embedder) is retried with backoff, and fails the
//! document only after `max_attempts`.
//!
//! - [`jobs`]: the `pipeline` projector (the queue follows the log);
//! - [`queue`]: leasing, renewing, progress, retries;
//! - [`stage`]: what stages share; [`parse`], [`embed`]: the stages.

pub mod embed;
pub mod jobs;
pub mod page_quota;
pub mod parse;
pub mod queue;
pub mod stage;

use std::sync::Arc;
use std::time::Duration;

use ancre_commands::{Actor, CommandError, EventMetadata};
use ancre_domain::document::{DocumentCommand, DocumentError};
use uuid::Uuid;

pub use stage::{StageContext, StageError};

use queue::Job;

/// The name workers sign their commands with.
const ACTOR: &str = "pipeline";

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// How many jobs run at once (embedding already uses every core).
    pub workers: usize,
    /// A job whose worker stops renewing is free again after this.
    pub lease: Duration,
    /// How often an idle worker looks for work.
    pub poll: Duration,
    /// Transient failures tolerated before the document fails.
    pub max_attempts: i32,
    /// First retry delay (doubled each attempt).
    pub retry_delay: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            workers: 1,
            lease: Duration::from_secs(60),
            poll: Duration::from_millis(250),
            max_attempts: 5,
            retry_delay: Duration::from_secs(2),
        }
    }
}

pub struct Workers {
    ctx: Arc<StageContext>,
    config: WorkerConfig,
}

impl Workers {
    pub fn new(ctx: StageContext, config: WorkerConfig) -> Self {
        Self {
            ctx: Arc::new(ctx),
            config,
        }
    }

    /// Runs the workers until `shutdown` resolves; a stage in flight is
    /// abandoned (its lease runs out and another run redoes it).
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()> + Send) {
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..self.config.workers.max(1) {
            let ctx = self.ctx.clone();
            let config = self.config.clone();
            tasks.spawn(async move { worker_loop(&ctx, &config, Uuid::new_v4()).await });
        }
        shutdown.await;
        tasks.shutdown().await;
    }
}

async fn worker_loop(ctx: &StageContext, config: &WorkerConfig, worker: Uuid) {
    loop {
        match queue::lease(&ctx.pool, worker, config.lease).await {
            Ok(Some(job)) => run_job(ctx, config, worker, job).await,
            Ok(None) => tokio::time::sleep(config.poll).await,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the pipeline queue");
                tokio::time::sleep(config.poll * 4).await;
            }
        }
    }
}

#[tracing::instrument(skip_all, fields(document = %job.document_id, stage = %job.stage, attempt = job.attempts))]
async fn run_job(ctx: &StageContext, config: &WorkerConfig, worker: Uuid, job: Job) {
    let started = std::time::Instant::now();
    // Renews the lease while the stage runs; stops with it, even when the
    // worker itself is cancelled mid-stage (shutdown), or the job would stay
    // leased forever.
    let _heartbeat = AbortOnDrop({
        let (pool, job, lease) = (ctx.pool.clone(), job.clone(), config.lease);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(lease / 3).await;
                match queue::renew(&pool, &job, worker, lease).await {
                    Ok(true) => {}
                    Ok(false) => return,
                    Err(e) => tracing::warn!(error = %e, "cannot renew the lease"),
                }
            }
        })
    });
    let outcome = match job.stage.as_str() {
        "parse" => parse::run(ctx, &job).await,
        "embed" => embed::run(ctx, &job, worker).await,
        other => Err(StageError::Permanent(format!(
            "internal: unknown stage {other}"
        ))),
    };
    drop(_heartbeat);
    let command = match outcome {
        Ok(command) => {
            tracing::info!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                "stage done"
            );
            command
        }
        Err(StageError::Transient(error)) if job.attempts < config.max_attempts => {
            let delay = config.retry_delay * 2u32.saturating_pow(job.attempts as u32 - 1);
            tracing::warn!(%error, ?delay, "stage failed; retrying later");
            if let Err(e) = queue::retry_later(&ctx.pool, &job, worker, delay, &error).await {
                tracing::warn!(error = %e, "cannot schedule the retry; the lease will run out");
            }
            return;
        }
        Err(StageError::Transient(error)) => {
            let reason = format!("gave up after {} attempts: {error}", job.attempts);
            tracing::warn!(%reason, "document failed");
            DocumentCommand::Fail {
                stage: job.stage.clone(),
                reason,
            }
        }
        Err(StageError::Permanent(reason)) => {
            tracing::info!(%reason, "document failed");
            DocumentCommand::Fail {
                stage: job.stage.clone(),
                reason,
            }
        }
    };
    report(ctx, config, worker, &job, command).await;
}

/// The metadata of what a job's stage records: the upload's chain of effects.
pub(crate) fn job_metadata(job: &Job) -> EventMetadata {
    EventMetadata {
        tenant_id: job.tenant(),
        actor: Actor::System(ACTOR),
        request_id: job.request_id.clone(),
        correlation_id: job.correlation_id,
        causation_id: format!("job:{}:{}", job.document_id, job.stage),
    }
}

struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Records the stage's result. Refusals mean the document moved on without
/// us (reported already, failed, deleted): nothing left to do.
async fn report(
    ctx: &StageContext,
    config: &WorkerConfig,
    worker: Uuid,
    job: &Job,
    command: DocumentCommand,
) {
    let metadata = job_metadata(job);
    match ctx
        .commands
        .document(job.document(), command, &metadata)
        .await
    {
        Ok(_) => {}
        Err(CommandError::Rejected(
            DocumentError::StageAlreadyDone
            | DocumentError::WrongStage
            | DocumentError::NotFound
            | DocumentError::AlreadyFailed,
        )) => tracing::info!("the document moved on meanwhile"),
        Err(e) => {
            tracing::warn!(error = %e, "cannot record the stage; retrying later");
            let _ = queue::retry_later(&ctx.pool, job, worker, config.retry_delay, &e.to_string())
                .await;
        }
    }
}
