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
            ConversationEvent::ConversationStarted { .. } => "1",
            // 2: the turn's usage says the tokens reserved when it started;
            // version 1 has none, read as 0 (nothing to give back).
            ConversationEvent::TurnRecorded { .. } => "2",
        }
        .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_1_turn_loads_with_nothing_reserved() {
        let v1 = serde_json::json!({ "TurnRecorded": { "number": 3, "turn": {
            "turn_id": "00000000-0000-0000-0000-000000000007",
            "question": "When?", "answer": "In 1863 [1].", "citations": [], "model": "extractive",
            "usage": { "tokens_in": 120, "tokens_out": 7, "chunks_retrieved": 2 },
            "outcome": { "status": "complete" }
        }}});
        let ConversationEvent::TurnRecorded { number, turn } = serde_json::from_value(v1).unwrap()
        else {
            panic!("a TurnRecorded");
        };
        assert_eq!(number, 3);
        assert_eq!(turn.usage.tokens_in, 120);
        assert_eq!(turn.usage.tokens_reserved, 0);
        assert_eq!(
            ConversationEvent::TurnRecorded { number, turn }.event_version(),
            "2"
        );
    }
}
