//! Projectors fed from Kafka (`ancre worker --source kafka`): each selected
//! projector consumes every partition of the topics of its aggregate types,
//! its offsets kept in a consumer group of its own
//! (`{prefix}.projector.{name}`), and applies what it receives through
//! [`ancre_projections::deliveries`]: each aggregate's events once, in order,
//! with a checkpoint that stays a low watermark of the log. Offsets are
//! committed after the database transaction: a crash in between redelivers,
//! and the redelivered events are skipped.
//!
//! Which projectors may: those that name their aggregate types and build
//! their state from each aggregate's own events (per-aggregate order is
//! enough) — every read model, the pipeline's queue, chunks, the search
//! index, the janitor, the collection cleanup and the usage recorder. The
//! relay reads the log itself; a projector that needs the global order of
//! several aggregates (none today, `aggregate_types() == None`) stays on it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use ancre_projections::deliveries::{self, Delivered, Source};
use ancre_projections::Projector;
use futures::StreamExt as _;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::{Message, Offset, TopicPartitionList};
use sqlx::PgPool;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::Instrument;

use crate::message::decode;
use crate::topics::Topics;
use crate::{KafkaConfig, RelayError};

/// Messages applied in one transaction, at most.
const BATCH: usize = 500;
/// How long a batch waits for more messages once one arrived.
const LINGER: Duration = Duration::from_millis(20);
/// How often an idle feed moves its checkpoint past the other types' events.
const IDLE_ADVANCE: Duration = Duration::from_millis(250);
/// How long the broker may take to describe a topic.
const METADATA_TIMEOUT: Duration = Duration::from_secs(10);

/// A message of the stream, owned.
fn next(
    message: Option<rdkafka::error::KafkaResult<rdkafka::message::BorrowedMessage<'_>>>,
) -> Result<rdkafka::message::OwnedMessage, RelayError> {
    match message {
        Some(m) => Ok(m?.detach()),
        None => Err(RelayError::Message("the consumer's stream ended".into())),
    }
}

/// Applies a delivered batch (or none, to move the checkpoint on); false
/// when the projector is fed from the log now and this process must stop.
async fn apply(
    pool: &PgPool,
    projector: &dyn Projector,
    events: Vec<ancre_projections::StoredEvent>,
) -> Result<bool, RelayError> {
    let delivered = deliveries::apply_delivered(pool, projector, events)
        .await
        .map_err(|e| RelayError::Message(format!("applying to {}: {e}", projector.name())))?;
    tracing::debug!(?delivered, "applied");
    if delivered == Delivered::NotOurs {
        tracing::warn!("now fed from the log: this process stops feeding it");
        return Ok(false);
    }
    Ok(true)
}

/// Whether `projector` may be fed from Kafka, and if not, why.
pub fn can_feed(projector: &dyn Projector) -> Result<(), String> {
    if projector.name() == crate::relay::NAME {
        return Err("the Kafka relay reads the log itself".into());
    }
    if projector.aggregate_types().is_none() {
        return Err(format!(
            "{} reads every aggregate type in the log's global order",
            projector.name()
        ));
    }
    Ok(())
}

/// Feeds `projectors` from Kafka until `shutdown` flips to true.
pub async fn run(
    pool: PgPool,
    config: KafkaConfig,
    projectors: Vec<Arc<dyn Projector>>,
    shutdown: watch::Receiver<bool>,
) {
    let mut tasks = JoinSet::new();
    for projector in projectors {
        let span = tracing::info_span!("kafka_feed", name = projector.name());
        let (pool, config, mut shutdown) = (pool.clone(), config.clone(), shutdown.clone());
        tasks.spawn(
            async move {
                let mut backoff = Duration::from_millis(200);
                loop {
                    match feed(&pool, &config, projector.as_ref(), &mut shutdown).await {
                        Ok(()) => return,
                        Err(error) => {
                            tracing::error!(%error, retry_in = ?backoff, "Kafka feed failed; retrying")
                        }
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = shutdown.changed() => return,
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
            }
            .instrument(span),
        );
    }
    while tasks.join_next().await.is_some() {}
}

/// One consumer's life: claim the projector for Kafka, assign its
/// partitions, apply batches until shutdown or until the projector is fed
/// from the log again (Ok), or a failure (Err: the caller starts again).
async fn feed(
    pool: &PgPool,
    config: &KafkaConfig,
    projector: &dyn Projector,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<(), RelayError> {
    let name = projector.name();
    let types = projector
        .aggregate_types()
        .ok_or_else(|| RelayError::Message(format!("{name} cannot be fed from Kafka")))?;
    deliveries::claim(pool, projector, Source::Kafka)
        .await
        .map_err(|e| RelayError::Message(format!("claiming {name}: {e}")))?;
    let topics: Vec<String> = types.iter().map(|t| config.topic(t)).collect();
    Topics::new(config)?.ensure(&topics).await?;
    let consumer: StreamConsumer = config
        .client()
        .set(
            "group.id",
            format!("{}.projector.{name}", config.topic_prefix),
        )
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .create()?;
    // Every partition, from the group's committed offsets (the start of the
    // topic for a new group). The process assigns them itself rather than
    // joining the group: group coordination was not dependable on the broker
    // we test against with several groups joining at once, and a second
    // process feeding the same projector is correct anyway (its advisory
    // lock and the per-aggregate positions), only not faster.
    let mut partitions = TopicPartitionList::new();
    for topic in &topics {
        let metadata = consumer.fetch_metadata(Some(topic), METADATA_TIMEOUT)?;
        for t in metadata.topics() {
            for p in t.partitions() {
                partitions.add_partition_offset(t.name(), p.id(), Offset::Stored)?;
            }
        }
    }
    consumer.assign(&partitions)?;
    tracing::info!(?topics, partitions = partitions.count(), "fed from Kafka");
    // One stream for the consumer's life: a `recv()` cancelled by the
    // linger timeout can lose the wake-up of the next message, a stream
    // polled again cannot.
    let mut stream = consumer.stream();
    let mut idle = tokio::time::interval(IDLE_ADVANCE);
    loop {
        let first = tokio::select! {
            m = stream.next() => next(m)?,
            _ = idle.tick() => {
                // Events of other types move the log on without a delivery:
                // the checkpoint follows them, so waits on it end.
                if !apply(pool, projector, Vec::new()).await? {
                    return Ok(());
                }
                continue;
            }
            _ = shutdown.changed() => return Ok(()),
        };
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match tokio::time::timeout(LINGER, stream.next()).await {
                Ok(m) => batch.push(next(m)?),
                Err(_) => break,
            }
        }
        let events = batch.iter().map(decode).collect::<Result<Vec<_>, _>>()?;
        tracing::debug!(messages = batch.len(), "delivered");
        if !apply(pool, projector, events).await? {
            return Ok(());
        }
        // The batch is in the database: move the group's offsets past it.
        let mut next: BTreeMap<(&str, i32), i64> = BTreeMap::new();
        for m in &batch {
            let at = next.entry((m.topic(), m.partition())).or_default();
            *at = (*at).max(m.offset() + 1);
        }
        let mut offsets = TopicPartitionList::new();
        for ((topic, partition), offset) in next {
            offsets.add_partition_offset(topic, partition, Offset::Offset(offset))?;
        }
        consumer.commit(&offsets, CommitMode::Sync)?;
    }
}
