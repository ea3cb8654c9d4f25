//! `usage_recorder`: a process manager that follows documents and
//! conversations and records what they consumed in the tenant's usage period
//! of the cause's time:
//!
//! | cause | lines |
//! |---|---|
//! | `DocumentEmbedded` | chunks and tokens embedded |
//! | `DocumentDeleted` | documents −1, storage −bytes |
//! | `TurnRecorded` | chat-model tokens in and out (a failed turn gives its message back); then the turn's reserved tokens given back |
//!
//! Each entry's idempotency key names its cause ([`crate::keys`]), so a
//! replay after a crash — or a rebuild of this process manager — records
//! nothing twice. It never checks limits: this is work already done.
//!
//! Storing a document and answering a message are charged by the API before
//! the work starts (under the quota): `DocumentUploaded` is not recorded
//! here, and a turn's message only given back when it failed. A document's
//! pages are charged by the parse stage under the monthly quota before it
//! reports `DocumentParsed` (`ancre_ingestion::pipeline::page_quota`); a
//! turn's reserved tokens are given back here, in an entry after the one of
//! its end, under the key the sweeper of abandoned turns shares
//! (`crate::reservations`).

use std::sync::Arc;

use ancre_commands::{CommandError, Commands, EventMetadata};
use ancre_domain::conversation::{Conversation, ConversationEvent, TurnOutcome};
use ancre_domain::document::{Document, DocumentEvent};
use ancre_domain::usage::{Entry, Metric, Period, Subject, UsageLine};
use ancre_domain::{AssistantId, ConversationId, DocumentId, TenantId};
use ancre_projections::{ProjectionError, Projector, StoredEvent};
use async_trait::async_trait;
use cqrs_es::Aggregate as _;
use sqlx::PgConnection;

use crate::keys;

pub const NAME: &str = "usage_recorder";

pub struct UsageRecorder {
    commands: Arc<Commands>,
}

impl UsageRecorder {
    pub fn new(commands: Arc<Commands>) -> Self {
        Self { commands }
    }
}

/// What one cause consumed, before it becomes an [`Entry`].
struct Consumed {
    key: String,
    subject: Subject,
    lines: Vec<UsageLine>,
}

fn line(metric: Metric, quantity: i64) -> UsageLine {
    UsageLine { metric, quantity }
}

fn signed(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

#[async_trait]
impl Projector for UsageRecorder {
    fn name(&self) -> &'static str {
        NAME
    }

    fn aggregate_types(&self) -> Option<&'static [&'static str]> {
        const TYPES: &[&str] = &[Document::TYPE, Conversation::TYPE];
        Some(TYPES)
    }

    async fn reset(&self, _tx: &mut PgConnection) -> Result<(), ProjectionError> {
        // Nothing of its own: a replay re-sends entries the keys make no-ops.
        Ok(())
    }

    async fn apply(
        &self,
        tx: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        let consumed = if event.aggregate_type == Document::TYPE {
            document(tx, event).await?.into_iter().collect()
        } else if event.aggregate_type == Conversation::TYPE {
            conversation(tx, event).await?
        } else {
            vec![]
        };
        for consumed in consumed {
            self.record(event, consumed).await?;
        }
        Ok(())
    }
}

impl UsageRecorder {
    /// Records one cause's entry in the period of the event's time.
    async fn record(&self, event: &StoredEvent, consumed: Consumed) -> Result<(), ProjectionError> {
        if consumed.lines.iter().all(|l| l.quantity == 0) {
            return Ok(());
        }
        let tenant: TenantId = event
            .tenant_id()
            .ok_or_else(|| event.decode_error("no tenant in the metadata".into()))?;
        let actor = event
            .metadata
            .get("actor")
            .and_then(|a| a.as_str())
            .unwrap_or("system:unknown")
            .to_owned();
        let entry = Entry {
            tenant_id: tenant,
            period: Period::of(event.recorded_at),
            key: consumed.key,
            cause: format!("event:{}", event.at.position),
            actor,
            subject: consumed.subject,
            lines: consumed.lines,
            occurred_at: event.recorded_at,
        };
        let metadata = EventMetadata::after_event(&event.metadata, event.at.position, tenant, NAME);
        match self.commands.record_usage(entry, vec![], &metadata).await {
            Ok(_) => Ok(()),
            Err(CommandError::Rejected(e)) => {
                // A rule refusing work already done is a bug to see, not to
                // retry forever: log it and go on.
                tracing::error!(error = %e, position = event.at.position, "usage not recorded");
                Ok(())
            }
            Err(e) => Err(ProjectionError::Target(format!("recording usage: {e}"))),
        }
    }
}

async fn document(
    tx: &mut PgConnection,
    event: &StoredEvent,
) -> Result<Option<Consumed>, ProjectionError> {
    let id = DocumentId(event.aggregate_uuid()?);
    let subject = Subject {
        document_id: Some(id),
        ..Subject::default()
    };
    Ok(match event.decode::<DocumentEvent>()? {
        DocumentEvent::DocumentEmbedded { chunks, tokens, .. } => Some(Consumed {
            key: keys::embedded(id, event.sequence),
            subject,
            lines: vec![
                line(Metric::ChunksEmbedded, i64::from(chunks)),
                line(Metric::EmbeddingTokens, signed(tokens)),
            ],
        }),
        DocumentEvent::DocumentDeleted { .. } => {
            // The size is in the upload event: the log cannot lag behind.
            let size: Option<i64> = sqlx::query_scalar(
                "SELECT (payload -> 'DocumentUploaded' ->> 'size_bytes')::bigint FROM events
                  WHERE aggregate_type = 'document' AND aggregate_id = $1
                    AND event_type = 'DocumentUploaded'
                  ORDER BY sequence LIMIT 1",
            )
            .bind(&event.aggregate_id)
            .fetch_optional(&mut *tx)
            .await?;
            Some(Consumed {
                key: keys::deleted(id),
                subject,
                lines: vec![
                    line(Metric::Documents, -1),
                    line(Metric::StorageBytes, -size.unwrap_or(0)),
                ],
            })
        }
        // Pages: charged by the parse stage, under the quota.
        DocumentEvent::DocumentParsed { .. }
        | DocumentEvent::DocumentUploaded { .. }
        | DocumentEvent::DocumentIndexed { .. }
        | DocumentEvent::DocumentFailed { .. } => None,
    })
}

/// What a recorded turn consumed, and the tokens it had reserved given
/// back (an entry of its own, whose key the sweeper of abandoned turns
/// shares: released once, by whichever comes first).
async fn conversation(
    tx: &mut PgConnection,
    event: &StoredEvent,
) -> Result<Vec<Consumed>, ProjectionError> {
    let ConversationEvent::TurnRecorded { turn, .. } = event.decode::<ConversationEvent>()? else {
        return Ok(vec![]);
    };
    let conversation = ConversationId(event.aggregate_uuid()?);
    let assistant: Option<String> = sqlx::query_scalar(
        "SELECT payload -> 'ConversationStarted' ->> 'assistant_id' FROM events
          WHERE aggregate_type = 'conversation' AND aggregate_id = $1
            AND event_type = 'ConversationStarted'",
    )
    .bind(&event.aggregate_id)
    .fetch_optional(&mut *tx)
    .await?
    .flatten();
    let mut lines = vec![
        line(Metric::LlmTokensIn, signed(turn.usage.tokens_in)),
        line(Metric::LlmTokensOut, signed(turn.usage.tokens_out)),
    ];
    if matches!(turn.outcome, TurnOutcome::Failed { .. }) {
        // No answer: the message charged when the turn started is given back.
        lines.push(line(Metric::ChatMessages, -1));
    }
    let subject = Subject {
        conversation_id: Some(conversation),
        assistant_id: assistant.and_then(|a| a.parse().ok()).map(AssistantId),
        document_id: None,
    };
    Ok(vec![
        Consumed {
            key: keys::turn_ended(turn.turn_id),
            subject: subject.clone(),
            lines,
        },
        Consumed {
            key: keys::tokens_released(turn.turn_id),
            subject,
            lines: vec![line(
                Metric::LlmTokensReserved,
                -signed(turn.usage.tokens_reserved),
            )],
        },
    ])
}
