//! Assistants, from `rm_assistants`. Every query is scoped by tenant.

use ancre_domain::assistant::{AssistantSettings, RetrievalSettings};
use ancre_domain::{AssistantId, CollectionId, TenantId};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct AssistantView {
    pub assistant_id: AssistantId,
    pub settings: AssistantSettings,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    assistant_id: Uuid,
    name: String,
    instructions: String,
    model: String,
    temperature: f32,
    collection_ids: Vec<Uuid>,
    top_k: i32,
    dense_weight: f32,
    rerank: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Row> for AssistantView {
    fn from(r: Row) -> Self {
        AssistantView {
            assistant_id: AssistantId(r.assistant_id),
            settings: AssistantSettings {
                name: r.name,
                instructions: r.instructions,
                model: r.model,
                temperature: r.temperature,
                collections: r.collection_ids.into_iter().map(CollectionId).collect(),
                retrieval: RetrievalSettings {
                    top_k: r.top_k.max(0) as u32,
                    dense_weight: r.dense_weight,
                    rerank: r.rerank,
                },
            },
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str = "assistant_id, name, instructions, model, temperature, collection_ids, \
                       top_k, dense_weight, rerank, created_at, updated_at";

pub async fn get(
    pool: &PgPool,
    tenant: TenantId,
    id: AssistantId,
) -> Result<Option<AssistantView>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM rm_assistants WHERE tenant_id = $1 AND assistant_id = $2"
    ))
    .bind(tenant.0)
    .bind(id.0)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(Into::into))
}

/// A page of the tenant's assistants, oldest first, and the total count.
pub async fn list(
    pool: &PgPool,
    tenant: TenantId,
    limit: i64,
    offset: i64,
) -> Result<(Vec<AssistantView>, i64), sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM rm_assistants WHERE tenant_id = $1
          ORDER BY created_at, assistant_id LIMIT $2 OFFSET $3"
    ))
    .bind(tenant.0)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    let total = sqlx::query_scalar("SELECT count(*) FROM rm_assistants WHERE tenant_id = $1")
        .bind(tenant.0)
        .fetch_one(pool)
        .await?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}
