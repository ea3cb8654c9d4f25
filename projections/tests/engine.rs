//! The subscription engine against a real PostgreSQL: ordering under
//! concurrent writers and a late-committing transaction, exactly-once effects
//! across failures and restarts, and rebuild = live.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ancre_commands::{Actor, Commands, EventMetadata};
use ancre_domain::tenant::TenantCommand;
use ancre_domain::{TenantId, UserId};
use ancre_projections::{
    projectors, Engine, EngineConfig, ProjectionError, Projector, StoredEvent,
};
use ancre_testkit::{pg::TestDb, wait};
use async_trait::async_trait;
use sqlx::{PgConnection, PgPool};
use tokio::sync::oneshot;

/// Records every event it is given, in the order given.
struct Recorder;

#[async_trait]
impl Projector for Recorder {
    fn name(&self) -> &'static str {
        "test_recorder"
    }
    async fn reset(&self, tx: &mut PgConnection) -> Result<(), ProjectionError> {
        sqlx::query("TRUNCATE test_seen").execute(tx).await?;
        Ok(())
    }
    async fn apply(&self, tx: &mut PgConnection, e: &StoredEvent) -> Result<(), ProjectionError> {
        sqlx::query("INSERT INTO test_seen (position, aggregate_id, sequence) VALUES ($1, $2, $3)")
            .bind(e.at.position)
            .bind(&e.aggregate_id)
            .bind(e.sequence)
            .execute(tx)
            .await?;
        Ok(())
    }
}

/// Writes its effect, then fails once *after* writing, on the n-th event:
/// the failure lands between the write and the checkpoint.
struct FailsOnce {
    fail_at: usize,
    calls: AtomicUsize,
    failed: AtomicBool,
}

#[async_trait]
impl Projector for FailsOnce {
    fn name(&self) -> &'static str {
        "test_fails_once"
    }
    async fn reset(&self, tx: &mut PgConnection) -> Result<(), ProjectionError> {
        sqlx::query("TRUNCATE test_effects").execute(tx).await?;
        Ok(())
    }
    async fn apply(&self, tx: &mut PgConnection, e: &StoredEvent) -> Result<(), ProjectionError> {
        sqlx::query("INSERT INTO test_effects (position) VALUES ($1)")
            .bind(e.at.position)
            .execute(&mut *tx)
            .await?;
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        if n == self.fail_at && !self.failed.swap(true, Ordering::SeqCst) {
            return Err(ProjectionError::Database(sqlx::Error::Protocol(
                "injected failure after the write, before the checkpoint".into(),
            )));
        }
        Ok(())
    }
}

async fn test_tables(pool: &PgPool) {
    sqlx::query(
        "CREATE TABLE test_seen (seen_order bigserial, position bigint, aggregate_id text, sequence bigint)",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("CREATE TABLE test_effects (position bigint)")
        .execute(pool)
        .await
        .unwrap();
}

fn config() -> EngineConfig {
    EngineConfig {
        batch_size: 50,
        poll_interval: Duration::from_millis(200),
        retry_backoff: Duration::from_millis(10),
    }
}

fn start(pool: &PgPool, projectors: Vec<Arc<dyn Projector>>) -> oneshot::Sender<()> {
    let (stop, stopped) = oneshot::channel::<()>();
    let engine = Engine::new(pool.clone(), config(), projectors);
    tokio::spawn(engine.run(async {
        let _ = stopped.await;
    }));
    stop
}

fn meta(tenant: TenantId) -> EventMetadata {
    EventMetadata::for_request(tenant, Actor::System("test"), "req-test")
}

async fn create_tenant(commands: &Commands, name: &str) -> TenantId {
    let id = TenantId::new();
    commands
        .tenant(
            id,
            TenantCommand::Create {
                tenant_id: id,
                name: name.into(),
                owner: UserId::parse("owner").unwrap(),
            },
            &meta(id),
        )
        .await
        .unwrap();
    id
}

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn late_commit_is_seen_once_and_in_log_order() {
    let db = TestDb::new().await;
    test_tables(&db.pool).await;
    let _stop = start(&db.pool, vec![Arc::new(Recorder)]);

    // A transaction that appends first and commits last.
    let mut long = db.pool.begin().await.unwrap();
    sqlx::query(
        "INSERT INTO events (aggregate_type, aggregate_id, sequence, event_type, event_version, payload, metadata)
         VALUES ('probe', 'long', 1, 'Probe', '1', '{}', '{}')",
    )
    .execute(&mut *long)
    .await
    .unwrap();
    let (long_position, long_txid): (i64, i64) = sqlx::query_as(
        "SELECT position, transaction_id::text::bigint FROM events WHERE aggregate_id = 'long'",
    )
    .fetch_one(&mut *long)
    .await
    .unwrap();

    // Many concurrent writers, committing while the long transaction is open.
    let commands = Arc::new(Commands::new(db.pool.clone()));
    let mut writers = Vec::new();
    for w in 0..8 {
        let commands = commands.clone();
        writers.push(tokio::spawn(async move {
            for i in 0..10 {
                let id = create_tenant(&commands, &format!("t{w}-{i}")).await;
                commands
                    .tenant(
                        id,
                        TenantCommand::Rename {
                            name: format!("r{w}-{i}"),
                        },
                        &meta(id),
                    )
                    .await
                    .unwrap();
            }
        }));
    }
    for w in writers {
        w.await.unwrap();
    }
    let others = count(&db.pool, "SELECT count(*) FROM events").await;
    assert_eq!(others, 8 * 10 * 3);
    let newest: i64 = count(&db.pool, "SELECT max(position) FROM events").await;
    assert!(
        newest > long_position,
        "the long transaction's event must sit behind committed ones (a `position >` reader would skip it)"
    );

    // While it is open, nothing at or beyond its transaction is applied.
    let applied_beyond: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM test_seen s JOIN events e USING (position)
          WHERE e.transaction_id::text::bigint >= $1",
    )
    .bind(long_txid)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(applied_beyond, 0);

    long.commit().await.unwrap();
    let total = others + 1;
    wait::until("the projector to apply every event", Duration::from_secs(20), || {
        let pool = db.pool.clone();
        async move { (count(&pool, "SELECT count(*) FROM test_seen").await == total).then_some(()) }
    })
    .await;

    // Exactly once each.
    assert_eq!(
        count(&db.pool, "SELECT count(DISTINCT position) FROM test_seen").await,
        total
    );
    // In the log's order, (transaction_id, position), which is the commit order
    // of transactions that did not overlap.
    let seen: Vec<i64> = sqlx::query_scalar("SELECT position FROM test_seen ORDER BY seen_order")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    let log: Vec<i64> =
        sqlx::query_scalar("SELECT position FROM events ORDER BY transaction_id, position")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(seen, log);
    assert!(seen.contains(&long_position));
    // Every aggregate's events arrive in sequence order.
    let out_of_order = count(
        &db.pool,
        "SELECT count(*) FROM (SELECT sequence, lag(sequence) OVER (PARTITION BY aggregate_id ORDER BY seen_order) AS prev
           FROM test_seen) s WHERE prev IS NOT NULL AND sequence <> prev + 1",
    )
    .await;
    assert_eq!(out_of_order, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn failure_between_write_and_checkpoint_neither_loses_nor_doubles() {
    let db = TestDb::new().await;
    test_tables(&db.pool).await;
    let commands = Commands::new(db.pool.clone());
    for i in 0..20 {
        create_tenant(&commands, &format!("t{i}")).await;
    }
    let total = count(&db.pool, "SELECT count(*) FROM events").await;

    let projector = Arc::new(FailsOnce {
        fail_at: 7,
        calls: AtomicUsize::new(0),
        failed: AtomicBool::new(false),
    });
    let stop = start(&db.pool, vec![projector.clone()]);
    wait::until(
        "the first engine to apply everything",
        Duration::from_secs(20),
        || {
            let pool = db.pool.clone();
            async move {
                (count(&pool, "SELECT count(*) FROM test_effects").await == total).then_some(())
            }
        },
    )
    .await;
    assert!(
        projector.failed.load(Ordering::SeqCst),
        "the failure was injected"
    );
    stop.send(()).unwrap();

    // A restart with more events: the new engine continues from the checkpoint.
    for i in 0..5 {
        create_tenant(&commands, &format!("later{i}")).await;
    }
    let total = count(&db.pool, "SELECT count(*) FROM events").await;
    let _stop = start(
        &db.pool,
        vec![Arc::new(FailsOnce {
            fail_at: usize::MAX,
            calls: AtomicUsize::new(0),
            failed: AtomicBool::new(false),
        })],
    );
    wait::until("the restarted engine to catch up", Duration::from_secs(20), || {
        let pool = db.pool.clone();
        async move {
            let checkpoint: i64 = sqlx::query_scalar(
                "SELECT coalesce((SELECT position FROM projector_checkpoints WHERE name = 'test_fails_once'), 0)",
            )
            .fetch_one(&pool)
            .await
            .unwrap();
            let last: i64 = count(&pool, "SELECT position FROM events ORDER BY transaction_id DESC, position DESC LIMIT 1").await;
            (checkpoint == last).then_some(())
        }
    })
    .await;
    assert_eq!(
        count(&db.pool, "SELECT count(*) FROM test_effects").await,
        total
    );
    assert_eq!(
        count(
            &db.pool,
            "SELECT count(DISTINCT position) FROM test_effects"
        )
        .await,
        total,
        "each event's effect exactly once"
    );
}

async fn dump_tenant_read_models(pool: &PgPool) -> String {
    sqlx::query_scalar(
        "SELECT concat_ws('|',
            (SELECT string_agg(t::text, ',' ORDER BY tenant_id) FROM rm_tenants t),
            (SELECT string_agg(m::text, ',' ORDER BY tenant_id, user_id) FROM rm_tenant_members m),
            (SELECT string_agg(k::text, ',' ORDER BY key_id) FROM rm_api_keys k),
            (SELECT string_agg(c::text, ',' ORDER BY collection_id) FROM rm_collections c))",
    )
    .fetch_one(pool)
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rebuild_equals_live() {
    let db = TestDb::new().await;
    let commands = Commands::new(db.pool.clone());
    let _stop = start(&db.pool, projectors::all());
    for i in 0..10 {
        let id = create_tenant(&commands, &format!("t{i}")).await;
        let m = meta(id);
        // bob is invited everywhere, and accepts in every other tenant:
        // both the members and the pending invitations are rebuilt.
        commands
            .tenant(
                id,
                TenantCommand::InviteMember {
                    user_id: UserId::parse("bob").unwrap(),
                    role: ancre_domain::Role::Billing,
                },
                &m,
            )
            .await
            .unwrap();
        if i % 2 == 0 {
            commands
                .tenant(
                    id,
                    TenantCommand::AcceptInvitation {
                        user_id: UserId::parse("bob").unwrap(),
                    },
                    &m,
                )
                .await
                .unwrap();
        }
        if i % 3 == 0 {
            let key = ancre_domain::ApiKeyId::new();
            commands
                .tenant(
                    id,
                    TenantCommand::CreateApiKey {
                        key_id: key,
                        name: "k".into(),
                        prefix: "ak_x".into(),
                        secret_hash: format!("hash{i}"),
                        created_by: UserId::parse("owner").unwrap(),
                    },
                    &m,
                )
                .await
                .unwrap();
        }
        for j in 0..3 {
            let collection = ancre_domain::CollectionId::new();
            commands
                .collection(
                    collection,
                    ancre_domain::collection::CollectionCommand::Create {
                        collection_id: collection,
                        tenant_id: id,
                        name: format!("{}-{i}-{j}", if j == 1 { "gone" } else { "kept" }),
                        description: String::new(),
                    },
                    &m,
                )
                .await
                .unwrap();
            if j == 1 {
                commands
                    .collection(
                        collection,
                        ancre_domain::collection::CollectionCommand::Delete { tenant_id: id },
                        &m,
                    )
                    .await
                    .unwrap();
            }
        }
        if i % 2 == 0 {
            commands
                .tenant(
                    id,
                    TenantCommand::Suspend {
                        reason: "test".into(),
                    },
                    &m,
                )
                .await
                .unwrap();
        }
    }
    let last =
        ancre_commands::service::last_position(&db.pool, "tenant", &TenantId::new().to_string())
            .await
            .unwrap();
    assert!(last.is_none());
    wait::until(
        "the live projection to catch up",
        Duration::from_secs(20),
        || {
            let pool = db.pool.clone();
            async move {
                let s = ancre_projections::status::status(&pool, &["tenants", "collections"])
                    .await
                    .unwrap();
                (s[0].behind == 0 && s[1].behind == 0).then_some(())
            }
        },
    )
    .await;
    let live = dump_tenant_read_models(&db.pool).await;
    assert!(live.contains("suspended") && live.contains("billing") && live.contains("hash0"));

    assert!(live.contains("kept-3-2") && !live.contains("gone-"));
    ancre_projections::rebuild::rebuild(
        &db.pool,
        projectors::by_name("collections").unwrap().as_ref(),
        5,
    )
    .await
    .unwrap();
    let replayed = ancre_projections::rebuild::rebuild(
        &db.pool,
        projectors::by_name("tenants").unwrap().as_ref(),
        7,
    )
    .await
    .unwrap();
    assert_eq!(
        replayed as i64,
        count(
            &db.pool,
            "SELECT count(*) FROM events WHERE aggregate_type = 'tenant'"
        )
        .await,
        "the tenants projector replays the tenant events, and only them"
    );
    assert_eq!(dump_tenant_read_models(&db.pool).await, live);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn read_your_writes_waits_for_projectors_here_or_elsewhere() {
    let db = TestDb::new().await;
    let commands = Commands::new(db.pool.clone());
    let id = TenantId::new();
    let at = commands
        .tenant(
            id,
            TenantCommand::Create {
                tenant_id: id,
                name: "Acme".into(),
                owner: UserId::parse("owner").unwrap(),
            },
            &meta(id),
        )
        .await
        .unwrap()
        .expect("a position");

    // No projector runs yet: the wait gives up at its deadline and says so.
    let elsewhere = ancre_projections::Progress::default();
    let reached = elsewhere
        .wait_for(&db.pool, &["tenants"], at, Duration::from_millis(100))
        .await
        .unwrap();
    assert!(!reached);

    // A projector in "another process" (its own engine): the wait follows its
    // checkpoint in the database.
    let engine = Engine::new(db.pool.clone(), config(), projectors::all());
    let local = engine.progress();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(engine.run(async {
        let _ = stopped.await;
    }));
    let reached = elsewhere
        .wait_for(&db.pool, &["tenants"], at, Duration::from_secs(20))
        .await
        .unwrap();
    assert!(reached);
    // And in-process, through the engine's own progress.
    assert!(local
        .wait_for(&db.pool, &["tenants"], at, Duration::from_secs(20))
        .await
        .unwrap());
    let name: String = sqlx::query_scalar("SELECT name FROM rm_tenants WHERE tenant_id = $1")
        .bind(id.0)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(name, "Acme");
    stop.send(()).unwrap();
}
