//! Events on Kafka, read as finance would: a plain consumer of the usage
//! topic sums a period's `UsageRecorded` lines and finds the ledger CSV's
//! totals; each tenant's messages carry its id and nobody else's events.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use ancre_testkit::kafka;
use ancre_testkit::wait::until;
use common::{ingest, settled, snapshot, TestApp, DEADLINE};
use reqwest::Method;
use serde_json::{json, Value};

async fn chat(app: &TestApp, user: &str, collection: &str, question: &str) {
    let assistant = common::assistant(app, user, &[collection]).await;
    let r = app
        .as_user(user, Method::POST, &format!("/api/v1/chat/{assistant}"))
        .json(&json!({ "message": question }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// Per metric, the sum of the CSV's quantities; and the usage events
/// (sequences) its lines come from.
fn csv_totals(csv: &str) -> (BTreeMap<String, i64>, BTreeSet<i64>) {
    let mut totals = BTreeMap::new();
    let mut sequences = BTreeSet::new();
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        *totals.entry(f[5].to_owned()).or_insert(0) += f[6].parse::<i64>().unwrap();
        sequences.insert(f[1].parse().unwrap());
    }
    (totals, sequences)
}

#[tokio::test]
async fn an_outside_consumer_sums_usage_from_kafka_to_the_ledger_totals() {
    let prefix = kafka::unique_prefix();
    let topic = format!("{prefix}.usage");
    let app = TestApp::start_with(|c| {
        c.kafka = Some(ancre_relay::KafkaConfig {
            topic_prefix: prefix.clone(),
            partitions: 2,
            ..ancre_relay::KafkaConfig::new(kafka::brokers())
        })
    })
    .await;
    let alice = app.tenant_of("alice", "Acme").await;
    let bob = app.tenant_of("bob", "Bobco").await;
    for (user, file) in [
        ("alice", "md/gzt-README.fr.md"),
        ("bob", "md/gzt-README.fr.md"),
    ] {
        let ids = ingest(&app, user, &[file]).await;
        let id = ids.values().next().unwrap();
        let d = settled(&app, user, id).await;
        assert_eq!(d["status"], "indexed", "{d}");
        let collection = d["collection_id"].as_str().unwrap().to_owned();
        chat(&app, user, &collection, "De quoi parle la Gazette ?").await;
    }

    // Once the ledger and the relay have applied everything…
    until("the relay to reach the log's end", DEADLINE, || async {
        let s = ancre_projections::status::status(
            &app.db.pool,
            &[ancre_relay::relay::NAME, "usage_ledger"],
        )
        .await
        .unwrap();
        s.iter().all(|s| s.behind == 0).then_some(())
    })
    .await;
    let r = app
        .as_user("alice", Method::GET, "/api/v1/usage/ledger")
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (ledger, sequences) = csv_totals(&r.text().await.unwrap());
    assert!(
        ledger.get("chat_messages").is_some_and(|m| *m >= 1),
        "{ledger:?}"
    );
    assert!(
        ledger.get("pages_parsed").is_some_and(|p| *p >= 1),
        "{ledger:?}"
    );

    // …a consumer that knows only the topic and the message schema reads the
    // same totals, applying each event once.
    let wanted = sequences.len();
    let tenant = alice.clone();
    let messages = kafka::read_until(&[topic], Duration::from_secs(60), move |seen| {
        let recorded: BTreeSet<i64> = seen
            .iter()
            .filter(|m| kafka::header(m, "ancre-tenant-id").as_deref() == Some(tenant.as_str()))
            .filter(|m| kafka::header(m, "ancre-event-type").as_deref() == Some("UsageRecorded"))
            .filter_map(|m| {
                let value: Value = serde_json::from_slice(rdkafka::Message::payload(m)?).ok()?;
                value["sequence"].as_i64()
            })
            .collect();
        recorded.len() >= wanted
    })
    .await;
    let mut applied = BTreeSet::new();
    let mut totals: BTreeMap<String, i64> = BTreeMap::new();
    for m in &messages {
        let value: Value = serde_json::from_slice(rdkafka::Message::payload(m).unwrap()).unwrap();
        let tenant = kafka::header(m, "ancre-tenant-id").unwrap();
        assert_eq!(value["metadata"]["tenant_id"], tenant.as_str());
        assert!(
            value["aggregate_id"].as_str().unwrap().starts_with(&tenant),
            "a usage period is its tenant's: {value}"
        );
        if tenant != alice || value["event_type"] != "UsageRecorded" {
            continue;
        }
        let key = (
            value["aggregate_id"].as_str().unwrap().to_owned(),
            value["sequence"].as_i64().unwrap(),
        );
        if !applied.insert(key) {
            continue;
        }
        for line in value["payload"]["UsageRecorded"]["lines"]
            .as_array()
            .unwrap()
        {
            *totals
                .entry(line["metric"].as_str().unwrap().to_owned())
                .or_insert(0) += line["quantity"].as_i64().unwrap();
        }
    }
    assert_eq!(totals, ledger, "Kafka's usage events sum to the ledger");
    assert!(
        messages
            .iter()
            .any(|m| kafka::header(m, "ancre-tenant-id").as_deref() == Some(bob.as_str())),
        "bob's usage is on the topic too, under his id"
    );
}

async fn caught_up(app: &TestApp, names: &[&str]) {
    until(
        "the projectors to reach the log's end",
        DEADLINE,
        || async {
            let s = ancre_projections::status::status(&app.db.pool, names)
                .await
                .unwrap();
            s.iter().all(|s| s.behind == 0).then_some(())
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn projectors_fed_from_kafka_build_what_the_log_would_and_apply_redeliveries_once() {
    use ancre_api::app::{ProjectorSelection, Role};
    use ancre_projections::deliveries::Source;

    // usage_counters adds what it applies: a redelivery applied twice shows.
    const FED: [&str; 5] = [
        "documents",
        "search_index",
        "usage_recorder",
        "usage_ledger",
        "usage_counters",
    ];
    let prefix = kafka::unique_prefix();
    let kafka_config = ancre_relay::KafkaConfig {
        topic_prefix: prefix.clone(),
        partitions: 3,
        ..ancre_relay::KafkaConfig::new(kafka::brokers())
    };
    let (qdrant, s3) = (common::qdrant_config(), common::s3_config());
    let relay_config = kafka_config.clone();
    // One process runs the API, the relay and the other projectors from the log…
    let app = TestApp::start_with(|c| {
        c.kafka = Some(relay_config);
        c.qdrant = Some(qdrant);
        c.s3 = Some(s3);
    })
    .await;
    // …a worker feeds four projectors from Kafka.
    let mut config = (*app.server.state.config).clone();
    config.data_dir = std::env::temp_dir().join(format!("ancre-k-{}", uuid::Uuid::new_v4()));
    let worker = ancre_api::app::start_as(
        config,
        Role::Worker {
            projectors: ProjectorSelection::Only(FED.map(String::from).to_vec()),
            pipeline: false,
            source: Source::Kafka,
        },
    )
    .await
    .expect("the Kafka-fed worker starts");
    until(
        "the worker to take the projectors over",
        DEADLINE,
        || async {
            let s = ancre_projections::status::status(&app.db.pool, &FED)
                .await
                .unwrap();
            s.iter().all(|s| s.source == "kafka").then_some(())
        },
    )
    .await;
    // Uploads are indexed and cited, through read models and an index that
    // were built from Kafka.
    app.tenant_of("alice", "Acme").await;
    let ids = ingest(&app, "alice", &["md/gzt-README.fr.md"]).await;
    let id = ids.values().next().unwrap().clone();
    until(
        "the Kafka-fed read model to show the upload",
        DEADLINE,
        || async {
            let r = app
                .call(
                    "alice",
                    reqwest::Method::GET,
                    &format!("/api/v1/documents/{id}"),
                )
                .await;
            (r.status() == 200).then_some(())
        },
    )
    .await;
    let d = settled(&app, "alice", &id).await;
    assert_eq!(d["status"], "indexed", "{d}");
    let collection = d["collection_id"].as_str().unwrap().to_owned();
    chat(&app, "alice", &collection, "Qu'est-ce que la Gazette ?").await;
    caught_up(&app, &FED).await;
    let ledger_lines: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM rm_usage_ledger WHERE metric = 'embedding_tokens'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        ledger_lines, 1,
        "the recorder, fed from Kafka, charged the embedding once"
    );

    // The relay publishes the whole log again: every event is delivered a
    // second time, and nothing changes.
    let before_documents = snapshot(&app.db.pool, "rm_documents").await;
    let before_ledger = snapshot(&app.db.pool, "rm_usage_ledger").await;
    let before_counters = snapshot(&app.db.pool, "rm_usage_counters").await;
    let republish = ancre_relay::KafkaRelay::new(kafka_config.clone()).unwrap();
    let republished = ancre_projections::rebuild::rebuild(&app.db.pool, &republish, 500)
        .await
        .unwrap();
    assert!(republished > 10);
    let topics: Vec<String> = ["document", "usage", "conversation"]
        .iter()
        .map(|t| kafka_config.topic(t))
        .collect();
    let count: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE aggregate_type IN ('document', 'usage', 'conversation')",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let read = topics.clone();
    kafka::read_until(&read, Duration::from_secs(60), move |seen| {
        seen.len() as i64 >= 2 * count
    })
    .await;
    // Each fed projector's group has consumed (and committed) them all.
    let read_by = [
        ("documents", vec!["document"]),
        ("search_index", vec!["document"]),
        ("usage_recorder", vec!["document", "conversation"]),
        ("usage_ledger", vec!["usage"]),
        ("usage_counters", vec!["usage"]),
    ];
    for (name, types) in read_by {
        let group = format!("{prefix}.projector.{name}");
        let topics: Vec<String> = types.iter().map(|t| kafka_config.topic(t)).collect();
        until("the redeliveries to be consumed", DEADLINE, || {
            let (group, topics) = (group.clone(), topics.clone());
            async move {
                let lag = kafka::group_lag(&group, &topics).await;
                (lag == 0).then_some(())
            }
        })
        .await;
    }
    caught_up(&app, &FED).await;
    assert_eq!(
        snapshot(&app.db.pool, "rm_documents").await,
        before_documents
    );
    assert_eq!(
        snapshot(&app.db.pool, "rm_usage_ledger").await,
        before_ledger
    );
    assert_eq!(
        snapshot(&app.db.pool, "rm_usage_counters").await,
        before_counters
    );

    // And rebuilt from the log, a Kafka-fed read model is the same.
    let documents = ancre_projections::projectors::by_name("documents").unwrap();
    ancre_projections::rebuild::rebuild(&app.db.pool, documents.as_ref(), 500)
        .await
        .unwrap();
    assert_eq!(
        snapshot(&app.db.pool, "rm_documents").await,
        before_documents
    );
    worker.stop().await;
}
