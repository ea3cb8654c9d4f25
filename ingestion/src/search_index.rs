//! `search_index`: the hybrid search index (dense + BM25, see `ancre-index`)
//! follows the log.
//!
//! - `DocumentEmbedded`: the document's chunks (chunks artifact) and vectors
//!   (vectors artifact) become one point each, the index is flushed, and the
//!   document is reported `indexed` with its number of points. The artifacts
//!   are the claim checks the events name, so a rebuild
//!   (`ancre projections rebuild search_index`) never calls the embedder.
//! - `DocumentDeleted`, `DocumentFailed`: the document's points go.
//!
//! Exactly once: point ids are derived from (document, chunk), so applying an
//! event again overwrites the same points. The index is not in PostgreSQL, so
//! it is flushed before the batch's checkpoint commits: a crash before the
//! commit replays the batch, a crash after it finds the batch on disk
//! (qdrant-edge 0.7.2 does not replay its WAL, hence the explicit flush).
//!
//! After every [`DEFAULT_OPTIMIZE_EVERY`] points written (configurable), the index is optimized in
//! the background (HNSW graphs, merged segments): without it every search is
//! exact over unindexed segments and slows down as the index grows. Indexing
//! waits at its next flush while an optimization runs.
//!
//! A document whose artifacts cannot become points (unreadable artifact,
//! vectors of another model than the index's) fails with the reason instead
//! of stopping the projector; storage or index trouble is retried.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use ancre_commands::{CommandError, Commands};
use ancre_domain::document::{Document, DocumentCommand, DocumentError, DocumentEvent};
use ancre_domain::{DocumentId, TenantId};
use ancre_index::{ChunkPoint, IndexError, SearchIndex};
use ancre_projections::{ProjectionError, Projector, StoredEvent};
use async_trait::async_trait;
use cqrs_es::Aggregate as _;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::artifacts::{ChunkArtifact, VectorArtifact};
use crate::follow_up::metadata_after;
use crate::storage::ObjectStore;

pub const NAME: &str = "search_index";
/// The name the projector signs its commands with.
const ACTOR: &str = "search_index";
/// Stage named in the `DocumentFailed` events this projector causes.
const STAGE: &str = "index";

/// Points written between two background optimizations, by default.
pub const DEFAULT_OPTIMIZE_EVERY: usize = 20_000;

pub struct SearchIndexProjector {
    index: Arc<dyn SearchIndex>,
    store: Arc<dyn ObjectStore>,
    commands: Arc<Commands>,
    /// Points written since the last optimization started.
    since_optimize: AtomicUsize,
    optimizing: Arc<AtomicBool>,
    optimize_every: usize,
}

impl SearchIndexProjector {
    pub fn new(
        index: Arc<dyn SearchIndex>,
        store: Arc<dyn ObjectStore>,
        commands: Arc<Commands>,
    ) -> Self {
        Self {
            index,
            store,
            commands,
            since_optimize: AtomicUsize::new(0),
            optimizing: Arc::new(AtomicBool::new(false)),
            optimize_every: DEFAULT_OPTIMIZE_EVERY,
        }
    }

    /// Optimizes after every `points` points written (at least 1).
    pub fn optimize_every(mut self, points: usize) -> Self {
        self.optimize_every = points.max(1);
        self
    }

    /// Counts `points` written; past `optimize_every`, starts an
    /// optimization in the background unless one is running.
    fn wrote(&self, points: usize) {
        let total = self.since_optimize.fetch_add(points, Ordering::Relaxed) + points;
        if total < self.optimize_every || self.optimizing.swap(true, Ordering::AcqRel) {
            return;
        }
        self.since_optimize.store(0, Ordering::Relaxed);
        let (index, running) = (self.index.clone(), self.optimizing.clone());
        tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            match index.optimize() {
                Ok(()) => tracing::info!(
                    seconds = started.elapsed().as_secs_f64(),
                    "search index optimized"
                ),
                // Searches stay correct, only slower; the next batch retries.
                Err(e) => tracing::warn!(error = %e, "search index optimization failed"),
            }
            running.store(false, Ordering::Release);
        });
    }

    /// Runs a blocking index call off the async runtime.
    async fn blocking<T: Send + 'static>(
        &self,
        call: impl FnOnce(&dyn SearchIndex) -> Result<T, IndexError> + Send + 'static,
    ) -> Result<T, IndexError> {
        let index = self.index.clone();
        tokio::task::spawn_blocking(move || call(index.as_ref()))
            .await
            .map_err(|e| IndexError::InvalidArgument(format!("index task failed: {e}")))?
    }

    /// Turns one `DocumentEmbedded` into points. `Ok(None)`: nothing to index
    /// (the document was deleted since; its deletion follows in the log).
    async fn index_document(
        &self,
        tx: &mut PgConnection,
        event: &StoredEvent,
        tenant: TenantId,
        vectors_key: &str,
    ) -> Result<Outcome, ProjectionError> {
        let document = event.aggregate_uuid()?;
        let facts = facts_before(tx, event).await?;
        let Some(chunks) = self.artifact(&facts.chunks_key).await? else {
            return Ok(Outcome::Gone);
        };
        let Some(vectors) = self.artifact(vectors_key).await? else {
            return Ok(Outcome::Gone);
        };
        let chunks = match ChunkArtifact::decode(&chunks) {
            Ok(a) => a.chunks,
            Err(e) => return Ok(Outcome::Failed(format!("internal: {e}"))),
        };
        let vectors = match VectorArtifact::decode(&vectors) {
            Ok(a) => a,
            Err(e) => return Ok(Outcome::Failed(format!("internal: {e}"))),
        };
        if vectors.model != self.index.model() {
            return Ok(Outcome::Failed(format!(
                "the document was embedded with {}, but the search index holds vectors of {}; \
                 upload it again to embed it with the current model",
                vectors.model,
                self.index.model()
            )));
        }
        if vectors.vectors.len() != chunks.len() {
            return Ok(Outcome::Failed(format!(
                "internal: {} vectors for {} chunks",
                vectors.vectors.len(),
                chunks.len()
            )));
        }
        let points: Vec<ChunkPoint> = chunks
            .into_iter()
            .zip(vectors.vectors)
            .map(|(chunk, vector)| ChunkPoint {
                tenant: tenant.0,
                collection: facts.collection,
                document,
                chunk_index: saturate(chunk.index),
                page: chunk.page,
                char_start: saturate(chunk.char_start),
                char_end: saturate(chunk.char_end),
                text: chunk.search_text(),
                vector,
            })
            .collect();
        let count = points.len() as u32;
        let written = self
            .blocking(move |index| {
                // Fewer chunks than a previous run must not leave a stale tail.
                index.delete_document(tenant.0, document)?;
                index.upsert(&points)
            })
            .await;
        match written {
            Ok(()) => Ok(Outcome::Indexed(count)),
            Err(e @ (IndexError::Dimension { .. } | IndexError::NonFiniteVector { .. })) => {
                Ok(Outcome::Failed(format!("internal: {e}")))
            }
            Err(e) => Err(target(e)),
        }
    }

    async fn artifact(&self, key: &str) -> Result<Option<Vec<u8>>, ProjectionError> {
        self.store
            .get(key)
            .await
            .map_err(|e| ProjectionError::Target(format!("reading {key}: {e}")))
    }

    /// Reports the outcome on the document. Refusals mean the document moved
    /// on (reported already on an earlier run, deleted meanwhile): fine.
    async fn report(
        &self,
        event: &StoredEvent,
        tenant: TenantId,
        command: DocumentCommand,
    ) -> Result<(), ProjectionError> {
        let document = DocumentId(event.aggregate_uuid()?);
        let metadata = metadata_after(event, tenant, ACTOR);
        match self.commands.document(document, command, &metadata).await {
            Ok(_)
            | Err(CommandError::Rejected(
                DocumentError::StageAlreadyDone
                | DocumentError::WrongStage
                | DocumentError::NotFound
                | DocumentError::AlreadyFailed,
            )) => Ok(()),
            Err(e) => Err(ProjectionError::Target(format!(
                "recording the indexing of {document}: {e}"
            ))),
        }
    }
}

/// What became of one `DocumentEmbedded`.
enum Outcome {
    Indexed(u32),
    Failed(String),
    Gone,
}

#[async_trait]
impl Projector for SearchIndexProjector {
    fn name(&self) -> &'static str {
        NAME
    }

    fn aggregate_types(&self) -> Option<&'static [&'static str]> {
        const TYPES: &[&str] = &[Document::TYPE];
        Some(TYPES)
    }

    /// Empties the index. Not transactional: if the rebuild that follows
    /// fails, run it again (the index stays empty meanwhile, never wrong).
    async fn reset(&self, _tx: &mut PgConnection) -> Result<(), ProjectionError> {
        self.blocking(|index| index.clear()).await.map_err(target)
    }

    async fn apply(
        &self,
        tx: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        self.apply_batch(tx, std::slice::from_ref(event)).await
    }

    /// Writes the whole batch, flushes once, then reports: an `indexed`
    /// document is always on disk.
    async fn apply_batch(
        &self,
        tx: &mut PgConnection,
        events: &[StoredEvent],
    ) -> Result<(), ProjectionError> {
        let mut reports = Vec::new();
        let mut written = false;
        let mut new_points = 0;
        for event in events {
            let tenant = || {
                event
                    .tenant_id()
                    .ok_or_else(|| event.decode_error("no tenant in the metadata".into()))
            };
            match event.decode::<DocumentEvent>()? {
                DocumentEvent::DocumentEmbedded { vectors_key, .. } => {
                    let tenant = tenant()?;
                    match self.index_document(tx, event, tenant, &vectors_key).await? {
                        Outcome::Indexed(points) => {
                            written = true;
                            new_points += points as usize;
                            reports.push((
                                event,
                                tenant,
                                DocumentCommand::RecordIndexed { points },
                            ));
                        }
                        Outcome::Failed(reason) => {
                            tracing::warn!(document = %event.aggregate_id, %reason, "cannot index");
                            reports.push((
                                event,
                                tenant,
                                DocumentCommand::Fail {
                                    stage: STAGE.into(),
                                    reason,
                                },
                            ));
                        }
                        Outcome::Gone => {}
                    }
                }
                DocumentEvent::DocumentDeleted { .. } | DocumentEvent::DocumentFailed { .. } => {
                    let tenant = tenant()?;
                    let document = event.aggregate_uuid()?;
                    self.blocking(move |index| index.delete_document(tenant.0, document))
                        .await
                        .map_err(target)?;
                    written = true;
                }
                DocumentEvent::DocumentUploaded { .. }
                | DocumentEvent::DocumentParsed { .. }
                | DocumentEvent::DocumentIndexed { .. } => {}
            }
        }
        if written {
            self.blocking(|index| index.flush()).await.map_err(target)?;
            self.wrote(new_points);
        }
        for (event, tenant, command) in reports {
            self.report(event, tenant, command).await?;
        }
        Ok(())
    }
}

/// What indexing needs from the document's earlier events. Read from the log
/// (in the projector's transaction), which unlike a read model cannot lag.
struct Facts {
    collection: Uuid,
    chunks_key: String,
}

async fn facts_before(
    tx: &mut PgConnection,
    event: &StoredEvent,
) -> Result<Facts, ProjectionError> {
    let rows: Vec<(String, serde_json::Value)> = sqlx::query_as(
        "SELECT DISTINCT ON (event_type) event_type, payload FROM events
          WHERE aggregate_type = $1 AND aggregate_id = $2 AND sequence < $3
            AND event_type IN ('DocumentUploaded', 'DocumentParsed')
          ORDER BY event_type, sequence DESC",
    )
    .bind(Document::TYPE)
    .bind(&event.aggregate_id)
    .bind(event.sequence)
    .fetch_all(&mut *tx)
    .await?;
    let (mut collection, mut chunks_key) = (None, None);
    for (event_type, payload) in rows {
        let decoded: DocumentEvent = serde_json::from_value(payload)
            .map_err(|e| event.decode_error(format!("{event_type}: {e}")))?;
        match decoded {
            DocumentEvent::DocumentUploaded { collection_id, .. } => {
                collection = Some(collection_id.0)
            }
            DocumentEvent::DocumentParsed {
                chunks_key: key, ..
            } => chunks_key = Some(key),
            _ => {}
        }
    }
    match (collection, chunks_key) {
        (Some(collection), Some(chunks_key)) => Ok(Facts {
            collection,
            chunks_key,
        }),
        _ => Err(event.decode_error(
            "DocumentEmbedded without an earlier DocumentUploaded and DocumentParsed".into(),
        )),
    }
}

fn target(e: IndexError) -> ProjectionError {
    ProjectionError::Target(format!("search index: {e}"))
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
