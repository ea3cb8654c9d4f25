//! `collections`: the collections of each tenant (`rm_collections`). A deleted
//! collection leaves the read model; its history stays in the log.

use ancre_domain::collection::{Collection, CollectionEvent};
use async_trait::async_trait;
use cqrs_es::Aggregate as _;
use sqlx::PgConnection;

use crate::{ProjectionError, Projector, StoredEvent};

pub struct CollectionsProjector;

pub const NAME: &str = "collections";

#[async_trait]
impl Projector for CollectionsProjector {
    fn name(&self) -> &'static str {
        NAME
    }

    fn aggregate_types(&self) -> Option<&'static [&'static str]> {
        const TYPES: &[&str] = &[Collection::TYPE];
        Some(TYPES)
    }

    async fn reset(&self, tx: &mut PgConnection) -> Result<(), ProjectionError> {
        sqlx::query("TRUNCATE rm_collections").execute(tx).await?;
        Ok(())
    }

    async fn apply(
        &self,
        tx: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if event.aggregate_type != Collection::TYPE {
            return Ok(());
        }
        let collection = event.aggregate_uuid()?;
        let at = event.recorded_at;
        match event.decode::<CollectionEvent>()? {
            CollectionEvent::CollectionCreated {
                tenant_id,
                name,
                description,
                ..
            } => {
                sqlx::query(
                    "INSERT INTO rm_collections (collection_id, tenant_id, name, description, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $5)",
                )
                .bind(collection)
                .bind(tenant_id.0)
                .bind(name)
                .bind(description)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            CollectionEvent::CollectionRenamed { name } => {
                sqlx::query(
                    "UPDATE rm_collections SET name = $2, updated_at = $3 WHERE collection_id = $1",
                )
                .bind(collection)
                .bind(name)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            CollectionEvent::CollectionDescribed { description } => {
                sqlx::query(
                    "UPDATE rm_collections SET description = $2, updated_at = $3 WHERE collection_id = $1",
                )
                .bind(collection)
                .bind(description)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            CollectionEvent::CollectionDeleted => {
                sqlx::query("DELETE FROM rm_collections WHERE collection_id = $1")
                    .bind(collection)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        Ok(())
    }
}
