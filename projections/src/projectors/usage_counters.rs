//! `usage_counters`: each tenant's usage periods (`rm_usage_periods`) and,
//! per period and metric, what is used (`rm_usage_counters`; documents and
//! storage are balances, opened with what the previous period carried). The
//! quota bars of `GET /usage` read it.

use ancre_domain::usage::{parse_usage_id, Usage, UsageEvent, UsageLine};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate as _;
use sqlx::PgConnection;

use crate::{ProjectionError, Projector, StoredEvent};

pub struct UsageCountersProjector;

pub const NAME: &str = "usage_counters";

#[async_trait]
impl Projector for UsageCountersProjector {
    fn name(&self) -> &'static str {
        NAME
    }

    fn aggregate_types(&self) -> Option<&'static [&'static str]> {
        const TYPES: &[&str] = &[Usage::TYPE];
        Some(TYPES)
    }

    async fn reset(&self, tx: &mut PgConnection) -> Result<(), ProjectionError> {
        sqlx::query("TRUNCATE rm_usage_periods, rm_usage_counters")
            .execute(tx)
            .await?;
        Ok(())
    }

    async fn apply(
        &self,
        tx: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if event.aggregate_type != Usage::TYPE {
            return Ok(());
        }
        let (tenant, period) = parse_usage_id(&event.aggregate_id)
            .ok_or_else(|| event.decode_error(format!("usage id {:?}", event.aggregate_id)))?;
        let period = period.to_string();
        let at = event.recorded_at;
        match event.decode::<UsageEvent>()? {
            UsageEvent::PeriodOpened { carried, .. } => {
                sqlx::query(
                    "INSERT INTO rm_usage_periods (tenant_id, period, opened_at) VALUES ($1, $2, $3)",
                )
                .bind(tenant.0)
                .bind(&period)
                .bind(at)
                .execute(&mut *tx)
                .await?;
                add(tx, tenant.0, &period, &carried, at).await?;
            }
            UsageEvent::UsageRecorded { lines, .. } => {
                add(tx, tenant.0, &period, &lines, at).await?;
            }
            UsageEvent::PeriodClosed => {
                sqlx::query(
                    "UPDATE rm_usage_periods SET closed_at = $3 WHERE tenant_id = $1 AND period = $2",
                )
                .bind(tenant.0)
                .bind(&period)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
        }
        Ok(())
    }
}

async fn add(
    tx: &mut PgConnection,
    tenant: uuid::Uuid,
    period: &str,
    lines: &[UsageLine],
    at: DateTime<Utc>,
) -> Result<(), ProjectionError> {
    let metrics: Vec<&str> = lines.iter().map(|l| l.metric.as_str()).collect();
    let quantities: Vec<i64> = lines.iter().map(|l| l.quantity).collect();
    sqlx::query(
        "INSERT INTO rm_usage_counters (tenant_id, period, metric, used, updated_at)
         SELECT $1, $2, m, q, $5 FROM unnest($3::text[], $4::bigint[]) AS x(m, q)
         ON CONFLICT (tenant_id, period, metric)
         DO UPDATE SET used = rm_usage_counters.used + EXCLUDED.used, updated_at = EXCLUDED.updated_at",
    )
    .bind(tenant)
    .bind(period)
    .bind(&metrics)
    .bind(&quantities)
    .bind(at)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
