//! What happened to a tenant's period (each event type versioned explicitly).

use chrono::{DateTime, Utc};
use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use super::{Metric, Period};
use crate::{AssistantId, ConversationId, DocumentId, TenantId};

/// A quantity of one metric; negative for what is given back (a deleted
/// document's bytes, a failed chat message).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageLine {
    pub metric: Metric,
    pub quantity: i64,
}

/// What the usage was about, for the ledger.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_id: Option<DocumentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assistant_id: Option<AssistantId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<ConversationId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum UsageEvent {
    /// The period starts with the gauges the previous one closed with.
    PeriodOpened {
        tenant_id: TenantId,
        period: Period,
        carried: Vec<UsageLine>,
    },
    UsageRecorded {
        /// Idempotency key: one record per key and period.
        key: String,
        /// The event (`event:<position>`) or request (`request:<id>`) that caused it.
        cause: String,
        /// Who acted (`user:…`, `api_key:…`, `system:…`).
        actor: String,
        subject: Subject,
        lines: Vec<UsageLine>,
        /// When the consumption happened (the cause's time).
        occurred_at: DateTime<Utc>,
    },
    /// Nothing more is recorded in this period; its gauges were carried over.
    PeriodClosed,
}

impl DomainEvent for UsageEvent {
    fn event_type(&self) -> String {
        match self {
            UsageEvent::PeriodOpened { .. } => "PeriodOpened",
            UsageEvent::UsageRecorded { .. } => "UsageRecorded",
            UsageEvent::PeriodClosed => "PeriodClosed",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        match self {
            UsageEvent::PeriodOpened { .. }
            | UsageEvent::UsageRecorded { .. }
            | UsageEvent::PeriodClosed => "1",
        }
        .to_owned()
    }
}
