//! Search index of the ancre RAG service.
//!
//! One point per document chunk: a dense embedding (cosine) plus a BM25 sparse
//! vector built by [`analyzer`], with tenant / collection / document / position in
//! the payload. Search is hybrid: a dense and a sparse candidate list fused by
//! reciprocal rank, always restricted to one tenant.
//!
//! The engine is embedded (`qdrant-edge`, see [`EdgeIndex`]); its types stay
//! behind this crate's own so the engine can be swapped or upgraded without
//! touching callers. All methods are blocking: async callers use `spawn_blocking`.

pub mod analyzer;
mod edge;
mod error;
mod lazy;
mod schema;
mod server;

pub use edge::{EdgeIndex, EdgeSettings};
pub use error::IndexError;
pub use lazy::LazyEdgeIndex;
pub use server::QdrantServerIndex;
pub use uuid::Uuid;

/// Namespace of [`point_id`]. Changing it orphans every stored point.
const POINT_ID_NAMESPACE: Uuid = Uuid::from_u128(0x6a1c_2f0e_9b3d_5e47_8c21_d4f6_0a9e_7b35);

/// One chunk of one document, as indexed.
#[derive(Debug, Clone, PartialEq)]
pub struct ChunkPoint {
    pub tenant: Uuid,
    pub collection: Uuid,
    pub document: Uuid,
    pub chunk_index: u32,
    pub page: u32,
    /// Character (not byte) offsets of the chunk in its page's text.
    pub char_start: u32,
    pub char_end: u32,
    /// Only analysed into the sparse vector; not stored (the database is the
    /// source of truth for text, and it would double the index size).
    pub text: String,
    /// Dense embedding, L2-normalised, of the index's dimension.
    pub vector: Vec<f32>,
}

/// Deterministic point id of a chunk, so re-ingesting a document overwrites its
/// points instead of duplicating them. Document ids are UUIDs minted by the
/// service, hence globally unique: the tenant need not be part of the id.
pub fn point_id(document: Uuid, chunk_index: u32) -> Uuid {
    let mut name = [0u8; 20];
    name[..16].copy_from_slice(document.as_bytes());
    name[16..].copy_from_slice(&chunk_index.to_be_bytes());
    Uuid::new_v5(&POINT_ID_NAMESPACE, &name)
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchQuery {
    /// Mandatory: a search never crosses tenants.
    pub tenant: Uuid,
    /// `None`: every collection of the tenant. `Some(empty)`: nothing.
    pub collections: Option<Vec<Uuid>>,
    /// `None`: every document of those collections. `Some(ids)`: only these
    /// (a question that names its documents is searched within them).
    pub documents: Option<Vec<Uuid>>,
    /// Keyword side (BM25). May be empty: dense-only search.
    pub text: String,
    /// Dense side, embedded with the index's model.
    pub vector: Vec<f32>,
    pub limit: usize,
    /// How much each side counts in the fusion.
    pub weights: FusionWeights,
}

impl SearchQuery {
    /// Whether the query can find nothing, whatever the index holds: no
    /// hit asked for, or an empty list of collections or documents to
    /// search within. Every backend answers it without a query.
    pub fn selects_nothing(&self) -> bool {
        self.limit == 0
            || self.collections.as_ref().is_some_and(Vec::is_empty)
            || self.documents.as_ref().is_some_and(Vec::is_empty)
    }
}

/// Weights of the two candidate lists in reciprocal-rank fusion. A side of
/// weight 0 is not queried at all: `{dense: 0, keyword: 1}` is plain BM25,
/// `{dense: 1, keyword: 0}` plain vector search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FusionWeights {
    pub dense: f32,
    pub keyword: f32,
}

impl Default for FusionWeights {
    /// Both sides count the same.
    fn default() -> Self {
        FusionWeights {
            dense: 1.0,
            keyword: 1.0,
        }
    }
}

impl FusionWeights {
    pub const KEYWORD_ONLY: FusionWeights = FusionWeights {
        dense: 0.0,
        keyword: 1.0,
    };
    pub const DENSE_ONLY: FusionWeights = FusionWeights {
        dense: 1.0,
        keyword: 0.0,
    };

    /// Refuses negative, infinite or NaN weights.
    pub(crate) fn check(&self) -> Result<(), IndexError> {
        let ok = |w: f32| w.is_finite() && w >= 0.0;
        if ok(self.dense) && ok(self.keyword) {
            Ok(())
        } else {
            Err(IndexError::BadWeights {
                dense: self.dense,
                keyword: self.keyword,
            })
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub document: Uuid,
    pub collection: Uuid,
    pub chunk_index: u32,
    pub page: u32,
    pub char_start: u32,
    pub char_end: u32,
    /// Reciprocal-rank-fusion score: only meaningful to order hits of one query.
    pub score: f32,
}

/// How an embedded index is organised: what [`SearchIndex::optimize`]
/// achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexStats {
    pub points: u64,
    pub segments: u64,
    /// Segments whose dense vectors are searched through an HNSW graph
    /// (walked over int8 copies); the others compare every vector exactly.
    /// 0 until an optimisation finds a segment above the indexing threshold.
    pub graph_segments: u64,
}

pub trait SearchIndex: Send + Sync {
    /// The embedding model the index was created for.
    fn model(&self) -> &str;
    /// Inserts or overwrites (same [`point_id`]) the given chunks.
    ///
    /// Re-ingesting a document that now has fewer chunks leaves the old tail
    /// behind: call [`SearchIndex::delete_document`] first.
    fn upsert(&self, points: &[ChunkPoint]) -> Result<(), IndexError>;
    fn delete_document(&self, tenant: Uuid, document: Uuid) -> Result<(), IndexError>;
    /// Hybrid search (dense + BM25, fused by reciprocal rank), best first.
    fn search(&self, query: &SearchQuery) -> Result<Vec<Hit>, IndexError>;
    /// Number of chunks of a tenant, or of one of its documents.
    fn count(&self, tenant: Uuid, document: Option<Uuid>) -> Result<u64, IndexError>;
    /// See [`IndexStats`]; `None` from an engine that does not report them
    /// (a Qdrant server has its own telemetry).
    fn stats(&self) -> Result<Option<IndexStats>, IndexError> {
        Ok(None)
    }
    /// Removes every point of every tenant (for rebuilds); keeps the model.
    fn clear(&self) -> Result<(), IndexError>;
    /// Makes everything written so far durable. Until then, writes live in
    /// memory only: qdrant-edge 0.7.2 logs them to a WAL but never replays it,
    /// so a crash loses everything since the last flush (a clean drop flushes).
    /// Call it once per ingested document or batch (~0.1–0.2 s of fsync).
    fn flush(&self) -> Result<(), IndexError>;
    /// Builds the search structures (HNSW graphs, merged segments) for what
    /// was written since: searches stay correct without it, but slow down as
    /// an index grows. Long and blocking; searches and writes go on meanwhile
    /// but `flush` waits for it. A Qdrant server optimizes by itself: no-op.
    fn optimize(&self) -> Result<(), IndexError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn point_ids_are_deterministic_and_distinct() {
        let doc = Uuid::from_u128(1);
        assert_eq!(point_id(doc, 0), point_id(doc, 0));
        assert_ne!(point_id(doc, 0), point_id(doc, 1));
        assert_ne!(point_id(doc, 0), point_id(Uuid::from_u128(2), 0));
        assert_eq!(point_id(doc, 7).get_version_num(), 5);
        // Pinned: a change here orphans every stored point.
        assert_eq!(
            point_id(doc, 0).to_string(),
            "b42bc565-bcfb-5a7c-a87b-ef6dd011dc7b"
        );
    }
}
