//! Reservations of turns that never ended. A chat turn reserves, with its
//! message, the tokens it may use; the `usage_recorder` gives them back when
//! the turn is recorded. A turn whose process died before recording it would
//! keep its reservation against the quota until the month ends: this sweeper
//! gives back the reservations older than a deadline that nothing released,
//! under the same key the recorder uses (`keys::tokens_released`), so a turn
//! released by both — a very slow one — is released once.

use std::sync::Arc;
use std::time::Duration;

use ancre_commands::{Actor, Commands, EventMetadata};
use ancre_domain::usage::{Entry, Metric, Period, Subject, UsageLine};
use ancre_domain::{AssistantId, ConversationId, TenantId};
use chrono::Utc;
use sqlx::PgPool;

use crate::keys;

const ACTOR: &str = "usage-sweeper";

/// Reservations a sweep gives back at most (the next sweep takes the rest).
const BATCH: i64 = 500;

#[derive(sqlx::FromRow)]
struct Abandoned {
    tenant_id: uuid::Uuid,
    period: String,
    key: String,
    quantity: i64,
    assistant_id: Option<uuid::Uuid>,
    conversation_id: Option<uuid::Uuid>,
}

/// Gives back the tokens of reservations recorded more than `older_than`
/// ago that nothing has released; returns how many.
pub async fn release_abandoned(
    pool: &PgPool,
    commands: &Commands,
    older_than: Duration,
) -> Result<usize, anyhow::Error> {
    let abandoned: Vec<Abandoned> = sqlx::query_as(
        "SELECT l.tenant_id, l.period, l.key, l.quantity, l.assistant_id, l.conversation_id
           FROM rm_usage_ledger l
          WHERE l.metric = 'llm_tokens_reserved' AND l.quantity > 0
            AND l.recorded_at < now() - make_interval(secs => $1)
            AND NOT EXISTS (
                SELECT 1 FROM rm_usage_ledger r
                 WHERE r.tenant_id = l.tenant_id
                   AND r.key = 'turn:' || split_part(l.key, ':', 2) || ':tokens-released')
          ORDER BY l.recorded_at
          LIMIT $2",
    )
    .bind(older_than.as_secs_f64())
    .bind(BATCH)
    .fetch_all(pool)
    .await?;
    let mut released = 0;
    for reservation in abandoned {
        let Some(turn) = keys::turn_of_message(&reservation.key) else {
            continue;
        };
        let Ok(period) = reservation.period.parse::<Period>() else {
            continue;
        };
        let tenant = TenantId(reservation.tenant_id);
        let now = Utc::now();
        let entry = Entry {
            tenant_id: tenant,
            period,
            key: keys::tokens_released(turn),
            cause: format!("sweep:{}", reservation.key),
            actor: Actor::System(ACTOR).to_string(),
            subject: Subject {
                assistant_id: reservation.assistant_id.map(AssistantId),
                conversation_id: reservation.conversation_id.map(ConversationId),
                document_id: None,
            },
            lines: vec![UsageLine {
                metric: Metric::LlmTokensReserved,
                quantity: -reservation.quantity,
            }],
            occurred_at: now,
        };
        let metadata = EventMetadata::for_request(tenant, Actor::System(ACTOR), "sweep");
        match commands.record_usage(entry, vec![], &metadata).await {
            Ok(_) => released += 1,
            Err(e) => {
                tracing::warn!(error = %e, key = %reservation.key, "a reservation is not given back yet")
            }
        }
    }
    Ok(released)
}

/// Sweeps every `interval` until `stop` resolves.
pub async fn run(
    pool: PgPool,
    commands: Arc<Commands>,
    older_than: Duration,
    stop: impl std::future::Future<Output = ()> + Send,
) {
    let interval = (older_than / 4).clamp(Duration::from_millis(200), Duration::from_secs(60));
    tokio::pin!(stop);
    loop {
        match release_abandoned(&pool, &commands, older_than).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(released = n, "reservations of abandoned turns given back"),
            Err(e) => tracing::warn!(error = %e, "cannot sweep abandoned reservations"),
        }
        tokio::select! {
            _ = &mut stop => return,
            _ = tokio::time::sleep(interval) => {}
        }
    }
}
