//! [`LazyEdgeIndex`]: an [`EdgeIndex`] opened on first use.
//!
//! Why: a process must be able to start while the index directory is still
//! held by a predecessor that is shutting down (or by `ancre projections
//! rebuild`), and commands that never touch the index (`projections status`)
//! must not take its lock. Every call tries to open it until one succeeds;
//! until then the call fails with the reason ([`IndexError::Locked`], a model
//! mismatch…), which the caller retries like any other index error.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use uuid::Uuid;

use crate::{
    ChunkPoint, EdgeIndex, EdgeSettings, Hit, IndexError, IndexStats, SearchIndex, SearchQuery,
};

pub struct LazyEdgeIndex {
    dir: PathBuf,
    model: String,
    dimension: usize,
    settings: EdgeSettings,
    opened: Mutex<Option<Arc<EdgeIndex>>>,
}

impl LazyEdgeIndex {
    pub fn new(dir: impl Into<PathBuf>, model: impl Into<String>, dimension: usize) -> Self {
        Self {
            dir: dir.into(),
            model: model.into(),
            dimension,
            settings: EdgeSettings::default(),
            opened: Mutex::new(None),
        }
    }

    /// Opens the index with engine `settings` other than the defaults.
    pub fn with_settings(mut self, settings: EdgeSettings) -> Self {
        self.settings = settings;
        self
    }

    /// The open index, opening it now if needed.
    pub fn get(&self) -> Result<Arc<EdgeIndex>, IndexError> {
        let mut opened = self.opened.lock().map_err(|_| IndexError::Poisoned)?;
        if let Some(index) = opened.as_ref() {
            return Ok(index.clone());
        }
        let index = Arc::new(EdgeIndex::open_with(
            &self.dir,
            &self.model,
            self.dimension,
            self.settings,
        )?);
        *opened = Some(index.clone());
        Ok(index)
    }
}

impl SearchIndex for LazyEdgeIndex {
    fn model(&self) -> &str {
        &self.model
    }

    fn upsert(&self, points: &[ChunkPoint]) -> Result<(), IndexError> {
        self.get()?.upsert(points)
    }

    fn delete_document(&self, tenant: Uuid, document: Uuid) -> Result<(), IndexError> {
        self.get()?.delete_document(tenant, document)
    }

    fn search(&self, query: &SearchQuery) -> Result<Vec<Hit>, IndexError> {
        self.get()?.search(query)
    }

    fn count(&self, tenant: Uuid, document: Option<Uuid>) -> Result<u64, IndexError> {
        self.get()?.count(tenant, document)
    }

    fn stats(&self) -> Result<Option<IndexStats>, IndexError> {
        self.get()?.stats()
    }

    /// Empties the index; one built for another model or analyzer is
    /// recreated for ours (the way out after switching models: clear, then
    /// rebuild from the log).
    fn clear(&self) -> Result<(), IndexError> {
        match self.get() {
            Ok(index) => index.clear(),
            Err(IndexError::ModelMismatch { .. } | IndexError::AnalyzerMismatch { .. }) => {
                let mut opened = self.opened.lock().map_err(|_| IndexError::Poisoned)?;
                let index = EdgeIndex::recreate_with(
                    &self.dir,
                    &self.model,
                    self.dimension,
                    self.settings,
                )?;
                *opened = Some(Arc::new(index));
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    fn flush(&self) -> Result<(), IndexError> {
        self.get()?.flush()
    }

    fn optimize(&self) -> Result<(), IndexError> {
        self.get()?.optimize()
    }
}
