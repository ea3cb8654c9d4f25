//! Route groups, one module each, each exporting its own `router()`; this
//! module only nests them and assembles the OpenAPI document.

pub mod api_keys;
pub mod docs;
pub mod health;
pub mod me;
pub mod tenants;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::Router;

use crate::app::AppState;
use crate::telemetry::REQUEST_ID;

/// Everything under `/api/v1`.
pub fn api_router() -> Router<AppState> {
    Router::new()
        .merge(tenants::router())
        .merge(me::router())
        .merge(api_keys::router())
}

/// The request id set by the middleware (recorded in event metadata).
pub struct RequestId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(RequestId(
            parts
                .headers
                .get(REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-")
                .to_owned(),
        ))
    }
}
