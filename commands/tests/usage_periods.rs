//! Usage periods over the real event store: a long period still knows every
//! key recorded in it; a new period
//! opens with the balances of the latest earlier one, which is closed first.

use ancre_commands::{Actor, Commands, EventMetadata};
use ancre_domain::usage::{usage_id, Entry, Metric, Period, Quota, Subject, UsageLine};
use ancre_domain::TenantId;
use ancre_testkit::pg::TestDb;
use chrono::{TimeZone, Utc};

fn entry(tenant: TenantId, period: Period, key: &str, lines: Vec<UsageLine>) -> Entry {
    Entry {
        tenant_id: tenant,
        period,
        key: key.into(),
        cause: "test".into(),
        actor: "system:test".into(),
        subject: Subject::default(),
        lines,
        occurred_at: Utc.with_ymd_and_hms(2026, 1, 15, 12, 0, 0).unwrap(),
    }
}

fn line(metric: Metric, quantity: i64) -> UsageLine {
    UsageLine { metric, quantity }
}

async fn events_of(db: &TestDb, id: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE aggregate_type = 'usage' AND aggregate_id = $1",
    )
    .bind(id)
    .fetch_one(&db.pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_long_period_counts_each_key_once() {
    let db = TestDb::new().await;
    let commands = Commands::new(db.pool.clone());
    let tenant = TenantId::new();
    let meta = EventMetadata::for_request(tenant, Actor::System("test"), "req");
    let january: Period = "2026-01".parse().unwrap();
    for i in 0..130 {
        commands
            .record_usage(
                entry(
                    tenant,
                    january,
                    &format!("k{i}"),
                    vec![line(Metric::PagesParsed, 2)],
                ),
                vec![],
                &meta,
            )
            .await
            .unwrap();
    }
    let id = usage_id(tenant, january);
    let before = events_of(&db, &id).await;
    assert_eq!(before, 131, "opened, then one event per key");
    // Keys recorded long before are still known.
    for key in ["k0", "k7", "k129"] {
        commands
            .record_usage(
                entry(tenant, january, key, vec![line(Metric::PagesParsed, 2)]),
                vec![],
                &meta,
            )
            .await
            .unwrap();
    }
    assert_eq!(events_of(&db, &id).await, before);
    let usage = commands.load_usage(&id).await.unwrap();
    assert_eq!(usage.used(Quota::PagesPerMonth), 260);
}

#[tokio::test]
async fn a_new_period_carries_the_balances_of_the_latest_one_and_closes_it() {
    let db = TestDb::new().await;
    let commands = Commands::new(db.pool.clone());
    let tenant = TenantId::new();
    let meta = EventMetadata::for_request(tenant, Actor::System("test"), "req");
    let january: Period = "2026-01".parse().unwrap();
    commands
        .record_usage(
            entry(
                tenant,
                january,
                "upload",
                vec![
                    line(Metric::Documents, 3),
                    line(Metric::StorageBytes, 900),
                    line(Metric::PagesParsed, 40),
                ],
            ),
            vec![],
            &meta,
        )
        .await
        .unwrap();
    // March, with February never opened: balances come from January.
    let march: Period = "2026-03".parse().unwrap();
    commands
        .record_usage(
            entry(tenant, march, "delete", vec![line(Metric::Documents, -1)]),
            vec![],
            &meta,
        )
        .await
        .unwrap();
    let m = commands.load_usage(&usage_id(tenant, march)).await.unwrap();
    assert_eq!(m.total(Metric::Documents), 2);
    assert_eq!(m.total(Metric::StorageBytes), 900);
    assert_eq!(
        m.total(Metric::PagesParsed),
        0,
        "monthly counts start again"
    );
    let j = commands
        .load_usage(&usage_id(tenant, january))
        .await
        .unwrap();
    assert!(!j.is_open(), "January was closed before March opened");
    // A late entry for January goes into the next open period; a replayed
    // January key is still recognised.
    commands
        .record_usage(
            entry(tenant, january, "upload", vec![line(Metric::Documents, 3)]),
            vec![],
            &meta,
        )
        .await
        .unwrap();
    let j_after = commands
        .load_usage(&usage_id(tenant, january))
        .await
        .unwrap();
    assert_eq!(j_after.total(Metric::Documents), 3);
    commands
        .record_usage(
            entry(tenant, january, "late", vec![line(Metric::PagesParsed, 5)]),
            vec![],
            &meta,
        )
        .await
        .unwrap();
    let m = commands.load_usage(&usage_id(tenant, march)).await.unwrap();
    assert_eq!(
        m.total(Metric::PagesParsed),
        5,
        "the late entry landed in March"
    );
}
