//! Idempotency keys of usage entries, one function per cause, so the API and
//! the recorder name the same cause the same way.

use ancre_domain::conversation::TurnId;
use ancre_domain::DocumentId;

/// Storing an upload (its storage key is unique per upload attempt).
pub fn upload(storage_key: &str) -> String {
    format!("upload:{storage_key}")
}

/// Giving back an upload that did not become a document (duplicate, failure).
pub fn upload_refund(storage_key: &str) -> String {
    format!("upload:{storage_key}:refund")
}

/// A document's pages, charged by the parse stage under the monthly page
/// quota once their number is known (one charge per document, however often
/// the stage is redone).
pub fn pages(document: DocumentId) -> String {
    format!("document:{document}:pages")
}

pub fn embedded(document: DocumentId, sequence: i64) -> String {
    format!("document:{document}:embedded:{sequence}")
}

pub fn deleted(document: DocumentId) -> String {
    format!("document:{document}:deleted")
}

/// The chat-model tokens a turn may use (its prompt and the answer's cap),
/// reserved when the turn starts and settled when it is recorded.
pub fn tokens_reserved(turn: TurnId) -> String {
    format!("turn:{}:tokens-reserved", turn.0)
}

/// A chat message, charged when the turn starts.
pub fn message(turn: TurnId) -> String {
    format!("turn:{}:message", turn.0)
}

/// What a turn consumed once it ended (and the message back if it failed).
pub fn turn_ended(turn: TurnId) -> String {
    format!("turn:{}:ended", turn.0)
}
