//! [`SearchIndex`] on a Qdrant server, through `qdrant-client` (gRPC): the
//! production twin of [`crate::EdgeIndex`], with the same schema (named dense
//! vector `dense`, cosine, also kept as int8; sparse `bm25` with the `idf`
//! modifier; uuid payload indexes on tenant (`is_tenant`), collection and
//! document), the same analyzer and the same query (dense + sparse prefetch
//! fused by RRF under one tenant filter).
//!
//! The collection's name carries the model and dimension
//! (`{prefix}-{12 hex of sha256(model)}-{dimension}`), so vectors of two
//! models can never meet: a new model simply fills a new collection.
//!
//! The trait is blocking, the client async: calls run on the Tokio runtime
//! given at construction, from the caller's blocking thread (callers already
//! use `spawn_blocking`). Writes wait for the server to apply them, so
//! `flush` has nothing left to do.

use qdrant_client::qdrant::{
    Condition, CountPointsBuilder, CreateCollectionBuilder, CreateFieldIndexCollectionBuilder,
    DeletePointsBuilder, Distance, FieldType, Filter, Modifier, NamedVectors, PointStruct,
    PrefetchQueryBuilder, QuantizationSearchParamsBuilder, QuantizationType, Query,
    QueryPointsBuilder, RrfBuilder, ScalarQuantizationBuilder, ScoredPoint, SearchParamsBuilder,
    SparseVectorParamsBuilder, SparseVectorsConfigBuilder, UpsertPointsBuilder,
    UuidIndexParamsBuilder, Vector, VectorInput, VectorParamsBuilder, VectorsConfigBuilder,
};
use qdrant_client::{Payload, Qdrant};
use sha2::{Digest, Sha256};
use tokio::runtime::Handle;
use uuid::Uuid;

use crate::analyzer::Analyzer;
use crate::{point_id, schema, ChunkPoint, Hit, IndexError, SearchIndex, SearchQuery};

pub struct QdrantServerIndex {
    client: Qdrant,
    runtime: Handle,
    collection: String,
    model: String,
    dimension: usize,
    analyzer: Analyzer,
}

impl std::fmt::Debug for QdrantServerIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QdrantServerIndex")
            .field("collection", &self.collection)
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

impl QdrantServerIndex {
    /// Connects to `url` (gRPC, e.g. `http://localhost:6334`) and makes sure the
    /// collection for `model` exists with its payload indexes. Must be called
    /// from outside the runtime's worker threads (e.g. in `spawn_blocking`).
    pub fn connect(
        runtime: Handle,
        url: &str,
        api_key: Option<String>,
        prefix: &str,
        model: &str,
        dimension: usize,
    ) -> Result<Self, IndexError> {
        if model.trim().is_empty() || dimension == 0 {
            return Err(IndexError::InvalidArgument(
                "a model name and a positive dimension are required".into(),
            ));
        }
        // The client's version check prints to stdout and changes nothing:
        // the server is tested (tests run against 1.18).
        let client = Qdrant::from_url(url)
            .api_key(api_key)
            .skip_compatibility_check()
            .build()
            .map_err(|e| IndexError::engine(format!("connect to Qdrant at {url}"), e))?;
        let digest = Sha256::digest(model.as_bytes());
        let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
        let index = Self {
            client,
            runtime,
            collection: format!("{prefix}-{hex}-{dimension}"),
            model: model.to_owned(),
            dimension,
            analyzer: Analyzer::new(),
        };
        index.ensure_collection()?;
        Ok(index)
    }

    pub fn collection(&self) -> &str {
        &self.collection
    }

    fn ensure_collection(&self) -> Result<(), IndexError> {
        self.runtime.block_on(async {
            let exists = || async {
                self.client
                    .collection_exists(&self.collection)
                    .await
                    .map_err(|e| IndexError::engine("check the collection", e))
            };
            if !exists().await? {
                let mut dense = VectorsConfigBuilder::default();
                dense.add_named_vector_params(
                    schema::DENSE,
                    VectorParamsBuilder::new(self.dimension as u64, Distance::Cosine),
                );
                let mut sparse = SparseVectorsConfigBuilder::default();
                sparse.add_named_vector_params(
                    schema::SPARSE,
                    SparseVectorParamsBuilder::default().modifier(Modifier::Idf),
                );
                let created = self
                    .client
                    .create_collection(
                        CreateCollectionBuilder::new(&self.collection)
                            .vectors_config(dense)
                            .sparse_vectors_config(sparse)
                            .quantization_config(
                                ScalarQuantizationBuilder::default()
                                    .r#type(QuantizationType::Int8.into())
                                    .quantile(schema::QUANTIZATION_QUANTILE)
                                    .always_ram(true),
                            ),
                    )
                    .await;
                // Processes starting together race to create it: one wins,
                // the others find it there.
                if let Err(e) = created {
                    if !exists().await? {
                        return Err(IndexError::engine("create the collection", e));
                    }
                }
            }
            // Idempotent: an existing index is left as it is; one of another
            // type (keyword, before uuid indexes) is replaced by the server.
            for (field, is_tenant) in [
                (schema::TENANT, true),
                (schema::COLLECTION, false),
                (schema::DOCUMENT, false),
            ] {
                self.client
                    .create_field_index(
                        CreateFieldIndexCollectionBuilder::new(
                            &self.collection,
                            field,
                            FieldType::Uuid,
                        )
                        .field_index_params(UuidIndexParamsBuilder::default().is_tenant(is_tenant))
                        .wait(true),
                    )
                    .await
                    .map_err(|e| IndexError::engine(format!("index payload field {field}"), e))?;
            }
            Ok(())
        })
    }

    fn to_point(&self, chunk: &ChunkPoint) -> Result<PointStruct, IndexError> {
        schema::check_vector(
            self.dimension,
            || format!("chunk {} of document {}", chunk.chunk_index, chunk.document),
            &chunk.vector,
        )?;
        let sparse = self.analyzer.embed_document(&chunk.text);
        let mut vectors = NamedVectors::default()
            .add_vector(schema::DENSE, Vector::new_dense(chunk.vector.clone()));
        // Qdrant refuses an empty sparse vector; a chunk of stop words only is
        // found by its dense side.
        if !sparse.is_empty() {
            vectors = vectors.add_vector(
                schema::SPARSE,
                Vector::new_sparse(sparse.indices, sparse.values),
            );
        }
        let payload = Payload::try_from(schema::payload(chunk))
            .map_err(|e| IndexError::engine("build a payload", e))?;
        Ok(PointStruct::new(
            point_id(chunk.document, chunk.chunk_index).to_string(),
            vectors,
            payload,
        ))
    }
}

fn tenant_filter(tenant: Uuid, document: Option<Uuid>) -> Filter {
    let mut conditions = vec![Condition::matches(schema::TENANT, tenant.to_string())];
    if let Some(document) = document {
        conditions.push(Condition::matches(schema::DOCUMENT, document.to_string()));
    }
    Filter::must(conditions)
}

impl SearchIndex for QdrantServerIndex {
    fn model(&self) -> &str {
        &self.model
    }

    fn upsert(&self, points: &[ChunkPoint]) -> Result<(), IndexError> {
        let converted = points
            .iter()
            .map(|p| self.to_point(p))
            .collect::<Result<Vec<_>, _>>()?;
        self.runtime.block_on(async {
            for batch in converted.chunks(schema::UPSERT_BATCH) {
                self.client
                    .upsert_points(
                        UpsertPointsBuilder::new(&self.collection, batch.to_vec()).wait(true),
                    )
                    .await
                    .map_err(|e| IndexError::engine(format!("upsert {} points", batch.len()), e))?;
            }
            Ok(())
        })
    }

    fn delete_document(&self, tenant: Uuid, document: Uuid) -> Result<(), IndexError> {
        self.runtime.block_on(async {
            self.client
                .delete_points(
                    DeletePointsBuilder::new(&self.collection)
                        .points(tenant_filter(tenant, Some(document)))
                        .wait(true),
                )
                .await
                .map(|_| ())
                .map_err(|e| IndexError::engine(format!("delete document {document}"), e))
        })
    }

    fn search(&self, query: &SearchQuery) -> Result<Vec<Hit>, IndexError> {
        schema::check_vector(self.dimension, || "search query".to_owned(), &query.vector)?;
        query.weights.check()?;
        if query.selects_nothing() {
            return Ok(Vec::new());
        }
        let mut filter = tenant_filter(query.tenant, None);
        if let Some(collections) = &query.collections {
            let any: Vec<String> = collections.iter().map(Uuid::to_string).collect();
            filter
                .must
                .push(Condition::matches(schema::COLLECTION, any));
        }
        if let Some(documents) = &query.documents {
            let any: Vec<String> = documents.iter().map(Uuid::to_string).collect();
            filter.must.push(Condition::matches(schema::DOCUMENT, any));
        }
        let candidates = schema::candidates(query.limit);
        let mut request = QueryPointsBuilder::new(&self.collection);
        let mut weights = Vec::new();
        if query.weights.dense > 0.0 {
            request = request.add_prefetch(
                PrefetchQueryBuilder::default()
                    .query(Query::new_nearest(query.vector.clone()))
                    .using(schema::DENSE)
                    .limit(candidates as u64)
                    .params(
                        SearchParamsBuilder::default()
                            .quantization(QuantizationSearchParamsBuilder::default().rescore(true)),
                    ),
            );
            weights.push(query.weights.dense);
        }
        let sparse = self.analyzer.embed_query(&query.text);
        if !sparse.is_empty() && query.weights.keyword > 0.0 {
            request = request.add_prefetch(
                PrefetchQueryBuilder::default()
                    .query(Query::new_nearest(VectorInput::new_sparse(
                        sparse.indices,
                        sparse.values,
                    )))
                    .using(schema::SPARSE)
                    .limit(candidates as u64),
            );
            weights.push(query.weights.keyword);
        }
        let sides = weights.len();
        if sides == 0 {
            return Ok(Vec::new());
        }
        // As in the embedded engine: take the whole fused list and order ties
        // ourselves, so equal scores never make results flicker.
        let request = request
            .query(Query::new_rrf(
                RrfBuilder::with_k(schema::RRF_K as u32).weights(weights),
            ))
            .filter(filter)
            .limit((candidates * sides) as u64)
            .with_payload(true);
        let points = self.runtime.block_on(async {
            self.client
                .query(request)
                .await
                .map_err(|e| IndexError::engine("run a hybrid query", e))
        })?;
        let mut hits = points
            .result
            .iter()
            .map(to_hit)
            .collect::<Result<Vec<_>, _>>()?;
        schema::order_and_cut(&mut hits, query.limit, |h| {
            (h.score, point_id(h.document, h.chunk_index))
        });
        Ok(hits)
    }

    fn count(&self, tenant: Uuid, document: Option<Uuid>) -> Result<u64, IndexError> {
        self.runtime.block_on(async {
            self.client
                .count(
                    CountPointsBuilder::new(&self.collection)
                        .filter(tenant_filter(tenant, document))
                        .exact(true),
                )
                .await
                .map(|r| r.result.map_or(0, |c| c.count))
                .map_err(|e| IndexError::engine("count points", e))
        })
    }

    fn clear(&self) -> Result<(), IndexError> {
        self.runtime.block_on(async {
            self.client
                .delete_collection(&self.collection)
                .await
                .map_err(|e| IndexError::engine("drop the collection", e))
        })?;
        self.ensure_collection()
    }

    fn flush(&self) -> Result<(), IndexError> {
        Ok(())
    }
}

fn to_hit(point: &ScoredPoint) -> Result<Hit, IndexError> {
    schema::hit_from_payload(&format!("{:?}", point.id), point.score, |name| {
        point.payload.get(name).cloned().map(|v| v.into_json())
    })
}
