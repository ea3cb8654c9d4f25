//! `/api/v1/usage`: what the tenant consumed, for its members who read usage
//! (roles owner and billing).
//!
//! - `GET /usage`: the current period, each quota with used / limit / reset
//!   time, and every metered quantity.
//! - `GET /usage/history`: per period and per day (UTC), per metric.
//! - `GET /usage/ledger`: a period's audit trail, line by line, paginated;
//!   with `Accept: text/csv`, the whole period as CSV.

use std::collections::BTreeMap;

use ancre_domain::usage::{Metric, Period, Quota};
use ancre_projections::read::{self, usage::LedgerLineView};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::Paginated;
use crate::app::AppState;
use crate::auth::permission::UsageReader;
use crate::auth::TenantContext;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ApiQuery;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/usage", get(current))
        .route("/usage/history", get(history))
        .route("/usage/ledger", get(ledger))
}

/// Longest span `GET /usage/history` answers, in periods.
const MAX_HISTORY_PERIODS: usize = 36;

#[derive(Serialize, ToSchema)]
pub struct QuotaUsage {
    /// `documents`, `storage_bytes`, `pages_per_month`, `messages_per_month`, `llm_tokens_per_month`.
    pub quota: String,
    pub used: u64,
    pub limit: u64,
    pub unit: String,
    /// When it starts again from zero (monthly quotas); absent for balances.
    pub resets_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct MetricUsage {
    pub metric: String,
    /// This period's total; for `documents` and `storage_bytes`, the balance now.
    pub used: i64,
    pub unit: String,
}

#[derive(Serialize, ToSchema)]
pub struct UsageNow {
    /// `YYYY-MM` (calendar months, UTC).
    pub period: String,
    pub starts_at: DateTime<Utc>,
    pub resets_at: DateTime<Utc>,
    pub plan: String,
    pub quotas: Vec<QuotaUsage>,
    pub metrics: Vec<MetricUsage>,
}

/// Every metric of `period` for the tenant: its own counters, with the
/// balances of the latest period opened before it when it has none yet.
async fn totals(
    state: &AppState,
    ctx: &TenantContext,
    period: Period,
) -> ApiResult<BTreeMap<Metric, i64>> {
    let mut totals = read::usage::counters(&state.pool, ctx.tenant_id(), period).await?;
    let opened = read::usage::latest_period(&state.pool, ctx.tenant_id(), period).await?;
    if let Some(earlier) = opened.filter(|p| *p != period) {
        let before = read::usage::counters(&state.pool, ctx.tenant_id(), earlier).await?;
        for metric in Metric::ALL.into_iter().filter(|m| m.is_gauge()) {
            totals.insert(metric, before.get(&metric).copied().unwrap_or(0));
        }
    }
    Ok(totals)
}

/// The current period: quotas with used / limit / reset, and every metric.
#[utoipa::path(get, path = "/api/v1/usage", tag = "usage",
    responses((status = 200, body = UsageNow), (status = 403, body = Problem)))]
pub async fn current(State(state): State<AppState>, ctx: UsageReader) -> ApiResult<Json<UsageNow>> {
    Ok(Json(usage_now(&state, &ctx).await?))
}

/// The current period's usage of `ctx`'s tenant (the caller checks the
/// role): what `GET /usage` answers, and what the KPI cards show.
pub(crate) async fn usage_now(state: &AppState, ctx: &TenantContext) -> ApiResult<UsageNow> {
    let period = Period::of(Utc::now());
    let totals = totals(state, ctx, period).await?;
    let total = |m: &Metric| totals.get(m).copied().unwrap_or(0);
    let plan = ctx.tenant.plan;
    Ok(UsageNow {
        period: period.to_string(),
        starts_at: period.starts_at(),
        resets_at: period.ends_at(),
        plan: plan.as_str().to_owned(),
        quotas: Quota::ALL
            .into_iter()
            .map(|quota| QuotaUsage {
                quota: quota.as_str().to_owned(),
                used: quota.metrics().iter().map(total).sum::<i64>().max(0) as u64,
                limit: plan.limit(quota),
                unit: quota.unit().to_owned(),
                resets_at: quota.is_monthly().then(|| period.ends_at()),
            })
            .collect(),
        metrics: Metric::ALL
            .iter()
            .map(|m| MetricUsage {
                metric: m.as_str().to_owned(),
                used: total(m),
                unit: m.unit().to_owned(),
            })
            .collect(),
    })
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    /// First period, `YYYY-MM` (default: 11 months before `to`).
    pub from: Option<String>,
    /// Last period, `YYYY-MM` (default: the current one).
    pub to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DayUsage {
    pub date: NaiveDate,
    /// Metric → what was recorded that day (balances: the day's change).
    pub metrics: BTreeMap<String, i64>,
}

#[derive(Serialize, ToSchema)]
pub struct PeriodUsage {
    pub period: String,
    /// Metric → the period's total (balances: at the period's end, or now).
    pub metrics: BTreeMap<String, i64>,
    pub days: Vec<DayUsage>,
}

#[derive(Serialize, ToSchema)]
pub struct UsageHistory {
    pub periods: Vec<PeriodUsage>,
}

fn period_param(name: &str, raw: Option<&str>) -> ApiResult<Option<Period>> {
    raw.map(|raw| {
        raw.parse::<Period>()
            .map_err(|e| ApiError::Validation(format!("{name}: {e}")))
    })
    .transpose()
}

fn named(metrics: &BTreeMap<Metric, i64>) -> BTreeMap<String, i64> {
    metrics
        .iter()
        .map(|(m, v)| (m.as_str().to_owned(), *v))
        .collect()
}

/// Usage per period and per day, per metric.
#[utoipa::path(get, path = "/api/v1/usage/history", tag = "usage", params(HistoryQuery),
    responses((status = 200, body = UsageHistory), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn history(
    State(state): State<AppState>,
    ctx: UsageReader,
    ApiQuery(query): ApiQuery<HistoryQuery>,
) -> ApiResult<Json<UsageHistory>> {
    let to = period_param("to", query.to.as_deref())?.unwrap_or_else(|| Period::of(Utc::now()));
    let from = match period_param("from", query.from.as_deref())? {
        Some(from) => from,
        None => (0..11).fold(to, |p, _| p.previous()),
    };
    let span = std::iter::successors(Some(from), |p| Some(p.next()))
        .take_while(|p| *p <= to)
        .take(MAX_HISTORY_PERIODS + 1)
        .collect::<Vec<_>>();
    if from > to || span.len() > MAX_HISTORY_PERIODS {
        return Err(ApiError::Validation(format!(
            "from must not be after to, and the span at most {MAX_HISTORY_PERIODS} periods"
        )));
    }
    let counters = read::usage::periods(&state.pool, ctx.tenant_id(), from, to).await?;
    let days = read::usage::days(&state.pool, ctx.tenant_id(), from, to).await?;
    let mut periods = Vec::with_capacity(span.len());
    for period in span {
        let metrics = match counters.get(&period) {
            Some(own) => own.clone(),
            // Not opened: nothing used, balances as the latest period left them.
            None => totals(&state, &ctx, period).await?,
        };
        let in_period = |d: &NaiveDate| {
            let at = d.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
            Period::of(at) == period
        };
        periods.push(PeriodUsage {
            period: period.to_string(),
            metrics: named(&metrics),
            days: days
                .iter()
                .filter(|(d, _)| in_period(d))
                .map(|(date, metrics)| DayUsage {
                    date: *date,
                    metrics: named(metrics),
                })
                .collect(),
        });
    }
    Ok(Json(UsageHistory { periods }))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LedgerQuery {
    /// `YYYY-MM` (default: the current period).
    pub period: Option<String>,
    /// 1..=1000, default 100 (JSON only: CSV has the whole period).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct LedgerLine {
    /// The usage event's number in its period, and the line's in the event.
    pub sequence: i64,
    pub line: i32,
    pub recorded_at: DateTime<Utc>,
    /// When the consumption happened.
    pub occurred_at: DateTime<Utc>,
    pub metric: String,
    /// Negative for what was given back (a deleted document, a failed message).
    pub quantity: i64,
    pub unit: String,
    /// Idempotency key (`carried`: the balance the period opened with).
    pub key: String,
    /// `request:<id>` or `event:<log position>`.
    pub cause: String,
    /// `user:…`, `api_key:…`, `system:…` or `connection:…` (a connector's sync).
    pub actor: String,
    pub document_id: Option<Uuid>,
    pub assistant_id: Option<Uuid>,
    pub conversation_id: Option<Uuid>,
}

impl From<LedgerLineView> for LedgerLine {
    fn from(l: LedgerLineView) -> Self {
        LedgerLine {
            unit: Metric::parse(&l.metric).map_or("", |m| m.unit()).to_owned(),
            sequence: l.sequence,
            line: l.line,
            recorded_at: l.recorded_at,
            occurred_at: l.occurred_at,
            metric: l.metric,
            quantity: l.quantity,
            key: l.key,
            cause: l.cause,
            actor: l.actor,
            document_id: l.document_id,
            assistant_id: l.assistant_id,
            conversation_id: l.conversation_id,
        }
    }
}

const CSV_HEADER: &str = "period,sequence,line,recorded_at,occurred_at,metric,quantity,unit,key,cause,actor,document_id,assistant_id,conversation_id\r\n";

/// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
fn csv_field(out: &mut String, value: &str) {
    if value.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

fn csv(period: Period, lines: Vec<LedgerLine>) -> String {
    let mut out = String::from(CSV_HEADER);
    let id = |id: Option<Uuid>| id.map(|u| u.to_string()).unwrap_or_default();
    for l in lines {
        let fields = [
            period.to_string(),
            l.sequence.to_string(),
            l.line.to_string(),
            l.recorded_at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            l.occurred_at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            l.metric,
            l.quantity.to_string(),
            l.unit,
            l.key,
            l.cause,
            l.actor,
            id(l.document_id),
            id(l.assistant_id),
            id(l.conversation_id),
        ];
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            csv_field(&mut out, field);
        }
        out.push_str("\r\n");
    }
    out
}

fn wants_csv(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.split(',').any(|t| t.trim().starts_with("text/csv")))
}

/// A period's ledger: every usage line, in the order recorded.
#[utoipa::path(get, path = "/api/v1/usage/ledger", tag = "usage", params(LedgerQuery),
    responses((status = 200, body = Paginated<LedgerLine>,
            description = "JSON, or the whole period as CSV with `Accept: text/csv`"),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn ledger(
    State(state): State<AppState>,
    ctx: UsageReader,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<LedgerQuery>,
) -> ApiResult<Response> {
    let period =
        period_param("period", query.period.as_deref())?.unwrap_or_else(|| Period::of(Utc::now()));
    if wants_csv(&headers) {
        let (lines, _) = read::usage::ledger(&state.pool, ctx.tenant_id(), period, None, 0).await?;
        let body = csv(period, lines.into_iter().map(LedgerLine::from).collect());
        let mut response = body.into_response();
        let h = response.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        if let Ok(v) = HeaderValue::from_str(&format!(
            "attachment; filename=\"ancre-usage-{period}.csv\""
        )) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
        return Ok(response);
    }
    let limit = query.limit.unwrap_or(100);
    let offset = query.offset.unwrap_or(0);
    if !(1..=1000).contains(&limit) || offset < 0 {
        return Err(ApiError::Validation(
            "limit must be between 1 and 1000, and offset at least 0".into(),
        ));
    }
    let (lines, total) =
        read::usage::ledger(&state.pool, ctx.tenant_id(), period, Some(limit), offset).await?;
    Ok(Json(Paginated {
        items: lines.into_iter().map(LedgerLine::from).collect::<Vec<_>>(),
        total,
        limit,
        offset,
    })
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_with_separators_are_quoted() {
        let mut out = String::new();
        csv_field(&mut out, "a,b \"c\"");
        assert_eq!(out, "\"a,b \"\"c\"\"\"");
        let mut plain = String::new();
        csv_field(&mut plain, "user:u1");
        assert_eq!(plain, "user:u1");
    }
}
