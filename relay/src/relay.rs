//! The relay as a projector: the engine reads the log in its safe order and
//! hands each batch here inside its transaction; the batch is published and
//! every delivery report awaited before this returns, so the checkpoint
//! commits only after Kafka has the whole batch (`acks=all`, idempotent
//! producer: per-partition order survives the producer's own retries). A
//! failed delivery fails the batch: nothing is checkpointed, the engine
//! retries it, and what was already delivered is delivered again.
//!
//! Publishing holds a read-only transaction open: it has no transaction id,
//! so it does not hold back the log's horizon for anyone.

use std::time::Duration;

use ancre_projections::{ProjectionError, Projector, StoredEvent};
use async_trait::async_trait;
use rdkafka::producer::{FutureProducer, FutureRecord};
use sqlx::PgConnection;

use crate::message::{encode, Outgoing};
use crate::topics::Topics;
use crate::{KafkaConfig, RelayError};

pub const NAME: &str = "kafka_relay";

/// How long Kafka may take to acknowledge a message before the batch fails.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(30);

pub struct KafkaRelay {
    config: KafkaConfig,
    producer: FutureProducer,
    topics: Topics,
}

impl KafkaRelay {
    pub fn new(config: KafkaConfig) -> Result<Self, RelayError> {
        let producer = config
            .client()
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set(
                "message.timeout.ms",
                DELIVERY_TIMEOUT.as_millis().to_string(),
            )
            .set("linger.ms", "5")
            .create()?;
        Ok(Self {
            topics: Topics::new(&config)?,
            producer,
            config,
        })
    }

    /// Publishes `events` in order; returns once Kafka acknowledged each.
    pub async fn publish(&self, events: &[StoredEvent]) -> Result<(), RelayError> {
        if events.is_empty() {
            return Ok(());
        }
        let outgoing: Vec<Outgoing> = events
            .iter()
            .map(|e| encode(&self.config, e))
            .collect::<Result<_, _>>()?;
        let mut topics: Vec<String> = outgoing.iter().map(|o| o.topic.clone()).collect();
        topics.sort();
        topics.dedup();
        self.topics.ensure(&topics).await?;

        // Enqueued in log order (send_result does not wait), then awaited together.
        let mut deliveries = Vec::with_capacity(outgoing.len());
        for o in &outgoing {
            let record = FutureRecord::to(&o.topic)
                .key(&o.key)
                .payload(&o.value)
                .headers(o.headers.clone());
            let delivery = self.producer.send_result(record).map_err(|(e, _)| e)?;
            deliveries.push(delivery);
        }
        for delivery in futures::future::join_all(deliveries).await {
            match delivery {
                Ok(Ok(_)) => {}
                Ok(Err((error, _))) => return Err(error.into()),
                Err(_) => return Err(RelayError::Message("delivery report lost".into())),
            }
        }
        Ok(())
    }
}

#[async_trait]
impl Projector for KafkaRelay {
    fn name(&self) -> &'static str {
        NAME
    }

    /// Nothing to forget: a rebuild publishes the whole log again, and
    /// consumers skip what they already applied.
    async fn reset(&self, _tx: &mut PgConnection) -> Result<(), ProjectionError> {
        Ok(())
    }

    async fn apply(
        &self,
        _tx: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        self.apply_batch(_tx, std::slice::from_ref(event)).await
    }

    async fn apply_batch(
        &self,
        _tx: &mut PgConnection,
        events: &[StoredEvent],
    ) -> Result<(), ProjectionError> {
        self.publish(events)
            .await
            .map_err(|e| ProjectionError::Target(e.to_string()))
    }
}
