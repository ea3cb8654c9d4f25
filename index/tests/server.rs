//! The Qdrant server twin, against the real Qdrant server `make test` starts
//! (`ANCRE_TEST_QDRANT_URL`, gRPC; `scripts/qdrant.sh`).

mod common;

use ancre_index::{QdrantServerIndex, SearchIndex};
use common::*;

/// A fresh collection (unique prefix) on the test server.
fn server(rt: &tokio::runtime::Runtime) -> QdrantServerIndex {
    let url = std::env::var("ANCRE_TEST_QDRANT_URL").expect(
        "ANCRE_TEST_QDRANT_URL is not set: run the tests with `make test` (it starts a Qdrant server)",
    );
    let prefix = format!("ancre-test-{}", ancre_index::Uuid::new_v4().simple());
    let index = QdrantServerIndex::connect(rt.handle().clone(), &url, None, &prefix, MODEL, DIM)
        .expect("connect to the Qdrant server");
    index.upsert(&fixture()).unwrap();
    index
}

#[test]
fn the_server_twin_keeps_tenants_apart_and_deletes_exactly() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let index = server(&rt);
    let text = "Le rapport confidentiel du locataire A mentionne la société Zorglub.";
    let vector = unit(seed_of(DOC_A, 2));
    let own = index
        .search(&query(TENANT_A, text, vector.clone()))
        .unwrap();
    assert_eq!(key(&own[0]), (DOC_A, 2));
    let hits = index.search(&query(TENANT_B, text, vector)).unwrap();
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h.document != DOC_A), "{hits:?}");

    let before = index.count(TENANT_B, None).unwrap();
    let doc_b1 = index.count(TENANT_B, Some(DOC_B1)).unwrap();
    assert!(doc_b1 > 0);
    // Upserting again changes nothing: point ids are deterministic.
    index.upsert(&fixture()).unwrap();
    assert_eq!(index.count(TENANT_B, None).unwrap(), before);
    index.delete_document(TENANT_B, DOC_B1).unwrap();
    assert_eq!(index.count(TENANT_B, None).unwrap(), before - doc_b1);
    assert_eq!(index.count(TENANT_B, Some(DOC_B1)).unwrap(), 0);
    index.clear().unwrap();
    assert_eq!(index.count(TENANT_A, None).unwrap(), 0);
}
