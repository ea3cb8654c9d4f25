//! A tenant's key figures, as typed data for cards: the copilot's KPI action
//! (`POST /api/v1/copilotkit/actions/kpi`) and, later, its agent's tool.
//!
//! Read models only. What a caller sees follows its role: the workspace's
//! figures (documents, failures, assistants) for roles that use the
//! workspace (owner, member, API keys), the period's usage and quotas for
//! roles that read usage (owner, billing) — the same figures `/usage` gives,
//! computed by the same code.

use std::collections::BTreeMap;

use ancre_domain::usage::{Metric, Period};
use ancre_projections::read;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::TenantContext;
use crate::error::ApiResult;
use crate::routes::usage::{usage_now, QuotaUsage};

/// Failures listed by name (the count covers them all).
const FAILURES_LISTED: i64 = 10;
/// How far back failures are counted.
const FAILURE_WINDOW_DAYS: i64 = 7;
/// The span of the first-token latency, in hours.
const FIRST_TOKEN_WINDOW_HOURS: i64 = 24;
/// Assistants listed by use.
const ASSISTANTS_LISTED: i64 = 5;

#[derive(Serialize, ToSchema)]
pub struct Kpis {
    pub generated_at: DateTime<Utc>,
    /// The caller's role, which decides the sections present.
    pub role: String,
    /// Documents, failures and assistants: for roles that use the workspace
    /// (owner, member, API keys); absent for `billing`.
    pub workspace: Option<WorkspaceKpis>,
    /// This period's usage against the plan: for roles that read usage
    /// (owner, billing); absent for members and API keys.
    pub usage: Option<UsageKpis>,
}

#[derive(Serialize, ToSchema)]
pub struct WorkspaceKpis {
    pub documents: DocumentKpis,
    pub failures: FailureKpis,
    /// The live assistants asked the most this period, most asked first.
    pub top_assistants: Vec<AssistantUse>,
    /// How fast answers started over the last day.
    pub first_token: FirstTokenKpis,
}

#[derive(Serialize, ToSchema)]
pub struct FirstTokenKpis {
    /// Hours counted back from now.
    pub hours: i64,
    /// Answers over those hours that sent a first token.
    pub answers: i64,
    /// The median wait for an answer's first token, in milliseconds, from
    /// the answer's start on the server; absent without answers.
    pub p50_ms: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct DocumentKpis {
    pub total: i64,
    /// Status (`queued`, `parsed`, `embedded`, `indexed`, `failed`) → count;
    /// statuses no document has are absent.
    pub by_status: BTreeMap<String, i64>,
}

#[derive(Serialize, ToSchema)]
pub struct FailureKpis {
    /// Days counted back from now.
    pub days: i64,
    /// Documents that failed over those days.
    pub total: i64,
    /// The latest of them (at most 10), with their reasons.
    pub latest: Vec<FailedDocument>,
}

#[derive(Serialize, ToSchema)]
pub struct FailedDocument {
    pub document_id: Uuid,
    pub collection_id: Uuid,
    pub filename: String,
    /// The pipeline stage that failed (`parse`, `embed`, `index`), when known.
    pub stage: Option<String>,
    pub reason: String,
    pub failed_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct AssistantUse {
    pub assistant_id: Uuid,
    pub name: String,
    /// Questions it answered this period.
    pub messages: i64,
}

#[derive(Serialize, ToSchema)]
pub struct UsageKpis {
    /// `YYYY-MM`.
    pub period: String,
    pub plan: String,
    pub resets_at: DateTime<Utc>,
    pub pages_parsed: i64,
    pub chunks_embedded: i64,
    pub chat_messages: i64,
    /// Chat-model tokens, prompt and answer.
    pub llm_tokens: i64,
    pub quotas: Vec<QuotaPercent>,
}

#[derive(Serialize, ToSchema)]
pub struct QuotaPercent {
    #[serde(flatten)]
    pub usage: QuotaUsage,
    /// `used` as a percentage of `limit`, one decimal (over 100 past it).
    pub percent: f64,
}

/// The key figures `ctx` may see.
pub async fn kpis(state: &AppState, ctx: &TenantContext) -> ApiResult<Kpis> {
    let now = Utc::now();
    let period = Period::of(now);
    let workspace = if ctx.role.can_use_workspace() {
        Some(workspace(state, ctx, period, now).await?)
    } else {
        None
    };
    let usage = if ctx.role.can_read_usage() {
        Some(usage(state, ctx).await?)
    } else {
        None
    };
    Ok(Kpis {
        generated_at: now,
        role: ctx.role.as_str().to_owned(),
        workspace,
        usage,
    })
}

async fn workspace(
    state: &AppState,
    ctx: &TenantContext,
    period: Period,
    now: DateTime<Utc>,
) -> ApiResult<WorkspaceKpis> {
    let tenant = ctx.tenant_id();
    let by_status = read::kpi::documents_by_status(&state.pool, tenant).await?;
    let since = now - Duration::days(FAILURE_WINDOW_DAYS);
    let (failures, failed) =
        read::kpi::failures_since(&state.pool, tenant, since, FAILURES_LISTED).await?;
    let assistants =
        read::kpi::most_used_assistants(&state.pool, tenant, period.starts_at(), ASSISTANTS_LISTED)
            .await?;
    let first_token = read::kpi::first_token_since(
        &state.pool,
        tenant,
        now - Duration::hours(FIRST_TOKEN_WINDOW_HOURS),
    )
    .await?;
    Ok(WorkspaceKpis {
        documents: DocumentKpis {
            total: by_status.values().sum(),
            by_status,
        },
        failures: FailureKpis {
            days: FAILURE_WINDOW_DAYS,
            total: failed,
            latest: failures
                .into_iter()
                .map(|f| FailedDocument {
                    document_id: f.document_id.0,
                    collection_id: f.collection_id.0,
                    filename: f.filename,
                    stage: f.stage,
                    reason: f.reason,
                    failed_at: f.failed_at,
                })
                .collect(),
        },
        top_assistants: assistants
            .into_iter()
            .map(|a| AssistantUse {
                assistant_id: a.assistant_id.0,
                name: a.name,
                messages: a.messages,
            })
            .collect(),
        first_token: FirstTokenKpis {
            hours: FIRST_TOKEN_WINDOW_HOURS,
            answers: first_token.answers,
            p50_ms: first_token.p50_ms.map(|ms| ms.round() as i64),
        },
    })
}

async fn usage(state: &AppState, ctx: &TenantContext) -> ApiResult<UsageKpis> {
    let now = usage_now(state, ctx).await?;
    let metric = |m: Metric| {
        now.metrics
            .iter()
            .find(|u| u.metric == m.as_str())
            .map_or(0, |u| u.used)
    };
    Ok(UsageKpis {
        pages_parsed: metric(Metric::PagesParsed),
        chunks_embedded: metric(Metric::ChunksEmbedded),
        chat_messages: metric(Metric::ChatMessages),
        llm_tokens: metric(Metric::LlmTokensIn) + metric(Metric::LlmTokensOut),
        quotas: now
            .quotas
            .into_iter()
            .map(|q| QuotaPercent {
                percent: percent(q.used, q.limit),
                usage: q,
            })
            .collect(),
        period: now.period,
        plan: now.plan,
        resets_at: now.resets_at,
    })
}

/// `used` in % of `limit`, one decimal; a zero limit is full as soon as
/// anything is used.
fn percent(used: u64, limit: u64) -> f64 {
    if limit == 0 {
        return if used == 0 { 0.0 } else { 100.0 };
    }
    (used as f64 * 1000.0 / limit as f64).round() / 10.0
}

#[cfg(test)]
mod tests {
    #[test]
    fn percentages_have_one_decimal_and_can_pass_100() {
        assert_eq!(super::percent(1, 3), 33.3);
        assert_eq!(super::percent(0, 0), 0.0);
        assert_eq!(super::percent(5, 0), 100.0);
        assert_eq!(super::percent(150, 100), 150.0);
    }
}
