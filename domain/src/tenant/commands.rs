//! What can be asked of a tenant.

use super::BillingNotice;
use crate::{ApiKeyId, Plan, Role, TenantId, UserId};

#[derive(Clone, Debug, PartialEq)]
pub enum TenantCommand {
    /// Open a new tenant; `owner` becomes its first member with role owner.
    Create {
        tenant_id: TenantId,
        name: String,
        owner: UserId,
    },
    Rename {
        name: String,
    },
    /// Move to another plan (billing webhooks, platform admins).
    ChangePlan {
        plan: Plan,
    },
    /// Platform admins only: the tenant can no longer act until reactivated.
    Suspend {
        reason: String,
    },
    Reactivate,
    /// Invite a user (owners): nobody becomes a member without accepting,
    /// so no tenant can pull a user in, nor become their default.
    InviteMember {
        user_id: UserId,
        role: Role,
    },
    /// The invited user accepts: they become a member with the invited role.
    AcceptInvitation {
        user_id: UserId,
    },
    /// The invited user declines, or an owner withdraws the invitation.
    CancelInvitation {
        user_id: UserId,
    },
    ChangeMemberRole {
        user_id: UserId,
        role: Role,
    },
    RemoveMember {
        user_id: UserId,
    },
    /// Register an API key. `secret_hash` is the SHA-256 (hex) of the secret;
    /// `prefix` is the non-secret start shown in listings.
    CreateApiKey {
        key_id: ApiKeyId,
        name: String,
        prefix: String,
        secret_hash: String,
        created_by: UserId,
    },
    RevokeApiKey {
        key_id: ApiKeyId,
    },
    /// A notice from the billing provider (a verified webhook).
    ApplyBilling {
        notice: BillingNotice,
    },
}
