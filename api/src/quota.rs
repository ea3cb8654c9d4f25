//! Quotas at the edge: work that a plan limits is charged *before* it
//! starts — a document when its bytes are stored, a chat message when its
//! turn starts — through the tenant's `Usage` aggregate, which refuses the
//! charge that would pass a limit (so two racing requests at the edge cannot
//! both pass). What the work then consumes (pages, tokens) is recorded by the
//! `usage_recorder` once it is done.

use ancre_commands::{CommandError, Commands, EventMetadata};
use ancre_domain::usage::{Entry, Period, Quota, Subject, UsageError, UsageLine};
use ancre_domain::{Plan, TenantId};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::TenantContext;
use crate::error::{ApiError, ApiResult};

/// A refused charge, as the client reads it.
#[derive(Debug, Clone)]
pub struct OverQuota {
    pub quota: Quota,
    pub plan: Plan,
    pub limit: u64,
    pub used: u64,
    /// When a monthly quota starts again from zero.
    pub resets_at: Option<DateTime<Utc>>,
}

/// The problem's extension members on a quota error.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuotaDetails {
    /// `documents`, `storage_bytes`, `pages_per_month`, `messages_per_month`
    /// or `llm_tokens_per_month`.
    pub quota: String,
    pub plan: String,
    pub limit: u64,
    pub used: u64,
    /// Monthly quotas only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resets_at: Option<DateTime<Utc>>,
}

impl OverQuota {
    pub fn is_monthly(&self) -> bool {
        self.quota.is_monthly()
    }

    pub fn detail(&self) -> String {
        let what = format!(
            "the {} plan's {} quota is reached: {} of {} {} used",
            self.plan.as_str(),
            self.quota.as_str(),
            self.used,
            self.limit,
            self.quota.unit()
        );
        match self.resets_at {
            Some(at) => format!("{what}; it resets at {}", at.to_rfc3339()),
            None => format!("{what}; delete some or upgrade the plan"),
        }
    }

    pub fn details(&self) -> QuotaDetails {
        QuotaDetails {
            quota: self.quota.as_str().to_owned(),
            plan: self.plan.as_str().to_owned(),
            limit: self.limit,
            used: self.used,
            resets_at: self.resets_at,
        }
    }

    pub fn seconds_until_reset(&self) -> Option<u64> {
        self.resets_at
            .map(|at| (at - Utc::now()).num_seconds().max(1) as u64)
    }
}

/// One charge: what it adds, and the quotas it must stay within.
pub struct Charge<'a> {
    pub key: String,
    pub subject: Subject,
    pub lines: Vec<UsageLine>,
    pub quotas: &'a [Quota],
}

/// Refuses at once what a limit already forbids, before a request's body is
/// read: a quota of `quotas` that is used up, or `needs` (an amount a
/// request declares, such as its length against the storage left) that
/// would pass one. Not a charge: the charge itself checks again, in the
/// aggregate, for racing requests.
pub async fn precheck(
    state: &AppState,
    ctx: &TenantContext,
    quotas: &[Quota],
    needs: Option<(Quota, u64)>,
) -> ApiResult<()> {
    let period = Period::of(Utc::now());
    let usage = state
        .commands
        .load_usage(&ancre_domain::usage::usage_id(ctx.tenant_id(), period))
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("loading the usage period: {e}")))?;
    let plan = ctx.tenant.plan;
    for limit in plan.limits(quotas) {
        let added = match needs {
            Some((quota, amount)) if quota == limit.quota => {
                i64::try_from(amount).unwrap_or(i64::MAX)
            }
            _ => 0,
        };
        usage
            .check(&limit, added)
            .map_err(|refused| over_quota(refused, plan, period))?;
    }
    Ok(())
}

/// A refusal of the usage aggregate, as the client reads it.
fn over_quota(refused: UsageError, plan: Plan, period: Period) -> ApiError {
    match refused {
        UsageError::OverQuota { quota, limit, used } => ApiError::OverQuota(OverQuota {
            quota,
            plan,
            limit,
            used,
            resets_at: quota.is_monthly().then(|| period.ends_at()),
        }),
        other => ApiError::Internal(anyhow::anyhow!("usage: {other}")),
    }
}

/// Records `charge` in the tenant's current period under its plan's limits.
pub async fn charge(
    state: &AppState,
    ctx: &TenantContext,
    metadata: &EventMetadata,
    charge: Charge<'_>,
) -> ApiResult<()> {
    charge_tenant(
        &state.commands,
        ctx.tenant_id(),
        ctx.tenant.plan,
        metadata,
        charge,
    )
    .await
}

/// [`charge`] for work no request carries (a connector's sync): the tenant
/// and its plan as the caller read them.
pub async fn charge_tenant(
    commands: &Commands,
    tenant: TenantId,
    plan: Plan,
    metadata: &EventMetadata,
    charge: Charge<'_>,
) -> ApiResult<()> {
    let now = Utc::now();
    let period = Period::of(now);
    let entry = Entry {
        tenant_id: tenant,
        period,
        key: charge.key,
        cause: metadata.causation_id.clone(),
        actor: metadata.actor.to_string(),
        subject: charge.subject,
        lines: charge.lines,
        occurred_at: now,
    };
    match commands
        .record_usage(entry, plan.limits(charge.quotas), metadata)
        .await
    {
        Ok(_) => Ok(()),
        Err(CommandError::Rejected(refused @ UsageError::OverQuota { .. })) => {
            Err(over_quota(refused, plan, period))
        }
        Err(other) => Err(other.into()),
    }
}
