//! The period's state and rules.

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use super::{Entry, Limit, Metric, Period, Quota, UsageCommand, UsageEvent, UsageLine};
use crate::TenantId;

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Usage {
    opened: Option<(TenantId, Period)>,
    closed: bool,
    totals: BTreeMap<Metric, i64>,
    /// Idempotency keys recorded in this period.
    keys: HashSet<String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UsageError {
    /// Open the period first (with the previous period's gauges).
    #[error("the usage period is not open")]
    NotOpened,
    /// The period has ended: record in the current one.
    #[error("the usage period is closed")]
    Closed,
    #[error("usage entries are recorded in the period and tenant they name")]
    WrongPeriod,
    #[error("a usage entry needs at least one non-zero line")]
    Empty,
    #[error("{} quota reached: {used} of {limit} {} used", quota.as_str(), quota.unit())]
    OverQuota { quota: Quota, limit: u64, used: u64 },
}

impl Usage {
    /// What a serialized `Usage` means. A period is loaded from a snapshot
    /// of this state (its stream grows with every billable cause), so a
    /// change to a field's shape or meaning must bump this: snapshots of
    /// another version are then ignored and the period replayed from its
    /// events.
    pub const SNAPSHOT_VERSION: u32 = 1;

    pub fn decide(&self, command: UsageCommand) -> Result<Vec<UsageEvent>, UsageError> {
        match command {
            UsageCommand::Open {
                tenant_id,
                period,
                carried,
            } => Ok(match self.opened {
                Some(_) => vec![],
                None => vec![UsageEvent::PeriodOpened {
                    tenant_id,
                    period,
                    // Only balances carry over, and only those not at zero.
                    carried: carried
                        .into_iter()
                        .filter(|l| l.metric.is_gauge() && l.quantity != 0)
                        .collect(),
                }],
            }),
            UsageCommand::Record { entry, limits } => self.record(entry, &limits),
            UsageCommand::Close => Ok(if self.opened.is_some() && !self.closed {
                vec![UsageEvent::PeriodClosed]
            } else {
                vec![]
            }),
        }
    }

    fn record(&self, entry: Entry, limits: &[Limit]) -> Result<Vec<UsageEvent>, UsageError> {
        let Some(opened) = self.opened else {
            return Err(UsageError::NotOpened);
        };
        if opened != (entry.tenant_id, entry.period) {
            return Err(UsageError::WrongPeriod);
        }
        // A key already recorded is the same cause replayed: counted once,
        // before the closed check so a replay after the month ends is no error.
        if self.keys.contains(&entry.key) {
            return Ok(vec![]);
        }
        if self.closed {
            return Err(UsageError::Closed);
        }
        let lines: Vec<UsageLine> = entry
            .lines
            .into_iter()
            .filter(|l| l.quantity != 0)
            .collect();
        if lines.is_empty() {
            return Err(UsageError::Empty);
        }
        for limit in limits {
            let added: i64 = lines
                .iter()
                .filter(|l| limit.quota.metrics().contains(&l.metric))
                .map(|l| l.quantity)
                .sum();
            self.check(limit, added)?;
        }
        Ok(vec![UsageEvent::UsageRecorded {
            key: entry.key,
            cause: entry.cause,
            actor: entry.actor,
            subject: entry.subject,
            lines,
            occurred_at: entry.occurred_at,
        }])
    }

    /// Whether `added` (of the quota's metrics) fits within `limit` now:
    /// giving back always does; consumption of a size not known yet (0)
    /// only while some is left.
    pub fn check(&self, limit: &Limit, added: i64) -> Result<(), UsageError> {
        let used = self.used(limit.quota);
        let over = match added {
            ..0 => false,
            0 => used >= limit.limit,
            _ => used.saturating_add(added as u64) > limit.limit,
        };
        if over {
            return Err(UsageError::OverQuota {
                quota: limit.quota,
                limit: limit.limit,
                used,
            });
        }
        Ok(())
    }

    /// Applies one event to the state.
    pub fn fold(&mut self, event: UsageEvent) {
        match event {
            UsageEvent::PeriodOpened {
                tenant_id,
                period,
                carried,
            } => {
                self.opened = Some((tenant_id, period));
                self.add(&carried);
            }
            UsageEvent::UsageRecorded { key, lines, .. } => {
                self.keys.insert(key);
                self.add(&lines);
            }
            UsageEvent::PeriodClosed => self.closed = true,
        }
    }

    fn add(&mut self, lines: &[UsageLine]) {
        for line in lines {
            *self.totals.entry(line.metric).or_default() += line.quantity;
        }
    }

    pub fn is_open(&self) -> bool {
        self.opened.is_some() && !self.closed
    }

    pub fn is_opened(&self) -> bool {
        self.opened.is_some()
    }

    /// The period's total of one metric (gauges: the balance).
    pub fn total(&self, metric: Metric) -> i64 {
        self.totals.get(&metric).copied().unwrap_or(0)
    }

    /// How much of a quota is used (never below zero).
    pub fn used(&self, quota: Quota) -> u64 {
        let sum: i64 = quota.metrics().iter().map(|m| self.total(*m)).sum();
        sum.max(0) as u64
    }

    /// The balances to carry into the next period.
    pub fn gauges(&self) -> Vec<UsageLine> {
        Metric::ALL
            .into_iter()
            .filter(|m| m.is_gauge())
            .map(|metric| UsageLine {
                metric,
                quantity: self.total(metric),
            })
            .collect()
    }
}

impl crate::Rejection for UsageError {
    fn kind(&self) -> crate::RejectionKind {
        match self {
            UsageError::OverQuota { .. } | UsageError::Closed | UsageError::NotOpened => {
                crate::RejectionKind::Conflict
            }
            UsageError::WrongPeriod | UsageError::Empty => crate::RejectionKind::Invalid,
        }
    }
}

crate::emit::event_sourced!(Usage, "usage", UsageCommand, UsageEvent, UsageError);

#[cfg(test)]
mod tests;
