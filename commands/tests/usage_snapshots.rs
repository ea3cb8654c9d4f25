//! Usage periods are loaded from a snapshot and the events after it, over
//! the real event store: the snapshot is what a load reads, it never changes
//! a decision (keys, totals, quotas under racing writers), and a snapshot of
//! another state version is ignored and replaced.

use std::sync::Arc;

use ancre_commands::snapshots::SNAPSHOT_EVERY;
use ancre_commands::{Actor, CommandError, Commands, EventMetadata};
use ancre_domain::usage::{
    usage_id, Entry, Limit, Metric, Period, Quota, Subject, Usage, UsageError, UsageLine,
};
use ancre_domain::TenantId;
use ancre_testkit::pg::TestDb;
use chrono::{TimeZone, Utc};
use serde_json::Value;

fn january() -> Period {
    "2026-01".parse().unwrap()
}

fn entry(tenant: TenantId, key: &str, metric: Metric) -> Entry {
    Entry {
        tenant_id: tenant,
        period: january(),
        key: key.into(),
        cause: "test".into(),
        actor: "system:test".into(),
        subject: Subject::default(),
        lines: vec![UsageLine {
            metric,
            quantity: 1,
        }],
        occurred_at: Utc.with_ymd_and_hms(2026, 1, 15, 12, 0, 0).unwrap(),
    }
}

struct Period1 {
    db: TestDb,
    commands: Arc<Commands>,
    tenant: TenantId,
    id: String,
}

impl Period1 {
    /// January of a new tenant, with `pages` entries of one page each (`k0`…).
    async fn with_pages(pages: usize) -> Period1 {
        let db = TestDb::new().await;
        let commands = Arc::new(Commands::new(db.pool.clone()));
        let tenant = TenantId::new();
        let period = Period1 {
            id: usage_id(tenant, january()),
            db,
            commands,
            tenant,
        };
        for i in 0..pages {
            period.record(&format!("k{i}"), Metric::PagesParsed).await;
        }
        period
    }

    async fn record(&self, key: &str, metric: Metric) {
        self.commands
            .record_usage(entry(self.tenant, key, metric), vec![], &self.meta())
            .await
            .unwrap();
    }

    fn meta(&self) -> EventMetadata {
        EventMetadata::for_request(self.tenant, Actor::System("test"), "req")
    }

    async fn events(&self) -> i64 {
        sqlx::query_scalar(
            "SELECT count(*) FROM events WHERE aggregate_type = 'usage' AND aggregate_id = $1",
        )
        .bind(&self.id)
        .fetch_one(&self.db.pool)
        .await
        .unwrap()
    }

    /// (last_sequence, current_snapshot, payload) of the period's snapshot row.
    async fn snapshot(&self) -> Option<(i64, i64, Value)> {
        sqlx::query_as(
            "SELECT last_sequence, current_snapshot, payload FROM snapshots
              WHERE aggregate_type = 'usage' AND aggregate_id = $1",
        )
        .bind(&self.id)
        .fetch_optional(&self.db.pool)
        .await
        .unwrap()
    }

    async fn set_snapshot_payload(&self, payload: Value) {
        sqlx::query(
            "UPDATE snapshots SET payload = $2
              WHERE aggregate_type = 'usage' AND aggregate_id = $1",
        )
        .bind(&self.id)
        .bind(payload)
        .execute(&self.db.pool)
        .await
        .unwrap();
    }

    async fn drop_snapshot(&self) {
        sqlx::query("DELETE FROM snapshots WHERE aggregate_type = 'usage' AND aggregate_id = $1")
            .bind(&self.id)
            .execute(&self.db.pool)
            .await
            .unwrap();
    }

    async fn load(&self) -> Usage {
        self.commands.load_usage(&self.id).await.unwrap()
    }
}

#[tokio::test]
async fn a_long_period_is_loaded_from_its_snapshot_and_the_few_events_after_it() {
    let period = Period1::with_pages(250).await;
    let events = period.events().await;
    assert_eq!(events, 251, "opened, then one event per key");
    let (last_sequence, _, payload) = period.snapshot().await.expect("a snapshot");
    assert!(
        events - last_sequence < SNAPSHOT_EVERY as i64,
        "a load replays fewer than {SNAPSHOT_EVERY} events (snapshot at {last_sequence} of {events})"
    );
    assert_eq!(payload["version"], Usage::SNAPSHOT_VERSION);
    assert_eq!(period.load().await.used(Quota::PagesPerMonth), 250);

    // Keys recorded before the snapshot are in it: their replays count once.
    for key in ["k0", "k99", "k180", "k249"] {
        period.record(key, Metric::PagesParsed).await;
    }
    assert_eq!(period.events().await, events);
    assert_eq!(period.load().await.used(Quota::PagesPerMonth), 250);

    // What a load reads is the snapshot: a total changed in it (never done
    // outside this test) shows, plus the events after it.
    let mut edited = payload.clone();
    edited["state"]["totals"]["pages_parsed"] = Value::from(10_000);
    period.set_snapshot_payload(edited).await;
    let after = (events - last_sequence) as u64;
    assert_eq!(
        period.load().await.used(Quota::PagesPerMonth),
        10_000 + after
    );
}

#[tokio::test]
async fn a_snapshot_of_another_version_or_shape_is_ignored_and_replaced() {
    for stale in [
        // Another version of the state, whatever it says.
        serde_json::json!({ "version": Usage::SNAPSHOT_VERSION + 1,
                            "state": { "opened": null, "closed": true, "totals": {}, "keys": [] } }),
        // A payload this build cannot read at all.
        serde_json::json!({ "something": "else" }),
    ] {
        let period = Period1::with_pages(150).await;
        let (_, row, _) = period.snapshot().await.expect("a snapshot");
        period.set_snapshot_payload(stale).await;

        // Decided on every event: the totals and the keys are all there.
        assert_eq!(period.load().await.used(Quota::PagesPerMonth), 150);
        period.record("k3", Metric::PagesParsed).await;
        assert_eq!(period.events().await, 151, "k3 was known");

        // The next new entry writes a snapshot of this version over the row.
        period.record("new", Metric::PagesParsed).await;
        let (last_sequence, next_row, payload) = period.snapshot().await.unwrap();
        assert_eq!(last_sequence, 152);
        assert_eq!(next_row, row + 1);
        assert_eq!(payload["version"], Usage::SNAPSHOT_VERSION);
        assert_eq!(period.load().await.used(Quota::PagesPerMonth), 151);
    }
}

#[tokio::test]
async fn a_long_period_without_a_snapshot_gets_one_at_its_next_entry() {
    // As a period written before snapshots existed.
    let period = Period1::with_pages(150).await;
    period.drop_snapshot().await;
    assert_eq!(period.load().await.used(Quota::PagesPerMonth), 150);
    period.record("new", Metric::PagesParsed).await;
    let (last_sequence, row, _) = period.snapshot().await.expect("a snapshot");
    assert_eq!((last_sequence, row), (152, 1));
    assert_eq!(period.load().await.used(Quota::PagesPerMonth), 151);
}

#[tokio::test]
async fn racing_charges_across_a_snapshot_pass_exactly_as_many_as_are_left() {
    // 90 messages used of 120, so the race crosses the snapshot at 100 events.
    let period = Arc::new(Period1::with_pages(0).await);
    for i in 0..90 {
        period.record(&format!("m{i}"), Metric::ChatMessages).await;
    }
    let limits = vec![Limit {
        quota: Quota::MessagesPerMonth,
        limit: 120,
    }];
    let mut racers = Vec::new();
    for i in 0..40 {
        let period = period.clone();
        let limits = limits.clone();
        racers.push(tokio::spawn(async move {
            period
                .commands
                .record_usage(
                    entry(period.tenant, &format!("race{i}"), Metric::ChatMessages),
                    limits,
                    &period.meta(),
                )
                .await
        }));
    }
    let (mut passed, mut refused) = (0, 0);
    for racer in racers {
        match racer.await.unwrap() {
            Ok(_) => passed += 1,
            Err(CommandError::Rejected(UsageError::OverQuota { .. })) => refused += 1,
            Err(other) => panic!("unexpected: {other}"),
        }
    }
    assert_eq!((passed, refused), (30, 10));
    assert_eq!(period.load().await.used(Quota::MessagesPerMonth), 120);
    let (last_sequence, _, _) = period.snapshot().await.expect("a snapshot");
    assert!(last_sequence >= 100);
    // And the same from every event, without the snapshot.
    period.drop_snapshot().await;
    assert_eq!(period.load().await.used(Quota::MessagesPerMonth), 120);
}
