//! Fixtures shared by the integration tests: a real engine on a temp dir, and
//! synthetic dense vectors (seeded random unit vectors) so the dense side is
//! fully controlled.
#![allow(dead_code)]

use ancre_index::{ChunkPoint, EdgeIndex, FusionWeights, Hit, SearchIndex, SearchQuery, Uuid};

pub const MODEL: &str = "intfloat/multilingual-e5-small";
pub const DIM: usize = 384;

pub const TENANT_A: Uuid = Uuid::from_u128(0xA);
pub const TENANT_B: Uuid = Uuid::from_u128(0xB);
pub const COLL_A: Uuid = Uuid::from_u128(0xA1);
pub const COLL_B1: Uuid = Uuid::from_u128(0xB1);
pub const COLL_B2: Uuid = Uuid::from_u128(0xB2);
pub const DOC_A: Uuid = Uuid::from_u128(0xA100);
pub const DOC_B1: Uuid = Uuid::from_u128(0xB100);
pub const DOC_B2: Uuid = Uuid::from_u128(0xB200);

/// SplitMix64: tiny, seedable, good enough for test vectors.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn normalise(mut v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter_mut().for_each(|x| *x /= norm);
    v
}

/// A random unit vector; different seeds give near-orthogonal vectors in 384-d.
pub fn unit(seed: u64) -> Vec<f32> {
    let mut state = seed;
    normalise(
        (0..DIM)
            .map(|_| (next(&mut state) >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0)
            .collect(),
    )
}

/// A unit vector close to `unit(seed)` (cosine ≈ 0.95).
pub fn near(seed: u64) -> Vec<f32> {
    let base = unit(seed);
    let noise = unit(seed ^ 0xDEAD_BEEF);
    normalise(base.iter().zip(&noise).map(|(b, n)| b + 0.3 * n).collect())
}

fn chunk(
    tenant: Uuid,
    collection: Uuid,
    document: Uuid,
    chunk_index: u32,
    text: &str,
) -> ChunkPoint {
    ChunkPoint {
        tenant,
        collection,
        document,
        chunk_index,
        page: chunk_index / 2 + 1,
        char_start: chunk_index * 1000,
        char_end: chunk_index * 1000 + text.chars().count() as u32,
        text: text.to_owned(),
        vector: unit(seed_of(document, chunk_index)),
    }
}

/// The seed of each fixture chunk's dense vector.
pub fn seed_of(document: Uuid, chunk_index: u32) -> u64 {
    document.as_u128() as u64 * 100 + u64::from(chunk_index)
}

/// 3 documents of 2 tenants: A has one French document; B has a French one in
/// collection B1 and an English one in B2.
pub fn fixture() -> Vec<ChunkPoint> {
    vec![
        chunk(TENANT_A, COLL_A, DOC_A, 0, "La photosynthèse transforme l'énergie lumineuse en énergie chimique dans les chloroplastes."),
        chunk(TENANT_A, COLL_A, DOC_A, 1, "Les élèves mangeaient à la cantine avant le déménagement du laboratoire."),
        chunk(TENANT_A, COLL_A, DOC_A, 2, "Le rapport confidentiel du locataire A mentionne la société Zorglub."),
        chunk(TENANT_B, COLL_B1, DOC_B1, 0, "Le contrat d'assurance habitation couvre les dégâts des eaux et l'incendie."),
        chunk(TENANT_B, COLL_B1, DOC_B1, 1, "En cas de sinistre, l'assuré déclare le dommage sous cinq jours ouvrés."),
        chunk(TENANT_B, COLL_B2, DOC_B2, 0, "The quarterly report shows revenue growth in European markets."),
        chunk(TENANT_B, COLL_B2, DOC_B2, 1, "Running costs rose because the warehouse runs around the clock."),
    ]
}

pub fn open(dir: &std::path::Path) -> EdgeIndex {
    EdgeIndex::open(dir, MODEL, DIM).expect("open index")
}

pub fn loaded(dir: &std::path::Path) -> EdgeIndex {
    let index = open(dir);
    index.upsert(&fixture()).expect("upsert fixture");
    index
}

pub fn query(tenant: Uuid, text: &str, vector: Vec<f32>) -> SearchQuery {
    SearchQuery {
        tenant,
        collections: None,
        documents: None,
        text: text.to_owned(),
        vector,
        limit: 10,
        weights: FusionWeights::default(),
    }
}

pub fn key(hit: &Hit) -> (Uuid, u32) {
    (hit.document, hit.chunk_index)
}
