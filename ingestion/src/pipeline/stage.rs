//! What every stage shares: its context, how it ends, and the facts it reads
//! back from the log (the log, unlike a read model, cannot lag behind).

use std::sync::Arc;

use ancre_commands::Commands;
use ancre_domain::document::DocumentEvent;
use sqlx::PgPool;

use crate::chunker::ChunkerConfig;
use crate::embedders::Embedder;
use crate::pdf::PdfSandbox;
use crate::storage::ObjectStore;

use super::queue::Job;

/// Everything a stage may use.
pub struct StageContext {
    pub pool: PgPool,
    pub commands: Arc<Commands>,
    pub store: Arc<dyn ObjectStore>,
    pub embedder: Arc<dyn Embedder>,
    pub pdf: PdfSandbox,
    pub chunker: ChunkerConfig,
    /// Most pages (slides) a document may have.
    pub max_pages: u32,
}

/// Why a stage did not finish.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StageError {
    /// The document cannot go further: it fails with this reason, for the user.
    #[error("{0}")]
    Permanent(String),
    /// Something outside the document went wrong: retry later.
    #[error("{0}")]
    Transient(String),
}

impl StageError {
    pub fn transient(context: &str, error: impl std::fmt::Display) -> Self {
        StageError::Transient(format!("{context}: {error}"))
    }
}

/// The latest event of `event_type` in the document's stream, decoded.
pub async fn latest_event(
    pool: &PgPool,
    job: &Job,
    event_type: &str,
) -> Result<DocumentEvent, StageError> {
    let payload: Option<serde_json::Value> = sqlx::query_scalar(
        "SELECT payload FROM events
          WHERE aggregate_type = 'document' AND aggregate_id = $1 AND event_type = $2
          ORDER BY sequence DESC LIMIT 1",
    )
    .bind(job.document_id.to_string())
    .bind(event_type)
    .fetch_optional(pool)
    .await
    .map_err(|e| StageError::transient("reading the log", e))?;
    let payload = payload.ok_or_else(|| {
        StageError::Permanent(format!("internal: no {event_type} event for this document"))
    })?;
    serde_json::from_value(payload)
        .map_err(|e| StageError::Permanent(format!("internal: unreadable {event_type}: {e}")))
}
