//! The Qdrant server twin, against a real server when `QDRANT_URL` (gRPC,
//! e.g. `http://localhost:6334`) is set. No registry ships the server, so CI
//! runs without it: each test then says it was skipped.

mod common;

use ancre_index::{QdrantServerIndex, SearchIndex};
use common::*;

/// A fresh collection (unique prefix) on the server, or `None` to skip.
fn server(rt: &tokio::runtime::Runtime, test: &str) -> Option<QdrantServerIndex> {
    let Ok(url) = std::env::var("QDRANT_URL") else {
        eprintln!("SKIPPED {test}: QDRANT_URL is not set (no Qdrant server to test against)");
        return None;
    };
    let prefix = format!("ancre-test-{}", ancre_index::Uuid::new_v4().simple());
    let index = QdrantServerIndex::connect(
        rt.handle().clone(),
        &url,
        std::env::var("QDRANT_API_KEY").ok(),
        &prefix,
        MODEL,
        DIM,
    )
    .expect("connect to the Qdrant server");
    index.upsert(&fixture()).unwrap();
    Some(index)
}

#[test]
fn the_server_twin_keeps_tenants_apart_and_deletes_exactly() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(index) = server(
        &rt,
        "the_server_twin_keeps_tenants_apart_and_deletes_exactly",
    ) else {
        return;
    };
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
