//! Typed identifiers. A `TenantId` can never be passed where a `DocumentId` is
//! expected, and ids never travel as bare strings inside the code base.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh random id.
            pub fn new() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }
    };
}

uuid_id!(
    /// A tenant: the unit of isolation and billing.
    TenantId
);
uuid_id!(
    /// A collection of documents, inside one tenant.
    CollectionId
);
uuid_id!(
    /// An uploaded document, inside one collection.
    DocumentId
);
uuid_id!(
    /// An API key of a tenant (the id, not the secret).
    ApiKeyId
);
uuid_id!(
    /// An assistant: instructions and retrieval settings over some collections.
    AssistantId
);
uuid_id!(
    /// A conversation with one assistant: a sequence of turns.
    ConversationId
);
uuid_id!(
    /// A tenant's connection to one provider (through Nango).
    ConnectionId
);

/// A user as named by the identity provider (a Clerk user id such as
/// `user_2abc…`, or `dev-user` under the development bypass). Opaque to us.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(String);

impl UserId {
    /// Wraps an identity-provider user id; `None` when it is empty or absurdly long.
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        (!raw.is_empty() && raw.len() <= 200).then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
