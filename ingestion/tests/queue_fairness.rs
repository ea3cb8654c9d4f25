//! The pipeline's queue is fair between tenants: one tenant's backlog of 200
//! uploads does not delay another tenant's one document (the queue's SQL on a
//! real PostgreSQL; the workers around it are tested in api/tests/pipeline.rs).

use std::time::Duration;

use ancre_ingestion::pipeline::queue;
use ancre_testkit::pg::TestDb;
use uuid::Uuid;

async fn enqueue(db: &TestDb, tenant: Uuid, queued_seconds_ago: i64) -> Uuid {
    let document = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO pipeline_jobs (document_id, tenant_id, stage, queued_at, correlation_id, request_id)
         VALUES ($1, $2, 'parse', now() - make_interval(secs => $3), $1, 'test')",
    )
    .bind(document)
    .bind(tenant)
    .bind(queued_seconds_ago as f64)
    .execute(&db.pool)
    .await
    .unwrap();
    document
}

/// Leases the next job, does it (the row leaves the queue) and says whose it was.
async fn serve_one(db: &TestDb, worker: Uuid) -> Option<Uuid> {
    let job = queue::lease(&db.pool, worker, Duration::from_secs(60))
        .await
        .unwrap()?;
    sqlx::query("DELETE FROM pipeline_jobs WHERE document_id = $1")
        .bind(job.document_id)
        .execute(&db.pool)
        .await
        .unwrap();
    Some(job.tenant_id)
}

#[tokio::test]
async fn a_tenants_200_uploads_do_not_delay_anothers_one() {
    let db = TestDb::new().await;
    let (busy, quiet, third) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    // The busy tenant's 200 uploads were all queued before the others'.
    for i in 0..200 {
        enqueue(&db, busy, 1000 - i).await;
    }
    let worker = Uuid::new_v4();
    assert_eq!(serve_one(&db, worker).await, Some(busy));
    let quiet_doc = enqueue(&db, quiet, 10).await;
    enqueue(&db, third, 5).await;
    enqueue(&db, third, 4).await;

    // The quiet tenant's one document is next, then the third tenant's,
    // then turns go round: never two of one tenant while another waits.
    let order: Vec<Uuid> = {
        let mut order = vec![];
        while let Some(tenant) = serve_one(&db, worker).await {
            order.push(tenant);
        }
        order
    };
    assert_eq!(order.len(), 202);
    assert_eq!(
        &order[..4],
        &[quiet, third, busy, third],
        "{:?}",
        &order[..4]
    );
    assert!(order[4..].iter().all(|t| *t == busy));
    let still_queued: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pipeline_jobs WHERE document_id = $1")
            .bind(quiet_doc)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(still_queued, 0);
}

#[tokio::test]
async fn within_a_tenant_jobs_go_oldest_first_and_leased_ones_are_skipped() {
    let db = TestDb::new().await;
    let tenant = Uuid::new_v4();
    let older = enqueue(&db, tenant, 30).await;
    let newer = enqueue(&db, tenant, 20).await;
    let first = queue::lease(&db.pool, Uuid::new_v4(), Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.document_id, older);
    // Still leased: another worker gets the next one, then nothing.
    let second = queue::lease(&db.pool, Uuid::new_v4(), Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.document_id, newer);
    assert!(
        queue::lease(&db.pool, Uuid::new_v4(), Duration::from_secs(60))
            .await
            .unwrap()
            .is_none()
    );
}
