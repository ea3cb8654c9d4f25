//! `usage_ledger`: finance's audit trail (`rm_usage_ledger`), one line per
//! metric of each usage event — when, what, how much, the idempotency key,
//! the event or request that caused it, who acted, on which document,
//! assistant or conversation. A period's first lines are the balances it
//! opened with (key `carried`), so a period's lines sum to its counters.

use ancre_domain::usage::{parse_usage_id, Subject, Usage, UsageEvent, UsageLine};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate as _;
use sqlx::PgConnection;

use crate::{ProjectionError, Projector, StoredEvent};

pub struct UsageLedgerProjector;

pub const NAME: &str = "usage_ledger";

/// The key and cause of the lines a period opens with.
pub const CARRIED: &str = "carried";

#[async_trait]
impl Projector for UsageLedgerProjector {
    fn name(&self) -> &'static str {
        NAME
    }

    fn aggregate_types(&self) -> Option<&'static [&'static str]> {
        const TYPES: &[&str] = &[Usage::TYPE];
        Some(TYPES)
    }

    async fn reset(&self, tx: &mut PgConnection) -> Result<(), ProjectionError> {
        sqlx::query("TRUNCATE rm_usage_ledger").execute(tx).await?;
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
        let lines = match event.decode::<UsageEvent>()? {
            UsageEvent::PeriodOpened { carried, .. } => Lines {
                key: CARRIED.into(),
                cause: format!("period:{}", period.previous()),
                actor: "system:usage".into(),
                subject: Subject::default(),
                lines: carried,
                occurred_at: event.recorded_at,
            },
            UsageEvent::UsageRecorded {
                key,
                cause,
                actor,
                subject,
                lines,
                occurred_at,
            } => Lines {
                key,
                cause,
                actor,
                subject,
                lines,
                occurred_at,
            },
            UsageEvent::PeriodClosed => return Ok(()),
        };
        if lines.lines.is_empty() {
            return Ok(());
        }
        let numbers: Vec<i32> = (0..lines.lines.len() as i32).collect();
        let metrics: Vec<&str> = lines.lines.iter().map(|l| l.metric.as_str()).collect();
        let quantities: Vec<i64> = lines.lines.iter().map(|l| l.quantity).collect();
        sqlx::query(
            "INSERT INTO rm_usage_ledger (tenant_id, period, sequence, line, recorded_at, occurred_at,
                    metric, quantity, key, cause, actor, document_id, assistant_id, conversation_id)
             SELECT $1, $2, $3, n, $4, $5, m, q, $8, $9, $10, $11, $12, $13
               FROM unnest($6::int[], $7::text[], $14::bigint[]) AS x(n, m, q)",
        )
        .bind(tenant.0)
        .bind(period.to_string())
        .bind(event.sequence)
        .bind(event.recorded_at)
        .bind(lines.occurred_at)
        .bind(&numbers)
        .bind(&metrics)
        .bind(&lines.key)
        .bind(&lines.cause)
        .bind(&lines.actor)
        .bind(lines.subject.document_id.map(|d| d.0))
        .bind(lines.subject.assistant_id.map(|a| a.0))
        .bind(lines.subject.conversation_id.map(|c| c.0))
        .bind(&quantities)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }
}

struct Lines {
    key: String,
    cause: String,
    actor: String,
    subject: Subject,
    lines: Vec<UsageLine>,
    occurred_at: DateTime<Utc>,
}
