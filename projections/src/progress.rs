//! Where each projector stands, shared in-process, and the read-your-writes
//! wait built on it: a command answers once the read models it affects have
//! applied its events, so a create followed at once by a read sees the new state.

use std::collections::BTreeMap;
use std::time::Duration;

use ancre_domain::LogPosition;
use sqlx::PgPool;
use tokio::sync::watch;
use tokio::time::Instant;

/// In-process checkpoints of the projectors this process runs.
#[derive(Debug, Clone)]
pub struct Progress {
    tx: watch::Sender<BTreeMap<&'static str, LogPosition>>,
}

impl Default for Progress {
    fn default() -> Self {
        Self {
            tx: watch::Sender::new(BTreeMap::new()),
        }
    }
}

/// How often the database is asked when a projector runs in another process.
const REMOTE_POLL: Duration = Duration::from_millis(20);

impl Progress {
    pub(crate) fn advance(&self, projector: &'static str, to: LogPosition) {
        self.tx.send_modify(|m| {
            m.insert(projector, to);
        });
    }

    /// `projector` is fed elsewhere (from Kafka, by another process): waits
    /// for it read its checkpoint in the database again.
    pub(crate) fn forget(&self, projector: &'static str) {
        self.tx.send_if_modified(|m| m.remove(projector).is_some());
    }

    /// Waits until every named projector has applied the log up to `target`.
    /// Returns `false` if `timeout` passed first (the caller answers anyway,
    /// and the read model will catch up shortly after).
    pub async fn wait_for(
        &self,
        pool: &PgPool,
        projectors: &[&'static str],
        target: LogPosition,
        timeout: Duration,
    ) -> Result<bool, sqlx::Error> {
        let deadline = Instant::now() + timeout;
        let mut rx = self.tx.subscribe();
        loop {
            let local = rx.borrow_and_update().clone();
            let mut all_local = true;
            let mut reached = true;
            for name in projectors {
                match local.get(name) {
                    Some(at) => reached &= *at >= target,
                    None => all_local = false,
                }
            }
            if !all_local {
                // Some projector runs elsewhere: its checkpoint is in the database.
                reached = reached && database_reached(pool, projectors, target).await?;
            }
            if reached {
                return Ok(true);
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(false);
            }
            let step = if all_local {
                deadline - now
            } else {
                REMOTE_POLL.min(deadline - now)
            };
            // Either a local projector moved, or it is time to look again.
            let _ = tokio::time::timeout(step, rx.changed()).await;
        }
    }
}

async fn database_reached(
    pool: &PgPool,
    projectors: &[&'static str],
    target: LogPosition,
) -> Result<bool, sqlx::Error> {
    let names: Vec<String> = projectors.iter().map(|s| s.to_string()).collect();
    let behind: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM unnest($1::text[]) AS wanted(name)
           LEFT JOIN projector_checkpoints c ON c.name = wanted.name
          WHERE c.name IS NULL
             OR (c.transaction_id, c.position) < ($2::text::xid8, $3)",
    )
    .bind(&names)
    .bind(target.transaction_id.to_string())
    .bind(target.position)
    .fetch_one(pool)
    .await?;
    Ok(behind == 0)
}
