//! The `Assistant` aggregate: a tenant's chat persona over some of its
//! collections — instructions, the chat model and its temperature, and how
//! passages are retrieved (how many, and how dense and keyword search weigh).
//!
//! The aggregate checks the shape of its settings; whether the named
//! collections exist *for this tenant* is a read-model question the edge
//! answers before sending the command (and retrieval checks again at query
//! time, so a collection deleted later simply stops contributing).

mod aggregate;
mod commands;
mod events;
mod settings;

pub use aggregate::{Assistant, AssistantError};
pub use commands::AssistantCommand;
pub use events::AssistantEvent;
pub use settings::{
    AssistantChanges, AssistantSettings, RetrievalSettings, SettingsError, EXTRACTIVE_MODEL,
    MAX_COLLECTIONS, MAX_INSTRUCTIONS_CHARS, MAX_NAME_CHARS, MAX_TOP_K,
};
