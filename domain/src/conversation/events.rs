//! What happened in a conversation (each event type versioned explicitly).

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use super::Turn;
use crate::{AssistantId, ConversationId, TenantId};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ConversationEvent {
    ConversationStarted {
        conversation_id: ConversationId,
        tenant_id: TenantId,
        assistant_id: AssistantId,
        /// From the first question, for conversation lists.
        title: String,
    },
    TurnRecorded {
        /// 1, 2, 3… in the order the turns ended.
        number: u32,
        turn: Turn,
    },
}

impl DomainEvent for ConversationEvent {
    fn event_type(&self) -> String {
        match self {
            ConversationEvent::ConversationStarted { .. } => "ConversationStarted",
            ConversationEvent::TurnRecorded { .. } => "TurnRecorded",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        match self {
            ConversationEvent::ConversationStarted { .. }
            | ConversationEvent::TurnRecorded { .. } => "1",
        }
        .to_owned()
    }
}
