//! The Kafka relay (`--only relay`, needs `ANCRE_BENCH_KAFKA_BROKERS`, which
//! `make bench` sets to a tansu broker it starts): at the log bench's command
//! load, the lag from an event's commit to a consumer receiving it (p50/p99),
//! then the relay's throughput publishing the whole log again, alone.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ancre_projections::{Engine, EngineConfig, Projector};
use ancre_relay::{KafkaConfig, KafkaRelay};
use anyhow::Context as _;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use sqlx::postgres::PgPoolOptions;

use crate::{percentile, Row};

pub async fn run(url: &str, clients: usize, seconds: u64) -> anyhow::Result<Vec<Row>> {
    let Ok(brokers) = std::env::var("ANCRE_BENCH_KAFKA_BROKERS") else {
        println!("relay: skipped (ANCRE_BENCH_KAFKA_BROKERS is not set; `make bench` sets it)");
        return Ok(Vec::new());
    };
    let pool = PgPoolOptions::new()
        .max_connections(clients as u32 + 8)
        .connect(url)
        .await?;
    crate::MIGRATOR.run(&pool).await?;
    let config = KafkaConfig {
        topic_prefix: format!("bench{}.events", uuid::Uuid::new_v4().simple()),
        ..KafkaConfig::new(brokers.clone())
    };
    let topic = config.topic("tenant");
    ancre_relay::topics::Topics::new(&config)?
        .ensure(std::slice::from_ref(&topic))
        .await?;

    // A consumer on every partition from the start (assigned: no group to join).
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", &brokers)
        .set("group.id", "ancre-bench")
        .set("enable.auto.commit", "false")
        .create()?;
    let mut partitions = TopicPartitionList::new();
    for p in 0..config.partitions {
        partitions.add_partition_offset(&topic, p, Offset::Beginning)?;
    }
    consumer.assign(&partitions)?;
    let (done_tx, mut done_rx) = tokio::sync::watch::channel(false);
    let received = Arc::new(AtomicUsize::new(0));
    let counter = received.clone();
    let reader = tokio::spawn(async move {
        let mut lags = Vec::new();
        loop {
            let message = tokio::select! {
                m = consumer.recv() => m?,
                _ = done_rx.changed() => return anyhow::Ok(lags),
            };
            let event = ancre_relay::message::decode(&message)?;
            let lag = chrono::Utc::now() - event.recorded_at;
            lags.push(lag.to_std().unwrap_or_default().as_secs_f64() * 1000.0);
            counter.fetch_add(1, Ordering::Relaxed);
        }
    });

    let relay: Arc<dyn Projector> = Arc::new(KafkaRelay::new(config.clone())?);
    let engine = Engine::new(pool.clone(), EngineConfig::default(), vec![relay]);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(engine.run(async {
        let _ = stopped.await;
    }));
    let (commands, elapsed) = crate::command_load(&pool, clients, seconds).await?;

    // Every event published and received, then the lag figures.
    let events: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE aggregate_type = 'tenant'")
            .fetch_one(&pool)
            .await?;
    crate::drained(&pool, ancre_relay::relay::NAME, Duration::from_secs(120)).await?;
    let deadline = Instant::now() + Duration::from_secs(120);
    while (received.load(Ordering::Relaxed) as i64) < events {
        anyhow::ensure!(
            Instant::now() < deadline,
            "the consumer did not receive every event in 120 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = done_tx.send(true);
    let mut lags = reader.await.context("the reader")??;
    let _ = stop.send(());
    running.await?;
    lags.sort_by(f64::total_cmp);

    // Alone: the whole log published again.
    let relay = KafkaRelay::new(config)?;
    let started = Instant::now();
    let republished = ancre_projections::rebuild::rebuild(&pool, &relay, 500).await?;
    let rate = republished as f64 / started.elapsed().as_secs_f64();
    pool.close().await;

    Ok(vec![
        Row::info(
            "relay: command load while relaying".into(),
            commands as f64 / elapsed,
            "cmd/s",
        ),
        Row::info(
            "relay: commit → consumer lag p50".into(),
            percentile(&lags, 50.0),
            "ms",
        ),
        Row::info(
            "relay: commit → consumer lag p99".into(),
            percentile(&lags, 99.0),
            "ms",
        ),
        Row::info(
            "relay: publish throughput (whole log, alone)".into(),
            rate,
            "ev/s",
        ),
    ])
}
