//! Queries over read models, one file per model. Every query that returns a
//! tenant's data takes a `TenantId`; the only exceptions are the lookups that
//! *establish* the tenant during authentication (by API-key hash, by user).

pub mod api_keys;
pub mod assistants;
pub mod billing;
pub mod chunks;
pub mod collections;
pub mod connections;
pub mod conversations;
pub mod documents;
pub mod invitations;
pub mod kpi;
pub mod passages;
pub mod tenants;
pub mod usage;
