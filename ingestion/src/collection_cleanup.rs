//! `collection_cleanup`: when a collection is deleted, delete its documents.
//!
//! A process manager: it follows `CollectionDeleted` events and answers with
//! `Delete` commands for every document ever uploaded into that collection
//! (found in the log itself, which — unlike a read model — cannot lag behind
//! the event being handled). Each deletion then runs its usual course (read
//! models, stored file). Replays are harmless: deleting a deleted document is
//! refused as "not found", which is ignored here.

use std::sync::Arc;

use ancre_commands::{CommandError, Commands};
use ancre_domain::collection::{Collection, CollectionEvent};
use ancre_domain::document::{DocumentCommand, DocumentError};
use ancre_domain::{DocumentId, TenantId};
use ancre_projections::{ProjectionError, Projector, StoredEvent};
use async_trait::async_trait;
use cqrs_es::Aggregate as _;
use sqlx::PgConnection;

pub const NAME: &str = "collection_cleanup";

pub struct CollectionCleanup {
    commands: Arc<Commands>,
}

impl CollectionCleanup {
    pub fn new(commands: Arc<Commands>) -> Self {
        Self { commands }
    }
}

#[async_trait]
impl Projector for CollectionCleanup {
    fn name(&self) -> &'static str {
        NAME
    }

    fn aggregate_types(&self) -> Option<&'static [&'static str]> {
        const TYPES: &[&str] = &[Collection::TYPE];
        Some(TYPES)
    }

    async fn reset(&self, _tx: &mut PgConnection) -> Result<(), ProjectionError> {
        Ok(())
    }

    async fn apply(
        &self,
        tx: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if !matches!(
            event.decode::<CollectionEvent>()?,
            CollectionEvent::CollectionDeleted
        ) {
            return Ok(());
        }
        let tenant: TenantId = event
            .tenant_id()
            .ok_or_else(|| event.decode_error("no tenant in the metadata".into()))?;
        let documents: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT aggregate_id FROM events
              WHERE aggregate_type = 'document' AND event_type = 'DocumentUploaded'
                AND payload -> 'DocumentUploaded' ->> 'collection_id' = $1",
        )
        .bind(&event.aggregate_id)
        .fetch_all(&mut *tx)
        .await?;
        let metadata = crate::follow_up::metadata_after(event, tenant, NAME);
        for id in documents {
            let document: DocumentId = id
                .parse()
                .map_err(|_| event.decode_error(format!("bad document id {id}")))?;
            match self
                .commands
                .document(
                    document,
                    DocumentCommand::Delete { tenant_id: tenant },
                    &metadata,
                )
                .await
            {
                Ok(_) | Err(CommandError::Rejected(DocumentError::NotFound)) => {}
                Err(e) => {
                    return Err(ProjectionError::Target(format!(
                        "deleting document {document}: {e}"
                    )))
                }
            }
        }
        Ok(())
    }
}
