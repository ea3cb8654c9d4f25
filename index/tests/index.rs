//! End-to-end tests on the real engine in a temp dir. Each assertion is paired
//! with a control showing the same query *would* find the thing when allowed,
//! so a broken filter or path cannot pass by returning nothing.

mod common;

use std::sync::Arc;

use ancre_index::{
    point_id, EdgeIndex, EdgeSettings, FusionWeights, IndexError, SearchIndex, SearchQuery,
};
use common::*;

fn tmp() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("ancre-index-")
        .tempdir()
        .unwrap()
}

#[test]
fn search_never_crosses_tenants() {
    let dir = tmp();
    let index = loaded(dir.path());
    let text = "Le rapport confidentiel du locataire A mentionne la société Zorglub.";
    let vector = unit(seed_of(DOC_A, 2));

    // Control: the exact text + exact vector put A's chunk first for tenant A.
    let own = index
        .search(&query(TENANT_A, text, vector.clone()))
        .unwrap();
    assert_eq!(key(&own[0]), (DOC_A, 2));

    // Tenant B asking the very same thing gets only its own chunks.
    let hits = index.search(&query(TENANT_B, text, vector)).unwrap();
    assert!(
        !hits.is_empty(),
        "tenant B has chunks, the dense side always returns some"
    );
    assert!(
        hits.iter()
            .all(|h| h.document != DOC_A && h.collection != COLL_A),
        "tenant A's chunks leaked to B: {hits:?}"
    );
    assert_eq!(hits.len(), 4, "all of B's 4 chunks, nothing else: {hits:?}");
}

#[test]
fn collection_filter_restricts_results() {
    let dir = tmp();
    let index = loaded(dir.path());
    let text = "contrat assurance habitation";
    let vector = unit(seed_of(DOC_B1, 0));

    let all = index
        .search(&query(TENANT_B, text, vector.clone()))
        .unwrap();
    assert_eq!(
        key(&all[0]),
        (DOC_B1, 0),
        "control: unfiltered finds it first"
    );

    let only_b2 = SearchQuery {
        collections: Some(vec![COLL_B2]),
        ..query(TENANT_B, text, vector.clone())
    };
    let hits = index.search(&only_b2).unwrap();
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h.collection == COLL_B2), "{hits:?}");

    let both = SearchQuery {
        collections: Some(vec![COLL_B1, COLL_B2]),
        ..query(TENANT_B, text, vector.clone())
    };
    assert_eq!(index.search(&both).unwrap(), all);

    // Another tenant's collection id does not open a door into it.
    let foreign = SearchQuery {
        collections: Some(vec![COLL_A]),
        ..query(TENANT_B, text, vector.clone())
    };
    assert!(index.search(&foreign).unwrap().is_empty());

    let none = SearchQuery {
        collections: Some(vec![]),
        ..query(TENANT_B, text, vector)
    };
    assert!(index.search(&none).unwrap().is_empty());
}

#[test]
fn document_filter_restricts_results() {
    let dir = tmp();
    let index = loaded(dir.path());
    let text = "contrat assurance habitation";
    let vector = unit(seed_of(DOC_B1, 0));
    let within = |documents: Vec<uuid::Uuid>, tenant| SearchQuery {
        documents: Some(documents),
        ..query(tenant, text, vector.clone())
    };

    // Control: unfiltered, B1 comes first; within B2, only B2's chunks.
    let all = index
        .search(&query(TENANT_B, text, vector.clone()))
        .unwrap();
    assert_eq!(key(&all[0]), (DOC_B1, 0));
    let only_b2 = index.search(&within(vec![DOC_B2], TENANT_B)).unwrap();
    assert_eq!(only_b2.len(), 2, "{only_b2:?}");
    assert!(only_b2.iter().all(|h| h.document == DOC_B2), "{only_b2:?}");
    let both = index
        .search(&within(vec![DOC_B1, DOC_B2], TENANT_B))
        .unwrap();
    assert_eq!(both, all);

    // Another tenant's document id does not open a door into it.
    let foreign = index.search(&within(vec![DOC_A], TENANT_B)).unwrap();
    assert!(foreign.is_empty(), "{foreign:?}");
    assert!(index.search(&within(vec![], TENANT_B)).unwrap().is_empty());
}

#[test]
fn keyword_path_finds_rare_word_without_accents() {
    let dir = tmp();
    let index = loaded(dir.path());
    // "déménagement" appears only in DOC_A chunk 1; the dense vector points nowhere.
    let unrelated = unit(987_654_321);
    let hits = index
        .search(&query(TENANT_A, "demenagement", unrelated))
        .unwrap();
    assert_eq!(key(&hits[0]), (DOC_A, 1), "{hits:?}");

    // Stronger: the dense vector points at another chunk (control: alone, it
    // ranks that chunk first); the keyword still brings its chunk to the top.
    let elsewhere = near(seed_of(DOC_A, 0));
    let dense_only = index
        .search(&query(TENANT_A, "", elsewhere.clone()))
        .unwrap();
    assert_eq!(key(&dense_only[0]), (DOC_A, 0), "{dense_only:?}");
    let hits = index
        .search(&query(TENANT_A, "demenagement", elsewhere))
        .unwrap();
    assert_eq!(key(&hits[0]), (DOC_A, 1), "{hits:?}");

    // Accented query, inflected form, and English stems work too.
    let hits = index.search(&query(TENANT_A, "élève", unit(1))).unwrap();
    assert_eq!(key(&hits[0]), (DOC_A, 1));
    let hits = index.search(&query(TENANT_B, "run", unit(2))).unwrap();
    assert_eq!(key(&hits[0]), (DOC_B2, 1));
}

#[test]
fn weights_can_switch_either_side_off() {
    let dir = tmp();
    let index = loaded(dir.path());
    // The keyword names DOC_A chunk 1, the vector points at DOC_A chunk 0.
    let base = query(TENANT_A, "demenagement", near(seed_of(DOC_A, 0)));
    let keyword = index
        .search(&SearchQuery {
            weights: FusionWeights::KEYWORD_ONLY,
            ..base.clone()
        })
        .unwrap();
    assert_eq!(key(&keyword[0]), (DOC_A, 1), "{keyword:?}");
    assert_eq!(
        keyword.len(),
        1,
        "only chunks holding the word: {keyword:?}"
    );
    let dense = index
        .search(&SearchQuery {
            weights: FusionWeights::DENSE_ONLY,
            ..base.clone()
        })
        .unwrap();
    assert_eq!(key(&dense[0]), (DOC_A, 0), "{dense:?}");
    assert!(
        dense.len() > 1,
        "every chunk of the tenant is a dense candidate"
    );
    let none = SearchQuery {
        weights: FusionWeights {
            dense: 0.0,
            keyword: 0.0,
        },
        ..base.clone()
    };
    assert!(index.search(&none).unwrap().is_empty());
    let negative = SearchQuery {
        weights: FusionWeights {
            dense: -1.0,
            keyword: 1.0,
        },
        ..base
    };
    assert!(matches!(
        index.search(&negative),
        Err(IndexError::BadWeights { .. })
    ));
}

#[test]
fn dense_path_ranks_closest_vector_first() {
    let dir = tmp();
    let index = loaded(dir.path());
    for (doc, chunk) in [(DOC_B1, 1), (DOC_B2, 0), (DOC_B2, 1)] {
        // Unrelated words (no posting at all) and stop words only (no sparse side).
        for text in ["xylophone quokka", "the of le la", ""] {
            let hits = index
                .search(&query(TENANT_B, text, near(seed_of(doc, chunk))))
                .unwrap();
            assert_eq!(key(&hits[0]), (doc, chunk), "text {text:?}: {hits:?}");
        }
    }
}

#[test]
fn hits_carry_the_payload() {
    let dir = tmp();
    let index = loaded(dir.path());
    let hits = index
        .search(&query(TENANT_B, "sinistre", unit(seed_of(DOC_B1, 1))))
        .unwrap();
    let hit = &hits[0];
    let expected = &fixture()[4];
    assert_eq!(
        (
            hit.document,
            hit.collection,
            hit.chunk_index,
            hit.page,
            hit.char_start,
            hit.char_end
        ),
        (
            expected.document,
            expected.collection,
            expected.chunk_index,
            expected.page,
            expected.char_start,
            expected.char_end
        )
    );
    assert!(hit.score > 0.0);
    assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    let limited = SearchQuery {
        limit: 2,
        ..query(TENANT_B, "sinistre", unit(seed_of(DOC_B1, 1)))
    };
    assert_eq!(index.search(&limited).unwrap(), hits[..2]);
}

#[test]
fn upsert_is_idempotent_and_delete_is_exact() {
    let dir = tmp();
    let index = loaded(dir.path());
    assert_eq!(index.count(TENANT_A, None).unwrap(), 3);
    assert_eq!(index.count(TENANT_B, None).unwrap(), 4);

    index.upsert(&fixture()).unwrap();
    assert_eq!(index.count(TENANT_A, None).unwrap(), 3);
    assert_eq!(index.count(TENANT_B, None).unwrap(), 4);
    assert_eq!(index.count(TENANT_B, Some(DOC_B1)).unwrap(), 2);

    // Overwrite changes content in place: the new text is found, the old is not.
    let mut changed = fixture()[3].clone();
    changed.text = "Clause spéciale sur les tremblements de terre.".into();
    index.upsert(std::slice::from_ref(&changed)).unwrap();
    assert_eq!(index.count(TENANT_B, None).unwrap(), 4);
    let hits = index
        .search(&query(TENANT_B, "tremblement", unit(5)))
        .unwrap();
    assert_eq!(key(&hits[0]), (DOC_B1, 0));
    let hits = index.search(&query(TENANT_B, "incendie", unit(5))).unwrap();
    assert_ne!(key(&hits[0]), (DOC_B1, 0));

    // A delete scoped to the wrong tenant removes nothing.
    index.delete_document(TENANT_A, DOC_B1).unwrap();
    assert_eq!(index.count(TENANT_B, Some(DOC_B1)).unwrap(), 2);

    index.delete_document(TENANT_B, DOC_B1).unwrap();
    assert_eq!(index.count(TENANT_B, Some(DOC_B1)).unwrap(), 0);
    assert_eq!(index.count(TENANT_B, Some(DOC_B2)).unwrap(), 2);
    assert_eq!(index.count(TENANT_B, None).unwrap(), 2);
    assert_eq!(index.count(TENANT_A, None).unwrap(), 3);

    let hits = index
        .search(&query(
            TENANT_B,
            "sinistre assuré dommage",
            unit(seed_of(DOC_B1, 1)),
        ))
        .unwrap();
    assert!(hits.iter().all(|h| h.document != DOC_B1), "{hits:?}");
    assert_eq!(hits.len(), 2);
}

#[test]
fn reopen_from_disk_keeps_points_and_results() {
    let dir = tmp();
    let queries = [
        query(TENANT_B, "contrat assurance", unit(seed_of(DOC_B2, 1))),
        query(TENANT_A, "energie", near(seed_of(DOC_A, 2))),
    ];
    let before: Vec<_> = {
        let index = loaded(dir.path());
        index.delete_document(TENANT_B, DOC_B2).unwrap();
        index.flush().unwrap();
        queries.iter().map(|q| index.search(q).unwrap()).collect()
    };
    let index = open(dir.path());
    assert_eq!(index.model(), MODEL);
    assert_eq!(index.count(TENANT_A, None).unwrap(), 3);
    assert_eq!(
        index.count(TENANT_B, None).unwrap(),
        2,
        "the delete persisted too"
    );
    let after: Vec<_> = queries.iter().map(|q| index.search(q).unwrap()).collect();
    assert_eq!(before, after);

    // Without an explicit flush, dropping the index persists it as well.
    index.upsert(&fixture()).unwrap();
    drop(index);
    assert_eq!(open(dir.path()).count(TENANT_B, None).unwrap(), 4);
}

#[test]
fn reopen_for_another_model_is_refused() {
    let dir = tmp();
    drop(loaded(dir.path()));

    let err = EdgeIndex::open(dir.path(), "BAAI/bge-m3", DIM).unwrap_err();
    assert!(matches!(err, IndexError::ModelMismatch { .. }), "{err}");
    assert!(err.to_string().contains("multilingual-e5-small"), "{err}");
    let err = EdgeIndex::open(dir.path(), MODEL, 768).unwrap_err();
    assert!(matches!(err, IndexError::ModelMismatch { .. }), "{err}");

    // One opener at a time.
    let index = open(dir.path());
    let err = EdgeIndex::open(dir.path(), MODEL, DIM).unwrap_err();
    assert!(matches!(err, IndexError::Locked { .. }), "{err}");
    drop(index);

    // The refusal left the index intact.
    assert_eq!(open(dir.path()).count(TENANT_B, None).unwrap(), 4);

    // The way out: recreate for the new model.
    let index = EdgeIndex::recreate(dir.path(), "BAAI/bge-m3", 1024).unwrap();
    assert_eq!(index.model(), "BAAI/bge-m3");
    assert_eq!(index.count(TENANT_B, None).unwrap(), 0);
    drop(index);
    assert!(EdgeIndex::open(dir.path(), MODEL, DIM).is_err());
}

#[test]
fn clear_empties_every_tenant_and_keeps_working() {
    let dir = tmp();
    let index = loaded(dir.path());
    index.clear().unwrap();
    assert_eq!(index.count(TENANT_A, None).unwrap(), 0);
    assert_eq!(index.count(TENANT_B, None).unwrap(), 0);
    assert!(index
        .search(&query(TENANT_B, "contrat", unit(1)))
        .unwrap()
        .is_empty());

    index.upsert(&fixture()[..3]).unwrap();
    assert_eq!(index.count(TENANT_A, None).unwrap(), 3);
    drop(index);
    let index = open(dir.path());
    assert_eq!(index.count(TENANT_A, None).unwrap(), 3);
    assert_eq!(index.count(TENANT_B, None).unwrap(), 0);
}

#[test]
fn invalid_vectors_are_rejected_before_writing() {
    let dir = tmp();
    let index = open(dir.path());
    let mut points = fixture();
    points[5].vector.pop();
    let err = index.upsert(&points).unwrap_err();
    assert!(
        matches!(
            err,
            IndexError::Dimension {
                got: 383,
                expected: 384,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        index.count(TENANT_A, None).unwrap(),
        0,
        "nothing of the batch written"
    );

    points[5].vector = vec![f32::NAN; DIM];
    assert!(matches!(
        index.upsert(&points),
        Err(IndexError::NonFiniteVector { .. })
    ));

    let err = index
        .search(&query(TENANT_A, "x", vec![0.0; 3]))
        .unwrap_err();
    assert!(matches!(err, IndexError::Dimension { .. }), "{err}");
}

#[test]
fn optimize_keeps_results_and_survives_reopen() {
    let dir = tmp();
    let index = loaded(dir.path());
    index
        .upsert(&filler(TENANT_B, COLL_B2, 0xF000, 2000))
        .unwrap();
    for d in 0..50u128 {
        index
            .delete_document(TENANT_B, ancre_index::Uuid::from_u128(0xF000 + d))
            .unwrap();
    }
    let q = query(TENANT_B, "sinistre", near(seed_of(DOC_B2, 0)));
    let before = index.search(&q).unwrap();
    index.optimize().unwrap();
    assert_eq!(index.search(&q).unwrap(), before);
    assert_eq!(index.count(TENANT_B, None).unwrap(), 4 + 1500);
    drop(index);
    let index = open(dir.path());
    assert_eq!(index.search(&q).unwrap(), before);
    assert_eq!(index.count(TENANT_B, None).unwrap(), 4 + 1500);
}

/// `count` filler chunks of `tenant`'s `collection`, ten per document from
/// document `first_document` on, each with its own random vector (seeded
/// from `first_document` and the chunk's rank: fillers starting at different
/// documents never share one): optimizer work.
fn filler(
    tenant: ancre_index::Uuid,
    collection: ancre_index::Uuid,
    first_document: u128,
    count: u32,
) -> Vec<ancre_index::ChunkPoint> {
    (0..count)
        .map(|i| ancre_index::ChunkPoint {
            tenant,
            collection,
            document: ancre_index::Uuid::from_u128(first_document + u128::from(i / 10)),
            chunk_index: i % 10,
            page: 1,
            char_start: 0,
            char_end: 10,
            text: format!("filler text number {i} about nothing in particular"),
            vector: unit(first_document as u64 * 1000 + u64::from(i)),
        })
        .collect()
}

#[test]
fn segments_above_the_hnsw_threshold_get_a_graph_at_optimize() {
    let dir = tmp();
    let index = loaded(dir.path());
    index
        .upsert(&filler(TENANT_B, COLL_B2, 0xF000, 2000))
        .unwrap();
    let q = query(TENANT_B, "warehouse", near(seed_of(DOC_B2, 1)));
    let exact = index.search(&q).unwrap();
    // Near no point in particular: a graph walk's hardest question.
    let mut vague = query(TENANT_B, "", unit(77));
    vague.weights = FusionWeights::DENSE_ONLY;
    vague.limit = 10;
    let vague_exact = index.search(&vague).unwrap();
    // 2007 vectors of 1.5 KB: below the engine's default threshold (10 MB),
    // so optimizing builds no graph and every search stays exact.
    index.optimize().unwrap();
    let stats = index.stats().unwrap().unwrap();
    assert_eq!(stats.points, 2007, "{stats:?}");
    assert_eq!(stats.graph_segments, 0, "{stats:?}");
    drop(index);

    // Reopened with a threshold of 100 KB, the same segments get one.
    let settings = EdgeSettings {
        hnsw_threshold_kb: std::num::NonZeroUsize::new(100),
    };
    let index = EdgeIndex::open_with(dir.path(), MODEL, DIM, settings).unwrap();
    index.optimize().unwrap();
    let stats = index.stats().unwrap().unwrap();
    assert_eq!(stats.points, 2007, "{stats:?}");
    assert!(stats.graph_segments >= 1, "{stats:?}");
    // The graph walk finds the same obvious best hit as the exact scan.
    let walked = index.search(&q).unwrap();
    assert_eq!(key(&walked[0]), (DOC_B2, 1));
    assert_eq!(key(&walked[0]), key(&exact[0]));
    // And the exact search over graph segments is the scan of before.
    assert_eq!(index.search_exact(&q).unwrap(), exact);
    assert_eq!(index.search_exact(&vague).unwrap(), vague_exact);
}

#[test]
fn concurrent_reads_writes_and_flushes_do_not_panic() {
    let dir = tmp();
    let index: Arc<dyn SearchIndex> = Arc::new(loaded(dir.path()));
    let threads: Vec<_> = (0..4u64)
        .map(|t| {
            let index = Arc::clone(&index);
            std::thread::spawn(move || {
                for i in 0..25u64 {
                    match t {
                        0 => index.flush().unwrap(),
                        1 => {
                            let mut p = fixture()[6].clone();
                            p.chunk_index = 100 + i as u32;
                            index.upsert(&[p]).unwrap();
                        }
                        _ => {
                            let hits = index
                                .search(&query(TENANT_B, "revenue", unit(t * 100 + i)))
                                .unwrap();
                            assert!(hits.iter().all(|h| h.document != DOC_A));
                        }
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(index.count(TENANT_B, Some(DOC_B2)).unwrap(), 2 + 25);
    assert_eq!(
        point_id(DOC_B2, 100),
        point_id(DOC_B2, 100),
        "ids stay deterministic across threads"
    );
}

#[test]
fn chunk_without_keywords_is_indexed_and_found_densely() {
    let dir = tmp();
    let index = loaded(dir.path());
    let mut blank = fixture()[0].clone();
    blank.chunk_index = 9;
    blank.text = "  le la les ... 》".into();
    blank.vector = unit(424_242);
    index.upsert(&[blank]).unwrap();
    assert_eq!(index.count(TENANT_A, Some(DOC_A)).unwrap(), 4);
    let hits = index
        .search(&query(TENANT_A, "photosynthèse", near(424_242)))
        .unwrap();
    assert_eq!(key(&hits[0]), (DOC_A, 0), "keyword match first: {hits:?}");
    assert_eq!(
        key(&hits[1]),
        (DOC_A, 9),
        "then the dense-only match: {hits:?}"
    );
}

#[test]
fn optimize_runs_beside_updates_and_searches() {
    let dir = tmp();
    let index = Arc::new(loaded(dir.path()));
    index
        .upsert(&filler(TENANT_A, COLL_A, 0xE000, 1500))
        .unwrap();
    for d in 0..60u128 {
        // 40% deleted: gives the vacuum optimizer work.
        index
            .delete_document(TENANT_A, ancre_index::Uuid::from_u128(0xE000 + d))
            .unwrap();
    }
    let optimizer = {
        let index = Arc::clone(&index);
        std::thread::spawn(move || index.optimize().unwrap())
    };
    for i in 0..30u32 {
        let mut p = fixture()[5].clone();
        p.chunk_index = 200 + i;
        index.upsert(&[p]).unwrap();
        let hits = index
            .search(&query(TENANT_B, "revenue", unit(u64::from(i))))
            .unwrap();
        assert!(hits.iter().all(|h| h.document != DOC_A));
    }
    optimizer.join().unwrap();
    index.flush().unwrap();
    assert_eq!(index.count(TENANT_B, Some(DOC_B2)).unwrap(), 2 + 30);
    assert_eq!(index.count(TENANT_A, None).unwrap(), 3 + 900);
    let hits = index
        .search(&query(TENANT_A, "demenagement", unit(7)))
        .unwrap();
    assert_eq!(key(&hits[0]), (DOC_A, 1));
}

#[test]
fn a_lazy_index_waits_for_the_directory_and_then_serves() {
    let dir = tmp();
    let holder = loaded(dir.path());
    let lazy = ancre_index::LazyEdgeIndex::new(dir.path(), MODEL, DIM);
    // Known without opening: callers pick the embedder's model by it.
    assert_eq!(lazy.model(), MODEL);
    let err = lazy.count(TENANT_A, None).unwrap_err();
    assert!(matches!(err, IndexError::Locked { .. }), "{err}");
    let held = holder.count(TENANT_A, None).unwrap();
    assert!(held > 0);
    drop(holder);
    // Released (and flushed by the drop): the next call opens and sees it all.
    assert_eq!(lazy.count(TENANT_A, None).unwrap(), held);
    assert!(!lazy
        .search(&query(TENANT_A, "", unit(1)))
        .unwrap()
        .is_empty());
}

#[test]
fn clearing_a_lazy_index_of_another_model_recreates_it_for_ours() {
    let dir = tmp();
    drop(loaded(dir.path()));
    let lazy = ancre_index::LazyEdgeIndex::new(dir.path(), "other-model", DIM);
    let err = lazy.count(TENANT_A, None).unwrap_err();
    assert!(matches!(err, IndexError::ModelMismatch { .. }), "{err}");
    lazy.clear().unwrap();
    assert_eq!(lazy.count(TENANT_A, None).unwrap(), 0);
    lazy.upsert(&fixture()).unwrap();
    assert!(lazy.count(TENANT_A, None).unwrap() > 0);
    drop(lazy);
    // The directory now belongs to the new model, and the old one is refused.
    let err = EdgeIndex::open(dir.path(), MODEL, DIM).unwrap_err();
    assert!(matches!(err, IndexError::ModelMismatch { .. }), "{err}");
}
