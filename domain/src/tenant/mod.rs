//! The `Tenant` aggregate: the unit of isolation and billing.
//!
//! A tenant has a name, a plan, a status (active or suspended), members with
//! roles, and API keys. The aggregate only ever sees the *hash* of an API key's
//! secret: the secret is generated at the edge, shown once, and never stored.

mod aggregate;
mod billing;
mod commands;
mod events;

pub use aggregate::{ApiKeyState, Tenant, TenantError, TenantStatus};
pub use billing::{BillingChange, BillingNotice};
pub use commands::TenantCommand;
pub use events::TenantEvent;

/// Longest tenant name we accept, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Longest API key name we accept, in characters.
pub const MAX_KEY_NAME_CHARS: usize = 100;
