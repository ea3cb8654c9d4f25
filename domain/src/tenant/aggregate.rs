//! The tenant's state and its rules. `decide` is a pure function from state and
//! command to new events; `apply` folds an event into the state.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{TenantCommand, TenantEvent, MAX_KEY_NAME_CHARS, MAX_NAME_CHARS};
use crate::text::{valid_name, TextError};
use crate::{ApiKeyId, Plan, Role, TenantId, UserId};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TenantStatus {
    #[default]
    Active,
    Suspended,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyState {
    pub revoked: bool,
}

/// The tenant as the write side sees it: only what its rules need.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Tenant {
    id: Option<TenantId>,
    name: String,
    plan: Plan,
    status: TenantStatus,
    members: BTreeMap<UserId, Role>,
    /// Pending invitations: the role each invited user would get.
    #[serde(default)]
    invitations: BTreeMap<UserId, Role>,
    api_keys: BTreeMap<ApiKeyId, ApiKeyState>,
    /// Billing notices already recorded (by provider event id).
    #[serde(default)]
    billing_notices: BTreeSet<String>,
    /// The provider time of the latest notice applied to the subscription.
    #[serde(default)]
    billing_as_of: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TenantError {
    #[error("this tenant already exists")]
    AlreadyExists,
    #[error("no such tenant")]
    NotFound,
    #[error("invalid name: {0}")]
    InvalidName(TextError),
    #[error("the tenant is suspended")]
    Suspended,
    #[error("the tenant is not suspended")]
    NotSuspended,
    #[error("the suspension needs a reason")]
    MissingReason,
    #[error("this user is already a member")]
    AlreadyMember,
    #[error("this user is already invited")]
    AlreadyInvited,
    #[error("no such invitation")]
    InvitationNotFound,
    #[error("no such member")]
    MemberNotFound,
    #[error("a tenant keeps at least one owner")]
    LastOwner,
    #[error("an API key with this id already exists")]
    ApiKeyExists,
    #[error("no such API key")]
    ApiKeyNotFound,
    #[error("this API key is already revoked")]
    ApiKeyRevoked,
}

impl Tenant {
    pub fn id(&self) -> Option<TenantId> {
        self.id
    }

    pub fn status(&self) -> TenantStatus {
        self.status
    }

    pub fn role_of(&self, user: &UserId) -> Option<Role> {
        self.members.get(user).copied()
    }

    fn owners(&self) -> usize {
        self.members.values().filter(|r| **r == Role::Owner).count()
    }

    /// The rules: which events a command produces in the current state.
    pub fn decide(&self, command: TenantCommand) -> Result<Vec<TenantEvent>, TenantError> {
        use TenantCommand as C;
        use TenantEvent as E;

        if let C::Create {
            tenant_id,
            name,
            owner,
        } = command
        {
            if self.id.is_some() {
                return Err(TenantError::AlreadyExists);
            }
            let name = valid_name(&name, MAX_NAME_CHARS).map_err(TenantError::InvalidName)?;
            return Ok(vec![
                E::TenantCreated {
                    tenant_id,
                    name,
                    plan: Plan::Free,
                },
                E::MemberAdded {
                    user_id: owner,
                    role: Role::Owner,
                },
            ]);
        }
        if self.id.is_none() {
            return Err(TenantError::NotFound);
        }
        // A suspended tenant can only be reactivated or moved between plans
        // (billing must still be able to settle its account).
        let suspended = self.status == TenantStatus::Suspended;
        if suspended
            && !matches!(
                command,
                C::Reactivate | C::ChangePlan { .. } | C::ApplyBilling { .. }
            )
        {
            return Err(TenantError::Suspended);
        }

        match command {
            C::Create { .. } => unreachable!("handled above"),
            C::Rename { name } => {
                let name = valid_name(&name, MAX_NAME_CHARS).map_err(TenantError::InvalidName)?;
                if name == self.name {
                    return Ok(vec![]);
                }
                Ok(vec![E::TenantRenamed { name }])
            }
            C::ChangePlan { plan } => {
                if plan == self.plan {
                    return Ok(vec![]);
                }
                Ok(vec![E::TenantPlanChanged { plan }])
            }
            C::Suspend { reason } => {
                let reason = reason.trim();
                if reason.is_empty() {
                    return Err(TenantError::MissingReason);
                }
                Ok(vec![E::TenantSuspended {
                    reason: reason.to_owned(),
                }])
            }
            C::Reactivate => {
                if !suspended {
                    return Err(TenantError::NotSuspended);
                }
                Ok(vec![E::TenantReactivated])
            }
            C::InviteMember { user_id, role } => {
                if self.members.contains_key(&user_id) {
                    return Err(TenantError::AlreadyMember);
                }
                if self.invitations.contains_key(&user_id) {
                    return Err(TenantError::AlreadyInvited);
                }
                Ok(vec![E::MemberInvited { user_id, role }])
            }
            C::AcceptInvitation { user_id } => {
                let role = *self
                    .invitations
                    .get(&user_id)
                    .ok_or(TenantError::InvitationNotFound)?;
                Ok(vec![
                    E::InvitationAccepted {
                        user_id: user_id.clone(),
                    },
                    E::MemberAdded { user_id, role },
                ])
            }
            C::CancelInvitation { user_id } => {
                if !self.invitations.contains_key(&user_id) {
                    return Err(TenantError::InvitationNotFound);
                }
                Ok(vec![E::InvitationCancelled { user_id }])
            }
            C::ChangeMemberRole { user_id, role } => {
                let current = self
                    .members
                    .get(&user_id)
                    .ok_or(TenantError::MemberNotFound)?;
                if *current == role {
                    return Ok(vec![]);
                }
                if *current == Role::Owner && self.owners() == 1 {
                    return Err(TenantError::LastOwner);
                }
                Ok(vec![E::MemberRoleChanged { user_id, role }])
            }
            C::RemoveMember { user_id } => {
                let current = self
                    .members
                    .get(&user_id)
                    .ok_or(TenantError::MemberNotFound)?;
                if *current == Role::Owner && self.owners() == 1 {
                    return Err(TenantError::LastOwner);
                }
                Ok(vec![E::MemberRemoved { user_id }])
            }
            C::CreateApiKey {
                key_id,
                name,
                prefix,
                secret_hash,
                created_by,
            } => {
                if self.api_keys.contains_key(&key_id) {
                    return Err(TenantError::ApiKeyExists);
                }
                let name =
                    valid_name(&name, MAX_KEY_NAME_CHARS).map_err(TenantError::InvalidName)?;
                Ok(vec![E::ApiKeyCreated {
                    key_id,
                    name,
                    prefix,
                    secret_hash,
                    created_by,
                }])
            }
            C::RevokeApiKey { key_id } => match self.api_keys.get(&key_id) {
                None => Err(TenantError::ApiKeyNotFound),
                Some(key) if key.revoked => Err(TenantError::ApiKeyRevoked),
                Some(_) => Ok(vec![E::ApiKeyRevoked { key_id }]),
            },
            C::ApplyBilling { notice } => {
                if self.billing_notices.contains(&notice.event_id) {
                    return Ok(vec![]);
                }
                let changes_subscription = notice.change.plan().is_some();
                let applied = !changes_subscription
                    || self
                        .billing_as_of
                        .is_none_or(|as_of| notice.created >= as_of);
                let plan = notice.change.plan().filter(|_| applied);
                let mut events = vec![E::BillingNoticeRecorded { notice, applied }];
                if let Some(plan) = plan.filter(|p| *p != self.plan) {
                    events.push(E::TenantPlanChanged { plan });
                }
                Ok(events)
            }
        }
    }
}

impl crate::Rejection for TenantError {
    fn kind(&self) -> crate::RejectionKind {
        use crate::RejectionKind as K;
        match self {
            TenantError::NotFound
            | TenantError::MemberNotFound
            | TenantError::InvitationNotFound
            | TenantError::ApiKeyNotFound => K::NotFound,
            TenantError::AlreadyExists
            | TenantError::AlreadyMember
            | TenantError::AlreadyInvited
            | TenantError::ApiKeyExists => K::Conflict,
            TenantError::InvalidName(_)
            | TenantError::Suspended
            | TenantError::NotSuspended
            | TenantError::MissingReason
            | TenantError::LastOwner
            | TenantError::ApiKeyRevoked => K::Invalid,
        }
    }
}

crate::emit::event_sourced!(Tenant, "tenant", TenantCommand, TenantEvent, TenantError);

impl Tenant {
    /// Applies one event to the state.
    pub fn fold(&mut self, event: TenantEvent) {
        use TenantEvent as E;
        match event {
            E::TenantCreated {
                tenant_id,
                name,
                plan,
            } => {
                self.id = Some(tenant_id);
                self.name = name;
                self.plan = plan;
            }
            E::TenantRenamed { name } => self.name = name,
            E::TenantPlanChanged { plan } => self.plan = plan,
            E::TenantSuspended { .. } => self.status = TenantStatus::Suspended,
            E::TenantReactivated => self.status = TenantStatus::Active,
            E::MemberAdded { user_id, role } | E::MemberRoleChanged { user_id, role } => {
                self.members.insert(user_id, role);
            }
            E::MemberRemoved { user_id } => {
                self.members.remove(&user_id);
            }
            E::MemberInvited { user_id, role } => {
                self.invitations.insert(user_id, role);
            }
            E::InvitationAccepted { user_id } | E::InvitationCancelled { user_id } => {
                self.invitations.remove(&user_id);
            }
            E::ApiKeyCreated { key_id, .. } => {
                self.api_keys.insert(key_id, ApiKeyState { revoked: false });
            }
            E::ApiKeyRevoked { key_id } => {
                if let Some(key) = self.api_keys.get_mut(&key_id) {
                    key.revoked = true;
                }
            }
            E::BillingNoticeRecorded { notice, applied } => {
                if applied && notice.change.plan().is_some() {
                    self.billing_as_of = Some(notice.created);
                }
                self.billing_notices.insert(notice.event_id);
            }
        }
    }
}

#[cfg(test)]
mod tests;
