//! Recording usage: an entry goes into its tenant's period; a period that has
//! not started yet is opened first, after closing the tenant's latest earlier
//! period and carrying its balances (documents, bytes stored) over.
//!
//! Every usage command of one tenant and period is decided by one aggregate,
//! so racing requests at the edge of a quota are serialised by the event
//! store's optimistic concurrency: the loser re-decides against the winner's
//! state. Hence a retry budget far larger than other aggregates need.

use ancre_domain::usage::{usage_id, Entry, Limit, Period, Usage, UsageCommand, UsageError};
use ancre_domain::TenantId;
use cqrs_es::{AggregateContext, EventStore};

use crate::service::execute_with_retries;
use crate::snapshots::SnapshotStore;
use crate::{CommandError, Commands, EventMetadata, LogPosition};

/// Racing writers on one period (N requests at a quota's edge) retry this often.
const USAGE_RETRIES: u32 = 64;

impl Commands {
    /// Records `entry` in `entry.period`, checked against `limits`. A
    /// period that has ended (or was skipped: a later one is open) moves the
    /// entry into the next one — a month turned while it was on its way.
    pub async fn record_usage(
        &self,
        mut entry: Entry,
        limits: Vec<Limit>,
        metadata: &EventMetadata,
    ) -> Result<Option<LogPosition>, CommandError<UsageError>> {
        let current = Period::of(chrono::Utc::now());
        loop {
            let id = usage_id(entry.tenant_id, entry.period);
            let command = UsageCommand::Record {
                entry: entry.clone(),
                limits: limits.clone(),
            };
            match self.usage(&id, command, metadata).await {
                Err(CommandError::Rejected(UsageError::NotOpened)) => {
                    match self.latest_period(entry.tenant_id).await? {
                        // A period is never opened behind a later one: its
                        // balances were carried past it already.
                        Some(latest) if latest > entry.period => entry.period = entry.period.next(),
                        // Opened meanwhile by a racing writer: record again.
                        Some(latest) if latest == entry.period => {}
                        previous => {
                            self.open_period(entry.tenant_id, entry.period, previous, metadata)
                                .await?
                        }
                    }
                }
                Err(CommandError::Rejected(UsageError::Closed)) if entry.period < current => {
                    entry.period = entry.period.next();
                }
                other => return other,
            }
        }
    }

    /// Opens `period` for `tenant` with the balances of `previous` (its
    /// latest earlier period), which is closed first so that nothing changes
    /// them afterwards.
    async fn open_period(
        &self,
        tenant: TenantId,
        period: Period,
        previous: Option<Period>,
        metadata: &EventMetadata,
    ) -> Result<(), CommandError<UsageError>> {
        let previous = previous.map(|p| usage_id(tenant, p));
        let carried = match previous {
            None => vec![],
            Some(previous) => {
                self.usage(&previous, UsageCommand::Close, metadata).await?;
                self.load_usage(&previous).await?.gauges()
            }
        };
        self.usage(
            &usage_id(tenant, period),
            UsageCommand::Open {
                tenant_id: tenant,
                period,
                carried,
            },
            metadata,
        )
        .await?;
        Ok(())
    }

    /// The latest period opened for `tenant` (period ids sort as text, `YYYY-MM`).
    async fn latest_period(
        &self,
        tenant: TenantId,
    ) -> Result<Option<Period>, CommandError<UsageError>> {
        let latest: Option<String> = sqlx::query_scalar(
            "SELECT max(aggregate_id) FROM events
              WHERE aggregate_type = 'usage' AND event_type = 'PeriodOpened'
                AND aggregate_id LIKE $1",
        )
        .bind(format!("{tenant}:%"))
        .fetch_one(self.pool())
        .await
        .map_err(|e| CommandError::Store(e.to_string()))?;
        Ok(latest.and_then(|id| ancre_domain::usage::parse_usage_id(&id).map(|(_, p)| p)))
    }

    /// A period's state, from its latest snapshot and the events after it.
    pub async fn load_usage(&self, id: &str) -> Result<Usage, CommandError<UsageError>> {
        let mut context = SnapshotStore::<Usage>::new(self.pool().clone())
            .load_aggregate(id)
            .await
            .map_err(|e| CommandError::Store(e.to_string()))?;
        Ok(context.aggregate().clone())
    }

    async fn usage(
        &self,
        id: &str,
        command: UsageCommand,
        metadata: &EventMetadata,
    ) -> Result<Option<LogPosition>, CommandError<UsageError>> {
        execute_with_retries(
            self.pool(),
            &self.usages,
            id,
            command,
            metadata,
            USAGE_RETRIES,
        )
        .await
    }
}
