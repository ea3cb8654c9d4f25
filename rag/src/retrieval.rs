//! Retrieval: the question is embedded (unless the assistant searches by
//! keyword only), the search index is asked for the tenant's points in the
//! assistant's collections — dense and BM25 candidates fused by reciprocal
//! rank with the assistant's weights — and every hit is checked against the
//! read models before it becomes a [`Source`]: a point the index still holds
//! for a deleted document or collection, a foreign tenant or a collection the
//! assistant no longer has can never reach a prompt.
//!
//! One read-model query per question: the hits are checked after the search
//! (live document, live collection of the tenant, one of the assistant's), so
//! the collections need not be looked up before it. Searches are CPU-bound and
//! run on a [`SearchPool`] of one thread per core; the others wait their turn
//! in arrival order rather than all sharing the cores at once, which made every
//! answer as slow as the busiest moment and the slowest ones several times
//! slower still.

use std::num::NonZeroUsize;
use std::sync::Arc;

use ancre_domain::assistant::RetrievalSettings;
use ancre_domain::{CollectionId, DocumentId, TenantId};
use ancre_index::analyzer::Analyzer;
use ancre_index::{FusionWeights, IndexError, SearchIndex, SearchQuery};
use ancre_ingestion::embedders::{EmbedError, Embedder};
use ancre_projections::read::{self, passages::PassageView};
use sqlx::PgPool;

use crate::search_pool::SearchPool;

/// A passage an answer may cite, numbered from 1 in rank order.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub number: u32,
    pub passage: PassageView,
    /// Fused retrieval score: orders the sources of one question.
    pub score: f32,
}

impl Source {
    /// Whether `other` is the same chunk of the same document (its number
    /// and score may differ: another ranking's copy).
    pub fn same_passage(&self, other: &Source) -> bool {
        self.passage.document_id == other.passage.document_id
            && self.passage.chunk_index == other.passage.chunk_index
    }
}

/// A passage's place in one leg of the hybrid search alone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LegRank {
    /// 1 for the leg's best.
    pub rank: u32,
    /// The index's score for that leg alone.
    pub score: f32,
}

/// A source as the assistant would retrieve it, with its place in the
/// dense and keyword rankings taken alone (`None`: not among their best).
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewHit {
    pub source: Source,
    pub dense: Option<LegRank>,
    pub keyword: Option<LegRank>,
}

#[derive(Debug, thiserror::Error)]
pub enum RetrievalError {
    #[error("the question could not be embedded: {0}")]
    Embedding(#[from] EmbedError),
    #[error("the search index failed: {0}")]
    Index(#[from] IndexError),
    #[error("the read models could not be queried: {0}")]
    Database(#[from] sqlx::Error),
}

/// One search of a tenant's collections: the question, as text and as
/// embedded, how much each leg weighs, and whether the candidates are
/// ranked again by their best sentence ([`crate::sentence_rerank`]).
#[derive(Debug, Clone)]
pub struct Search<'a> {
    pub tenant: TenantId,
    pub collections: &'a [CollectionId],
    pub question: &'a str,
    pub vector: Vec<f32>,
    pub weights: FusionWeights,
    pub rerank: bool,
}

/// Hits asked of the index beyond `top_k`, so that a few points of deleted
/// documents (removed from the index a moment after the read models) do not
/// leave an answer short of sources.
pub const OVERFETCH: usize = 8;
/// Candidates ranked per passage asked for, among which the documents a
/// question names are brought forward. Eight, not six: the two rankings of
/// a named document fused ([`crate::rank_fusion`]) read a passage found
/// deep in only one of them as absent from the other — AmEx's table of
/// ratios printing its effective tax rate ranked ninth at six, eighth at
/// eight and at ten alike.
const FOCUS_DEPTH: usize = 8;

#[derive(Clone)]
pub struct Retriever {
    pool: PgPool,
    index: Arc<dyn SearchIndex>,
    embedder: Arc<dyn Embedder>,
    /// The threads index searches run on.
    searches: SearchPool,
}

impl Retriever {
    /// Starts `search_threads` search threads (`None`: one per core, for
    /// CPU-bound searches); fails only if the system refuses threads.
    pub fn new(
        pool: PgPool,
        index: Arc<dyn SearchIndex>,
        embedder: Arc<dyn Embedder>,
        search_threads: Option<NonZeroUsize>,
    ) -> std::io::Result<Self> {
        let threads = search_threads
            .or_else(|| std::thread::available_parallelism().ok())
            .unwrap_or(NonZeroUsize::MIN);
        Ok(Retriever {
            pool,
            index,
            embedder,
            searches: SearchPool::new("ancre-search", threads)?,
        })
    }

    /// The sources for `question` with an assistant's settings: the best
    /// `top_k` live passages of `collections`.
    pub async fn retrieve(
        &self,
        tenant: TenantId,
        collections: &[CollectionId],
        settings: &RetrievalSettings,
        question: &str,
    ) -> Result<Vec<Source>, RetrievalError> {
        let weights = FusionWeights {
            dense: settings.dense_weight,
            keyword: settings.keyword_weight(),
        };
        // The rerank compares sentences with the question by meaning, even
        // for an assistant that searches by keyword only.
        let vector = if weights.dense > 0.0 || settings.rerank {
            self.embedder.embed_query(question).await?
        } else {
            // Not searched (weight 0), but the index checks its shape.
            vec![0.0; self.embedder.dimension()]
        };
        let search = Search {
            tenant,
            collections,
            question,
            vector,
            weights,
            rerank: settings.rerank,
        };
        self.search_with_vector(search, settings.top_k as usize)
            .await
    }

    /// What [`Retriever::retrieve`] would return, each source with its place
    /// in the dense and the keyword ranking alone (three searches: for
    /// tuning an assistant, not for answering).
    pub async fn preview(
        &self,
        tenant: TenantId,
        collections: &[CollectionId],
        settings: &RetrievalSettings,
        question: &str,
    ) -> Result<Vec<PreviewHit>, RetrievalError> {
        let vector = self.embedder.embed_query(question).await?;
        let limit = settings.top_k as usize;
        let fused = FusionWeights {
            dense: settings.dense_weight,
            keyword: settings.keyword_weight(),
        };
        let search = |vector: Vec<f32>, weights| Search {
            tenant,
            collections,
            question,
            vector,
            weights,
            rerank: settings.rerank,
        };
        let sources = self
            .search_with_vector(search(vector.clone(), fused), limit)
            .await?;
        // Each leg alone, deeper than top-k so a fused source is usually found in it.
        let depth = limit * 4;
        let leg = |dense: f32| FusionWeights {
            dense,
            keyword: 1.0 - dense,
        };
        let (dense, _) = self
            .candidates(search(vector.clone(), leg(1.0)), depth)
            .await?;
        let (keyword, _) = self.candidates(search(vector, leg(0.0)), depth).await?;
        let place = |leg: &[Source], source: &Source| {
            leg.iter()
                .find(|s| s.same_passage(source))
                .map(|s| LegRank {
                    rank: s.number,
                    score: s.score,
                })
        };
        Ok(sources
            .into_iter()
            .map(|source| PreviewHit {
                dense: place(&dense, &source),
                keyword: place(&keyword, &source),
                source,
            })
            .collect())
    }

    /// [`Retriever::retrieve`] with the question already embedded (`vector`):
    /// the fused ranking, deeper than `limit` (a heading alone standing for
    /// the passage under it, [`crate::heading_hits`]), then the documents the
    /// question names first ([`crate::document_focus`]) and, within the
    /// leading one, the financial statement it asks about
    /// ([`crate::statement_focus`]); then one passage per page before a
    /// page's second ([`crate::page_spread`]). With `rerank`, twice `limit`
    /// of them, of which the rerank by best sentence keeps `limit`
    /// ([`crate::sentence_rerank`]), the statement's passages staying ahead.
    pub async fn search_with_vector(
        &self,
        search: Search<'_>,
        limit: usize,
    ) -> Result<Vec<Source>, RetrievalError> {
        let (question, tenant, collections) = (search.question, search.tenant, search.collections);
        let rerank = search.rerank.then(|| search.vector.clone());
        let depth = match rerank {
            Some(_) => limit * crate::sentence_rerank::DEPTH,
            None => limit,
        };
        let (candidates, plain) = self.candidates(search, depth * FOCUS_DEPTH).await?;
        let under = crate::heading_hits::wanted(&candidates);
        let under = read::passages::live(&self.pool, tenant, collections, &under).await?;
        let candidates = crate::heading_hits::replace(candidates, under);
        let candidates = crate::document_focus::focus(question, candidates);
        let room = crate::statement_focus::room(limit);
        let statement = self
            .statement_passages(tenant, collections, question, &plain, &candidates, room)
            .await?;
        let (candidates, ahead) = crate::statement_focus::focus(statement, candidates, limit);
        let mut candidates = crate::page_spread::spread(candidates, ahead);
        candidates.truncate(depth);
        if let Some(vector) = rerank {
            // The statement's passages were put ahead on purpose: they stay.
            let rest = candidates.split_off(ahead.min(candidates.len()));
            let room = limit.saturating_sub(candidates.len());
            let rest =
                crate::sentence_rerank::rerank(self.embedder.as_ref(), &vector, rest, room).await;
            candidates.extend(rest);
        }
        Ok(candidates
            .into_iter()
            .take(limit)
            .enumerate()
            .map(|(i, mut source)| {
                source.number = i as u32 + 1;
                source
            })
            .collect())
    }

    /// The passages of the financial statements `question` asks about
    /// ([`crate::statement_focus`]) in the leading candidate's document, at
    /// most `room`, shared among the statements asked — of each, the
    /// consolidated one when there is one, and its passages holding what
    /// the question asks when some do (`plain`: the question without the
    /// names of its documents); they rank with the leading candidate's
    /// score. None for most questions (no statement asked): no query then.
    async fn statement_passages(
        &self,
        tenant: TenantId,
        collections: &[CollectionId],
        question: &str,
        plain: &str,
        candidates: &[Source],
        room: usize,
    ) -> Result<Vec<Source>, RetrievalError> {
        let asked = crate::keyword_query::statements_asked(question);
        let Some(leading) = candidates.first() else {
            return Ok(Vec::new());
        };
        if asked.is_empty() || room == 0 {
            return Ok(Vec::new());
        }
        let each = (room / asked.len()).max(1);
        let analyzer = Analyzer::default();
        let terms = crate::statement_focus::asked_terms(&analyzer, plain);
        let mut found = Vec::new();
        for statement in asked {
            let passages = read::passages::titled(
                &self.pool,
                tenant,
                collections,
                leading.passage.document_id,
                statement.title_patterns(),
                crate::statement_focus::CONSOLIDATED,
                each,
            )
            .await?;
            let passages = crate::statement_focus::consolidated_only(passages);
            let passages = crate::statement_focus::holding(&analyzer, &terms, passages);
            found.extend(passages.into_iter().map(|passage| Source {
                number: 0,
                passage,
                score: leading.score,
            }));
        }
        Ok(found)
    }

    /// The index's ranking, `limit` deep; when the question names documents
    /// ([`crate::document_focus::named`]), their passages ranked again within
    /// them for the question without the words that name them, that ranking
    /// fused with theirs for the question as asked, ahead of the other
    /// documents' passages. Within a filing its name is on every
    /// passage (each is searched with it) and favours only the pages that
    /// repeat it: a list of subsidiaries, for "What companies did Pfizer
    /// acquire?". Also the question without those words (as asked when it
    /// names none).
    async fn candidates(
        &self,
        search: Search<'_>,
        limit: usize,
    ) -> Result<(Vec<Source>, String), RetrievalError> {
        let first = self.ranked(search.clone(), None, limit).await?;
        let Some(named) = crate::document_focus::named(search.question, &first) else {
            return Ok((first, search.question.to_owned()));
        };
        // Both legs read the question without the name: with the keyword
        // leg alone rid of it, financebench-dev found one evidence page
        // fewer in top-8; with the dense leg alone, two answers fewer cited it.
        let vector = if search.weights.dense > 0.0 {
            self.embedder.embed_query(&named.question).await?
        } else {
            search.vector.clone()
        };
        let within = Search {
            question: &named.question,
            vector,
            ..search
        };
        let within = self.ranked(within, Some(&named.documents), limit).await?;
        let (named_first, others): (Vec<Source>, Vec<Source>) = first
            .into_iter()
            .partition(|s| named.documents.contains(&s.passage.document_id));
        // The name is the subject of some questions ("What industry does
        // AMCOR operate in?") and incidental to others ("companies acquired
        // by Pfizer"): both readings rank the named documents' passages.
        let within = crate::rank_fusion::fuse(within, named_first, limit);
        Ok((within.into_iter().chain(others).collect(), named.question))
    }

    /// The index's ranking alone: the best `limit` live passages, of
    /// `documents` only when given.
    async fn ranked(
        &self,
        search: Search<'_>,
        documents: Option<&[DocumentId]>,
        limit: usize,
    ) -> Result<Vec<Source>, RetrievalError> {
        let Search {
            tenant,
            collections,
            question,
            vector,
            weights,
            rerank: _,
        } = search;
        if collections.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let query = SearchQuery {
            tenant: tenant.0,
            collections: Some(collections.iter().map(|c| c.0).collect()),
            documents: documents.map(|ds| ds.iter().map(|d| d.0).collect()),
            text: crate::keyword_query::keyword_query(question),
            vector,
            limit: limit + OVERFETCH,
            weights,
        };
        let index = self.index.clone();
        let hits = self
            .searches
            .run(move || index.search(&query))
            .await
            .map_err(|e| IndexError::engine("run a search", e))??;
        let keys: Vec<(DocumentId, u32)> = hits
            .iter()
            .map(|h| (DocumentId(h.document), h.chunk_index))
            .collect();
        let mut live = read::passages::live(&self.pool, tenant, collections, &keys).await?;
        let mut sources = Vec::with_capacity(limit);
        for hit in &hits {
            let found = live.iter().position(|p| {
                p.document_id.0 == hit.document && p.chunk_index == hit.chunk_index as i32
            });
            if let Some(i) = found {
                sources.push(Source {
                    number: sources.len() as u32 + 1,
                    passage: live.swap_remove(i),
                    score: hit.score,
                });
                if sources.len() == limit {
                    break;
                }
            }
        }
        Ok(sources)
    }
}
