//! `/api/v1/billing`: the tenant's plan with Stripe.
//!
//! - `GET /billing`: plan, subscription status, last failed payment.
//! - `POST /billing/checkout`: a Stripe Checkout session for Pro (owner).
//! - `POST /billing/portal`: a Stripe Billing Portal session (owner).
//! - `POST /billing/webhook`: Stripe's notices, signature-checked; each event
//!   is applied once (by its id) and in Stripe's order, as tenant events.
//!
//! Without `STRIPE_SECRET_KEY` the billing routes answer 503 saying so, and
//! tenants stay on their plan.

use ancre_commands::{Actor, CommandError, EventMetadata};
use ancre_domain::tenant::{TenantCommand, TenantError};
use ancre_domain::{Plan, TenantId};
use ancre_projections::projectors::{billing::NAME as BILLING, tenants::NAME as TENANTS};
use ancre_projections::read;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::permission::{Owner, UsageReader};
use crate::billing::client::{Session, StripeClient, StripeError};
use crate::billing::webhook;
use crate::error::{ApiError, ApiResult, Problem};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/billing", get(status))
        .route("/billing/checkout", post(checkout))
        .route("/billing/portal", post(portal))
        .route("/billing/webhook", post(stripe_webhook))
}

fn stripe(state: &AppState) -> ApiResult<&StripeClient> {
    state.stripe.as_ref().ok_or_else(|| {
        ApiError::Unavailable(
            "billing is not configured on this deployment (STRIPE_SECRET_KEY is unset): \
             every tenant stays on its current plan"
                .into(),
        )
    })
}

/// Stripe's own words (a key's prefix, a parameter, a customer id) are for
/// the operator's logs; the user learns only that billing failed.
fn refused(e: StripeError) -> ApiError {
    tracing::error!(error = %e, "Stripe refused or could not be reached");
    ApiError::Unavailable(
        "the payment provider could not open this page right now; please try again later".into(),
    )
}

#[derive(Serialize, ToSchema)]
pub struct BillingStatus {
    /// `free` or `pro`.
    pub plan: String,
    /// Whether this deployment bills with Stripe.
    pub billing_enabled: bool,
    /// Stripe's status of the subscription (`active`, `past_due`, `canceled`…).
    pub subscription_status: Option<String>,
    pub payment_failed_at: Option<DateTime<Utc>>,
}

/// The tenant's plan and subscription (roles owner and billing).
#[utoipa::path(get, path = "/api/v1/billing", tag = "billing",
    responses((status = 200, body = BillingStatus), (status = 403, body = Problem)))]
pub async fn status(
    State(state): State<AppState>,
    ctx: UsageReader,
) -> ApiResult<Json<BillingStatus>> {
    let billing = read::billing::get(&state.pool, ctx.tenant_id()).await?;
    Ok(Json(BillingStatus {
        plan: ctx.tenant.plan.as_str().to_owned(),
        billing_enabled: state.stripe.is_some(),
        subscription_status: billing.as_ref().and_then(|b| b.subscription_status.clone()),
        payment_failed_at: billing.and_then(|b| b.payment_failed_at),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct SessionResponse {
    pub id: String,
    /// Where to send the user.
    pub url: String,
}

impl From<Session> for SessionResponse {
    fn from(s: Session) -> Self {
        SessionResponse {
            id: s.id,
            url: s.url,
        }
    }
}

/// Start a subscription to Pro: a Stripe Checkout session (owner).
#[utoipa::path(post, path = "/api/v1/billing/checkout", tag = "billing",
    responses((status = 200, body = SessionResponse), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 503, body = Problem)))]
pub async fn checkout(
    State(state): State<AppState>,
    ctx: Owner,
) -> ApiResult<Json<SessionResponse>> {
    let stripe = stripe(&state)?;
    if ctx.tenant.plan == Plan::Pro {
        return Err(ApiError::Conflict(
            "the tenant is already on Pro: manage the subscription in the billing portal \
             (POST /api/v1/billing/portal)"
                .into(),
        ));
    }
    let customer = read::billing::get(&state.pool, ctx.tenant_id())
        .await?
        .map(|b| b.customer_id);
    let session = stripe
        .checkout(&ctx.tenant_id().to_string(), customer.as_deref())
        .await
        .map_err(refused)?;
    Ok(Json(session.into()))
}

/// Manage the subscription, payment methods and invoices: a Stripe Billing
/// Portal session (owner).
#[utoipa::path(post, path = "/api/v1/billing/portal", tag = "billing",
    responses((status = 200, body = SessionResponse), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 503, body = Problem)))]
pub async fn portal(State(state): State<AppState>, ctx: Owner) -> ApiResult<Json<SessionResponse>> {
    let stripe = stripe(&state)?;
    let billing = read::billing::get(&state.pool, ctx.tenant_id())
        .await?
        .ok_or_else(|| {
            ApiError::Conflict(
                "the tenant has no Stripe customer yet: subscribe first \
                 (POST /api/v1/billing/checkout)"
                    .into(),
            )
        })?;
    let session = stripe.portal(&billing.customer_id).await.map_err(refused)?;
    Ok(Json(session.into()))
}

#[derive(Serialize, ToSchema)]
pub struct WebhookAnswer {
    pub received: bool,
    /// Why the event changed nothing, when it did not (not an event Ancre
    /// acts on, no tenant of ours).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignored: Option<String>,
}

fn ignored(why: String) -> Json<WebhookAnswer> {
    Json(WebhookAnswer {
        received: true,
        ignored: Some(why),
    })
}

/// Stripe's webhook (authenticated by `Stripe-Signature`, not a bearer token).
#[utoipa::path(post, path = "/api/v1/billing/webhook", tag = "billing",
    request_body(content = String, content_type = "application/json",
        description = "A Stripe event, exactly as Stripe sent it (the signature covers the bytes)"),
    responses((status = 200, body = WebhookAnswer), (status = 400, body = Problem),
        (status = 503, body = Problem)), security(()))]
pub async fn stripe_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<WebhookAnswer>> {
    let stripe = stripe(&state)?;
    let config = stripe.config();
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::BadRequest("the Stripe-Signature header is missing".into()))?;
    webhook::verify(
        &config.webhook_secret,
        &body,
        signature,
        Utc::now().timestamp(),
        config.webhook_tolerance,
    )
    .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let event: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))?;
    let Some(notice) = webhook::read(&event).map_err(ApiError::BadRequest)? else {
        let kind = event["type"].as_str().unwrap_or("?");
        return Ok(ignored(format!("Ancre does not act on {kind} events")));
    };
    let tenant = match tenant_of(&state, &notice).await? {
        Some(t) => t,
        None => {
            tracing::warn!(event = %notice.notice.event_id, customer = %notice.notice.customer_id,
                "a Stripe event for no tenant of ours");
            return Ok(ignored("no tenant has this customer".into()));
        }
    };
    let metadata = EventMetadata::for_request(
        tenant,
        Actor::System("stripe"),
        notice.notice.event_id.clone(),
    );
    match state
        .commands
        .tenant(
            tenant,
            TenantCommand::ApplyBilling {
                notice: notice.notice,
            },
            &metadata,
        )
        .await
    {
        Ok(at) => {
            state.caught_up(at, &[TENANTS, BILLING]).await?;
            Ok(Json(WebhookAnswer {
                received: true,
                ignored: None,
            }))
        }
        Err(CommandError::Rejected(TenantError::NotFound)) => {
            Ok(ignored("no tenant has this customer".into()))
        }
        Err(other) => Err(other.into()),
    }
}

/// The tenant a notice is for: the one its metadata names (Checkout sets it),
/// else the one that has its customer.
async fn tenant_of(state: &AppState, notice: &webhook::Notice) -> ApiResult<Option<TenantId>> {
    if let Some(id) = notice.tenant_id.as_deref().and_then(|t| t.parse().ok()) {
        let tenant = TenantId(id);
        if read::tenants::get(&state.pool, tenant).await?.is_some() {
            return Ok(Some(tenant));
        }
    }
    Ok(read::billing::tenant_of_customer(&state.pool, &notice.notice.customer_id).await?)
}
