//! Nango's HTTP API, the calls Ancre makes: a connect session for the web
//! UI, a connection (to check whose it is), its deletion, the records of a
//! sync page by page, and a file's bytes through the proxy.
//!
//! Errors keep Nango's own `{"error": {"code", "message"}}`; the proxy passes
//! the provider's errors through as they came.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::NangoConfig;

#[derive(Debug, thiserror::Error)]
pub enum NangoError {
    /// Nango (or, through the proxy, the provider) refused the request.
    #[error("Nango refused the request ({status}{}): {message}", code.as_deref().map(|c| format!(", {c}")).unwrap_or_default())]
    Refused {
        status: u16,
        code: Option<String>,
        message: String,
    },
    /// No such connection (deleted in Nango, or never made).
    #[error("Nango has no such connection")]
    UnknownConnection,
    /// A file larger than Ancre accepts: its download was stopped there.
    #[error("the file is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("Nango could not be reached: {0}")]
    Unreachable(String),
}

impl NangoError {
    /// What a user may read: the status and Nango's error code, never its
    /// message or an address (those go to the logs).
    pub fn summary(&self) -> String {
        match self {
            NangoError::Refused { status, code, .. } => match code {
                Some(code) => format!("Nango answered {status} ({code})"),
                None => format!("Nango answered {status}"),
            },
            NangoError::UnknownConnection => "Nango no longer has this connection".into(),
            NangoError::TooLarge { limit } => {
                format!("the file is larger than the limit of {} MB", limit >> 20)
            }
            NangoError::Unreachable(_) => "Nango could not be reached".into(),
        }
    }

    /// Worth retrying later: Nango (or the provider) is down, overloaded or
    /// rate-limiting; anything else will fail again the same way.
    pub fn is_transient(&self) -> bool {
        match self {
            NangoError::Unreachable(_) => true,
            NangoError::Refused { status, .. } => *status >= 500 || *status == 429,
            NangoError::UnknownConnection | NangoError::TooLarge { .. } => false,
        }
    }
}

/// What the web UI opens Nango's Connect UI with.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConnectSession {
    pub token: String,
    /// Absent from older Nango releases.
    #[serde(default)]
    pub connect_link: Option<String>,
    pub expires_at: DateTime<Utc>,
}

/// A connection as Nango lists it (credentials left out).
#[derive(Debug, Clone, Deserialize)]
pub struct Connection {
    pub connection_id: String,
    pub provider_config_key: String,
    #[serde(default)]
    pub provider: String,
    #[serde(default)]
    pub end_user: Option<EndUser>,
    #[serde(default)]
    pub tags: Option<HashMap<String, String>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EndUser {
    pub id: String,
    #[serde(default)]
    pub organization: Option<Organization>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Organization {
    pub id: String,
}

impl Connection {
    /// The organization the connect session named (Ancre names the tenant):
    /// from the tags newer releases keep, or the end user older ones keep.
    pub fn organization(&self) -> Option<&str> {
        self.tags
            .as_ref()
            .and_then(|t| t.get("organization_id"))
            .map(String::as_str)
            .or_else(|| {
                self.end_user
                    .as_ref()
                    .and_then(|u| u.organization.as_ref())
                    .map(|o| o.id.as_str())
            })
    }
}

/// What the sync last did to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RecordAction {
    Added,
    Updated,
    Deleted,
}

/// One record of a sync: its id, what happened to it, when, and the model's
/// own fields.
#[derive(Debug, Clone)]
pub struct Record {
    pub id: String,
    pub action: RecordAction,
    /// Nango's `last_modified_at`: two versions of a record differ here.
    pub last_modified_at: String,
    /// Where a later read resumes to see only what changed after this record.
    pub cursor: Option<String>,
    pub fields: Map<String, Value>,
}

#[derive(Debug, Clone)]
pub struct RecordsPage {
    pub records: Vec<Record>,
    /// `None` on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Deserialize)]
struct RawPage {
    records: Vec<Map<String, Value>>,
    next_cursor: Option<String>,
}

#[derive(Deserialize)]
struct Metadata {
    last_action: RecordAction,
    last_modified_at: String,
    #[serde(default)]
    cursor: Option<String>,
}

impl Record {
    fn from_raw(mut fields: Map<String, Value>) -> Result<Record, NangoError> {
        let bad = |what: &str| NangoError::Unreachable(format!("a record without {what}"));
        let id = match fields.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(bad("an id")),
        };
        let metadata: Metadata = fields
            .remove("_nango_metadata")
            .and_then(|m| serde_json::from_value(m).ok())
            .ok_or_else(|| bad("_nango_metadata"))?;
        Ok(Record {
            id,
            action: metadata.last_action,
            last_modified_at: metadata.last_modified_at,
            cursor: metadata.cursor,
            fields,
        })
    }

    /// A string field of the model.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).and_then(Value::as_str)
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    error: ErrorObject,
}

#[derive(Deserialize)]
struct ErrorObject {
    code: Option<String>,
    message: Option<String>,
}

#[derive(Clone)]
pub struct NangoClient {
    config: NangoConfig,
    http: reqwest::Client,
}

impl NangoClient {
    pub fn new(config: NangoConfig) -> Self {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .expect("an HTTP client");
        NangoClient { config, http }
    }

    pub fn config(&self) -> &NangoConfig {
        &self.config
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.url.trim_end_matches('/'))
    }

    /// A connect session letting `user` of `tenant` connect `integration`
    /// only. The tenant is the session's organization: Nango repeats it on
    /// the connection and in its webhooks.
    pub async fn connect_session(
        &self,
        tenant: &str,
        user: &str,
        integration: &str,
    ) -> Result<ConnectSession, NangoError> {
        #[derive(Deserialize)]
        struct Answer {
            data: ConnectSession,
        }
        let body = json!({
            "end_user": { "id": user },
            "organization": { "id": tenant },
            "allowed_integrations": [integration],
        });
        let response = self
            .http
            .post(self.url("/connect/sessions"))
            .bearer_auth(&self.config.secret_key)
            .json(&body)
            .send()
            .await;
        let answer: Answer = parse(checked(response).await?).await?;
        Ok(answer.data)
    }

    /// The connection `connection_id` of `integration`.
    pub async fn connection(
        &self,
        connection_id: &str,
        integration: &str,
    ) -> Result<Connection, NangoError> {
        let response = self
            .http
            .get(self.url(&format!(
                "/connections/{}",
                crate::percent_encode(connection_id)
            )))
            .query(&[("provider_config_key", integration)])
            .bearer_auth(&self.config.secret_key)
            .send()
            .await;
        parse(checked(response).await?).await
    }

    /// Deletes the connection in Nango; one already gone counts as deleted.
    pub async fn delete_connection(
        &self,
        connection_id: &str,
        integration: &str,
    ) -> Result<(), NangoError> {
        let response = self
            .http
            .delete(self.url(&format!(
                "/connections/{}",
                crate::percent_encode(connection_id)
            )))
            .query(&[("provider_config_key", integration)])
            .bearer_auth(&self.config.secret_key)
            .send()
            .await;
        match checked(response).await {
            Ok(_) | Err(NangoError::UnknownConnection) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// One page of `model`'s records after `cursor` (from the start without).
    pub async fn records(
        &self,
        connection_id: &str,
        integration: &str,
        model: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<RecordsPage, NangoError> {
        let mut query = vec![("model", model.to_owned()), ("limit", limit.to_string())];
        if let Some(cursor) = cursor {
            query.push(("cursor", cursor.to_owned()));
        }
        let response = self
            .http
            .get(self.url("/records"))
            .query(&query)
            .header("Connection-Id", connection_id)
            .header("Provider-Config-Key", integration)
            .bearer_auth(&self.config.secret_key)
            .send()
            .await;
        let raw: RawPage = parse(checked(response).await?).await?;
        Ok(RecordsPage {
            records: raw
                .records
                .into_iter()
                .map(Record::from_raw)
                .collect::<Result<_, _>>()?,
            next_cursor: raw.next_cursor,
        })
    }

    /// The bytes the provider answers at `path` (with its query), through
    /// Nango's proxy with the connection's credentials; stops past `limit`.
    pub async fn proxy_get(
        &self,
        connection_id: &str,
        integration: &str,
        path: &str,
        headers: &[(&str, &str)],
        limit: u64,
    ) -> Result<Vec<u8>, NangoError> {
        let mut request = self
            .http
            .get(self.url(&format!("/proxy/{}", path.trim_start_matches('/'))))
            .header("Connection-Id", connection_id)
            .header("Provider-Config-Key", integration)
            .header("Retries", "2")
            .bearer_auth(&self.config.secret_key);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let mut response = checked(request.send().await).await?;
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| NangoError::Unreachable(e.to_string()))?
        {
            if bytes.len() as u64 + chunk.len() as u64 > limit {
                return Err(NangoError::TooLarge { limit });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }
}

/// The response if it succeeded, else Nango's error as a [`NangoError`].
async fn checked(
    response: reqwest::Result<reqwest::Response>,
) -> Result<reqwest::Response, NangoError> {
    let response = response.map_err(|e| NangoError::Unreachable(e.to_string()))?;
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let body = response.bytes().await.unwrap_or_default();
    let error = serde_json::from_slice::<ErrorBody>(&body)
        .ok()
        .map(|b| b.error);
    let code = error.as_ref().and_then(|e| e.code.clone());
    // Nango names an unknown connection differently per endpoint (404
    // not_found, 400 unknown_connection).
    if matches!(code.as_deref(), Some("unknown_connection"))
        || (status.as_u16() == 404 && matches!(code.as_deref(), Some("not_found")))
    {
        return Err(NangoError::UnknownConnection);
    }
    let message = error
        .and_then(|e| e.message)
        .unwrap_or_else(|| String::from_utf8_lossy(&body).chars().take(200).collect());
    Err(NangoError::Refused {
        status: status.as_u16(),
        code,
        message,
    })
}

async fn parse<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
) -> Result<T, NangoError> {
    let body = response
        .bytes()
        .await
        .map_err(|e| NangoError::Unreachable(e.to_string()))?;
    serde_json::from_slice(&body)
        .map_err(|e| NangoError::Unreachable(format!("an unexpected answer from Nango: {e}")))
}
