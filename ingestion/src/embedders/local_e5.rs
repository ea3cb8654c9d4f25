//! The default embedder: multilingual-e5-small on the CPU (French and English
//! alike), from the 4-bit weights `scripts/assets.sh` fetches. Offline, no
//! key. The weights load on first use, so a server that never embeds (or a
//! test that never uploads) does not pay for them.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use ancre_embed::E5Small;
use async_trait::async_trait;

use super::{EmbedError, Embedder};
use crate::chunker::TokenCounter;

pub struct LocalE5 {
    weights: PathBuf,
    model: OnceLock<Result<Arc<E5Small>, String>>,
}

impl LocalE5 {
    pub fn new(weights: PathBuf) -> Self {
        Self {
            weights,
            model: OnceLock::new(),
        }
    }

    /// Loads the weights now (the server calls this at start-up in the
    /// background, so the first upload does not wait).
    pub fn load(&self) -> Result<Arc<E5Small>, EmbedError> {
        self.model
            .get_or_init(|| {
                E5Small::load(&self.weights).map(Arc::new).map_err(|e| {
                    format!(
                        "the embedding model cannot be loaded from {} ({e}); run scripts/assets.sh",
                        self.weights.display()
                    )
                })
            })
            .clone()
            .map_err(EmbedError::Permanent)
    }
}

impl TokenCounter for LocalE5 {
    fn count(&self, text: &str) -> usize {
        match self.load() {
            Ok(model) => model.count_tokens(text),
            // Without the model nothing gets embedded anyway (the embed stage
            // fails with the reason); count roughly meanwhile.
            Err(_) => text.split_whitespace().count() * 2,
        }
    }
}

#[async_trait]
impl Embedder for LocalE5 {
    fn model(&self) -> &str {
        E5Small::MODEL_ID
    }

    fn dimension(&self) -> usize {
        E5Small::DIMENSION
    }

    fn batch_size(&self) -> usize {
        16
    }

    async fn embed_passages(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let model = self.load()?;
        let texts = texts.to_vec();
        tokio::task::spawn_blocking(move || {
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            model.embed_passages(&refs)
        })
        .await
        .map_err(|e| EmbedError::Permanent(format!("the embedder stopped: {e}")))?
        .map_err(|e| EmbedError::Permanent(e.to_string()))
    }

    async fn embed_query(&self, text: &str) -> Result<Vec<f32>, EmbedError> {
        let model = self.load()?;
        let text = text.to_owned();
        tokio::task::spawn_blocking(move || model.embed_query(&text))
            .await
            .map_err(|e| EmbedError::Permanent(format!("the embedder stopped: {e}")))?
            .map_err(|e| EmbedError::Permanent(e.to_string()))
    }
}
