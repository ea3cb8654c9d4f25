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

/// Giving back a turn's reserved tokens: by the recorder when the turn is
/// recorded, or by the sweeper when it never was (`reservations`) —
/// whichever comes first, once.
pub fn tokens_released(turn: TurnId) -> String {
    format!("turn:{}:tokens-released", turn.0)
}

/// The turn a message charge (`message`) names.
pub fn turn_of_message(key: &str) -> Option<TurnId> {
    let id = key.strip_prefix("turn:")?.strip_suffix(":message")?;
    id.parse().ok().map(TurnId)
}

/// A chat message, charged when the turn starts.
pub fn message(turn: TurnId) -> String {
    format!("turn:{}:message", turn.0)
}

/// A copilot run's message (one per run answered; the id is the server's,
/// never the client's run id, which a client could replay to go uncharged).
pub fn copilot_message(run: uuid::Uuid) -> String {
    format!("copilot:{run}:message")
}

/// The chat-model tokens a copilot run used, recorded once it is over.
pub fn copilot_tokens(run: uuid::Uuid) -> String {
    format!("copilot:{run}:tokens")
}

/// What a turn consumed once it ended (and the message back if it failed).
pub fn turn_ended(turn: TurnId) -> String {
    format!("turn:{}:ended", turn.0)
}
