//! What both engines share: the point schema (vector names, payload fields),
//! the query's shape (candidates per side, RRF constant) and how hits are
//! read back and ordered. One place, so the embedded index and the server
//! cannot drift apart.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::{ChunkPoint, Hit, IndexError};

pub(crate) const DENSE: &str = "dense";
pub(crate) const SPARSE: &str = "bm25";

pub(crate) const TENANT: &str = "tenant";
pub(crate) const COLLECTION: &str = "collection";
pub(crate) const DOCUMENT: &str = "document";
pub(crate) const CHUNK_INDEX: &str = "chunk_index";
pub(crate) const PAGE: &str = "page";
pub(crate) const CHAR_START: &str = "char_start";
pub(crate) const CHAR_END: &str = "char_end";

/// Qdrant's own default: ranks weigh `1/(k + rank)`, so a small k lets the top
/// of each list dominate, which suits "exact keyword hit or very close vector".
pub(crate) const RRF_K: usize = 2;
/// Each side proposes this many candidates per requested hit before fusion:
/// a chunk ranked moderately by both sides must still reach the fusion.
const CANDIDATES_PER_HIT: usize = 4;
const MIN_CANDIDATES: usize = 40;
/// Dense vectors are also kept as int8 (scalar quantization, values clipped at
/// this quantile): the HNSW walk compares those, 4× smaller than f32, and the
/// candidates it keeps are re-scored with the original vectors, so the order
/// the fusion sees is the exact cosine one.
pub(crate) const QUANTIZATION_QUANTILE: f32 = 0.99;
/// One engine update per this many points, so a huge batch never becomes one
/// enormous write (a WAL record larger than a segment, a gRPC message too big).
pub(crate) const UPSERT_BATCH: usize = 256;

/// Refuses a vector the index could not compare: wrong dimension, NaN or ∞.
pub(crate) fn check_vector(
    dimension: usize,
    what: impl FnOnce() -> String,
    vector: &[f32],
) -> Result<(), IndexError> {
    if vector.len() != dimension {
        return Err(IndexError::Dimension {
            what: what(),
            got: vector.len(),
            expected: dimension,
        });
    }
    if !vector.iter().all(|x| x.is_finite()) {
        return Err(IndexError::NonFiniteVector { what: what() });
    }
    Ok(())
}

/// A chunk's payload. Ids as UUID strings: the engines' uuid payload indexes
/// parse them and compare 128-bit values, and `Match` takes them as strings.
pub(crate) fn payload(chunk: &ChunkPoint) -> Value {
    json!({
        TENANT: chunk.tenant.to_string(),
        COLLECTION: chunk.collection.to_string(),
        DOCUMENT: chunk.document.to_string(),
        CHUNK_INDEX: chunk.chunk_index,
        PAGE: chunk.page,
        CHAR_START: chunk.char_start,
        CHAR_END: chunk.char_end,
    })
}

/// Candidates each side (dense, keyword) proposes for `limit` hits.
pub(crate) fn candidates(limit: usize) -> usize {
    (limit * CANDIDATES_PER_HIT).max(MIN_CANDIDATES)
}

/// Best first; ties (RRF gives many) by point id, which derives from the
/// document and chunk ([`crate::point_id`]): results are reproducible across
/// calls, restarts and engines, and the embedded engine can order and cut its
/// fused list before reading a single payload. `key`: (score, point id).
pub(crate) fn order_and_cut<T>(items: &mut Vec<T>, limit: usize, key: impl Fn(&T) -> (f32, Uuid)) {
    items.sort_by(|a, b| {
        let ((score_a, id_a), (score_b, id_b)) = (key(a), key(b));
        score_b.total_cmp(&score_a).then_with(|| id_a.cmp(&id_b))
    });
    items.truncate(limit);
}

/// Reads a hit from a point's payload, whatever the engine's payload type:
/// `field` returns a payload field as JSON.
pub(crate) fn hit_from_payload(
    point: &str,
    score: f32,
    field: impl Fn(&str) -> Option<Value>,
) -> Result<Hit, IndexError> {
    let corrupt = |reason: String| IndexError::CorruptPayload {
        point: point.to_owned(),
        reason,
    };
    let value = |name: &str| field(name).ok_or_else(|| corrupt(format!("missing {name}")));
    let uuid = |name: &str| -> Result<Uuid, IndexError> {
        value(name)?
            .as_str()
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or_else(|| corrupt(format!("{name} is not a UUID string")))
    };
    let int = |name: &str| -> Result<u32, IndexError> {
        value(name)?
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| corrupt(format!("{name} is not a u32")))
    };
    Ok(Hit {
        document: uuid(DOCUMENT)?,
        collection: uuid(COLLECTION)?,
        chunk_index: int(CHUNK_INDEX)?,
        page: int(PAGE)?,
        char_start: int(CHAR_START)?,
        char_end: int(CHAR_END)?,
        score,
    })
}
