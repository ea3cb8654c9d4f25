//! Events on Kafka, read as finance would: a plain consumer of the usage
//! topic sums a period's `UsageRecorded` lines and finds the ledger CSV's
//! totals; each tenant's messages carry its id and nobody else's events.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use ancre_testkit::kafka;
use ancre_testkit::wait::until;
use common::{body, ingest, settled, TestApp, DEADLINE};
use reqwest::Method;
use serde_json::{json, Value};

async fn chat(app: &TestApp, user: &str, collection: &str, question: &str) {
    let r = app
        .as_user(user, Method::POST, "/api/v1/assistants")
        .json(&json!({ "name": "Helper", "collections": [collection] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let assistant = body(r).await["id"].as_str().unwrap().to_owned();
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
