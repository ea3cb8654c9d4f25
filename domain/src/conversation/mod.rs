//! The `Conversation` aggregate: one tenant's exchange with one assistant, as
//! a sequence of turns. Each turn — the question, the answer as produced, the
//! sources it cited and what it consumed — is one event, recorded once the
//! answer has ended (completely, interrupted by the client, or failed), so the
//! log says exactly what a user was shown and what it cost.

mod aggregate;
mod commands;
mod events;
mod turn;

pub use aggregate::{Conversation, ConversationError};
pub use commands::ConversationCommand;
pub use events::ConversationEvent;
pub use turn::{Citation, Turn, TurnId, TurnOutcome, TurnUsage, MAX_QUESTION_CHARS};

/// Longest conversation title (taken from its first question), in characters.
pub const MAX_TITLE_CHARS: usize = 80;
