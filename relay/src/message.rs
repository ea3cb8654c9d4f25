//! The messages the relay publishes, documented for whoever consumes them
//! (README, "Events on Kafka").
//!
//! - **Topic**: `{prefix}.{aggregate_type}` (`ancre.events.usage`, …), so a
//!   consumer reads only the aggregates it cares about.
//! - **Key**: the aggregate id: all events of one aggregate land on one
//!   partition, in their order.
//! - **Value**: JSON `{aggregate_type, aggregate_id, sequence, event_type,
//!   event_version, payload, metadata, recorded_at}` — the row of the log.
//! - **Headers** (UTF-8): `ancre-position` and `ancre-transaction-id` (the
//!   event's place in the log), `ancre-tenant-id`, `ancre-correlation-id`
//!   (absent when the metadata has none), `ancre-event-type`.
//!
//! Delivery is at least once: the same event may arrive twice (a relay that
//! died after publishing, before its checkpoint). [`EventKey`] names an event
//! uniquely; apply each key once.

use ancre_projections::log::Position;
use ancre_projections::StoredEvent;
use chrono::{DateTime, Utc};
use rdkafka::message::{Header, Headers, OwnedHeaders};
use serde::{Deserialize, Serialize};

use crate::{KafkaConfig, RelayError};

pub const POSITION: &str = "ancre-position";
pub const TRANSACTION_ID: &str = "ancre-transaction-id";
pub const TENANT_ID: &str = "ancre-tenant-id";
pub const CORRELATION_ID: &str = "ancre-correlation-id";
pub const EVENT_TYPE: &str = "ancre-event-type";

/// What identifies an event whatever the number of times it is delivered.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventKey {
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub sequence: i64,
}

impl EventKey {
    pub fn of(event: &StoredEvent) -> Self {
        Self {
            aggregate_type: event.aggregate_type.clone(),
            aggregate_id: event.aggregate_id.clone(),
            sequence: event.sequence,
        }
    }
}

/// The value's JSON.
#[derive(Serialize, Deserialize)]
struct Value {
    aggregate_type: String,
    aggregate_id: String,
    sequence: i64,
    event_type: String,
    event_version: String,
    payload: serde_json::Value,
    metadata: serde_json::Value,
    recorded_at: DateTime<Utc>,
}

/// One event as a Kafka record, ready to send.
pub struct Outgoing {
    pub topic: String,
    pub key: String,
    pub value: Vec<u8>,
    pub headers: OwnedHeaders,
}

pub fn encode(config: &KafkaConfig, event: &StoredEvent) -> Result<Outgoing, RelayError> {
    let value = serde_json::to_vec(&Value {
        aggregate_type: event.aggregate_type.clone(),
        aggregate_id: event.aggregate_id.clone(),
        sequence: event.sequence,
        event_type: event.event_type.clone(),
        event_version: event.event_version.clone(),
        payload: event.payload.clone(),
        metadata: event.metadata.clone(),
        recorded_at: event.recorded_at,
    })
    .map_err(|e| RelayError::Message(format!("encoding {}: {e}", event.event_type)))?;
    let position = event.at.position.to_string();
    let transaction_id = event.at.transaction_id.to_string();
    let mut headers = OwnedHeaders::new()
        .insert(header(POSITION, &position))
        .insert(header(TRANSACTION_ID, &transaction_id))
        .insert(header(EVENT_TYPE, &event.event_type));
    for (name, field) in [(TENANT_ID, "tenant_id"), (CORRELATION_ID, "correlation_id")] {
        if let Some(value) = event.metadata.get(field).and_then(|v| v.as_str()) {
            headers = headers.insert(header(name, value));
        }
    }
    Ok(Outgoing {
        topic: config.topic(&event.aggregate_type),
        key: event.aggregate_id.clone(),
        value,
        headers,
    })
}

fn header<'a>(key: &'a str, value: &'a str) -> Header<'a, &'a str> {
    Header {
        key,
        value: Some(value),
    }
}

/// A consumed message as the event it carries, log coordinates included.
pub fn decode(message: &impl rdkafka::Message) -> Result<StoredEvent, RelayError> {
    let bytes = message
        .payload()
        .ok_or_else(|| RelayError::Message("without a value".into()))?;
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| RelayError::Message(format!("value is not an Ancre event: {e}")))?;
    let number = |name: &str| -> Result<i64, RelayError> {
        message
            .headers()
            .and_then(|h| h.iter().find(|h| h.key == name))
            .and_then(|h| h.value)
            .and_then(|v| std::str::from_utf8(v).ok())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| RelayError::Message(format!("without a numeric {name} header")))
    };
    Ok(StoredEvent {
        at: Position {
            transaction_id: number(TRANSACTION_ID)?,
            position: number(POSITION)?,
        },
        aggregate_type: value.aggregate_type,
        aggregate_id: value.aggregate_id,
        sequence: value.sequence,
        event_type: value.event_type,
        event_version: value.event_version,
        payload: value.payload,
        metadata: value.metadata,
        recorded_at: value.recorded_at,
    })
}
