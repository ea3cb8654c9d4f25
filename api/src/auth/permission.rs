//! Route permissions as extractors. A handler that takes `Owner`,
//! `UsageReader` or `WorkspaceUser` runs only for a caller whose role in the
//! tenant allows it; axum runs extractors in argument order, so the role is
//! checked before the body is read (a `billing` user posting a malformed
//! body to an owner's route is told it may not, not that the body is bad).

use std::marker::PhantomData;
use std::ops::Deref;

use ancre_domain::Role;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::TenantContext;
use crate::app::AppState;
use crate::error::ApiError;

/// What a role must be allowed to do for a route.
pub trait Permission: Send + Sync + 'static {
    fn allows(role: Role) -> bool;
    /// Completes "your role (…) may not …".
    const WHAT: &'static str;
}

/// Members, API keys, the plan.
pub struct Administer;
/// Usage, the ledger and billing status.
pub struct ReadUsage;
/// Collections, documents, assistants, chat.
pub struct UseWorkspace;

impl Permission for Administer {
    fn allows(role: Role) -> bool {
        role.can_administer()
    }
    const WHAT: &'static str = "administer the workspace (members, API keys, plan)";
}

impl Permission for ReadUsage {
    fn allows(role: Role) -> bool {
        role.can_read_usage()
    }
    const WHAT: &'static str = "read the workspace's usage and billing";
}

impl Permission for UseWorkspace {
    fn allows(role: Role) -> bool {
        role.can_use_workspace()
    }
    const WHAT: &'static str =
        "use the workspace (collections, documents, assistants, conversations)";
}

/// A tenant context whose role has permission `P`.
pub struct Allowed<P>(TenantContext, PhantomData<P>);

pub type Owner = Allowed<Administer>;
pub type UsageReader = Allowed<ReadUsage>;
pub type WorkspaceUser = Allowed<UseWorkspace>;

impl<P> Deref for Allowed<P> {
    type Target = TenantContext;

    fn deref(&self) -> &TenantContext {
        &self.0
    }
}

impl<P: Permission> FromRequestParts<AppState> for Allowed<P> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ctx = TenantContext::from_request_parts(parts, state).await?;
        ctx.require(P::allows, P::WHAT)?;
        Ok(Allowed(ctx, PhantomData))
    }
}
