//! The `embed` stage: the chunks artifact → one vector per chunk, batch by
//! batch (progress shown after each), stored as the vectors artifact;
//! reported as `RecordEmbedded` with the model, chunks and tokens.

use ancre_domain::document::{DocumentCommand, DocumentEvent};

use super::queue::{self, Job};
use super::stage::{latest_event, StageContext, StageError};
use crate::artifacts::{ChunkArtifact, VectorArtifact};
use crate::chunker::Chunk;
use crate::embedders::EmbedError;
use crate::storage;

pub async fn run(
    ctx: &StageContext,
    job: &Job,
    worker: uuid::Uuid,
) -> Result<DocumentCommand, StageError> {
    let DocumentEvent::DocumentParsed { chunks_key, .. } =
        latest_event(&ctx.pool, job, "DocumentParsed").await?
    else {
        unreachable!("latest_event returns the event type asked for")
    };
    let bytes = ctx
        .store
        .get(&chunks_key)
        .await
        .map_err(|e| StageError::transient("reading the chunks", e))?
        .ok_or_else(|| StageError::Permanent("internal: the chunks artifact is missing".into()))?;
    let artifact = ChunkArtifact::decode(&bytes)
        .map_err(|e| StageError::Permanent(format!("internal: {e}")))?;

    let total = artifact.chunks.len();
    let mut vectors = Vec::with_capacity(total);
    for batch in artifact.chunks.chunks(ctx.embedder.batch_size().max(1)) {
        let texts: Vec<String> = batch.iter().map(Chunk::search_text).collect();
        let embedded = ctx
            .embedder
            .embed_passages(&texts)
            .await
            .map_err(|e| match e {
                EmbedError::Transient(e) => StageError::transient("embedding", e),
                EmbedError::Permanent(e) => StageError::Permanent(format!("embedding failed: {e}")),
            })?;
        vectors.extend(embedded);
        // Progress is advisory: a failed update must not fail the stage.
        if let Err(e) = queue::progress(&ctx.pool, job, worker, vectors.len(), total).await {
            tracing::warn!(error = %e, "cannot record progress");
        }
    }

    let model = ctx.embedder.model().to_owned();
    let dimension = ctx.embedder.dimension();
    let vectors_key = storage::vectors_key(&chunks_key, &model);
    let tokens: u64 = artifact.chunks.iter().map(|c| c.token_count as u64).sum();
    let encoded = VectorArtifact {
        model: model.clone(),
        dimension,
        vectors,
    }
    .encode();
    ctx.store
        .put(&vectors_key, &encoded)
        .await
        .map_err(|e| StageError::transient("storing the vectors", e))?;
    Ok(DocumentCommand::RecordEmbedded {
        model,
        dimension: dimension as u32,
        chunks: total as u32,
        tokens,
        vectors_key,
    })
}
