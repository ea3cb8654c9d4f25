//! The `Usage` aggregate: what one tenant consumed in one billing period.
//!
//! Every billable quantity is recorded here as a `UsageRecorded` event naming
//! its idempotency key (a cause recorded twice counts once), the event or
//! request that caused it, who acted and on what. Quotas are enforced by the
//! same aggregate: a command that would take a quota past its limit is
//! refused, and because every command on one tenant's period goes through one
//! aggregate under optimistic concurrency, two concurrent requests at the edge
//! of a quota cannot both pass it.
//!
//! Periods are calendar months in UTC. Gauges (documents and bytes stored) do
//! not restart with a month: a period opens with the previous one's closing
//! gauges (`PeriodOpened.carried`), and the previous one is closed first, so
//! no late record can change a balance that was already carried over.

mod aggregate;
mod commands;
mod events;
mod metric;
mod period;

pub use aggregate::{Usage, UsageError};
pub use commands::{Entry, Limit, UsageCommand};
pub use events::{Subject, UsageEvent, UsageLine};
pub use metric::{Metric, Quota};
pub use period::{Period, PeriodParseError};

/// The aggregate id of a tenant's period: `<tenant uuid>:<YYYY-MM>`.
pub fn usage_id(tenant: crate::TenantId, period: Period) -> String {
    format!("{tenant}:{period}")
}

/// The tenant and period an aggregate id names.
pub fn parse_usage_id(id: &str) -> Option<(crate::TenantId, Period)> {
    let (tenant, period) = id.split_once(':')?;
    Some((crate::TenantId(tenant.parse().ok()?), period.parse().ok()?))
}
