//! Plans and their limits, defined here and nowhere else: the quota checks,
//! `GET /usage` and the documentation all read [`Plan::limit`].

use serde::{Deserialize, Serialize};

use crate::usage::{Limit, Quota};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Plan {
    #[default]
    Free,
    Pro,
}

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

impl Plan {
    pub fn as_str(self) -> &'static str {
        match self {
            Plan::Free => "free",
            Plan::Pro => "pro",
        }
    }

    pub fn parse(raw: &str) -> Option<Plan> {
        match raw {
            "free" => Some(Plan::Free),
            "pro" => Some(Plan::Pro),
            _ => None,
        }
    }

    /// The plan's limit on a quota (documents and storage: at any time; the
    /// others: per calendar month).
    pub fn limit(self, quota: Quota) -> u64 {
        match (self, quota) {
            (Plan::Free, Quota::Documents) => 100,
            (Plan::Free, Quota::Storage) => 200 * MIB,
            (Plan::Free, Quota::PagesPerMonth) => 1_000,
            (Plan::Free, Quota::MessagesPerMonth) => 300,
            (Plan::Free, Quota::TokensPerMonth) => 300_000,
            (Plan::Pro, Quota::Documents) => 10_000,
            (Plan::Pro, Quota::Storage) => 20 * GIB,
            (Plan::Pro, Quota::PagesPerMonth) => 100_000,
            (Plan::Pro, Quota::MessagesPerMonth) => 20_000,
            (Plan::Pro, Quota::TokensPerMonth) => 20_000_000,
        }
    }

    /// The limits of `quotas` on this plan, as a usage command checks them.
    pub fn limits(self, quotas: &[Quota]) -> Vec<Limit> {
        quotas
            .iter()
            .map(|&quota| Limit {
                quota,
                limit: self.limit(quota),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pro_allows_more_than_free_on_every_quota() {
        for quota in Quota::ALL {
            assert!(
                Plan::Pro.limit(quota) > Plan::Free.limit(quota),
                "{quota:?}"
            );
        }
    }

    #[test]
    fn plans_read_back_from_their_names() {
        for plan in [Plan::Free, Plan::Pro] {
            assert_eq!(Plan::parse(plan.as_str()), Some(plan));
        }
        assert_eq!(Plan::parse("enterprise"), None);
    }
}
