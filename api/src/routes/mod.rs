//! Route groups, one module each, each exporting its own `router()`; this
//! module only nests them and assembles the OpenAPI document.

pub mod api_keys;
pub mod assistants;
pub mod billing;
pub mod chat;
pub mod collections;
pub mod conversations;
pub mod copilotkit;
pub mod docs;
pub mod document_feed;
pub mod documents;
pub mod health;
pub mod integrations;
pub mod invitations;
pub mod me;
pub mod members;
pub mod retrieval_preview;
pub mod tenants;
pub mod usage;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;

use crate::auth::permission::WorkspaceUser;

use ancre_commands::EventMetadata;

use crate::app::AppState;
use crate::auth::TenantContext;
use crate::telemetry::REQUEST_ID;

/// Everything under `/api/v1`.
///
/// The workspace — collections, documents and their files, chunks and feed,
/// assistants, chat and conversations — is for roles that use the product
/// (owner, member, API keys): a `billing` user reads usage and invoices only.
/// The rule is laid over the whole group here, reads included, so a route
/// added to one of these modules cannot forget it.
pub fn api_router(state: &AppState) -> Router<AppState> {
    let workspace = Router::new()
        .merge(documents::router(&state.config))
        .merge(document_feed::router())
        .merge(collections::router())
        .merge(assistants::router())
        .merge(retrieval_preview::router())
        .merge(chat::router())
        .merge(conversations::router())
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            workspace_roles_only,
        ));
    Router::new()
        .merge(workspace)
        .merge(tenants::router())
        .merge(me::router())
        .merge(api_keys::router())
        .merge(members::router())
        .merge(invitations::router())
        .merge(usage::router())
        .merge(billing::router())
        .merge(integrations::router())
        .merge(copilotkit::router())
}

/// Middleware of the workspace routes: the caller's role there must use
/// the product ([`WorkspaceUser`]). The tenant context it establishes is
/// kept for the handler.
async fn workspace_roles_only(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Result<Response, crate::error::ApiError> {
    let (mut parts, body) = request.into_parts();
    WorkspaceUser::from_request_parts(&mut parts, &state).await?;
    Ok(next.run(Request::from_parts(parts, body)).await)
}

/// `?limit=&offset=` of list endpoints.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct Page {
    /// 1..=200, default 50.
    pub limit: Option<i64>,
    /// Items to skip, default 0.
    pub offset: Option<i64>,
}

impl Page {
    pub fn resolve(&self) -> crate::error::ApiResult<(i64, i64)> {
        let limit = self.limit.unwrap_or(50);
        let offset = self.offset.unwrap_or(0);
        if !(1..=200).contains(&limit) || offset < 0 {
            return Err(crate::error::ApiError::Validation(
                "limit must be between 1 and 200, and offset at least 0".into(),
            ));
        }
        Ok((limit, offset))
    }
}

/// One page of a list.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Paginated<T> {
    pub items: Vec<T>,
    /// Items in the whole list.
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

/// Metadata of a command sent on behalf of the caller by this request.
pub fn metadata(ctx: &TenantContext, request: RequestId) -> EventMetadata {
    EventMetadata::for_request(ctx.tenant_id(), ctx.principal.actor(), request.0)
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
