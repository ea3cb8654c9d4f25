//! The distributed shape with real processes: one `ancre serve --role api`
//! and two `ancre worker` processes on one PostgreSQL, S3-API server, Qdrant
//! server and Kafka-API broker. 100 documents across two tenants; one worker
//! is killed (`kill -9`) mid-way. Every document ends indexed exactly once
//! (chunks = points), the usage ledger has no duplicate and no missing line,
//! rebuilt read models equal the live ones, and every document event is on Kafka.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use ancre_index::{QdrantServerIndex, SearchIndex};
use ancre_testkit::jwks::{JwksServer, SigningKey};
use ancre_testkit::kafka;
use ancre_testkit::pg::TestDb;
use ancre_testkit::process::Deployment;
use ancre_testkit::wait::until;
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

const ISSUER: &str = "https://clerk.ancre.test";
const DOCUMENTS_PER_TENANT: usize = 50;

fn markdown(tenant: usize, n: usize) -> Vec<u8> {
    format!(
        "# Rapport {n} du locataire {tenant}\n\nCe document numéro {n} décrit la campagne \
         de mesures {n}-{tenant} : relevés, températures et conclusions propres à ce rapport.\n"
    )
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn api_and_two_workers_lose_nothing_and_repeat_nothing_when_a_worker_is_killed() {
    let db = TestDb::new().await;
    let key = SigningKey::generate("kid-1");
    let jwks = JwksServer::start(&[&key]).await;
    let qdrant = common::qdrant_config();
    let s3 = common::s3_config();
    let prefix = kafka::unique_prefix();
    let dir = std::env::temp_dir().join(format!("ancre-mp-{}", uuid::Uuid::new_v4().simple()));
    let deployment = Deployment {
        binary: env!("CARGO_BIN_EXE_ancre").into(),
        env: vec![
            ("DATABASE_URL".into(), db.url.clone()),
            ("CLERK_ISSUER".into(), ISSUER.into()),
            ("CLERK_JWKS_URL".into(), jwks.url()),
            ("CLERK_AUTHORIZED_PARTIES".into(), "http://localhost".into()),
            ("CLERK_JWKS_MIN_REFRESH_SECS".into(), "0".into()),
            ("ANCRE_QDRANT_URL".into(), qdrant.url.clone()),
            (
                "ANCRE_QDRANT_COLLECTION_PREFIX".into(),
                qdrant.collection_prefix.clone(),
            ),
            ("ANCRE_S3_ENDPOINT".into(), s3.endpoint.clone().unwrap()),
            ("ANCRE_S3_BUCKET".into(), s3.bucket.clone()),
            ("AWS_ACCESS_KEY_ID".into(), s3.access_key_id.clone()),
            ("AWS_SECRET_ACCESS_KEY".into(), s3.secret_access_key.clone()),
            ("ANCRE_KAFKA_BROKERS".into(), kafka::brokers()),
            ("ANCRE_KAFKA_TOPIC_PREFIX".into(), prefix.clone()),
            ("ANCRE_KAFKA_PARTITIONS".into(), "3".into()),
            ("ANCRE_PIPELINE_LEASE_SECS".into(), "5".into()),
            ("ANCRE_PROJECTOR_POLL_MS".into(), "100".into()),
            ("ANCRE_MAX_FREE_WORKSPACES_PER_USER".into(), "3".into()),
        ],
        dir: dir.clone(),
    };
    let http = reqwest::Client::new();
    let api = deployment
        .spawn("api", &["serve", "--role", "api"])
        .unwrap();
    let mut doomed = Some(deployment.spawn("worker-1", &["worker"]).unwrap());
    let survivor = deployment.spawn("worker-2", &["worker"]).unwrap();
    for p in [&api, doomed.as_ref().unwrap(), &survivor] {
        p.ready(&http, Duration::from_secs(60)).await.unwrap();
    }
    let call = |user: &str, method: reqwest::Method, path: &str| {
        http.request(method, format!("{}{path}", api.url))
            .bearer_auth(key.mint(ISSUER, user))
    };

    // Two tenants, each a collection, 50 documents in batches of 10.
    let mut tenants = Vec::new();
    for (t, user) in ["alice", "bob"].into_iter().enumerate() {
        let r = call(user, reqwest::Method::POST, "/api/v1/tenants")
            .json(&json!({ "name": format!("Tenant {t}") }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}", api.tail());
        let tenant = r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = call(user, reqwest::Method::POST, "/api/v1/collections")
            .json(&json!({ "name": "Rapports" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        let collection = r.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        tenants.push((user, tenant, collection));
    }
    let mut uploaded = 0;
    for batch in 0..DOCUMENTS_PER_TENANT / 10 {
        for (t, (user, _, collection)) in tenants.iter().enumerate() {
            let mut form = Form::new();
            for i in 0..10 {
                let n = batch * 10 + i;
                form = form.part(
                    "file",
                    Part::bytes(markdown(t, n)).file_name(format!("rapport-{n}.md")),
                );
            }
            let r = call(
                user,
                reqwest::Method::POST,
                &format!("/api/v1/documents/upload/{collection}"),
            )
            .multipart(form)
            .send()
            .await
            .unwrap();
            assert_eq!(r.status(), 202, "{}", api.tail());
            uploaded += 10;
        }
        // Mid-way, once the workers are busy, one of them dies without a word.
        if uploaded >= 40 {
            if let Some(mut worker) = doomed.take() {
                until(
                    "some documents to be indexed first",
                    Duration::from_secs(120),
                    || async {
                        let n: i64 = sqlx::query_scalar(
                            "SELECT count(*) FROM rm_documents WHERE status = 'indexed'",
                        )
                        .fetch_one(&db.pool)
                        .await
                        .unwrap();
                        (n >= 5).then_some(())
                    },
                )
                .await;
                worker.kill(); // SIGKILL, then reaped
            }
        }
    }

    // Every document ends indexed, exactly once.
    let total = 2 * DOCUMENTS_PER_TENANT as i64;
    until("every document to be indexed", Duration::from_secs(600), || async {
        let (indexed, other): (i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE status = 'indexed'), count(*) FILTER (WHERE status <> 'indexed')
               FROM rm_documents",
        )
        .fetch_one(&db.pool)
        .await
        .unwrap();
        let failed: i64 = sqlx::query_scalar("SELECT count(*) FROM rm_documents WHERE status = 'failed'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(failed, 0, "{}", survivor.tail());
        (indexed == total && other == 0).then_some(())
    })
    .await;

    let index = {
        let q = qdrant.clone();
        let runtime = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            QdrantServerIndex::connect(
                runtime,
                &q.url,
                None,
                &q.collection_prefix,
                ancre_embed::E5Small::MODEL_ID,
                384,
            )
        })
        .await
        .unwrap()
        .expect("the deployment's Qdrant collection")
    };
    let index = std::sync::Arc::new(index);
    let rows: Vec<(uuid::Uuid, uuid::Uuid, i32)> =
        sqlx::query_as("SELECT tenant_id, document_id, chunks FROM rm_documents")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(rows.len() as i64, total);
    for (tenant, document, chunks) in rows {
        let chunk_rows: i64 =
            sqlx::query_scalar("SELECT count(*) FROM rm_chunks WHERE document_id = $1")
                .bind(document)
                .fetch_one(&db.pool)
                .await
                .unwrap();
        assert_eq!(chunk_rows, chunks as i64, "chunks listed = chunk count");
        let i = index.clone();
        let points = tokio::task::spawn_blocking(move || i.count(tenant, Some(document)))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            points, chunks as u64,
            "points in Qdrant = chunks of {document}"
        );
    }

    // The ledger: one line per cause and metric, none missing.
    let duplicates: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (SELECT key, metric FROM rm_usage_ledger GROUP BY 1, 2 HAVING count(*) > 1) d",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(duplicates, 0);
    let per_metric: Vec<(String, i64)> = sqlx::query_as(
        "SELECT metric, sum(quantity)::bigint FROM rm_usage_ledger GROUP BY 1 ORDER BY 1",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let per_metric: BTreeMap<String, i64> = per_metric.into_iter().collect();
    let chunks: i64 = sqlx::query_scalar("SELECT sum(chunks)::bigint FROM rm_documents")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(per_metric.get("documents"), Some(&total), "{per_metric:?}");
    assert_eq!(
        per_metric.get("pages_parsed"),
        Some(&total),
        "{per_metric:?}"
    );
    assert_eq!(
        per_metric.get("chunks_embedded"),
        Some(&chunks),
        "{per_metric:?}"
    );

    // Read models rebuilt from the log equal the live ones.
    for (name, table) in [
        ("documents", "rm_documents"),
        ("usage_ledger", "rm_usage_ledger"),
    ] {
        let live = common::snapshot(&db.pool, table).await;
        let status = deployment
            .command(&["projections", "rebuild", name])
            .env("ANCRE_DATA_DIR", dir.join("rebuild"))
            .status()
            .unwrap();
        assert!(status.success(), "rebuild {name}");
        assert_eq!(
            common::snapshot(&db.pool, table).await,
            live,
            "{table} rebuilt = live"
        );
    }

    // Every document event reached Kafka despite the kill.
    let wanted: BTreeSet<(String, i64)> = sqlx::query_as::<_, (String, i64)>(
        "SELECT aggregate_id, sequence FROM events WHERE aggregate_type = 'document'",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap()
    .into_iter()
    .collect();
    let expected = wanted.clone();
    kafka::read_until(
        &[format!("{prefix}.document")],
        Duration::from_secs(120),
        move |seen| {
            let got: BTreeSet<(String, i64)> = seen
                .iter()
                .filter_map(|m| ancre_relay::message::decode(m).ok())
                .map(|e| (e.aggregate_id, e.sequence))
                .collect();
            got == expected
        },
    )
    .await;
    drop(survivor);
    drop(api);
    let _ = std::fs::remove_dir_all(&dir);
}
