//! A shard written before uuid payload indexes and int8 vectors (keyword
//! indexes on the ids, f32 vectors only) is brought to today's schema when it
//! is opened, and keeps answering — tenant isolation included — meanwhile and
//! after.

use qdrant_edge::{KeywordIndexParams, PayloadSchemaType};

use super::*;
use crate::{FusionWeights, Hit};

const MODEL: &str = "test-model";
const DIM: usize = 4;
const TENANT_A: Uuid = Uuid::from_u128(0xA);
const TENANT_B: Uuid = Uuid::from_u128(0xB);
const COLL_A: Uuid = Uuid::from_u128(0xA1);
const COLL_B1: Uuid = Uuid::from_u128(0xB1);
const COLL_B2: Uuid = Uuid::from_u128(0xB2);

fn chunk(
    tenant: Uuid,
    collection: Uuid,
    document: u128,
    text: &str,
    vector: [f32; 4],
) -> ChunkPoint {
    ChunkPoint {
        tenant,
        collection,
        document: Uuid::from_u128(document),
        chunk_index: 0,
        page: 1,
        char_start: 0,
        char_end: text.chars().count() as u32,
        text: text.to_owned(),
        vector: vector.to_vec(),
    }
}

fn chunks() -> Vec<ChunkPoint> {
    vec![
        chunk(
            TENANT_A,
            COLL_A,
            0xA100,
            "le bail du local commercial",
            [1.0, 0.0, 0.0, 0.0],
        ),
        chunk(
            TENANT_B,
            COLL_B1,
            0xB100,
            "le bail de l'appartement",
            [0.9, 0.1, 0.0, 0.0],
        ),
        chunk(
            TENANT_B,
            COLL_B2,
            0xB200,
            "la résiliation du bail",
            [0.8, 0.2, 0.0, 0.0],
        ),
    ]
}

/// What `EdgeIndex::open` wrote before this schema: the same layout and
/// vectors, no quantization, keyword payload indexes.
fn write_old_index(dir: &Path) {
    fs::create_dir_all(dir).unwrap();
    write_meta(
        &dir.join(META_FILE),
        &IndexMeta {
            model: MODEL.into(),
            dimension: DIM,
            analyzer: ANALYZER_VERSION.into(),
        },
    )
    .unwrap();
    let shard_dir = dir.join(SHARD_DIR);
    fs::create_dir_all(&shard_dir).unwrap();
    // Today's config without quantization, and keyword indexes on the ids.
    let mut config = engine_config(DIM, EdgeSettings::default());
    config.quantization_config = None;
    let shard = EdgeShard::new(&shard_dir, config).unwrap();
    create_payload_indexes(&shard, |is_tenant| {
        PayloadSchemaParams::Keyword(KeywordIndexParams {
            is_tenant,
            ..Default::default()
        })
    })
    .unwrap();
    let analyzer = Analyzer::new();
    let points = chunks()
        .iter()
        .map(|c| to_point(&analyzer, DIM, c).map(Into::into))
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    shard
        .update(UpdateOperation::PointOperation(
            PointOperations::UpsertPoints(PointInsertOperations::PointsList(points)),
        ))
        .unwrap();
    shard.flush();
}

/// The documents hit, in id order (the two of B tie in the fusion).
fn documents(hits: &[Hit]) -> Vec<u128> {
    let mut documents: Vec<u128> = hits.iter().map(|h| h.document.as_u128()).collect();
    documents.sort_unstable();
    documents
}

fn search(index: &EdgeIndex, tenant: Uuid, collections: Option<Vec<Uuid>>) -> Vec<u128> {
    documents(
        &index
            .search(&SearchQuery {
                tenant,
                collections,
                documents: None,
                text: "bail".into(),
                vector: vec![1.0, 0.0, 0.0, 0.0],
                limit: 10,
                weights: FusionWeights::default(),
            })
            .unwrap(),
    )
}

fn assert_isolated(index: &EdgeIndex) {
    assert_eq!(search(index, TENANT_A, None), vec![0xA100]);
    assert_eq!(search(index, TENANT_B, None), vec![0xB100, 0xB200]);
    assert_eq!(search(index, TENANT_B, Some(vec![COLL_B2])), vec![0xB200]);
    // A's collection named by B: still nothing of A's.
    assert!(search(index, TENANT_B, Some(vec![COLL_A])).is_empty());
}

#[test]
fn an_index_with_keyword_payload_indexes_is_converted_on_open_and_keeps_its_tenants_apart() {
    let dir = tempfile::tempdir().unwrap();
    write_old_index(dir.path());

    let index = EdgeIndex::open(dir.path(), MODEL, DIM).unwrap();
    {
        let guard = index.read().unwrap();
        let shard = shard(&guard).unwrap();
        let info = shard.info();
        for field in [TENANT, COLLECTION, DOCUMENT] {
            assert_eq!(
                info.payload_schema.get(&path(field)).map(|i| i.data_type),
                Some(PayloadSchemaType::Uuid),
                "payload index on {field}"
            );
        }
        assert!(
            shard.config().quantization_config.is_some(),
            "the shard takes today's config, so optimisation quantizes its segments"
        );
    }
    assert_isolated(&index);

    index.optimize().unwrap();
    assert_isolated(&index);
    drop(index);
    let index = EdgeIndex::open(dir.path(), MODEL, DIM).unwrap();
    assert_isolated(&index);
    assert_eq!(index.count(TENANT_B, None).unwrap(), 2);
}
