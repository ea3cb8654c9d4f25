//! Two writers of one aggregate: every accepted command is in the log, every
//! refused one reports a conflict — never a silent overwrite.

use std::sync::Arc;

use ancre_commands::{Actor, CommandError, Commands, EventMetadata};
use ancre_domain::tenant::TenantCommand;
use ancre_domain::{Role, TenantId, UserId};
use ancre_testkit::pg::TestDb;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_commands_on_one_aggregate_lose_no_update() {
    let db = TestDb::new().await;
    let commands = Arc::new(Commands::new(db.pool.clone()));
    let tenant = TenantId::new();
    let meta = EventMetadata::for_request(tenant, Actor::System("test"), "req");
    commands
        .tenant(
            tenant,
            TenantCommand::Create {
                tenant_id: tenant,
                name: "Acme".into(),
                owner: UserId::parse("o").unwrap(),
            },
            &meta,
        )
        .await
        .unwrap();

    // 24 users invited at once to the same tenant: each load sees the same
    // sequence number, so most first attempts lose the race.
    let mut tasks = Vec::new();
    for i in 0..24 {
        let commands = commands.clone();
        let meta = meta.clone();
        tasks.push(tokio::spawn(async move {
            let user = UserId::parse(&format!("user{i}")).unwrap();
            let result = commands
                .tenant(
                    tenant,
                    TenantCommand::InviteMember {
                        user_id: user.clone(),
                        role: Role::Member,
                    },
                    &meta,
                )
                .await;
            (user, result)
        }));
    }
    let mut accepted = Vec::new();
    let mut conflicts = 0;
    for t in tasks {
        match t.await.unwrap() {
            (user, Ok(_)) => accepted.push(user.to_string()),
            (_, Err(CommandError::Conflict { .. })) => conflicts += 1,
            (_, Err(other)) => panic!("unexpected {other}"),
        }
    }
    assert_eq!(accepted.len() + conflicts, 24);
    assert!(!accepted.is_empty());

    let mut stored: Vec<String> = sqlx::query_scalar(
        "SELECT payload -> 'MemberInvited' ->> 'user_id' FROM events
          WHERE aggregate_id = $1 AND event_type = 'MemberInvited'",
    )
    .bind(tenant.to_string())
    .fetch_all(&db.pool)
    .await
    .unwrap();
    stored.sort();
    accepted.sort();
    assert_eq!(
        stored, accepted,
        "exactly the accepted commands are in the log"
    );

    let gaps: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT sequence, row_number() OVER (ORDER BY sequence) AS n
           FROM events WHERE aggregate_id = $1) s WHERE sequence <> n",
    )
    .bind(tenant.to_string())
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(gaps, 0, "sequences are contiguous");
}

#[tokio::test]
async fn metadata_is_recorded_on_every_event() {
    let db = TestDb::new().await;
    let commands = Commands::new(db.pool.clone());
    let tenant = TenantId::new();
    let meta =
        EventMetadata::for_request(tenant, Actor::User(UserId::parse("u1").unwrap()), "req-42");
    commands
        .tenant(
            tenant,
            TenantCommand::Create {
                tenant_id: tenant,
                name: "Acme".into(),
                owner: UserId::parse("u1").unwrap(),
            },
            &meta,
        )
        .await
        .unwrap();
    let rows: Vec<(serde_json::Value, String)> =
        sqlx::query_as("SELECT metadata, event_version FROM events WHERE aggregate_id = $1")
            .bind(tenant.to_string())
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(rows.len(), 2);
    for (m, version) in rows {
        assert_eq!(m["tenant_id"], tenant.to_string());
        assert_eq!(m["actor"], "user:u1");
        assert_eq!(m["request_id"], "req-42");
        assert_eq!(m["causation_id"], "request:req-42");
        assert_eq!(m["correlation_id"], meta.correlation_id.to_string());
        assert_eq!(version, "1");
    }
}
