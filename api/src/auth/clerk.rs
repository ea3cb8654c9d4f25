//! Clerk session tokens: RS256 JWTs verified against Clerk's JWKS.
//!
//! Only RS256 is accepted — the algorithm is checked before any key is looked
//! up, so `alg: none` and the "HS256 signed with the public key" confusion are
//! refused outright. The header's `typ` must be `JWT`; `exp`, `nbf` and `iss` are
//! checked (5 s leeway), and `azp` must be one of the authorised parties
//! (required configuration). Keys are cached by `kid`; a token
//! naming an unknown `kid` triggers one JWKS refresh (key rotation), at most
//! once per `min_refresh_interval`, and only one refresh runs at a time.

use std::collections::HashMap;
use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use tokio::sync::{Mutex, RwLock};
use tokio::time::Instant;

use crate::config::ClerkConfig;

#[derive(Debug, Deserialize)]
pub struct SessionClaims {
    pub sub: String,
    #[serde(default)]
    pub azp: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token is malformed")]
    Malformed,
    #[error("tokens must be signed with RS256")]
    Algorithm,
    #[error("the token names no signing key")]
    MissingKid,
    #[error("the token's signing key is unknown")]
    UnknownKey,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    Premature,
    #[error("the token was issued by someone else")]
    Issuer,
    #[error("the token is not a session token (its `typ` is not JWT)")]
    Type,
    #[error("the token was issued for another application")]
    AuthorizedParty,
    #[error("the token is invalid")]
    Invalid,
    #[error("the signing keys cannot be fetched: {0}")]
    Jwks(String),
}

#[derive(Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kid: Option<String>,
    kty: String,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
}

pub struct ClerkVerifier {
    config: ClerkConfig,
    http: reqwest::Client,
    keys: RwLock<HashMap<String, DecodingKey>>,
    /// Held during a refresh; records when the last one happened.
    refresh: Mutex<Option<Instant>>,
}

impl ClerkVerifier {
    pub fn new(config: ClerkConfig) -> Self {
        Self {
            config,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .expect("HTTP client"),
            keys: RwLock::new(HashMap::new()),
            refresh: Mutex::new(None),
        }
    }

    pub async fn verify(&self, token: &str) -> Result<SessionClaims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        if header.alg != Algorithm::RS256 {
            return Err(TokenError::Algorithm);
        }
        // Clerk's session tokens say `typ: JWT`; another type (an access
        // token `at+jwt`, a logout token…) is another kind of credential,
        // even when the same keys signed it.
        if !header
            .typ
            .as_deref()
            .is_some_and(|typ| typ.eq_ignore_ascii_case("JWT"))
        {
            return Err(TokenError::Type);
        }
        let kid = header.kid.ok_or(TokenError::MissingKid)?;
        let key = match self.key(&kid).await {
            Some(key) => key,
            None => {
                self.refresh_keys().await?;
                self.key(&kid).await.ok_or(TokenError::UnknownKey)?
            }
        };
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = 5;
        validation.validate_nbf = true;
        validation.validate_aud = false; // Clerk session tokens carry `azp`, not `aud`
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_required_spec_claims(&["exp", "sub", "iss"]);
        let data =
            jsonwebtoken::decode::<SessionClaims>(token, &key, &validation).map_err(|e| {
                use jsonwebtoken::errors::ErrorKind as K;
                match e.kind() {
                    K::ExpiredSignature => TokenError::Expired,
                    K::ImmatureSignature => TokenError::Premature,
                    K::InvalidIssuer => TokenError::Issuer,
                    K::InvalidAlgorithm => TokenError::Algorithm,
                    _ => TokenError::Invalid,
                }
            })?;
        if !data
            .claims
            .azp
            .as_deref()
            .is_some_and(|azp| self.config.authorized_parties.allows(azp))
        {
            return Err(TokenError::AuthorizedParty);
        }
        Ok(data.claims)
    }

    async fn key(&self, kid: &str) -> Option<DecodingKey> {
        self.keys.read().await.get(kid).cloned()
    }

    async fn refresh_keys(&self) -> Result<(), TokenError> {
        let mut last = self.refresh.lock().await;
        if let Some(at) = *last {
            if at.elapsed() < self.config.min_refresh_interval {
                return Ok(()); // refreshed moments ago (maybe by a concurrent request)
            }
        }
        let jwks: Jwks = self
            .http
            .get(&self.config.jwks_url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| TokenError::Jwks(e.to_string()))?
            .json()
            .await
            .map_err(|e| TokenError::Jwks(e.to_string()))?;
        let mut fresh = HashMap::new();
        for jwk in jwks.keys {
            if let (Some(kid), "RSA", Some(n), Some(e)) = (jwk.kid, jwk.kty.as_str(), jwk.n, jwk.e)
            {
                match DecodingKey::from_rsa_components(&n, &e) {
                    Ok(key) => {
                        fresh.insert(kid, key);
                    }
                    Err(error) => tracing::warn!(%kid, %error, "ignoring an unreadable JWK"),
                }
            }
        }
        tracing::info!(keys = fresh.len(), "JWKS refreshed");
        *self.keys.write().await = fresh;
        *last = Some(Instant::now());
        Ok(())
    }
}
