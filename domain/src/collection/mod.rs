//! The `Collection` aggregate: a named set of documents inside one tenant.
//!
//! Every command names the tenant it acts for; a collection answers "not
//! found" to any other tenant, so a guessed id is useless across tenants even
//! if an edge check were ever forgotten.

mod aggregate;
mod commands;
mod events;

pub use aggregate::{Collection, CollectionError};
pub use commands::CollectionCommand;
pub use events::CollectionEvent;

/// Longest collection name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 2000;
