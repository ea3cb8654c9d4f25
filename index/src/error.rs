use std::path::PathBuf;

/// Boxed so engine errors keep their chain without putting qdrant-edge types in
/// our public API.
type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The index on disk holds vectors of another embedding model: mixing them
    /// would make every similarity meaningless, so we refuse instead.
    #[error(
        "index at {dir} was built for model {found_model:?} ({found_dimension}-d), \
         not {wanted_model:?} ({wanted_dimension}-d); vectors of two models are never mixed: \
         rebuild it (EdgeIndex::recreate) or open it with its own model"
    )]
    ModelMismatch {
        dir: PathBuf,
        found_model: String,
        found_dimension: usize,
        wanted_model: String,
        wanted_dimension: usize,
    },

    /// The sparse term ids on disk come from another analyzer version and would
    /// silently stop matching queries.
    #[error(
        "index at {dir} was built with analyzer {found:?}, this build uses {wanted:?}; \
         rebuild it (EdgeIndex::recreate)"
    )]
    AnalyzerMismatch {
        dir: PathBuf,
        found: String,
        wanted: String,
    },

    #[error("fusion weights must be finite and not negative (dense {dense}, keyword {keyword})")]
    BadWeights { dense: f32, keyword: f32 },

    #[error(
        "the embedded index at {dir} is already open (in this process or another): one embedded \
         index serves one process; to run several processes, give them a Qdrant server \
         (ANCRE_QDRANT_URL)"
    )]
    Locked { dir: PathBuf },

    #[error("engine data under {dir} has no {meta_file} describing its model; refusing to guess")]
    MissingMetadata {
        dir: PathBuf,
        meta_file: &'static str,
    },

    #[error("{what} has a {got}-d vector, the index is {expected}-d")]
    Dimension {
        what: String,
        got: usize,
        expected: usize,
    },

    #[error("{what} has a non-finite vector component")]
    NonFiniteVector { what: String },

    #[error("invalid argument: {0}")]
    InvalidArgument(String),

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    #[error("{context}: {source}")]
    Metadata {
        context: String,
        #[source]
        source: serde_json::Error,
    },

    #[error("search engine failed to {context}: {source}")]
    Engine {
        context: String,
        #[source]
        source: Source,
    },

    /// A stored point lacks a field we always write: a bug or foreign data.
    #[error("point {point} has a malformed payload: {reason}")]
    CorruptPayload { point: String, reason: String },

    /// A previous call panicked inside the engine while holding the lock (the
    /// shard may be half-updated), or a `clear` failed half-way: reopen it.
    #[error("index is unusable after an engine panic or a failed clear; reopen it")]
    Poisoned,
}

impl IndexError {
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }

    pub fn engine(
        context: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Engine {
            context: context.into(),
            source: Box::new(source),
        }
    }
}
