//! Given / when / then: one test per rule of the usage aggregate.

use chrono::{TimeZone, Utc};
use cqrs_es::test::TestFramework;
use uuid::Uuid;

use super::*;
use crate::usage::Subject;

type Given = TestFramework<Usage>;

fn tenant() -> TenantId {
    TenantId(Uuid::from_u128(1))
}
fn december() -> Period {
    "2026-12".parse().unwrap()
}
fn line(metric: Metric, quantity: i64) -> UsageLine {
    UsageLine { metric, quantity }
}
fn entry(key: &str, lines: Vec<UsageLine>) -> Entry {
    Entry {
        tenant_id: tenant(),
        period: december(),
        key: key.into(),
        cause: "request:r1".into(),
        actor: "user:u1".into(),
        subject: Subject::default(),
        lines,
        occurred_at: Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap(),
    }
}
fn recorded(key: &str, lines: Vec<UsageLine>) -> UsageEvent {
    let e = entry(key, lines);
    UsageEvent::UsageRecorded {
        key: e.key,
        cause: e.cause,
        actor: e.actor,
        subject: e.subject,
        lines: e.lines,
        occurred_at: e.occurred_at,
    }
}
fn opened(carried: Vec<UsageLine>) -> UsageEvent {
    UsageEvent::PeriodOpened {
        tenant_id: tenant(),
        period: december(),
        carried,
    }
}
fn record(key: &str, lines: Vec<UsageLine>, limits: Vec<Limit>) -> UsageCommand {
    UsageCommand::Record {
        entry: entry(key, lines),
        limits,
    }
}
fn messages(limit: u64) -> Limit {
    Limit {
        quota: Quota::MessagesPerMonth,
        limit,
    }
}

#[test]
fn a_period_opens_with_the_balances_only() {
    Given::with(())
        .given_no_previous_events()
        .when(UsageCommand::Open {
            tenant_id: tenant(),
            period: december(),
            carried: vec![
                line(Metric::Documents, 3),
                line(Metric::StorageBytes, 0),
                line(Metric::PagesParsed, 40),
            ],
        })
        .then_expect_events(vec![opened(vec![line(Metric::Documents, 3)])]);
}

#[test]
fn opening_twice_changes_nothing() {
    Given::with(())
        .given(vec![opened(vec![])])
        .when(UsageCommand::Open {
            tenant_id: tenant(),
            period: december(),
            carried: vec![line(Metric::Documents, 9)],
        })
        .then_expect_events(vec![]);
}

#[test]
fn nothing_is_recorded_before_the_period_opens() {
    Given::with(())
        .given_no_previous_events()
        .when(record("k", vec![line(Metric::ChatMessages, 1)], vec![]))
        .then_expect_error(UsageError::NotOpened);
}

#[test]
fn an_entry_is_recorded_without_its_zero_lines() {
    Given::with(())
        .given(vec![opened(vec![])])
        .when(record(
            "k",
            vec![
                line(Metric::LlmTokensIn, 120),
                line(Metric::LlmTokensOut, 0),
            ],
            vec![],
        ))
        .then_expect_events(vec![recorded("k", vec![line(Metric::LlmTokensIn, 120)])]);
}

#[test]
fn the_same_key_counts_once() {
    Given::with(())
        .given(vec![
            opened(vec![]),
            recorded("k", vec![line(Metric::ChatMessages, 1)]),
        ])
        .when(record(
            "k",
            vec![line(Metric::ChatMessages, 1)],
            vec![messages(10)],
        ))
        .then_expect_events(vec![]);
}

#[test]
fn an_entry_of_nothing_is_refused() {
    Given::with(())
        .given(vec![opened(vec![])])
        .when(record("k", vec![line(Metric::PagesParsed, 0)], vec![]))
        .then_expect_error(UsageError::Empty);
}

#[test]
fn an_entry_for_another_period_is_refused() {
    let mut other = entry("k", vec![line(Metric::PagesParsed, 1)]);
    other.period = december().next();
    Given::with(())
        .given(vec![opened(vec![])])
        .when(UsageCommand::Record {
            entry: other,
            limits: vec![],
        })
        .then_expect_error(UsageError::WrongPeriod);
}

#[test]
fn the_last_unit_of_a_quota_passes_and_the_next_is_refused() {
    let given = vec![
        opened(vec![]),
        recorded("a", vec![line(Metric::ChatMessages, 1)]),
    ];
    Given::with(())
        .given(given.clone())
        .when(record(
            "b",
            vec![line(Metric::ChatMessages, 1)],
            vec![messages(2)],
        ))
        .then_expect_events(vec![recorded("b", vec![line(Metric::ChatMessages, 1)])]);
    let mut full = given;
    full.push(recorded("b", vec![line(Metric::ChatMessages, 1)]));
    Given::with(())
        .given(full)
        .when(record(
            "c",
            vec![line(Metric::ChatMessages, 1)],
            vec![messages(2)],
        ))
        .then_expect_error(UsageError::OverQuota {
            quota: Quota::MessagesPerMonth,
            limit: 2,
            used: 2,
        });
}

#[test]
fn an_entry_larger_than_what_is_left_is_refused_whole() {
    Given::with(())
        .given(vec![opened(vec![line(Metric::StorageBytes, 900)])])
        .when(record(
            "upload",
            vec![line(Metric::Documents, 1), line(Metric::StorageBytes, 200)],
            vec![Limit {
                quota: Quota::Storage,
                limit: 1000,
            }],
        ))
        .then_expect_error(UsageError::OverQuota {
            quota: Quota::Storage,
            limit: 1000,
            used: 900,
        });
}

#[test]
fn an_exhausted_quota_refuses_work_of_unknown_size() {
    // A chat turn names the token quota without knowing its tokens yet.
    let tokens = Limit {
        quota: Quota::TokensPerMonth,
        limit: 100,
    };
    let used_up = vec![
        opened(vec![]),
        recorded(
            "t1",
            vec![
                line(Metric::LlmTokensIn, 60),
                line(Metric::LlmTokensOut, 40),
            ],
        ),
    ];
    Given::with(())
        .given(used_up)
        .when(record(
            "m2",
            vec![line(Metric::ChatMessages, 1)],
            vec![messages(10), tokens],
        ))
        .then_expect_error(UsageError::OverQuota {
            quota: Quota::TokensPerMonth,
            limit: 100,
            used: 100,
        });
}

#[test]
fn giving_back_is_never_refused_by_a_limit() {
    Given::with(())
        .given(vec![opened(vec![line(Metric::Documents, 5)])])
        .when(record(
            "deleted",
            vec![line(Metric::Documents, -1)],
            vec![Limit {
                quota: Quota::Documents,
                limit: 2,
            }],
        ))
        .then_expect_events(vec![recorded("deleted", vec![line(Metric::Documents, -1)])]);
}

#[test]
fn a_closed_period_refuses_new_entries_but_not_replays() {
    let given = vec![
        opened(vec![]),
        recorded("k", vec![line(Metric::PagesParsed, 3)]),
        UsageEvent::PeriodClosed,
    ];
    Given::with(())
        .given(given.clone())
        .when(record("new", vec![line(Metric::PagesParsed, 1)], vec![]))
        .then_expect_error(UsageError::Closed);
    Given::with(())
        .given(given.clone())
        .when(record("k", vec![line(Metric::PagesParsed, 3)], vec![]))
        .then_expect_events(vec![]);
    Given::with(())
        .given(given)
        .when(UsageCommand::Close)
        .then_expect_events(vec![]);
}

#[test]
fn closing_an_unopened_period_does_nothing() {
    Given::with(())
        .given_no_previous_events()
        .when(UsageCommand::Close)
        .then_expect_events(vec![]);
}

#[test]
fn gauges_carry_the_balance_of_documents_and_storage() {
    let mut usage = Usage::default();
    for event in [
        opened(vec![
            line(Metric::Documents, 2),
            line(Metric::StorageBytes, 50),
        ]),
        recorded(
            "a",
            vec![line(Metric::Documents, 1), line(Metric::StorageBytes, 10)],
        ),
        recorded("b", vec![line(Metric::PagesParsed, 7)]),
        recorded(
            "c",
            vec![line(Metric::Documents, -1), line(Metric::StorageBytes, -50)],
        ),
    ] {
        usage.fold(event);
    }
    assert_eq!(
        usage.gauges(),
        vec![line(Metric::Documents, 2), line(Metric::StorageBytes, 10)]
    );
    assert_eq!(usage.used(Quota::PagesPerMonth), 7);
}
