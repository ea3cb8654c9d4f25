//! The relay's topics, created when first needed (one per aggregate type).

use std::collections::HashSet;
use std::sync::Mutex;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::types::RDKafkaErrorCode;

use crate::{KafkaConfig, RelayError};

pub struct Topics {
    admin: AdminClient<DefaultClientContext>,
    partitions: i32,
    replication_factor: i32,
    /// Topics known to exist: asked for once per process.
    known: Mutex<HashSet<String>>,
}

impl Topics {
    pub fn new(config: &KafkaConfig) -> Result<Self, RelayError> {
        Ok(Self {
            admin: config.client().create()?,
            partitions: config.partitions,
            replication_factor: config.replication_factor,
            known: Mutex::default(),
        })
    }

    /// Creates the topics among `names` not known to exist; one that already
    /// exists (another relay made it) is fine.
    pub async fn ensure(&self, names: &[String]) -> Result<(), RelayError> {
        let missing: Vec<&String> = {
            let known = self.known.lock().expect("topics lock");
            names.iter().filter(|n| !known.contains(*n)).collect()
        };
        if missing.is_empty() {
            return Ok(());
        }
        let new: Vec<NewTopic> = missing
            .iter()
            .map(|name| {
                NewTopic::new(
                    name,
                    self.partitions,
                    TopicReplication::Fixed(self.replication_factor),
                )
            })
            .collect();
        let results = self.admin.create_topics(&new, &AdminOptions::new()).await?;
        for result in results {
            match result {
                Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
                Err((topic, code)) => {
                    return Err(RelayError::CreateTopic {
                        topic,
                        reason: code.to_string(),
                    })
                }
            }
        }
        let mut known = self.known.lock().expect("topics lock");
        known.extend(missing.into_iter().cloned());
        Ok(())
    }
}
