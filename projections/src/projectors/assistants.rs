//! `assistants`: the assistants of each tenant (`rm_assistants`), with their
//! current settings. A deleted assistant leaves the read model; its history
//! (and its conversations) stay in the log.

use ancre_domain::assistant::{Assistant, AssistantEvent, AssistantSettings};
use ancre_domain::TenantId;
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
            } => write_settings(tx, assistant, tenant_id, &settings, at).await?,
            AssistantEvent::AssistantUpdated { settings } => {
                let tenant = event
                    .tenant_id()
                    .ok_or_else(|| event.decode_error("no tenant in the metadata".into()))?;
                write_settings(tx, assistant, tenant, &settings, at).await?;
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

/// One statement for creation and update, so the two cannot disagree on how
/// a setting is stored: the first write of an assistant creates its row
/// (created_at = at), later ones replace its settings.
async fn write_settings(
    tx: &mut PgConnection,
    assistant: Uuid,
    tenant: TenantId,
    settings: &AssistantSettings,
    at: DateTime<Utc>,
) -> Result<(), ProjectionError> {
    let collections: Vec<Uuid> = settings.collections.iter().map(|c| c.0).collect();
    sqlx::query(
        "INSERT INTO rm_assistants (assistant_id, tenant_id, name, instructions, model, temperature,
                collection_ids, top_k, dense_weight, rerank, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
         ON CONFLICT (assistant_id) DO UPDATE SET name = EXCLUDED.name,
                instructions = EXCLUDED.instructions, model = EXCLUDED.model,
                temperature = EXCLUDED.temperature, collection_ids = EXCLUDED.collection_ids,
                top_k = EXCLUDED.top_k, dense_weight = EXCLUDED.dense_weight,
                rerank = EXCLUDED.rerank, updated_at = EXCLUDED.updated_at",
    )
    .bind(assistant)
    .bind(tenant.0)
    .bind(&settings.name)
    .bind(&settings.instructions)
    .bind(&settings.model)
    .bind(settings.temperature)
    .bind(collections)
    .bind(settings.retrieval.top_k as i32)
    .bind(settings.retrieval.dense_weight)
    .bind(settings.retrieval.rerank)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
