//! Who is calling, and for which tenant.
//!
//! Credentials, in order:
//! 1. `Authorization: Bearer ak_…` — an API key; its tenant is the key's.
//! 2. `Authorization: Bearer <JWT>` — a Clerk session token (when Clerk is
//!    configured); the user's tenant is one of their memberships: the one named
//!    by the `X-Ancre-Tenant` header if they belong to it, else their oldest.
//! 3. No credential and `DEV_AUTH_BYPASS=true` — the dev user, owner of the
//!    dev tenant (created at start-up).
//!
//! The tenant is always derived from the verified credential and the
//! membership read model, never taken on trust from a path or body.

pub mod api_keys;
pub mod clerk;
pub mod permission;

use ancre_commands::Actor;
use ancre_domain::{ApiKeyId, Role, TenantId, UserId};
use ancre_projections::read::{self, tenants::TenantView};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sqlx::PgPool;
use uuid::Uuid;

use crate::app::AppState;
use crate::error::ApiError;
use clerk::ClerkVerifier;

/// The header a user sends to pick one of their tenants.
pub const TENANT_HEADER: &str = "x-ancre-tenant";

/// The dev user and tenant of `DEV_AUTH_BYPASS=true`.
pub fn dev_user() -> UserId {
    UserId::parse("dev-user").expect("valid")
}
pub fn dev_tenant() -> TenantId {
    TenantId(Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        b"https://ancre.dev/dev-tenant",
    ))
}

#[derive(Debug, Clone, PartialEq)]
pub enum Identity {
    User(UserId),
    ApiKey {
        key_id: ApiKeyId,
        tenant_id: TenantId,
    },
}

/// A verified caller.
#[derive(Debug, Clone)]
pub struct Principal {
    pub identity: Identity,
    pub platform_admin: bool,
}

impl Principal {
    pub fn actor(&self) -> Actor {
        match &self.identity {
            Identity::User(user) => Actor::User(user.clone()),
            Identity::ApiKey { key_id, .. } => Actor::ApiKey(*key_id),
        }
    }

    pub fn user(&self) -> Option<&UserId> {
        match &self.identity {
            Identity::User(user) => Some(user),
            Identity::ApiKey { .. } => None,
        }
    }
}

/// A verified caller acting in one tenant, with their role there.
#[derive(Debug, Clone)]
pub struct TenantContext {
    pub principal: Principal,
    pub tenant: TenantView,
    pub role: Role,
}

impl TenantContext {
    pub fn tenant_id(&self) -> TenantId {
        self.tenant.id
    }

    pub fn require(&self, allowed: impl Fn(Role) -> bool, what: &str) -> Result<(), ApiError> {
        if allowed(self.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "your role ({}) may not {what}",
                self.role.as_str()
            )))
        }
    }
}

pub struct Authenticator {
    pub(crate) clerk: Option<ClerkVerifier>,
    pub(crate) dev_bypass: bool,
    pub(crate) admins: Vec<UserId>,
}

impl Authenticator {
    async fn principal(&self, pool: &PgPool, parts: &Parts) -> Result<Principal, ApiError> {
        let Some(header) = parts.headers.get(AUTHORIZATION) else {
            if self.dev_bypass {
                return Ok(self.user(dev_user()));
            }
            return Err(ApiError::Unauthorized(
                "send `Authorization: Bearer <session token or API key>`".into(),
            ));
        };
        let token = header
            .to_str()
            .ok()
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::Unauthorized("the Authorization header must be `Bearer <token>`".into())
            })?;

        if token.starts_with(api_keys::PREFIX) {
            let hash = api_keys::hash(token);
            return match read::api_keys::find_active_by_hash(pool, &hash).await? {
                Some((key_id, tenant_id)) => Ok(Principal {
                    identity: Identity::ApiKey { key_id, tenant_id },
                    platform_admin: false,
                }),
                None => Err(ApiError::Unauthorized(
                    "this API key is unknown or revoked".into(),
                )),
            };
        }
        let Some(clerk) = &self.clerk else {
            return Err(ApiError::Unauthorized(
                "session tokens are not accepted here (no identity provider is configured)".into(),
            ));
        };
        let claims = clerk.verify(token).await.map_err(|e| match e {
            clerk::TokenError::Jwks(detail) => {
                ApiError::Unavailable(format!("cannot verify the token right now: {detail}"))
            }
            other => ApiError::Unauthorized(other.to_string()),
        })?;
        let user = UserId::parse(&claims.sub)
            .ok_or_else(|| ApiError::Unauthorized("the token names no user".into()))?;
        Ok(self.user(user))
    }

    fn user(&self, user: UserId) -> Principal {
        Principal {
            platform_admin: self.admins.contains(&user),
            identity: Identity::User(user),
        }
    }
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(p) = parts.extensions.get::<Principal>() {
            return Ok(p.clone());
        }
        let principal = state.auth.principal(&state.pool, parts).await?;
        parts.extensions.insert(principal.clone());
        Ok(principal)
    }
}

impl FromRequestParts<AppState> for TenantContext {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // Established once per request (a route guard may have done it).
        if let Some(ctx) = parts.extensions.get::<TenantContext>() {
            return Ok(ctx.clone());
        }
        let principal = Principal::from_request_parts(parts, state).await?;
        let (tenant, role) = match &principal.identity {
            Identity::ApiKey { tenant_id, .. } => {
                let tenant = read::tenants::get(&state.pool, *tenant_id)
                    .await?
                    .ok_or_else(|| {
                        ApiError::Unauthorized("this API key's tenant no longer exists".into())
                    })?;
                (tenant, Role::Member)
            }
            Identity::User(user) => {
                let memberships = read::tenants::memberships_of(&state.pool, user).await?;
                let wanted = parts
                    .headers
                    .get(TENANT_HEADER)
                    .map(|v| {
                        v.to_str()
                            .ok()
                            .and_then(|s| s.trim().parse::<TenantId>().ok())
                            .ok_or_else(|| {
                                ApiError::BadRequest(format!("{TENANT_HEADER} must be a tenant id"))
                            })
                    })
                    .transpose()?;
                match wanted {
                    Some(id) => memberships
                        .into_iter()
                        .find(|(t, _)| t.id == id)
                        .ok_or(ApiError::NotFound)?,
                    None => memberships.into_iter().next().ok_or_else(|| {
                        ApiError::Forbidden(
                            "you belong to no tenant yet: create one with POST /api/v1/tenants"
                                .into(),
                        )
                    })?,
                }
            }
        };
        if tenant.suspended {
            return Err(ApiError::Forbidden(format!(
                "this tenant is suspended ({})",
                tenant
                    .suspension_reason
                    .as_deref()
                    .unwrap_or("no reason given")
            )));
        }
        tracing::Span::current().record("tenant_id", tracing::field::display(tenant.id));
        let ctx = TenantContext {
            principal,
            tenant,
            role,
        };
        parts.extensions.insert(ctx.clone());
        Ok(ctx)
    }
}
