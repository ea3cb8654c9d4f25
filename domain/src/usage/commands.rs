//! What can be asked of a tenant's period.

use chrono::{DateTime, Utc};

use super::{Period, Quota, Subject, UsageLine};
use crate::TenantId;

/// One consumption to record.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub tenant_id: TenantId,
    pub period: Period,
    pub key: String,
    pub cause: String,
    pub actor: String,
    pub subject: Subject,
    pub lines: Vec<UsageLine>,
    pub occurred_at: DateTime<Utc>,
}

/// A plan's limit on a quota, checked when the entry is recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub quota: Quota,
    pub limit: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub enum UsageCommand {
    /// Starts the period with the gauges the previous one closed with
    /// (a no-op on a period already open).
    Open {
        tenant_id: TenantId,
        period: Period,
        carried: Vec<UsageLine>,
    },
    /// Records an entry. With `limits`, refuses it when it would take one of
    /// those quotas past its limit, or when the quota is already used up and
    /// the entry consumes it in amounts not known yet (a chat turn's tokens:
    /// named in `limits` with no line of its metrics).
    Record { entry: Entry, limits: Vec<Limit> },
    /// Ends the period (a no-op when closed or never opened).
    Close,
}
