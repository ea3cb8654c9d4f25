//! The claim-check artifacts a document's stages leave in object storage:
//! its chunks (JSON) after parsing, their vectors (binary) after embedding.
//! Events name them; projectors and later stages read them back, so no stage
//! is ever redone to rebuild a read model or an index.

use serde::{Deserialize, Serialize};

use crate::chunker::Chunk;

/// `chunks.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChunkArtifact {
    pub version: u32,
    pub pages: u32,
    pub chunks: Vec<Chunk>,
}

impl ChunkArtifact {
    pub const VERSION: u32 = 1;

    pub fn new(pages: u32, chunks: Vec<Chunk>) -> Self {
        Self {
            version: Self::VERSION,
            pages,
            chunks,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("chunks serialise")
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, ArtifactError> {
        let artifact: Self = serde_json::from_slice(bytes)
            .map_err(|e| ArtifactError(format!("chunks artifact: {e}")))?;
        if artifact.version != Self::VERSION {
            return Err(ArtifactError(format!(
                "chunks artifact version {} is not {}",
                artifact.version,
                Self::VERSION
            )));
        }
        Ok(artifact)
    }
}

/// `vectors-<model>.bin`: the vectors of a document's chunks, in chunk order.
/// Layout (little-endian): `ANCV`, version u32, dimension u32, count u32,
/// model length u32, model (UTF-8), then count × dimension f32.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorArtifact {
    pub model: String,
    pub dimension: usize,
    pub vectors: Vec<Vec<f32>>,
}

const MAGIC: &[u8; 4] = b"ANCV";
const VECTORS_VERSION: u32 = 1;

impl VectorArtifact {
    pub fn encode(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(20 + self.model.len() + self.vectors.len() * self.dimension * 4);
        out.extend_from_slice(MAGIC);
        for n in [
            VECTORS_VERSION,
            self.dimension as u32,
            self.vectors.len() as u32,
            self.model.len() as u32,
        ] {
            out.extend_from_slice(&n.to_le_bytes());
        }
        out.extend_from_slice(self.model.as_bytes());
        for vector in &self.vectors {
            debug_assert_eq!(vector.len(), self.dimension);
            for x in vector {
                out.extend_from_slice(&x.to_le_bytes());
            }
        }
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Self, ArtifactError> {
        let bad = |what: &str| ArtifactError(format!("vectors artifact: {what}"));
        if bytes.len() < 20 || &bytes[..4] != MAGIC {
            return Err(bad("not a vectors artifact"));
        }
        let word = |i: usize| u32::from_le_bytes(bytes[4 + 4 * i..8 + 4 * i].try_into().unwrap());
        let (version, dimension, count, model_len) = (
            word(0),
            word(1) as usize,
            word(2) as usize,
            word(3) as usize,
        );
        if version != VECTORS_VERSION {
            return Err(bad(&format!("version {version}")));
        }
        let body = 20 + model_len;
        if bytes.len() != body + count * dimension * 4 {
            return Err(bad("truncated"));
        }
        let model = std::str::from_utf8(&bytes[20..body])
            .map_err(|_| bad("model name"))?
            .to_owned();
        let floats: Vec<f32> = bytes[body..]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
            .collect();
        let vectors = if dimension == 0 {
            vec![]
        } else {
            floats
                .chunks_exact(dimension)
                .map(<[f32]>::to_vec)
                .collect()
        };
        Ok(Self {
            model,
            dimension,
            vectors,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ArtifactError(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_round_trip_and_truncation_is_caught() {
        let artifact = VectorArtifact {
            model: "m@1".into(),
            dimension: 3,
            vectors: vec![vec![0.5, -1.0, 2.25], vec![0.0, 1e-7, -3.5]],
        };
        let bytes = artifact.encode();
        assert_eq!(VectorArtifact::decode(&bytes).unwrap(), artifact);
        assert!(VectorArtifact::decode(&bytes[..bytes.len() - 1]).is_err());
        assert!(VectorArtifact::decode(b"nope").is_err());
    }
}
