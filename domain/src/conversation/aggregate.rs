//! The conversation's state and rules.

use serde::{Deserialize, Serialize};

use super::{
    ConversationCommand, ConversationEvent, Turn, TurnId, MAX_QUESTION_CHARS, MAX_TITLE_CHARS,
};
use crate::{AssistantId, TenantId};

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Conversation {
    started: Option<(TenantId, AssistantId)>,
    turns: Vec<TurnId>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConversationError {
    /// Another tenant's, or another assistant's: indistinguishable from unknown.
    #[error("no such conversation")]
    NotFound,
    #[error("the question is empty")]
    EmptyQuestion,
    #[error("the question is too long: at most {MAX_QUESTION_CHARS} characters")]
    QuestionTooLong,
}

impl Conversation {
    pub fn decide(
        &self,
        command: ConversationCommand,
    ) -> Result<Vec<ConversationEvent>, ConversationError> {
        match command {
            ConversationCommand::RecordTurn {
                conversation_id,
                tenant_id,
                assistant_id,
                turn,
            } => {
                let question = turn.question.trim();
                if question.is_empty() {
                    return Err(ConversationError::EmptyQuestion);
                }
                if question.chars().count() > MAX_QUESTION_CHARS {
                    return Err(ConversationError::QuestionTooLong);
                }
                let mut events = Vec::new();
                match self.started {
                    None => events.push(ConversationEvent::ConversationStarted {
                        conversation_id,
                        tenant_id,
                        assistant_id,
                        title: title_of(question),
                    }),
                    Some(owner) if owner == (tenant_id, assistant_id) => {}
                    Some(_) => return Err(ConversationError::NotFound),
                }
                if self.turns.contains(&turn.turn_id) {
                    return Ok(vec![]);
                }
                events.push(ConversationEvent::TurnRecorded {
                    number: self.turns.len() as u32 + 1,
                    turn: Turn {
                        question: question.to_owned(),
                        ..turn
                    },
                });
                Ok(events)
            }
        }
    }

    /// Applies one event to the state.
    pub fn fold(&mut self, event: ConversationEvent) {
        match event {
            ConversationEvent::ConversationStarted {
                tenant_id,
                assistant_id,
                ..
            } => self.started = Some((tenant_id, assistant_id)),
            ConversationEvent::TurnRecorded { turn, .. } => self.turns.push(turn.turn_id),
        }
    }
}

/// The first line of the first question, cut at a word near the limit.
fn title_of(question: &str) -> String {
    let line = question.lines().next().unwrap_or_default().trim();
    if line.chars().count() <= MAX_TITLE_CHARS {
        return line.to_owned();
    }
    let cut: String = line.chars().take(MAX_TITLE_CHARS - 1).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(space) if space > MAX_TITLE_CHARS / 2 => &cut[..space],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end())
}

impl crate::Rejection for ConversationError {
    fn kind(&self) -> crate::RejectionKind {
        match self {
            ConversationError::NotFound => crate::RejectionKind::NotFound,
            ConversationError::EmptyQuestion | ConversationError::QuestionTooLong => {
                crate::RejectionKind::Invalid
            }
        }
    }
}

crate::emit::event_sourced!(
    Conversation,
    "conversation",
    ConversationCommand,
    ConversationEvent,
    ConversationError
);

#[cfg(test)]
mod tests;
