//! What happened to a tenant. Each event type carries an explicit version:
//! when an event's shape changes, its version is bumped and an upcaster turns
//! the old JSON into the new shape (with a test that loads the old JSON).

use cqrs_es::DomainEvent;
use serde::{Deserialize, Serialize};

use super::BillingNotice;
use crate::{ApiKeyId, Plan, Role, TenantId, UserId};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum TenantEvent {
    TenantCreated {
        tenant_id: TenantId,
        name: String,
        plan: Plan,
    },
    TenantRenamed {
        name: String,
    },
    TenantPlanChanged {
        plan: Plan,
    },
    TenantSuspended {
        reason: String,
    },
    TenantReactivated,
    MemberAdded {
        user_id: UserId,
        role: Role,
    },
    MemberInvited {
        user_id: UserId,
        role: Role,
    },
    /// Followed by the `MemberAdded` it causes.
    InvitationAccepted {
        user_id: UserId,
    },
    /// Declined by the user or withdrawn by an owner (the metadata's actor says which).
    InvitationCancelled {
        user_id: UserId,
    },
    MemberRoleChanged {
        user_id: UserId,
        role: Role,
    },
    MemberRemoved {
        user_id: UserId,
    },
    ApiKeyCreated {
        key_id: ApiKeyId,
        name: String,
        prefix: String,
        secret_hash: String,
        created_by: UserId,
    },
    ApiKeyRevoked {
        key_id: ApiKeyId,
    },
    /// A billing notice, recorded once; `applied` is false for a notice older
    /// than one already applied (it changed nothing). A plan change it causes
    /// follows as `TenantPlanChanged`.
    BillingNoticeRecorded {
        notice: BillingNotice,
        applied: bool,
    },
}

impl DomainEvent for TenantEvent {
    fn event_type(&self) -> String {
        match self {
            TenantEvent::TenantCreated { .. } => "TenantCreated",
            TenantEvent::TenantRenamed { .. } => "TenantRenamed",
            TenantEvent::TenantPlanChanged { .. } => "TenantPlanChanged",
            TenantEvent::TenantSuspended { .. } => "TenantSuspended",
            TenantEvent::TenantReactivated => "TenantReactivated",
            TenantEvent::MemberAdded { .. } => "MemberAdded",
            TenantEvent::MemberInvited { .. } => "MemberInvited",
            TenantEvent::InvitationAccepted { .. } => "InvitationAccepted",
            TenantEvent::InvitationCancelled { .. } => "InvitationCancelled",
            TenantEvent::MemberRoleChanged { .. } => "MemberRoleChanged",
            TenantEvent::MemberRemoved { .. } => "MemberRemoved",
            TenantEvent::ApiKeyCreated { .. } => "ApiKeyCreated",
            TenantEvent::ApiKeyRevoked { .. } => "ApiKeyRevoked",
            TenantEvent::BillingNoticeRecorded { .. } => "BillingNoticeRecorded",
        }
        .to_owned()
    }

    fn event_version(&self) -> String {
        // One explicit version per event type; all are at their first shape.
        match self {
            TenantEvent::TenantCreated { .. }
            | TenantEvent::TenantRenamed { .. }
            | TenantEvent::TenantPlanChanged { .. }
            | TenantEvent::TenantSuspended { .. }
            | TenantEvent::TenantReactivated
            | TenantEvent::MemberAdded { .. }
            | TenantEvent::MemberInvited { .. }
            | TenantEvent::InvitationAccepted { .. }
            | TenantEvent::InvitationCancelled { .. }
            | TenantEvent::MemberRoleChanged { .. }
            | TenantEvent::MemberRemoved { .. }
            | TenantEvent::ApiKeyCreated { .. }
            | TenantEvent::ApiKeyRevoked { .. }
            | TenantEvent::BillingNoticeRecorded { .. } => "1",
        }
        .to_owned()
    }
}
