//! The Kafka relay: every event of the log, published to Kafka in the log's
//! safe order, at least once.
//!
//! The relay is a projector (`kafka_relay`) of the subscription engine, the
//! only way of reading `$all`: a batch is published, every delivery report
//! awaited, and only then does the engine commit the batch's checkpoint. A
//! crash between the two publishes the batch again, so consumers de-duplicate
//! by `(aggregate_type, aggregate_id, sequence)` ([`message::EventKey`]).
//!
//! Module map:
//! - [`config`]: brokers, topic prefix, partitions (`ANCRE_KAFKA_*`).
//! - [`message`]: the wire schema: topic per aggregate type, key, JSON value,
//!   headers; and reading a message back as a [`ancre_projections::StoredEvent`].
//! - [`feed`]: projectors fed from Kafka instead of the log (consumer groups,
//!   offsets committed after the database; which projectors may, and why).
//! - [`topics`]: creating the topics the relay publishes to.
//! - [`relay`]: the projector.

pub mod config;
pub mod feed;
pub mod message;
pub mod relay;
pub mod topics;

pub use config::KafkaConfig;
pub use relay::KafkaRelay;

/// Kafka's own errors, with what was being done.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error("Kafka client: {0}")]
    Client(#[from] rdkafka::error::KafkaError),
    #[error("creating topic {topic}: {reason}")]
    CreateTopic { topic: String, reason: String },
    #[error("message {0}")]
    Message(String),
}
