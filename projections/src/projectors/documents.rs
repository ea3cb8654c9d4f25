//! `documents`: each tenant's documents with their status (`rm_documents`).
//! A deleted document leaves the read model; its history stays in the log.

use ancre_domain::document::{Document, DocumentEvent};
use async_trait::async_trait;
use cqrs_es::Aggregate as _;
use sqlx::PgConnection;

use crate::{ProjectionError, Projector, StoredEvent};

pub struct DocumentsProjector;

pub const NAME: &str = "documents";

#[async_trait]
impl Projector for DocumentsProjector {
    fn name(&self) -> &'static str {
        NAME
    }

    fn aggregate_types(&self) -> Option<&'static [&'static str]> {
        const TYPES: &[&str] = &[Document::TYPE];
        Some(TYPES)
    }

    async fn reset(&self, tx: &mut PgConnection) -> Result<(), ProjectionError> {
        sqlx::query("TRUNCATE rm_documents").execute(tx).await?;
        Ok(())
    }

    async fn apply(
        &self,
        tx: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if event.aggregate_type != Document::TYPE {
            return Ok(());
        }
        let document = event.aggregate_uuid()?;
        let at = event.recorded_at;
        match event.decode::<DocumentEvent>()? {
            DocumentEvent::DocumentUploaded {
                tenant_id,
                collection_id,
                filename,
                media_type,
                size_bytes,
                sha256,
                storage_key,
                source,
                ..
            } => {
                sqlx::query(
                    "INSERT INTO rm_documents (document_id, tenant_id, collection_id, filename, media_type,
                        size_bytes, sha256, storage_key, status, created_at, updated_at, source)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', $9, $9, $10)",
                )
                .bind(document)
                .bind(tenant_id.0)
                .bind(collection_id.0)
                .bind(filename)
                .bind(media_type.as_str())
                .bind(i64::try_from(size_bytes).unwrap_or(i64::MAX))
                .bind(sha256)
                .bind(storage_key)
                .bind(at)
                .bind(source.map(sqlx::types::Json))
                .execute(&mut *tx)
                .await?;
            }
            DocumentEvent::DocumentParsed {
                pages,
                chunks,
                tokens,
                ..
            } => {
                sqlx::query(
                    "UPDATE rm_documents SET status = 'parsed', pages = $2, chunks = $3, tokens = $4,
                            updated_at = $5 WHERE document_id = $1",
                )
                .bind(document)
                .bind(i32::try_from(pages).unwrap_or(i32::MAX))
                .bind(i32::try_from(chunks).unwrap_or(i32::MAX))
                .bind(i64::try_from(tokens).unwrap_or(i64::MAX))
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            DocumentEvent::DocumentEmbedded { model, .. } => {
                sqlx::query(
                    "UPDATE rm_documents SET status = 'embedded', embedding_model = $2, updated_at = $3
                     WHERE document_id = $1",
                )
                .bind(document)
                .bind(model)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            DocumentEvent::DocumentIndexed { .. } => {
                sqlx::query(
                    "UPDATE rm_documents SET status = 'indexed', updated_at = $2 WHERE document_id = $1",
                )
                .bind(document)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            DocumentEvent::DocumentFailed { stage, reason } => {
                sqlx::query(
                    "UPDATE rm_documents SET status = 'failed', failure_stage = $2, failure_reason = $3,
                            updated_at = $4 WHERE document_id = $1",
                )
                .bind(document)
                .bind(stage)
                .bind(reason)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            DocumentEvent::DocumentDeleted { .. } => {
                sqlx::query("DELETE FROM rm_documents WHERE document_id = $1")
                    .bind(document)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        Ok(())
    }
}
