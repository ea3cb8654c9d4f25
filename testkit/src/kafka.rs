//! The Kafka-API broker `make test` starts (`ANCRE_TEST_KAFKA_BROKERS`), read
//! as an outside consumer would: a plain rdkafka consumer, no Ancre code.

use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, OwnedMessage};
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};
use tokio::time::Instant;

/// The bootstrap address of the test broker.
pub fn brokers() -> String {
    std::env::var("ANCRE_TEST_KAFKA_BROKERS").expect(
        "ANCRE_TEST_KAFKA_BROKERS is not set: run the tests with `make test` (it starts a Kafka-API broker)",
    )
}

/// A topic prefix no other test uses.
pub fn unique_prefix() -> String {
    format!("t{}.events", uuid::Uuid::new_v4().simple())
}

/// Every message of `topics` from their beginning, read until `enough` says
/// so (or panics after `deadline`), in each partition's order. Topics that do
/// not exist yet are looked for again until they do.
pub async fn read_until(
    topics: &[String],
    deadline: Duration,
    mut enough: impl FnMut(&[OwnedMessage]) -> bool + Send + 'static,
) -> Vec<OwnedMessage> {
    let topics = topics.to_vec();
    let brokers = brokers();
    let end = Instant::now() + deadline;
    tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &brokers)
            .set("group.id", format!("test-{}", uuid::Uuid::new_v4()))
            .set("enable.auto.commit", "false")
            .set("session.timeout.ms", "6000")
            .create()
            .expect("a Kafka consumer");
        let mut assigned: Vec<String> = Vec::new();
        let mut seen: Vec<OwnedMessage> = Vec::new();
        loop {
            if Instant::now() >= end {
                panic!(
                    "timed out after {deadline:?} reading {topics:?} (found {assigned:?}): {} messages seen",
                    seen.len()
                );
            }
            // Until every topic exists, look for them (a metadata request is
            // slow: never once per message).
            if assigned.len() < topics.len() {
                let mut list = TopicPartitionList::new();
                let mut found = Vec::new();
                for topic in &topics {
                    let Ok(metadata) = consumer.fetch_metadata(Some(topic), Duration::from_secs(5))
                    else {
                        continue;
                    };
                    for t in metadata.topics() {
                        if t.error().is_some() || t.partitions().is_empty() {
                            continue;
                        }
                        found.push(t.name().to_owned());
                        for p in t.partitions() {
                            list.add_partition_offset(t.name(), p.id(), Offset::Beginning)
                                .unwrap();
                        }
                    }
                }
                if found.len() > assigned.len() {
                    consumer.assign(&list).expect("assign partitions");
                    assigned = found;
                    seen.clear();
                }
            }
            match consumer.poll(Duration::from_millis(200)) {
                Some(Ok(message)) => seen.push(message.detach()),
                Some(Err(error)) => eprintln!("consumer: {error}"),
                None => {
                    if assigned.len() == topics.len() && enough(&seen) {
                        return seen;
                    }
                }
            }
        }
    })
    .await
    .expect("the reader thread")
}

/// The value of header `name`, as text.
pub fn header(message: &OwnedMessage, name: &str) -> Option<String> {
    message
        .headers()?
        .iter()
        .find(|h| h.key == name)
        .and_then(|h| h.value)
        .map(|v| String::from_utf8_lossy(v).into_owned())
}

/// How many messages of `topics` consumer group `group` has not committed
/// yet (0: it has consumed everything published so far).
pub async fn group_lag(group: &str, topics: &[String]) -> i64 {
    let (group, topics) = (group.to_owned(), topics.to_vec());
    tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", brokers())
            .set("group.id", &group)
            .set("enable.auto.commit", "false")
            .create()
            .expect("a Kafka client");
        let timeout = Duration::from_secs(5);
        let mut lag = 0;
        for topic in &topics {
            let metadata = consumer
                .fetch_metadata(Some(topic), timeout)
                .expect("topic metadata");
            for t in metadata.topics() {
                for p in t.partitions() {
                    let (_, high) = consumer
                        .fetch_watermarks(topic, p.id(), timeout)
                        .expect("watermarks");
                    let mut list = TopicPartitionList::new();
                    list.add_partition(topic, p.id());
                    let committed = consumer
                        .committed_offsets(list, timeout)
                        .expect("committed offsets");
                    let at = match committed.elements()[0].offset() {
                        Offset::Offset(at) => at,
                        _ => 0,
                    };
                    // (tansu's high watermark can be the last offset
                    // rather than the next one: never count below zero.)
                    lag += (high - at).max(0);
                }
            }
        }
        lag
    })
    .await
    .expect("the lag thread")
}

/// How many consumers are members of `group` right now.
pub async fn group_members(group: &str) -> usize {
    let group = group.to_owned();
    tokio::task::spawn_blocking(move || {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", brokers())
            .create()
            .expect("a Kafka client");
        consumer
            .fetch_group_list(Some(&group), Duration::from_secs(5))
            .map(|list| list.groups().iter().map(|g| g.members().len()).sum())
            .unwrap_or(0)
    })
    .await
    .expect("the group thread")
}
