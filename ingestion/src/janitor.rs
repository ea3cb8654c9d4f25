//! `document_files`: removes the stored original of a deleted document and
//! every artifact derived from it (chunks, vectors: they share its folder).
//!
//! It is a projector so that the removal follows the `DocumentDeleted` event
//! even across crashes: the event commits first, the file goes when the
//! janitor reaches it. Removal is idempotent (a missing object is fine), and
//! each upload has its own key, so replaying old deletions never touches a
//! later re-upload. It writes no SQL: `reset` has nothing to forget.

use std::sync::Arc;

use ancre_domain::document::{Document, DocumentEvent};
use ancre_projections::{ProjectionError, Projector, StoredEvent};
use async_trait::async_trait;
use cqrs_es::Aggregate as _;
use sqlx::PgConnection;

use crate::storage::ObjectStore;

pub struct FileJanitor {
    store: Arc<dyn ObjectStore>,
}

pub const NAME: &str = "document_files";

impl FileJanitor {
    pub fn new(store: Arc<dyn ObjectStore>) -> Self {
        Self { store }
    }
}

#[async_trait]
impl Projector for FileJanitor {
    fn name(&self) -> &'static str {
        NAME
    }

    fn aggregate_types(&self) -> Option<&'static [&'static str]> {
        const TYPES: &[&str] = &[Document::TYPE];
        Some(TYPES)
    }

    async fn reset(&self, _tx: &mut PgConnection) -> Result<(), ProjectionError> {
        Ok(())
    }

    async fn apply(
        &self,
        _tx: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if event.aggregate_type != Document::TYPE {
            return Ok(());
        }
        if let DocumentEvent::DocumentDeleted { storage_key } = event.decode::<DocumentEvent>()? {
            self.store
                .delete_prefix(crate::storage::upload_prefix(&storage_key))
                .await
                .map_err(|e| ProjectionError::Target(e.to_string()))?;
        }
        Ok(())
    }
}
