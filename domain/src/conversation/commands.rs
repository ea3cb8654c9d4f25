//! What can be asked of a conversation.

use super::Turn;
use crate::{AssistantId, ConversationId, TenantId};

#[derive(Clone, Debug, PartialEq)]
pub enum ConversationCommand {
    /// Records a finished turn; the first one starts the conversation with
    /// this tenant and assistant, later ones must name the same.
    RecordTurn {
        conversation_id: ConversationId,
        tenant_id: TenantId,
        assistant_id: AssistantId,
        turn: Turn,
    },
}
