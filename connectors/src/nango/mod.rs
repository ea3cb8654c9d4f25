//! Nango, self-hosted: the HTTP API Ancre calls and the webhooks it receives.

pub mod client;
pub mod webhook;

use std::fmt;
use std::time::Duration;

pub use client::{
    ConnectSession, Connection, NangoClient, NangoError, Record, RecordAction, RecordsPage,
};
pub use webhook::{
    delivery_digest, sign, verify, AuthWebhook, SignatureError, SyncWebhook, Webhook,
    SIGNATURE_HEADER,
};

/// Where Nango is and the keys to talk to it (`NANGO_*`).
#[derive(Clone)]
pub struct NangoConfig {
    /// `NANGO_URL`: the Nango server's API, e.g. `http://nango:3003`.
    pub url: String,
    /// `NANGO_SECRET_KEY`: the environment's secret key (sent as a bearer token).
    pub secret_key: String,
    /// `NANGO_WEBHOOK_SECRET`: the environment's webhook signing key; Nango
    /// versions before signing keys existed sign with the secret key, the default.
    pub webhook_secret: String,
    /// `NANGO_CONNECT_URL`: the Connect UI the web UI opens, when not Nango Cloud's.
    pub connect_url: Option<String>,
    /// `NANGO_PUBLIC_URL`: Nango's API as browsers reach it (the Connect UI
    /// calls it), when not Nango Cloud's.
    pub public_url: Option<String>,
    /// `NANGO_TIMEOUT_SECS`: one request to Nango (a file download included).
    pub timeout: Duration,
}

impl NangoConfig {
    /// The Connect UI's address: this deployment's, or Nango Cloud's.
    pub fn connect_ui(&self) -> &str {
        self.connect_url
            .as_deref()
            .unwrap_or("https://connect.nango.dev")
    }
}

impl fmt::Debug for NangoConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NangoConfig")
            .field("url", &self.url)
            .field("secret_key", &"[redacted]")
            .field("webhook_secret", &"[redacted]")
            .field("connect_url", &self.connect_url)
            .field("public_url", &self.public_url)
            .field("timeout", &self.timeout)
            .finish()
    }
}
