//! Member roles and the permissions they carry.
//!
//! Permissions are decided here, next to the roles, so that the HTTP edge only
//! asks "may this principal do X" and never re-derives the rule itself.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Full control of the tenant: settings, members, API keys, billing.
    Owner,
    /// Uses the product: collections, documents, assistants, chat.
    Member,
    /// Read-only access to usage and invoices, for finance.
    Billing,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Member => "member",
            Role::Billing => "billing",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "owner" => Some(Role::Owner),
            "member" => Some(Role::Member),
            "billing" => Some(Role::Billing),
            _ => None,
        }
    }

    /// Rename the tenant, manage members and API keys.
    pub fn can_administer(self) -> bool {
        matches!(self, Role::Owner)
    }

    /// Read the tenant's usage, ledger and invoices.
    pub fn can_read_usage(self) -> bool {
        matches!(self, Role::Owner | Role::Billing)
    }

    /// Use the product itself (collections, documents, assistants, chat).
    pub fn can_use_workspace(self) -> bool {
        matches!(self, Role::Owner | Role::Member)
    }
}
