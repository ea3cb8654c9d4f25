//! Where a document came from when a connector imported it (uploads have none).

use serde::{Deserialize, Serialize};

use crate::connection::Provider;
use crate::ConnectionId;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentSource {
    pub connection_id: ConnectionId,
    pub provider: Provider,
    /// The record's id at the provider (a Drive file id, a Notion page id).
    pub record_id: String,
    /// Where a person opens it at the provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The provider's modification time of this version, as it gave it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_at: Option<String>,
}
