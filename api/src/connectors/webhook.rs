//! Nango's webhooks, after their HMAC is checked:
//!
//! - `auth`, a connection made or re-made (`creation`, `override`): the
//!   tenant is the organization Ancre named in the connect session, which
//!   Nango repeats; a failed token refresh (`refresh`) marks the connection
//!   so the user reconnects it.
//! - `sync` (success): a sync of the connection starts, keyed by the digest
//!   of the delivery, so a replayed delivery starts nothing.
//!
//! Forged or unsigned deliveries are refused (401) and change nothing; one
//! for a connection Ancre does not know is acknowledged and ignored, so
//! Nango does not retry it.

use ancre_commands::{Actor, CommandError, EventMetadata};
use ancre_connectors::nango::{self, NangoClient, Webhook};
use ancre_domain::connection::{
    connection_id_for, ConnectionCommand, ConnectionError, Provider, SyncTrigger,
};
use ancre_domain::{ConnectionId, TenantId};
use ancre_projections::read;
use axum::http::HeaderMap;
use uuid::Uuid;

use crate::app::AppState;
use crate::error::{ApiError, ApiResult};

const ACTOR: &str = "nango_webhook";

pub async fn receive(
    state: &AppState,
    nango: &NangoClient,
    request_id: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> ApiResult<()> {
    let signature = headers
        .get(nango::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok());
    nango::verify(body, signature, &nango.config().webhook_secret)
        .map_err(|e| ApiError::Unauthorized(e.to_string()))?;
    let webhook = Webhook::parse(body)
        .map_err(|e| ApiError::BadRequest(format!("not a Nango webhook: {e}")))?;
    match webhook {
        Webhook::Auth(auth) => {
            let Some(provider) = Provider::parse(&auth.provider_config_key) else {
                return ignored("an integration Ancre does not sync");
            };
            let Some(tenant) = auth
                .organization()
                .and_then(|o| o.parse::<Uuid>().ok())
                .map(TenantId)
            else {
                return ignored("a connection no tenant of Ancre made");
            };
            let id = connection_id_for(tenant, provider);
            let metadata = EventMetadata::for_request(tenant, Actor::System(ACTOR), request_id);
            let command = match (auth.operation.as_str(), auth.success) {
                ("creation" | "override", true) => ConnectionCommand::Establish {
                    connection_id: id,
                    tenant_id: tenant,
                    provider,
                    nango_connection_id: auth.connection_id.clone(),
                    integration: auth.provider_config_key.clone(),
                },
                (_, false) => ConnectionCommand::RecordAuthFailure {
                    reason: auth
                        .error
                        .map(|e| format!("{}: {}", e.kind, e.description))
                        .unwrap_or_else(|| "Nango could not authorise the connection".into()),
                },
                _ => return ignored("an auth operation with nothing to do"),
            };
            apply(state, id, command, &metadata).await
        }
        Webhook::Sync(sync) => {
            if !sync.success {
                return ignored("a failed Nango sync (nothing new to import)");
            }
            let known = read::connections::by_nango_id(
                &state.pool,
                &sync.provider_config_key,
                &sync.connection_id,
            )
            .await?;
            let Some((id, tenant)) = known else {
                return ignored("a connection Ancre does not know");
            };
            let id = ConnectionId(id);
            let metadata = EventMetadata::for_request(tenant, Actor::System(ACTOR), request_id);
            let command = ConnectionCommand::RequestSync {
                tenant_id: tenant,
                sync_id: Uuid::new_v4(),
                trigger: SyncTrigger::Webhook {
                    delivery: nango::delivery_digest(body),
                },
            };
            apply(state, id, command, &metadata).await
        }
        Webhook::Other(kind) => {
            tracing::debug!(kind, "Nango webhook of a type Ancre does not act on");
            Ok(())
        }
    }
}

fn ignored(why: &str) -> ApiResult<()> {
    tracing::info!(why, "Nango webhook ignored");
    Ok(())
}

/// Applies a webhook's command; what the connection's state makes moot
/// (unbound, disconnected) is acknowledged, not retried by Nango.
async fn apply(
    state: &AppState,
    id: ConnectionId,
    command: ConnectionCommand,
    metadata: &EventMetadata,
) -> ApiResult<()> {
    match state.commands.connection(id, command, metadata).await {
        Ok(_) => Ok(()),
        Err(CommandError::Rejected(
            e @ (ConnectionError::NotBound
            | ConnectionError::NotFound
            | ConnectionError::NotEstablished),
        )) => ignored(&e.to_string()),
        Err(other) => Err(other.into()),
    }
}
