//! The webhooks Nango sends: `X-Nango-Hmac-Sha256` is the lowercase hex
//! HMAC-SHA256 of the raw body under the environment's webhook signing key.
//! Nango puts no timestamp in the signature, so a replay cannot be told from
//! the first delivery by time: receivers recognise a delivery by the digest of
//! its body (see `delivery_digest`).

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::{Digest, Sha256};

pub const SIGNATURE_HEADER: &str = "x-nango-hmac-sha256";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the X-Nango-Hmac-Sha256 header is missing")]
    Missing,
    #[error("the X-Nango-Hmac-Sha256 signature does not match the body")]
    Mismatch,
}

/// Checks `signature` (the header's value) against `body`, in constant time.
pub fn verify(body: &[u8], signature: Option<&str>, key: &str) -> Result<(), SignatureError> {
    let signature = signature.ok_or(SignatureError::Missing)?;
    let expected = hex::decode(signature.trim()).map_err(|_| SignatureError::Mismatch)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)
}

/// What Nango itself puts in the header (for tests and fakes that sign).
pub fn sign(body: &[u8], key: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// One delivery's identity: the SHA-256 of its body, hex.
pub fn delivery_digest(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// The webhooks Ancre acts on; any other type is acknowledged and ignored
/// (Nango adds types over time).
#[derive(Debug, Clone)]
pub enum Webhook {
    Auth(AuthWebhook),
    Sync(SyncWebhook),
    Other(String),
}

/// A connection was made, re-authorised, or its token refresh failed.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthWebhook {
    /// `creation`, `override` or `refresh` (a failed refresh).
    pub operation: String,
    pub success: bool,
    pub connection_id: String,
    pub provider_config_key: String,
    #[serde(default)]
    pub end_user: Option<WebhookEndUser>,
    #[serde(default)]
    pub tags: Option<std::collections::HashMap<String, String>>,
    #[serde(default)]
    pub error: Option<WebhookError>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookEndUser {
    #[serde(default)]
    pub organization_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WebhookError {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub description: String,
}

impl AuthWebhook {
    /// The organization (Ancre's tenant) the connect session named.
    pub fn organization(&self) -> Option<&str> {
        self.tags
            .as_ref()
            .and_then(|t| t.get("organization_id"))
            .map(String::as_str)
            .or_else(|| {
                self.end_user
                    .as_ref()
                    .and_then(|u| u.organization_id.as_deref())
            })
    }
}

/// A sync run finished (or failed) for a connection.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncWebhook {
    pub success: bool,
    pub connection_id: String,
    pub provider_config_key: String,
    #[serde(default)]
    pub sync_name: String,
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub response_results: Option<SyncResults>,
    #[serde(default)]
    pub error: Option<WebhookError>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct SyncResults {
    #[serde(default)]
    pub added: u64,
    #[serde(default)]
    pub updated: u64,
    #[serde(default)]
    pub deleted: u64,
}

#[derive(Deserialize)]
struct Kind {
    #[serde(rename = "type")]
    kind: String,
}

impl Webhook {
    /// Reads a verified body.
    pub fn parse(body: &[u8]) -> Result<Webhook, serde_json::Error> {
        let Kind { kind } = serde_json::from_slice(body)?;
        Ok(match kind.as_str() {
            "auth" => Webhook::Auth(serde_json::from_slice(body)?),
            "sync" => Webhook::Sync(serde_json::from_slice(body)?),
            _ => Webhook::Other(kind),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_only_its_own_body_and_key() {
        let body = br#"{"type":"sync","connectionId":"c1"}"#;
        let signature = sign(body, "key-1");
        assert_eq!(verify(body, Some(&signature), "key-1"), Ok(()));
        assert_eq!(
            verify(b"{}", Some(&signature), "key-1"),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(body, Some(&signature), "key-2"),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(body, Some("not hex"), "key-1"),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(verify(body, None, "key-1"), Err(SignatureError::Missing));
    }

    #[test]
    fn the_tenant_is_read_from_tags_or_from_the_end_user() {
        let tagged: AuthWebhook = serde_json::from_str(
            r#"{"type":"auth","operation":"creation","success":true,"connectionId":"c",
                "providerConfigKey":"google-drive","tags":{"organization_id":"t1"}}"#,
        )
        .unwrap();
        assert_eq!(tagged.organization(), Some("t1"));
        let older: AuthWebhook = serde_json::from_str(
            r#"{"type":"auth","operation":"creation","success":true,"connectionId":"c",
                "providerConfigKey":"google-drive","endUser":{"endUserId":"u","organizationId":"t2"}}"#,
        )
        .unwrap();
        assert_eq!(older.organization(), Some("t2"));
        assert!(matches!(
            Webhook::parse(br#"{"type":"forward","payload":{}}"#).unwrap(),
            Webhook::Other(kind) if kind == "forward"
        ));
    }
}
