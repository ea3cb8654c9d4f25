//! `chunks`: the chunks of every parsed document (`rm_chunks`), loaded from
//! the chunks artifact the `DocumentParsed` event names — so a rebuild reads
//! artifacts, it never parses again.

use std::sync::Arc;

use ancre_domain::document::{Document, DocumentEvent};
use ancre_projections::{ProjectionError, Projector, StoredEvent};
use async_trait::async_trait;
use cqrs_es::Aggregate as _;
use sqlx::PgConnection;

use crate::artifacts::ChunkArtifact;
use crate::storage::ObjectStore;

pub const NAME: &str = "chunks";

pub struct ChunksProjector {
    store: Arc<dyn ObjectStore>,
}

impl ChunksProjector {
    pub fn new(store: Arc<dyn ObjectStore>) -> Self {
        Self { store }
    }
}

#[async_trait]
impl Projector for ChunksProjector {
    fn name(&self) -> &'static str {
        NAME
    }

    fn aggregate_types(&self) -> Option<&'static [&'static str]> {
        const TYPES: &[&str] = &[Document::TYPE];
        Some(TYPES)
    }

    async fn reset(&self, tx: &mut PgConnection) -> Result<(), ProjectionError> {
        sqlx::query("TRUNCATE rm_chunks").execute(tx).await?;
        Ok(())
    }

    async fn apply(
        &self,
        tx: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        let document = event.aggregate_uuid()?;
        match event.decode::<DocumentEvent>()? {
            DocumentEvent::DocumentParsed { chunks_key, .. } => {
                let tenant = event
                    .tenant_id()
                    .ok_or_else(|| event.decode_error("no tenant in the metadata".into()))?;
                let Some(bytes) = self
                    .store
                    .get(&chunks_key)
                    .await
                    .map_err(|e| ProjectionError::Target(e.to_string()))?
                else {
                    // Deleted since (a later DocumentDeleted removed the
                    // folder): the document leaves this read model anyway.
                    return Ok(());
                };
                let artifact = ChunkArtifact::decode(&bytes)
                    .map_err(|e| ProjectionError::Target(e.to_string()))?;
                let chunks = &artifact.chunks;
                sqlx::query("DELETE FROM rm_chunks WHERE document_id = $1")
                    .bind(document)
                    .execute(&mut *tx)
                    .await?;
                let ints = |f: fn(&crate::chunker::Chunk) -> usize| -> Vec<i32> {
                    chunks
                        .iter()
                        .map(|c| i32::try_from(f(c)).unwrap_or(i32::MAX))
                        .collect()
                };
                // Heading paths travel as JSON: Postgres arrays of arrays must be rectangular.
                let paths: Vec<String> = chunks
                    .iter()
                    .map(|c| serde_json::to_string(&c.heading_path).expect("strings serialise"))
                    .collect();
                sqlx::query(
                    "INSERT INTO rm_chunks (document_id, tenant_id, chunk_index, page, page_label,
                        heading_path, char_start, char_end, token_count, text, hidden)
                     SELECT $1, $2, i, p, l, ARRAY(SELECT jsonb_array_elements_text(h::jsonb)), s, e, t, x, v
                       FROM UNNEST($3::int[], $4::int[], $5::text[], $6::text[], $7::int[], $8::int[],
                                   $9::int[], $10::text[], $11::bool[]) AS u(i, p, l, h, s, e, t, x, v)",
                )
                .bind(document)
                .bind(tenant.0)
                .bind(ints(|c| c.index))
                .bind(ints(|c| c.page as usize))
                .bind(chunks.iter().map(|c| c.page_label.clone()).collect::<Vec<_>>())
                .bind(paths)
                .bind(ints(|c| c.char_start))
                .bind(ints(|c| c.char_end))
                .bind(ints(|c| c.token_count))
                .bind(chunks.iter().map(|c| c.text.clone()).collect::<Vec<_>>())
                .bind(chunks.iter().map(|c| c.hidden).collect::<Vec<_>>())
                .execute(&mut *tx)
                .await?;
            }
            DocumentEvent::DocumentUploaded { .. } | DocumentEvent::DocumentDeleted { .. } => {
                sqlx::query("DELETE FROM rm_chunks WHERE document_id = $1")
                    .bind(document)
                    .execute(&mut *tx)
                    .await?;
            }
            DocumentEvent::DocumentEmbedded { .. }
            | DocumentEvent::DocumentIndexed { .. }
            | DocumentEvent::DocumentFailed { .. } => {}
        }
        Ok(())
    }
}
