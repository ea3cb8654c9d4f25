//! Where the relay publishes: read from `ANCRE_KAFKA_*` by the binary's config.

use rdkafka::ClientConfig;

#[derive(Debug, Clone)]
pub struct KafkaConfig {
    /// `ANCRE_KAFKA_BROKERS`: bootstrap servers, `host:port[,host:port…]`.
    pub brokers: String,
    /// `ANCRE_KAFKA_TOPIC_PREFIX`: topics are `{prefix}.{aggregate_type}`.
    pub topic_prefix: String,
    /// `ANCRE_KAFKA_PARTITIONS`: partitions of each topic the relay creates.
    pub partitions: i32,
    /// `ANCRE_KAFKA_REPLICATION_FACTOR`: replicas of each topic it creates.
    pub replication_factor: i32,
}

pub const DEFAULT_TOPIC_PREFIX: &str = "ancre.events";
pub const DEFAULT_PARTITIONS: i32 = 6;

impl KafkaConfig {
    pub fn new(brokers: impl Into<String>) -> Self {
        Self {
            brokers: brokers.into(),
            topic_prefix: DEFAULT_TOPIC_PREFIX.into(),
            partitions: DEFAULT_PARTITIONS,
            replication_factor: 1,
        }
    }

    /// The topic of one aggregate type's events.
    pub fn topic(&self, aggregate_type: &str) -> String {
        format!("{}.{aggregate_type}", self.topic_prefix)
    }

    /// A client configuration with the bootstrap servers set.
    pub fn client(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", &self.brokers);
        config
    }
}
