//! `pipeline`: keeps the work queue (`pipeline_jobs`) in step with the log.
//! Each document on its way has one row naming the stage it waits for:
//! uploaded → `parse`, parsed → `embed`; embedded, failed or deleted → no row
//! (the `search_index` projector indexes embedded documents: it follows the
//! log itself, so it needs no queue). Because the row moves only
//! when the stage's event is in the log, a worker that dies mid-stage leaves
//! the row where it was, and the stage runs again.

use ancre_domain::document::{Document, DocumentEvent};
use ancre_projections::{ProjectionError, Projector, StoredEvent};
use async_trait::async_trait;
use cqrs_es::Aggregate as _;
use sqlx::PgConnection;

pub const NAME: &str = "pipeline";

pub struct PipelineJobs;

#[async_trait]
impl Projector for PipelineJobs {
    fn name(&self) -> &'static str {
        NAME
    }

    fn aggregate_types(&self) -> Option<&'static [&'static str]> {
        const TYPES: &[&str] = &[Document::TYPE];
        Some(TYPES)
    }

    async fn reset(&self, tx: &mut PgConnection) -> Result<(), ProjectionError> {
        sqlx::query("TRUNCATE pipeline_jobs").execute(tx).await?;
        Ok(())
    }

    async fn apply(
        &self,
        tx: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        let document = event.aggregate_uuid()?;
        let next_stage = match event.decode::<DocumentEvent>()? {
            DocumentEvent::DocumentUploaded { tenant_id, .. } => {
                let field = |name: &str| event.metadata.get(name).and_then(|v| v.as_str());
                let correlation: uuid::Uuid = field("correlation_id")
                    .and_then(|s| s.parse().ok())
                    .unwrap_or_else(|| uuid::Uuid::from_u128(0));
                // A re-upload after a deletion starts afresh.
                sqlx::query(
                    "INSERT INTO pipeline_jobs (document_id, tenant_id, stage, not_before, queued_at,
                                                correlation_id, request_id)
                     VALUES ($1, $2, 'parse', $3, $3, $4, $5)
                     ON CONFLICT (document_id) DO UPDATE SET
                        tenant_id = $2, stage = 'parse', attempts = 0, not_before = $3,
                        lease_owner = NULL, lease_until = NULL, progress_done = 0,
                        progress_total = 0, last_error = NULL, queued_at = $3,
                        correlation_id = $4, request_id = $5",
                )
                .bind(document)
                .bind(tenant_id.0)
                .bind(event.recorded_at)
                .bind(correlation)
                .bind(field("request_id").unwrap_or("-"))
                .execute(&mut *tx)
                .await?;
                return Ok(());
            }
            DocumentEvent::DocumentParsed { .. } => Some("embed"),
            DocumentEvent::DocumentEmbedded { .. }
            | DocumentEvent::DocumentIndexed { .. }
            | DocumentEvent::DocumentFailed { .. }
            | DocumentEvent::DocumentDeleted { .. } => None,
        };
        match next_stage {
            Some(stage) => {
                sqlx::query(
                    "UPDATE pipeline_jobs SET stage = $2, attempts = 0, not_before = $3,
                            lease_owner = NULL, lease_until = NULL, progress_done = 0,
                            progress_total = 0, last_error = NULL
                      WHERE document_id = $1",
                )
                .bind(document)
                .bind(stage)
                .bind(event.recorded_at)
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM pipeline_jobs WHERE document_id = $1")
                    .bind(document)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        Ok(())
    }
}
