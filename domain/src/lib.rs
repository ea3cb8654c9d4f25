//! The domain of Ancre: aggregates, the commands they accept, the events they
//! emit, and the value objects they are made of.
//!
//! This crate is pure on purpose: no I/O, no SQL, no clock reads, no async
//! runtime. An aggregate decides from its own state and the command alone, so
//! every business rule can be tested in microseconds with the given / when /
//! then framework of `cqrs-es` and replayed identically from the event log.
//!
//! Module map:
//! - [`ids`]: typed identifiers (`TenantId`, `ApiKeyId`, `CollectionId`, `UserId`).
//! - [`log`]: positions in `$all`, the global event log.
//! - [`plan`]: the plans a tenant can be on.
//! - [`rejection`]: the kind of each refusal (not found, conflict, invalid).
//! - [`role`]: member roles and what each may do.
//! - [`tenant`]: the `Tenant` aggregate (name, plan, status, members, API keys).
//! - [`assistant`]: the `Assistant` aggregate (instructions, model, retrieval over collections).
//! - [`collection`]: the `Collection` aggregate (a named set of documents).
//! - [`connection`]: the `Connection` aggregate (a tenant's link to a provider through Nango, and its syncs).
//! - [`conversation`]: the `Conversation` aggregate (turns with their citations and usage).
//! - [`document`]: the `Document` aggregate (an uploaded file through the pipeline).
//! - [`text`]: validation of user-given names and descriptions.
//! - [`usage`]: the `Usage` aggregate (a tenant's consumption in one billing period, with its quotas).

pub mod assistant;
pub mod collection;
pub mod connection;
pub mod conversation;
pub mod document;
mod emit;
pub mod ids;
pub mod log;
pub mod plan;
pub mod rejection;
pub mod role;
pub mod tenant;
pub mod text;
pub mod usage;

pub use ids::{
    ApiKeyId, AssistantId, CollectionId, ConnectionId, ConversationId, DocumentId, TenantId, UserId,
};
pub use log::LogPosition;
pub use plan::Plan;
pub use rejection::{Rejection, RejectionKind};
pub use role::Role;
