//! `conversations`: each tenant's conversations (`rm_conversations`) and
//! their turns (`rm_conversation_turns`), as answered — partial answers and
//! failures included, with the citations the user was shown.

use ancre_domain::conversation::{Conversation, ConversationEvent, TurnOutcome};
use async_trait::async_trait;
use cqrs_es::Aggregate as _;
use sqlx::PgConnection;

use crate::{ProjectionError, Projector, StoredEvent};

pub struct ConversationsProjector;

pub const NAME: &str = "conversations";

#[async_trait]
impl Projector for ConversationsProjector {
    fn name(&self) -> &'static str {
        NAME
    }

    fn aggregate_types(&self) -> Option<&'static [&'static str]> {
        const TYPES: &[&str] = &[Conversation::TYPE];
        Some(TYPES)
    }

    async fn reset(&self, tx: &mut PgConnection) -> Result<(), ProjectionError> {
        sqlx::query("TRUNCATE rm_conversations, rm_conversation_turns")
            .execute(tx)
            .await?;
        Ok(())
    }

    async fn apply(
        &self,
        tx: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if event.aggregate_type != Conversation::TYPE {
            return Ok(());
        }
        let conversation = event.aggregate_uuid()?;
        let at = event.recorded_at;
        match event.decode::<ConversationEvent>()? {
            ConversationEvent::ConversationStarted {
                tenant_id,
                assistant_id,
                title,
                ..
            } => {
                sqlx::query(
                    "INSERT INTO rm_conversations
                            (conversation_id, tenant_id, assistant_id, title, turns, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, 0, $5, $5)",
                )
                .bind(conversation)
                .bind(tenant_id.0)
                .bind(assistant_id.0)
                .bind(title)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            ConversationEvent::TurnRecorded { number, turn } => {
                let (outcome, failure_reason) = match &turn.outcome {
                    TurnOutcome::Complete => ("complete", None),
                    TurnOutcome::Interrupted => ("interrupted", None),
                    TurnOutcome::Failed { reason } => ("failed", Some(reason.as_str())),
                };
                let citations = serde_json::to_value(&turn.citations)
                    .map_err(|e| event.decode_error(e.to_string()))?;
                let tenant: uuid::Uuid = sqlx::query_scalar(
                    "UPDATE rm_conversations SET turns = $2, updated_at = $3
                      WHERE conversation_id = $1 RETURNING tenant_id",
                )
                .bind(conversation)
                .bind(number as i32)
                .bind(at)
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO rm_conversation_turns
                            (conversation_id, number, tenant_id, turn_id, question, answer, citations,
                             model, outcome, failure_reason, tokens_in, tokens_out, chunks_retrieved,
                             created_at, first_token_ms)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
                )
                .bind(conversation)
                .bind(number as i32)
                .bind(tenant)
                .bind(turn.turn_id.0)
                .bind(&turn.question)
                .bind(&turn.answer)
                .bind(citations)
                .bind(&turn.model)
                .bind(outcome)
                .bind(failure_reason)
                .bind(turn.usage.tokens_in as i64)
                .bind(turn.usage.tokens_out as i64)
                .bind(turn.usage.chunks_retrieved as i32)
                .bind(at)
                .bind(turn.usage.first_token_ms.map(|ms| ms as i64))
                .execute(&mut *tx)
                .await?;
            }
        }
        Ok(())
    }
}
