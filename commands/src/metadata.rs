//! Event metadata: every event records the tenant it belongs to, who caused
//! it, and the request / correlation / causation ids that let an auditor follow
//! a chain of effects back to the request that started it.

use std::collections::HashMap;
use std::fmt;

use ancre_domain::{ApiKeyId, ConnectionId, TenantId, UserId};
use uuid::Uuid;

/// Who caused an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    User(UserId),
    ApiKey(ApiKeyId),
    /// The platform itself (process managers, webhooks, start-up).
    System(&'static str),
    /// A connector's sync, importing from the tenant's source.
    Connection(ConnectionId),
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::User(user) => write!(f, "user:{user}"),
            Actor::ApiKey(key) => write!(f, "api_key:{key}"),
            Actor::System(what) => write!(f, "system:{what}"),
            Actor::Connection(connection) => write!(f, "connection:{connection}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventMetadata {
    pub tenant_id: TenantId,
    pub actor: Actor,
    /// The HTTP request (or job) that issued the command.
    pub request_id: String,
    /// Shared by every event of one chain of effects.
    pub correlation_id: Uuid,
    /// The event or request that directly caused this command.
    pub causation_id: String,
}

impl EventMetadata {
    /// Metadata for a command that starts a new chain (an API request).
    pub fn for_request(tenant_id: TenantId, actor: Actor, request_id: impl Into<String>) -> Self {
        let request_id = request_id.into();
        Self {
            tenant_id,
            actor,
            causation_id: format!("request:{request_id}"),
            request_id,
            correlation_id: Uuid::new_v4(),
        }
    }

    /// Metadata for a command a worker issues because of a stored event (its
    /// `metadata` column and log position): same tenant, request and
    /// correlation id as the event, caused by it, acted by `actor`.
    pub fn after_event(
        event_metadata: &serde_json::Value,
        position: i64,
        tenant_id: TenantId,
        actor: &'static str,
    ) -> Self {
        let field = |name: &str| event_metadata.get(name).and_then(|v| v.as_str());
        Self {
            tenant_id,
            actor: Actor::System(actor),
            request_id: field("request_id").unwrap_or("-").to_owned(),
            correlation_id: field("correlation_id")
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(Uuid::new_v4),
            causation_id: format!("event:{position}"),
        }
    }

    /// The map cqrs-es stores in the `metadata` column.
    pub fn to_map(&self) -> HashMap<String, String> {
        HashMap::from([
            ("tenant_id".to_owned(), self.tenant_id.to_string()),
            ("actor".to_owned(), self.actor.to_string()),
            ("request_id".to_owned(), self.request_id.clone()),
            ("correlation_id".to_owned(), self.correlation_id.to_string()),
            ("causation_id".to_owned(), self.causation_id.clone()),
        ])
    }
}
