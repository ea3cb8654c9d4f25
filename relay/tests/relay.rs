//! The relay against a real PostgreSQL and the real Kafka-API broker: every
//! event of a workload reaches its topic, in per-aggregate order, with its
//! headers; a relay that dies between publishing and its checkpoint
//! publishes again, and a consumer that de-duplicates applies each event once.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use ancre_commands::{Actor, Commands, EventMetadata};
use ancre_domain::tenant::TenantCommand;
use ancre_domain::{TenantId, UserId};
use ancre_projections::engine::run_batch;
use ancre_projections::{Engine, EngineConfig, ProjectionError, Projector, StoredEvent};
use ancre_relay::message::{self, EventKey};
use ancre_relay::{KafkaConfig, KafkaRelay};
use ancre_testkit::{kafka, pg::TestDb};
use async_trait::async_trait;
use sqlx::{PgConnection, PgPool};

/// The relay of a process that dies once it has published its batch, before
/// the engine commits the checkpoint.
struct DiesAfterPublishing(KafkaRelay);

#[async_trait]
impl Projector for DiesAfterPublishing {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    async fn reset(&self, tx: &mut PgConnection) -> Result<(), ProjectionError> {
        self.0.reset(tx).await
    }
    async fn apply(&self, tx: &mut PgConnection, e: &StoredEvent) -> Result<(), ProjectionError> {
        self.apply_batch(tx, std::slice::from_ref(e)).await
    }
    async fn apply_batch(
        &self,
        tx: &mut PgConnection,
        events: &[StoredEvent],
    ) -> Result<(), ProjectionError> {
        self.0.apply_batch(tx, events).await?;
        Err(ProjectionError::Target("the process died".into()))
    }
}

fn meta(tenant: TenantId) -> EventMetadata {
    EventMetadata::for_request(tenant, Actor::System("test"), "req-test")
}

/// Writers in parallel: each tenant created then renamed twice.
async fn workload(pool: &PgPool, writers: usize, tenants: usize) {
    let commands = Arc::new(Commands::new(pool.clone()));
    let mut tasks = Vec::new();
    for w in 0..writers {
        let commands = commands.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..tenants {
                let id = TenantId::new();
                let create = TenantCommand::Create {
                    tenant_id: id,
                    name: format!("t{w}-{i}"),
                    owner: UserId::parse("owner").unwrap(),
                };
                commands.tenant(id, create, &meta(id)).await.unwrap();
                for r in 0..2 {
                    let rename = TenantCommand::Rename {
                        name: format!("t{w}-{i}-{r}"),
                    };
                    commands.tenant(id, rename, &meta(id)).await.unwrap();
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

/// A row of the log: aggregate type and id, sequence, event type, position,
/// correlation id.
type LogRow = (String, String, i64, String, i64, String);

async fn log(pool: &PgPool) -> Vec<LogRow> {
    sqlx::query_as(
        "SELECT aggregate_type, aggregate_id, sequence, event_type, position, metadata->>'correlation_id'
           FROM events ORDER BY transaction_id, position",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

fn config(prefix: &str) -> KafkaConfig {
    KafkaConfig {
        topic_prefix: prefix.into(),
        partitions: 3,
        ..KafkaConfig::new(kafka::brokers())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_event_reaches_kafka_once_applied_in_aggregate_order_even_after_a_crash() {
    let db = TestDb::new().await;
    let prefix = kafka::unique_prefix();
    workload(&db.pool, 4, 10).await;

    // The first relay publishes one batch and dies before its checkpoint.
    let dying = DiesAfterPublishing(KafkaRelay::new(config(&prefix)).unwrap());
    let failed = run_batch(&db.pool, &dying, 50).await;
    assert!(failed.is_err(), "the batch was not checkpointed");
    drop(dying);

    // Its successor starts from the same checkpoint, while writes go on.
    let relay: Arc<dyn Projector> = Arc::new(KafkaRelay::new(config(&prefix)).unwrap());
    let engine = Engine::new(
        db.pool.clone(),
        EngineConfig {
            batch_size: 50,
            ..EngineConfig::default()
        },
        vec![relay],
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(engine.run(async {
        let _ = stopped.await;
    }));
    workload(&db.pool, 4, 5).await;
    let log = log(&db.pool).await;
    assert!(log.len() >= (4 * 10 + 4 * 5) * 3, "{}", log.len());

    ancre_testkit::wait::until(
        "the relay to reach the log's end",
        Duration::from_secs(60),
        || {
            let pool = db.pool.clone();
            async move {
                let s = ancre_projections::status::status(&pool, &[ancre_relay::relay::NAME])
                    .await
                    .unwrap();
                (s[0].behind == 0).then_some(())
            }
        },
    )
    .await;
    let topic = config(&prefix).topic("tenant");
    let wanted: HashSet<EventKey> = log
        .iter()
        .map(|(t, id, seq, ..)| EventKey {
            aggregate_type: t.clone(),
            aggregate_id: id.clone(),
            sequence: *seq,
        })
        .collect();
    let expected = wanted.clone();
    let messages = kafka::read_until(&[topic], Duration::from_secs(60), move |seen| {
        let keys: HashSet<EventKey> = seen
            .iter()
            .filter_map(|m| message::decode(m).ok())
            .map(|e| EventKey::of(&e))
            .collect();
        keys == expected
    })
    .await;
    let _ = stop.send(());
    running.await.unwrap();

    // The dead relay's batch went out twice: at least once, never less.
    assert!(
        messages.len() >= log.len() + 50,
        "{} messages for {} events",
        messages.len(),
        log.len()
    );

    // A consumer applying each key once applies every event once, and each
    // aggregate's events in their order, within one partition.
    let by_key: HashMap<(String, String, i64), &LogRow> = log
        .iter()
        .map(|row| ((row.0.clone(), row.1.clone(), row.2), row))
        .collect();
    let mut applied: HashSet<EventKey> = HashSet::new();
    let mut last: BTreeMap<String, (i64, i32)> = BTreeMap::new();
    for m in &messages {
        let event = message::decode(m).unwrap();
        assert_eq!(
            rdkafka::Message::key(m),
            Some(event.aggregate_id.as_bytes())
        );
        let row = by_key[&(
            event.aggregate_type.clone(),
            event.aggregate_id.clone(),
            event.sequence,
        )];
        assert_eq!(event.event_type, row.3);
        assert_eq!(event.at.position, row.4, "the log position header");
        assert_eq!(
            kafka::header(m, message::CORRELATION_ID).as_deref(),
            Some(row.5.as_str())
        );
        assert_eq!(
            kafka::header(m, message::TENANT_ID).as_deref(),
            event.metadata["tenant_id"].as_str()
        );
        if !applied.insert(EventKey::of(&event)) {
            continue; // a duplicate: already applied
        }
        let partition = rdkafka::Message::partition(m);
        let previous = last.insert(event.aggregate_id.clone(), (event.sequence, partition));
        match previous {
            None => assert_eq!(event.sequence, 1, "{}", event.aggregate_id),
            Some((sequence, p)) => {
                assert_eq!(event.sequence, sequence + 1, "{}", event.aggregate_id);
                assert_eq!(partition, p, "one aggregate, one partition");
            }
        }
    }
    assert_eq!(applied, wanted, "every event applied once");
}
