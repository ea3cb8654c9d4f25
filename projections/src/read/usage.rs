//! Usage read models: the counters of a tenant's periods (`usage_counters`)
//! and the ledger's lines (`usage_ledger`). Scoped by tenant.

use std::collections::BTreeMap;

use ancre_domain::usage::{Metric, Period};
use ancre_domain::TenantId;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;
use uuid::Uuid;

/// Per metric, what a period used (gauges: the balance). Metrics the period
/// never touched are absent.
pub async fn counters(
    pool: &PgPool,
    tenant: TenantId,
    period: Period,
) -> Result<BTreeMap<Metric, i64>, sqlx::Error> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT metric, used FROM rm_usage_counters WHERE tenant_id = $1 AND period = $2",
    )
    .bind(tenant.0)
    .bind(period.to_string())
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(m, used)| Some((Metric::parse(&m)?, used)))
        .collect())
}

/// The latest period opened at or before `period`: where the balances are.
pub async fn latest_period(
    pool: &PgPool,
    tenant: TenantId,
    period: Period,
) -> Result<Option<Period>, sqlx::Error> {
    let found: Option<String> = sqlx::query_scalar(
        "SELECT max(period) FROM rm_usage_periods WHERE tenant_id = $1 AND period <= $2",
    )
    .bind(tenant.0)
    .bind(period.to_string())
    .fetch_one(pool)
    .await?;
    Ok(found.and_then(|p| p.parse().ok()))
}

/// Every period's counters from `from` to `to` (included), by period.
pub async fn periods(
    pool: &PgPool,
    tenant: TenantId,
    from: Period,
    to: Period,
) -> Result<BTreeMap<Period, BTreeMap<Metric, i64>>, sqlx::Error> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT period, metric, used FROM rm_usage_counters
          WHERE tenant_id = $1 AND period BETWEEN $2 AND $3",
    )
    .bind(tenant.0)
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_all(pool)
    .await?;
    let mut out: BTreeMap<Period, BTreeMap<Metric, i64>> = BTreeMap::new();
    for (period, metric, used) in rows {
        if let (Ok(period), Some(metric)) = (period.parse(), Metric::parse(&metric)) {
            out.entry(period).or_default().insert(metric, used);
        }
    }
    Ok(out)
}

/// Per day (UTC) and metric, what the ledger of periods `from`..=`to`
/// recorded (balances carried in are not a day's usage).
pub async fn days(
    pool: &PgPool,
    tenant: TenantId,
    from: Period,
    to: Period,
) -> Result<BTreeMap<NaiveDate, BTreeMap<Metric, i64>>, sqlx::Error> {
    let rows: Vec<(NaiveDate, String, i64)> = sqlx::query_as(
        "SELECT (occurred_at AT TIME ZONE 'UTC')::date AS day, metric, sum(quantity)::bigint
           FROM rm_usage_ledger
          WHERE tenant_id = $1 AND period BETWEEN $2 AND $3 AND key <> 'carried'
          GROUP BY day, metric",
    )
    .bind(tenant.0)
    .bind(from.to_string())
    .bind(to.to_string())
    .fetch_all(pool)
    .await?;
    let mut out: BTreeMap<NaiveDate, BTreeMap<Metric, i64>> = BTreeMap::new();
    for (day, metric, quantity) in rows {
        if let Some(metric) = Metric::parse(&metric) {
            out.entry(day).or_default().insert(metric, quantity);
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LedgerLineView {
    pub sequence: i64,
    pub line: i32,
    pub recorded_at: DateTime<Utc>,
    pub occurred_at: DateTime<Utc>,
    pub metric: String,
    pub quantity: i64,
    pub key: String,
    pub cause: String,
    pub actor: String,
    pub document_id: Option<Uuid>,
    pub assistant_id: Option<Uuid>,
    pub conversation_id: Option<Uuid>,
}

/// A period's ledger lines in the order they were recorded; `None` as
/// `limit`: all of them.
pub async fn ledger(
    pool: &PgPool,
    tenant: TenantId,
    period: Period,
    limit: Option<i64>,
    offset: i64,
) -> Result<(Vec<LedgerLineView>, i64), sqlx::Error> {
    let lines = sqlx::query_as(
        "SELECT sequence, line, recorded_at, occurred_at, metric, quantity, key, cause, actor,
                document_id, assistant_id, conversation_id
           FROM rm_usage_ledger WHERE tenant_id = $1 AND period = $2
          ORDER BY sequence, line LIMIT $3 OFFSET $4",
    )
    .bind(tenant.0)
    .bind(period.to_string())
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    let total: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM rm_usage_ledger WHERE tenant_id = $1 AND period = $2",
    )
    .bind(tenant.0)
    .bind(period.to_string())
    .fetch_one(pool)
    .await?;
    Ok((lines, total))
}
