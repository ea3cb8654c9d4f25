//! `assistants`: the assistants of each tenant (`rm_assistants`), with their
//! current settings. A deleted assistant leaves the read model; its history
//! (and its conversations) stay in the log.

use ancre_domain::assistant::{Assistant, AssistantEvent, AssistantSettings};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate as _;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{ProjectionError, Projector, StoredEvent};

pub struct AssistantsProjector;

pub const NAME: &str = "assistants";

#[async_trait]
impl Projector for AssistantsProjector {
    fn name(&self) -> &'static str {
        NAME
    }

    fn aggregate_types(&self) -> Option<&'static [&'static str]> {
        const TYPES: &[&str] = &[Assistant::TYPE];
        Some(TYPES)
    }

    async fn reset(&self, tx: &mut PgConnection) -> Result<(), ProjectionError> {
        sqlx::query("TRUNCATE rm_assistants").execute(tx).await?;
        Ok(())
    }

    async fn apply(
        &self,
        tx: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if event.aggregate_type != Assistant::TYPE {
            return Ok(());
        }
        let assistant = event.aggregate_uuid()?;
        let at = event.recorded_at;
        match event.decode::<AssistantEvent>()? {
            AssistantEvent::AssistantCreated {
                tenant_id,
                settings,
                ..
            } => {
                sqlx::query(
                    "INSERT INTO rm_assistants (assistant_id, tenant_id, name, instructions, model,
                            temperature, collection_ids, top_k, dense_weight, created_at, updated_at)
                     VALUES ($1, $2, '', '', '', 0, '{}', 0, 0, $3, $3)",
                )
                .bind(assistant)
                .bind(tenant_id.0)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                write_settings(tx, assistant, &settings, at).await?;
            }
            AssistantEvent::AssistantUpdated { settings } => {
                write_settings(tx, assistant, &settings, at).await?;
            }
            AssistantEvent::AssistantDeleted => {
                sqlx::query("DELETE FROM rm_assistants WHERE assistant_id = $1")
                    .bind(assistant)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        Ok(())
    }
}

/// One statement for every settings column, so creation and update cannot
/// disagree on how a setting is stored.
async fn write_settings(
    tx: &mut PgConnection,
    assistant: Uuid,
    settings: &AssistantSettings,
    at: DateTime<Utc>,
) -> Result<(), ProjectionError> {
    let collections: Vec<Uuid> = settings.collections.iter().map(|c| c.0).collect();
    sqlx::query(
        "UPDATE rm_assistants SET name = $2, instructions = $3, model = $4, temperature = $5,
                collection_ids = $6, top_k = $7, dense_weight = $8, updated_at = $9
          WHERE assistant_id = $1",
    )
    .bind(assistant)
    .bind(&settings.name)
    .bind(&settings.instructions)
    .bind(&settings.model)
    .bind(settings.temperature)
    .bind(collections)
    .bind(settings.retrieval.top_k as i32)
    .bind(settings.retrieval.dense_weight)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
