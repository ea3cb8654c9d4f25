//! The providers a tenant can connect.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Provider {
    GoogleDrive,
    Notion,
}

impl Provider {
    pub const ALL: [Provider; 2] = [Provider::GoogleDrive, Provider::Notion];

    /// The name in URLs and events, also the integration's id in Nango.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::GoogleDrive => "google-drive",
            Provider::Notion => "notion",
        }
    }

    pub fn parse(name: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// The model of the Nango sync whose records become documents.
    pub fn model(self) -> &'static str {
        match self {
            Provider::GoogleDrive => "File",
            Provider::Notion => "ContentMetadata",
        }
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
