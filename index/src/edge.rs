//! [`SearchIndex`] on an embedded qdrant-edge shard, plus the converters between
//! our types and the engine's.
//!
//! Layout under the index directory:
//! - `index.json`: model, dimension and analyzer version the index was built with;
//! - `index.lock`: held by the one open `EdgeIndex`;
//! - `shard/`: the qdrant-edge shard (segments, WAL, its own config).

use std::fs;
use std::num::NonZeroUsize;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use ordered_float::OrderedFloat;
use qdrant_edge::{
    Condition, CountRequest, CreateIndex, Distance, EdgeConfig, EdgeOptimizersConfig, EdgeShard,
    EdgeSparseVectorParams, EdgeVectorParams, FieldCondition, FieldIndexOperations, Filter, Fusion,
    HnswIndexConfig, JsonPath, Match, Modifier, NamedQuery, NamedVectors, Payload,
    PayloadFieldSchema, PayloadSchemaParams, PointId, PointInsertOperations, PointOperations,
    PointStruct, Prefetch, QuantizationConfig, QuantizationSearchParams, QueryEnum, QueryRequest,
    ScalarQuantizationConfig, ScalarType, ScoringQuery, SearchParams, UpdateOperation,
    UuidIndexParams, Vector, VectorInternal, Vectors, WithPayloadInterface, WithVector,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::analyzer::{Analyzer, SparseVector, ANALYZER_VERSION};
use crate::schema::{self, COLLECTION, DENSE, DOCUMENT, RRF_K, SPARSE, TENANT, UPSERT_BATCH};
use crate::{point_id, ChunkPoint, Hit, IndexError, IndexStats, SearchIndex, SearchQuery};

const META_FILE: &str = "index.json";
const LOCK_FILE: &str = "index.lock";
const SHARD_DIR: &str = "shard";
/// The engine's segments, one directory each, under the shard directory.
const SEGMENTS_DIR: &str = "segments";
/// Each segment's own config, naming the index of each of its vectors.
const SEGMENT_CONFIG_FILE: &str = "segment.json";
/// Written by qdrant-edge once a shard is fully created; its absence means a
/// creation that never finished.
const ENGINE_CONFIG_FILE: &str = "edge_config.json";

/// What the vectors on disk were made with; anything else must not be mixed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct IndexMeta {
    model: String,
    dimension: usize,
    analyzer: String,
}

/// How the engine organises what it stores; none of it changes what is
/// stored, so an index may be reopened with other settings. They apply to
/// what the next optimisations build: a segment without a graph gets one
/// once above the threshold, while a graph already built keeps the walk
/// threshold it was built with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EdgeSettings {
    /// A segment whose dense vectors take at least this many KB gets an HNSW
    /// graph walked over int8 copies at the next optimisation, and a query
    /// walks it when the points its filter keeps in the segment take at
    /// least as much; below, vectors are compared exactly. `None`: the
    /// engine's default, 10 000 KB (about 6 500 vectors of 384 dimensions).
    pub hnsw_threshold_kb: Option<NonZeroUsize>,
}

/// Hybrid dense + BM25 index on one local qdrant-edge shard holding every tenant.
pub struct EdgeIndex {
    dir: PathBuf,
    meta: IndexMeta,
    settings: EdgeSettings,
    analyzer: Analyzer,
    /// Read-locked by searches, counts and updates (the engine synchronises those
    /// itself); write-locked by `flush` and `clear`. `EdgeShard::flush` panics
    /// when it cannot grab the WAL lock at once, so it must never overlap an
    /// update. `None` only if `clear` failed half-way.
    shard: RwLock<Option<EdgeShard>>,
    /// Two optimisations at once would plan on the same segments.
    optimizing: Mutex<()>,
    /// Held for the index's lifetime; declared after `shard` so it is released
    /// only once the shard has been dropped (and flushed).
    _lock: fs::File,
}

impl std::fmt::Debug for EdgeIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EdgeIndex")
            .field("dir", &self.dir)
            .field("model", &self.meta.model)
            .field("dimension", &self.meta.dimension)
            .finish_non_exhaustive()
    }
}

impl EdgeIndex {
    /// Opens (or creates) the index under `dir` for `model` with `dimension`.
    ///
    /// Refuses when the existing index was built for another model, dimension or
    /// analyzer version: vectors of two models are never mixed.
    ///
    /// One `EdgeIndex` per directory at a time (in this process or another): a
    /// second open fails with [`IndexError::Locked`].
    pub fn open(dir: &Path, model: &str, dimension: usize) -> Result<Self, IndexError> {
        Self::open_with(dir, model, dimension, EdgeSettings::default())
    }

    /// [`EdgeIndex::open`] with engine `settings` other than the defaults.
    pub fn open_with(
        dir: &Path,
        model: &str,
        dimension: usize,
        settings: EdgeSettings,
    ) -> Result<Self, IndexError> {
        let lock = lock_dir(dir)?;
        Self::open_locked(dir, lock, model, dimension, settings)
    }

    /// Deletes the index files under `dir` (only ours) and creates an empty index
    /// for `model`: the way out of a [`IndexError::ModelMismatch`] when rebuilding
    /// with a new embedding model.
    pub fn recreate(dir: &Path, model: &str, dimension: usize) -> Result<Self, IndexError> {
        Self::recreate_with(dir, model, dimension, EdgeSettings::default())
    }

    /// [`EdgeIndex::recreate`] with engine `settings` other than the defaults.
    pub fn recreate_with(
        dir: &Path,
        model: &str,
        dimension: usize,
        settings: EdgeSettings,
    ) -> Result<Self, IndexError> {
        let lock = lock_dir(dir)?;
        let shard_dir = dir.join(SHARD_DIR);
        if shard_dir.exists() {
            fs::remove_dir_all(&shard_dir)
                .map_err(|e| IndexError::io(format!("removing {}", shard_dir.display()), e))?;
        }
        let meta_path = dir.join(META_FILE);
        if meta_path.exists() {
            fs::remove_file(&meta_path)
                .map_err(|e| IndexError::io(format!("removing {}", meta_path.display()), e))?;
        }
        Self::open_locked(dir, lock, model, dimension, settings)
    }

    fn open_locked(
        dir: &Path,
        lock: fs::File,
        model: &str,
        dimension: usize,
        settings: EdgeSettings,
    ) -> Result<Self, IndexError> {
        if model.trim().is_empty() {
            return Err(IndexError::InvalidArgument("model name is empty".into()));
        }
        if dimension == 0 {
            return Err(IndexError::InvalidArgument("dimension is 0".into()));
        }

        let wanted = IndexMeta {
            model: model.to_owned(),
            dimension,
            analyzer: ANALYZER_VERSION.to_owned(),
        };
        let meta_path = dir.join(META_FILE);
        let shard_dir = dir.join(SHARD_DIR);
        match read_meta(&meta_path)? {
            Some(found) => check_meta(dir, &found, &wanted)?,
            None if shard_dir.join(ENGINE_CONFIG_FILE).exists() => {
                return Err(IndexError::MissingMetadata {
                    dir: dir.to_owned(),
                    meta_file: META_FILE,
                });
            }
            // Written before the shard, so a shard can never exist without it.
            None => write_meta(&meta_path, &wanted)?,
        }

        let shard = open_shard(&shard_dir, dimension, settings)?;
        Ok(Self {
            dir: dir.to_owned(),
            meta: wanted,
            settings,
            analyzer: Analyzer::new(),
            shard: RwLock::new(Some(shard)),
            optimizing: Mutex::new(()),
            _lock: lock,
        })
    }

    pub fn dimension(&self) -> usize {
        self.meta.dimension
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Merges small segments, vacuums deleted points and builds HNSW / payload
    /// indexes where segments are big enough. The engine never does it by itself;
    /// search is correct without it, only slower on large indexes. Blocking and
    /// possibly long (HNSW building); searches and updates keep running meanwhile,
    /// as in the Qdrant server whose optimizers work beside updates through proxy
    /// segments; `flush` and `clear` wait for it. Once a segment has an HNSW
    /// graph, its dense search is approximate, so results may shift slightly.
    fn optimize_now(&self) -> Result<(), IndexError> {
        let _one_at_a_time = self.optimizing.lock().map_err(|_| IndexError::Poisoned)?;
        let guard = self.read()?;
        shard(&guard)?
            .optimize()
            .map_err(|e| IndexError::engine("optimize the shard", e))?;
        Ok(())
    }

    fn read(&self) -> Result<RwLockReadGuard<'_, Option<EdgeShard>>, IndexError> {
        self.shard.read().map_err(|_| IndexError::Poisoned)
    }

    fn write(&self) -> Result<RwLockWriteGuard<'_, Option<EdgeShard>>, IndexError> {
        self.shard.write().map_err(|_| IndexError::Poisoned)
    }

    fn to_point(&self, chunk: &ChunkPoint) -> Result<PointStruct, IndexError> {
        to_point(&self.analyzer, self.meta.dimension, chunk)
    }

    /// [`SearchIndex::search`] with every dense vector compared exactly, in
    /// f32, HNSW graphs or not: the reference a graph walk is measured
    /// against (`make bench`). As slow as a scan of the tenant's vectors.
    pub fn search_exact(&self, query: &SearchQuery) -> Result<Vec<Hit>, IndexError> {
        self.hybrid_search(query, DenseSearch::Exact)
    }

    fn hybrid_search(&self, query: &SearchQuery, how: DenseSearch) -> Result<Vec<Hit>, IndexError> {
        schema::check_vector(
            self.meta.dimension,
            || "search query".to_owned(),
            &query.vector,
        )?;
        query.weights.check()?;
        if query.selects_nothing() {
            return Ok(Vec::new());
        }

        // The single top-level filter is propagated by the engine into every
        // prefetch: tenant isolation cannot be forgotten on one of them.
        let mut filter = Filter::new_must(field_is(TENANT, query.tenant));
        if let Some(collections) = &query.collections {
            let any: Vec<String> = collections.iter().map(Uuid::to_string).collect();
            filter = filter.merge_owned(Filter::new_must(Condition::Field(
                FieldCondition::new_match(path(COLLECTION), Match::from(any)),
            )));
        }
        if let Some(documents) = &query.documents {
            let any: Vec<String> = documents.iter().map(Uuid::to_string).collect();
            filter = filter.merge_owned(Filter::new_must(Condition::Field(
                FieldCondition::new_match(path(DOCUMENT), Match::from(any)),
            )));
        }

        let candidates = schema::candidates(query.limit);
        let mut prefetches = Vec::new();
        let mut weights = Vec::new();
        if query.weights.dense > 0.0 {
            let mut dense = prefetch(
                DENSE,
                VectorInternal::Dense(query.vector.clone()),
                candidates,
            );
            // The HNSW beam stays the engine's (100). On the bench's 100k
            // chunks with vectors drawn like e5 embeddings, a beam of 64
            // made the 32-client p99 44 ms instead of 54 (one run each, with
            // searches still behind a semaphore), but the walk then found
            // 54 % of the exact dense top 14 instead of 64 % (hybrid lists:
            // 79 % instead of 84 %). On real embeddings (scifact-train once
            // its index has a graph) the graph walk left nDCG@10 unchanged.
            dense.params = Some(match how {
                DenseSearch::Graph => SearchParams {
                    quantization: Some(QuantizationSearchParams {
                        rescore: Some(true),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
                DenseSearch::Exact => SearchParams {
                    exact: true,
                    ..Default::default()
                },
            });
            prefetches.push(dense);
            weights.push(OrderedFloat(query.weights.dense));
        }
        // A query of stop words only has no keyword side: dense alone then.
        let sparse = self.analyzer.embed_query(&query.text);
        if !sparse.is_empty() && query.weights.keyword > 0.0 {
            let sparse = VectorInternal::Sparse(engine_sparse(sparse)?);
            prefetches.push(prefetch(SPARSE, sparse, candidates));
            weights.push(OrderedFloat(query.weights.keyword));
        }
        if prefetches.is_empty() {
            return Ok(Vec::new());
        }

        // The engine's RRF does not break ties and collects through a randomly
        // seeded hash map, so equal scores come back in any order and a cut at
        // `limit` could keep either. Take the whole fused list (at most the sum
        // of the prefetches) and order ties ourselves: results stay
        // reproducible across calls and restarts. Without payloads: only the
        // hits kept have theirs read (reading all of them was a tenth of a
        // query's time).
        let fused_len = candidates * prefetches.len();
        let request = QueryRequest {
            prefetches,
            query: Some(ScoringQuery::Fusion(Fusion::Rrf {
                k: RRF_K,
                weights: Some(weights),
            })),
            filter: Some(filter),
            score_threshold: None,
            limit: fused_len,
            offset: 0,
            params: None,
            with_vector: WithVector::Bool(false),
            with_payload: WithPayloadInterface::Bool(false),
        };
        let guard = self.read()?;
        let shard = shard(&guard)?;
        let mut fused = shard
            .query(request)
            .map_err(|e| IndexError::engine("run a hybrid query", e))?;
        schema::order_and_cut(&mut fused, query.limit, |p| (p.score, uuid_of(p.id)));
        let ids: Vec<PointId> = fused.iter().map(|p| p.id).collect();
        let records = shard
            .retrieve(
                &ids,
                Some(WithPayloadInterface::Bool(true)),
                Some(WithVector::Bool(false)),
            )
            .map_err(|e| IndexError::engine("read the hits' payloads", e))?;
        drop(guard);
        // In `ids` order; a point deleted since the query is simply missing.
        let mut records = records.into_iter().peekable();
        let mut hits = Vec::with_capacity(fused.len());
        for point in &fused {
            if let Some(record) = records.next_if(|r| r.id == point.id) {
                hits.push(to_hit(point.id, point.score, record.payload.as_ref())?);
            }
        }
        Ok(hits)
    }
}

/// How the dense side of a query finds its candidates.
#[derive(Clone, Copy)]
enum DenseSearch {
    /// Through the segments' HNSW graphs (int8, re-scored), where they have one.
    Graph,
    /// Every vector compared, f32.
    Exact,
}

fn to_point(
    analyzer: &Analyzer,
    dimension: usize,
    chunk: &ChunkPoint,
) -> Result<PointStruct, IndexError> {
    schema::check_vector(
        dimension,
        || format!("chunk {} of document {}", chunk.chunk_index, chunk.document),
        &chunk.vector,
    )?;
    let sparse = engine_sparse(analyzer.embed_document(&chunk.text))?;
    let vectors = NamedVectors::default()
        .add_vector(DENSE, Vector::new_dense(chunk.vector.clone()))
        .add_vector(SPARSE, Vector::from(sparse));
    Ok(PointStruct::new(
        PointId::Uuid(point_id(chunk.document, chunk.chunk_index)),
        Vectors::from(vectors),
        schema::payload(chunk),
    ))
}

impl SearchIndex for EdgeIndex {
    fn model(&self) -> &str {
        &self.meta.model
    }

    fn optimize(&self) -> Result<(), IndexError> {
        self.optimize_now()
    }

    fn upsert(&self, points: &[ChunkPoint]) -> Result<(), IndexError> {
        // Convert everything first: a bad chunk rejects the whole call before
        // anything is written.
        let converted = points
            .iter()
            .map(|p| self.to_point(p).map(Into::into))
            .collect::<Result<Vec<_>, _>>()?;
        let guard = self.read()?;
        let shard = shard(&guard)?;
        for batch in converted.chunks(UPSERT_BATCH) {
            let op = UpdateOperation::PointOperation(PointOperations::UpsertPoints(
                PointInsertOperations::PointsList(batch.to_vec()),
            ));
            shard
                .update(op)
                .map_err(|e| IndexError::engine(format!("upsert {} points", batch.len()), e))?;
        }
        Ok(())
    }

    fn delete_document(&self, tenant: Uuid, document: Uuid) -> Result<(), IndexError> {
        let filter = Filter::new_must(field_is(TENANT, tenant))
            .merge_owned(Filter::new_must(field_is(DOCUMENT, document)));
        let guard = self.read()?;
        shard(&guard)?
            .update(UpdateOperation::PointOperation(
                PointOperations::DeletePointsByFilter(filter),
            ))
            .map_err(|e| IndexError::engine(format!("delete document {document}"), e))
    }

    fn search(&self, query: &SearchQuery) -> Result<Vec<Hit>, IndexError> {
        self.hybrid_search(query, DenseSearch::Graph)
    }

    fn count(&self, tenant: Uuid, document: Option<Uuid>) -> Result<u64, IndexError> {
        let mut filter = Filter::new_must(field_is(TENANT, tenant));
        if let Some(document) = document {
            filter = filter.merge_owned(Filter::new_must(field_is(DOCUMENT, document)));
        }
        let guard = self.read()?;
        let n = shard(&guard)?
            .count(CountRequest {
                filter: Some(filter),
                exact: true,
            })
            .map_err(|e| IndexError::engine("count points", e))?;
        Ok(n as u64)
    }

    fn stats(&self) -> Result<Option<IndexStats>, IndexError> {
        let guard = self.read()?;
        let info = shard(&guard)?.info();
        let graph_segments = graph_segments(&self.dir.join(SHARD_DIR).join(SEGMENTS_DIR))?;
        Ok(Some(IndexStats {
            points: info.points_count as u64,
            segments: info.segments_count as u64,
            graph_segments,
        }))
    }

    fn clear(&self) -> Result<(), IndexError> {
        let mut guard = self.write()?;
        // Dropping flushes the old shard; it must be gone before its files are.
        drop(guard.take());
        let shard_dir = self.dir.join(SHARD_DIR);
        fs::remove_dir_all(&shard_dir)
            .map_err(|e| IndexError::io(format!("removing {}", shard_dir.display()), e))?;
        *guard = Some(open_shard(&shard_dir, self.meta.dimension, self.settings)?);
        Ok(())
    }

    fn flush(&self) -> Result<(), IndexError> {
        let guard = self.write()?;
        let shard = shard(&guard)?;
        // The engine's flush reports failures (disk full…) by panicking.
        catch_unwind(AssertUnwindSafe(|| shard.flush())).map_err(|panic| IndexError::Engine {
            context: "flush the shard".into(),
            source: panic_message(panic).into(),
        })
    }
}

/// The engine flushes when its shard is dropped and reports a failure (the
/// directory gone, the disk full) by panicking, which would abort a process
/// already unwinding or shutting down. Only writes since the last explicit
/// [`SearchIndex::flush`] can be lost that way, and the `search_index`
/// projector flushes before every checkpoint: it replays them at next start.
impl Drop for EdgeIndex {
    fn drop(&mut self) {
        let shard = match self.shard.get_mut() {
            Ok(shard) => shard.take(),
            Err(poisoned) => poisoned.into_inner().take(),
        };
        if let Some(shard) = shard {
            if let Err(panic) = catch_unwind(AssertUnwindSafe(move || drop(shard))) {
                tracing::error!(
                    dir = %self.dir.display(),
                    error = panic_message(panic),
                    "search index: final flush failed"
                );
            }
        }
    }
}

/// Exclusive advisory lock on `dir/index.lock`. The engine would refuse a second
/// opener too (its WAL is locked), but only with an opaque `WouldBlock`, and
/// only after we had already read or written our metadata.
fn lock_dir(dir: &Path) -> Result<fs::File, IndexError> {
    fs::create_dir_all(dir)
        .map_err(|e| IndexError::io(format!("creating index directory {}", dir.display()), e))?;
    let path = dir.join(LOCK_FILE);
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| IndexError::io(format!("opening {}", path.display()), e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => Err(IndexError::Locked {
            dir: dir.to_owned(),
        }),
        Err(fs::TryLockError::Error(e)) => {
            Err(IndexError::io(format!("locking {}", path.display()), e))
        }
    }
}

/// Segments under `segments_dir` whose dense vectors have an HNSW graph.
///
/// The engine's shard info counts "indexed vectors" over every named vector
/// of every optimised segment, graph or not, so it cannot tell; each
/// segment's config (`segment.json`: `config.vector_data.dense.index.type`)
/// can. A segment the optimizer replaces while we read (its directory gone,
/// or a temporary one starting with `.`) is skipped: the figure is exact
/// between optimisations.
fn graph_segments(segments_dir: &Path) -> Result<u64, IndexError> {
    let entries = fs::read_dir(segments_dir)
        .map_err(|e| IndexError::io(format!("listing {}", segments_dir.display()), e))?;
    let mut graphs = 0;
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path().join(SEGMENT_CONFIG_FILE);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(IndexError::io(format!("reading {}", path.display()), e)),
        };
        let state: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|source| IndexError::Metadata {
                context: format!("parsing {}", path.display()),
                source,
            })?;
        let index = &state["config"]["vector_data"][DENSE]["index"]["type"];
        if index == "hnsw" {
            graphs += 1;
        }
    }
    Ok(graphs)
}

fn shard(guard: &Option<EdgeShard>) -> Result<&EdgeShard, IndexError> {
    guard.as_ref().ok_or(IndexError::Poisoned)
}

/// A shard made before quantization or with other settings is brought to this
/// config by the engine itself: `load` takes it, and the next optimisation
/// rebuilds the segments that differ (searching them meanwhile as they are).
fn engine_config(dimension: usize, settings: EdgeSettings) -> EdgeConfig {
    let mut builder = EdgeConfig::builder();
    if let Some(kb) = settings.hnsw_threshold_kb {
        // One threshold, two engine settings of the same meaning (both
        // 10 000 KB by default): the size from which a segment gets a graph,
        // and the size of a query's filtered subset from which the graph is
        // walked rather than the subset scanned (fixed when a graph is built).
        builder = builder
            .optimizers(EdgeOptimizersConfig {
                indexing_threshold: Some(kb.get()),
                ..Default::default()
            })
            .hnsw_config(HnswIndexConfig {
                full_scan_threshold: kb.get(),
                ..Default::default()
            });
    }
    builder
        .quantization_config(QuantizationConfig::from(ScalarQuantizationConfig {
            r#type: ScalarType::Int8,
            quantile: Some(schema::QUANTIZATION_QUANTILE),
            always_ram: Some(true),
        }))
        .vector(
            DENSE,
            EdgeVectorParams::builder(dimension, Distance::Cosine).build(),
        )
        // The engine multiplies query weights by IDF computed over the live
        // shard, so the analyzer only has to store the term-frequency part.
        .sparse_vector(
            SPARSE,
            EdgeSparseVectorParams::builder()
                .modifier(Modifier::Idf)
                .build(),
        )
        .build()
}

/// Loads the shard under `dir`, or creates it (over any leftovers of a creation
/// that never finished); then makes sure the payload indexes exist.
fn open_shard(
    dir: &Path,
    dimension: usize,
    settings: EdgeSettings,
) -> Result<EdgeShard, IndexError> {
    let config = engine_config(dimension, settings);
    let shard = if dir.join(ENGINE_CONFIG_FILE).exists() {
        // Passing our config makes the engine check it against the segments.
        EdgeShard::load(dir, Some(config))
            .map_err(|e| IndexError::engine(format!("load shard {}", dir.display()), e))?
    } else {
        if dir.exists() {
            fs::remove_dir_all(dir).map_err(|e| {
                IndexError::io(format!("removing partial shard {}", dir.display()), e)
            })?;
        }
        fs::create_dir_all(dir).map_err(|e| {
            IndexError::io(format!("creating shard directory {}", dir.display()), e)
        })?;
        EdgeShard::new(dir, config)
            .map_err(|e| IndexError::engine(format!("create shard {}", dir.display()), e))?
    };
    // Re-issued at every open, not only at creation: indexes live per segment,
    // and segments the engine creates later start from an empty schema file.
    // Already-existing indexes make this a no-op; an index of another type (the
    // keyword indexes of shards made before uuid ones, whose string compares
    // were a third of a query's time) is dropped and rebuilt by the engine.
    create_payload_indexes(&shard, |is_tenant| {
        PayloadSchemaParams::Uuid(UuidIndexParams {
            is_tenant,
            ..Default::default()
        })
    })?;
    Ok(shard)
}

/// An index of type `params` on each id field of the payload; `params` is
/// given `Some(true)` for the tenant (tenant-aware storage/HNSW: every query
/// filters on it), `None` for the others.
fn create_payload_indexes(
    shard: &EdgeShard,
    params: impl Fn(Option<bool>) -> PayloadSchemaParams,
) -> Result<(), IndexError> {
    for (field, is_tenant) in [(TENANT, true), (COLLECTION, false), (DOCUMENT, false)] {
        let schema = PayloadFieldSchema::FieldParams(params(is_tenant.then_some(true)));
        shard
            .update(UpdateOperation::FieldIndexOperation(
                FieldIndexOperations::CreateIndex(CreateIndex {
                    field_name: path(field),
                    field_schema: Some(schema),
                }),
            ))
            .map_err(|e| IndexError::engine(format!("create payload index on {field}"), e))?;
    }
    Ok(())
}

fn read_meta(path: &Path) -> Result<Option<IndexMeta>, IndexError> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(IndexError::io(format!("reading {}", path.display()), e)),
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|source| IndexError::Metadata {
            context: format!("parsing {}", path.display()),
            source,
        })
}

/// Write-then-rename, so a crash never leaves a truncated file that would make
/// the index unopenable.
fn write_meta(path: &Path, meta: &IndexMeta) -> Result<(), IndexError> {
    let json = serde_json::to_vec_pretty(meta).map_err(|source| IndexError::Metadata {
        context: "serialising index metadata".into(),
        source,
    })?;
    let tmp = path.with_extension("json.tmp");
    fs::write(&tmp, json).map_err(|e| IndexError::io(format!("writing {}", tmp.display()), e))?;
    fs::rename(&tmp, path).map_err(|e| IndexError::io(format!("renaming to {}", path.display()), e))
}

fn check_meta(dir: &Path, found: &IndexMeta, wanted: &IndexMeta) -> Result<(), IndexError> {
    if found.model != wanted.model || found.dimension != wanted.dimension {
        return Err(IndexError::ModelMismatch {
            dir: dir.to_owned(),
            found_model: found.model.clone(),
            found_dimension: found.dimension,
            wanted_model: wanted.model.clone(),
            wanted_dimension: wanted.dimension,
        });
    }
    if found.analyzer != wanted.analyzer {
        return Err(IndexError::AnalyzerMismatch {
            dir: dir.to_owned(),
            found: found.analyzer.clone(),
            wanted: wanted.analyzer.clone(),
        });
    }
    Ok(())
}

/// Only called with our constant field names, which are plain identifiers and
/// always parse (covered by every test that filters).
fn path(field: &str) -> JsonPath {
    field
        .parse()
        .expect("payload field names are valid JSON paths")
}

/// `field` holds the UUID `value` (matched as its string form).
fn field_is(field: &str, value: Uuid) -> Condition {
    Condition::Field(FieldCondition::new_match(
        path(field),
        Match::from(value.to_string()),
    ))
}

fn prefetch(using: &str, vector: VectorInternal, limit: usize) -> Prefetch {
    Prefetch {
        prefetches: Vec::new(),
        query: Some(ScoringQuery::Vector(QueryEnum::Nearest(NamedQuery::new(
            vector, using,
        )))),
        limit,
        params: None,
        filter: None,
        score_threshold: None,
    }
}

fn engine_sparse(v: SparseVector) -> Result<qdrant_edge::SparseVector, IndexError> {
    qdrant_edge::SparseVector::new(v.indices, v.values)
        .map_err(|e| IndexError::engine("build a sparse vector", e))
}

fn to_hit(id: PointId, score: f32, payload: Option<&Payload>) -> Result<Hit, IndexError> {
    schema::hit_from_payload(&format!("{id:?}"), score, |name| {
        payload.and_then(|p| p.0.get(name).cloned())
    })
}

/// Our points all have UUID ids ([`point_id`]); a numeric one (never written
/// by us) sorts by its number.
fn uuid_of(id: PointId) -> Uuid {
    match id {
        PointId::Uuid(uuid) => uuid,
        PointId::NumId(n) => Uuid::from_u128(u128::from(n)),
    }
}

fn panic_message(panic: Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "engine panicked".to_owned())
}

#[cfg(test)]
mod upgrade_tests;
