//! The work queue's SQL, as the workers use it: lease the next ready job,
//! keep the lease alive, report progress, put a job back for a retry.
//! (Rows are created, moved and removed by the `pipeline` projector only.)
//!
//! The queue is fair between tenants: the next job is the oldest ready one
//! of the tenant whose turn came longest ago (`pipeline_turns`), so tenants
//! take turns stage by stage, whatever the size of their backlog.

use std::time::Duration;

use ancre_domain::{DocumentId, TenantId};
use sqlx::PgPool;
use uuid::Uuid;

/// A leased job.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Job {
    pub document_id: Uuid,
    pub tenant_id: Uuid,
    pub stage: String,
    /// Including this one.
    pub attempts: i32,
    pub correlation_id: Uuid,
    pub request_id: String,
}

impl Job {
    pub fn document(&self) -> DocumentId {
        DocumentId(self.document_id)
    }
    pub fn tenant(&self) -> TenantId {
        TenantId(self.tenant_id)
    }
}

/// Leases, for `lease`, a job that is ready (not leased, or whose lease ran
/// out because its worker died): the oldest of the tenant served longest
/// ago, whose turn is then recorded.
pub async fn lease(
    pool: &PgPool,
    worker: Uuid,
    lease: Duration,
) -> Result<Option<Job>, sqlx::Error> {
    sqlx::query_as(
        "WITH next AS (
              SELECT j.document_id, j.tenant_id FROM pipeline_jobs j
                LEFT JOIN pipeline_turns t USING (tenant_id)
               WHERE (j.lease_until IS NULL OR j.lease_until < now()) AND j.not_before <= now()
               ORDER BY t.served_at NULLS FIRST, j.queued_at, j.document_id
               LIMIT 1 FOR UPDATE OF j SKIP LOCKED),
         turn AS (
              INSERT INTO pipeline_turns (tenant_id, served_at)
              SELECT tenant_id, clock_timestamp() FROM next
              ON CONFLICT (tenant_id) DO UPDATE SET served_at = excluded.served_at)
         UPDATE pipeline_jobs j SET lease_owner = $1, lease_until = now() + $2,
                attempts = j.attempts + 1
           FROM next WHERE j.document_id = next.document_id
         RETURNING j.document_id, j.tenant_id, j.stage, j.attempts, j.correlation_id, j.request_id",
    )
    .bind(worker)
    .bind(lease)
    .fetch_optional(pool)
    .await
}

/// Extends the lease; false when the job is no longer this worker's (it
/// moved on, was deleted, or another worker took it over).
pub async fn renew(
    pool: &PgPool,
    job: &Job,
    worker: Uuid,
    lease: Duration,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE pipeline_jobs SET lease_until = now() + $4
          WHERE document_id = $1 AND stage = $2 AND lease_owner = $3",
    )
    .bind(job.document_id)
    .bind(&job.stage)
    .bind(worker)
    .bind(lease)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn progress(
    pool: &PgPool,
    job: &Job,
    worker: Uuid,
    done: usize,
    total: usize,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE pipeline_jobs SET progress_done = $4, progress_total = $5
          WHERE document_id = $1 AND stage = $2 AND lease_owner = $3",
    )
    .bind(job.document_id)
    .bind(&job.stage)
    .bind(worker)
    .bind(i32::try_from(done).unwrap_or(i32::MAX))
    .bind(i32::try_from(total).unwrap_or(i32::MAX))
    .execute(pool)
    .await?;
    Ok(())
}

/// Gives the job back after a transient error, to be retried after `delay`.
pub async fn retry_later(
    pool: &PgPool,
    job: &Job,
    worker: Uuid,
    delay: Duration,
    error: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE pipeline_jobs SET lease_owner = NULL, lease_until = NULL,
                not_before = now() + $4, last_error = $5
          WHERE document_id = $1 AND stage = $2 AND lease_owner = $3",
    )
    .bind(job.document_id)
    .bind(&job.stage)
    .bind(worker)
    .bind(delay)
    .bind(error)
    .execute(pool)
    .await?;
    Ok(())
}
