//! Ingestion by worker processes (`--only workers`): `ancre serve --role api`
//! and one, then two, `ancre worker` processes on one PostgreSQL, S3-API server
//! and Qdrant server, the same PDFs uploaded each time; pages/s from the upload
//! to the last document indexed, side by side in one run.
//!
//! Needs `ANCRE_BENCH_QDRANT_URL`, `ANCRE_BENCH_S3_ENDPOINT` and
//! `ANCRE_BENCH_S3_SECRET` (`make bench` starts both servers) and the binary in
//! `ANCRE_PDF_WORKER` (the release `ancre`, as for the ingestion rows).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use ancre_commands::{Actor, Commands, EventMetadata};
use ancre_domain::tenant::TenantCommand;
use ancre_testkit::process::{Deployment, Process};
use anyhow::Context as _;

use crate::Row;

/// Enough documents for two workers to overlap, short enough for a bench row.
const PDFS: &[&str] = &[
    "pdf/acm-sample-sigconf.pdf",
    "pdf/acm-sample-sigconf-i13n.pdf",
    "pdf/project-history.fr.pdf",
    "pdf/elsarticle-elstest-5p.pdf",
    "pdf/ieeetran-testflow_ctl_A4.pdf",
    "pdf/refcard-fr-a4.pdf",
];

struct Servers {
    qdrant: String,
    s3_endpoint: String,
    s3_secret: String,
}

fn servers() -> Option<Servers> {
    Some(Servers {
        qdrant: std::env::var("ANCRE_BENCH_QDRANT_URL").ok()?,
        s3_endpoint: std::env::var("ANCRE_BENCH_S3_ENDPOINT").ok()?,
        s3_secret: std::env::var("ANCRE_BENCH_S3_SECRET").ok()?,
    })
}

pub async fn run(url: &str) -> anyhow::Result<Vec<Row>> {
    let Some(servers) = servers() else {
        println!(
            "workers: skipped (ANCRE_BENCH_QDRANT_URL / ANCRE_BENCH_S3_* are not set; \
             `make bench` sets them)"
        );
        return Ok(Vec::new());
    };
    let binary: PathBuf = std::env::var("ANCRE_PDF_WORKER")
        .context("ANCRE_PDF_WORKER must name the ancre binary (`make bench` sets it)")?
        .into();
    let corpus = std::env::var("ANCRE_CORPUS_DIR").unwrap_or_else(|_| "../shared/corpus".into());
    let mut files = Vec::new();
    for name in PDFS {
        let path = format!("{corpus}/{name}");
        files.push((name.to_string(), std::fs::read(&path).context(path)?));
    }

    let mut rows = Vec::new();
    let mut rates = Vec::new();
    for workers in [1usize, 2] {
        let run = format!("w{}x{workers}", std::process::id());
        let dir = std::env::temp_dir().join(format!("ancre-bench-{run}"));
        let deployment = Deployment {
            binary: binary.clone(),
            env: vec![
                ("DATABASE_URL".into(), url.into()),
                ("DEV_AUTH_BYPASS".into(), "true".into()),
                ("ANCRE_QDRANT_URL".into(), servers.qdrant.clone()),
                ("ANCRE_QDRANT_COLLECTION_PREFIX".into(), run.clone()),
                ("ANCRE_S3_ENDPOINT".into(), servers.s3_endpoint.clone()),
                ("ANCRE_S3_BUCKET".into(), run.clone()),
                ("AWS_ACCESS_KEY_ID".into(), "ancre-test".into()),
                ("AWS_SECRET_ACCESS_KEY".into(), servers.s3_secret.clone()),
                ("ANCRE_PDF_WORKER".into(), binary.display().to_string()),
                ("ANCRE_LOG_FORMAT".into(), "json".into()),
            ],
            dir: dir.clone(),
        };
        let (pages, seconds) = ingest(&deployment, workers, &files).await?;
        let _ = std::fs::remove_dir_all(&dir);
        let rate = pages as f64 / seconds;
        rates.push(rate);
        rows.push(Row::info(
            format!("ingestion, {workers} worker process(es): pages/s ({pages} pages)"),
            rate,
            "p/s",
        ));
    }
    rows.push(Row::info(
        "ingestion, 2 worker processes / 1".into(),
        100.0 * rates[1] / rates[0],
        "%",
    ));
    Ok(rows)
}

/// One deployment with `workers` worker processes: uploads `files` into a new
/// collection and returns the pages indexed and the seconds from the upload to
/// the last document indexed.
async fn ingest(
    deployment: &Deployment,
    workers: usize,
    files: &[(String, Vec<u8>)],
) -> anyhow::Result<(u64, f64)> {
    let http = reqwest::Client::new();
    let api = deployment.spawn("api", &["serve", "--role", "api"])?;
    let mut processes: Vec<Process> = Vec::new();
    for n in 1..=workers {
        processes.push(deployment.spawn(&format!("worker-{n}"), &["worker"])?);
    }
    for p in processes.iter().chain([&api]) {
        p.ready(&http, Duration::from_secs(120)).await?;
    }
    let base = &api.url;
    on_pro(&http, base, deployment).await?;

    let collection =
        crate::documents::collection(&http, base, &format!("bench {workers} workers")).await?;
    let started = Instant::now();
    let ids = crate::documents::upload(&http, base, &collection, files).await?;
    anyhow::ensure!(
        ids.len() == files.len(),
        "upload answered {} documents",
        ids.len()
    );

    let deadline = Instant::now() + Duration::from_secs(1800);
    let mut pages = 0u64;
    for id in &ids {
        let doc = crate::documents::indexed(&http, base, id, deadline)
            .await
            .with_context(|| {
                format!(
                    "document {id}; the first worker's log:\n{}",
                    processes[0].tail()
                )
            })?;
        pages += doc["pages"].as_u64().unwrap_or(0);
    }
    Ok((pages, started.elapsed().as_secs_f64()))
}

/// Moves the dev tenant to Pro (measure the pipeline, not the Free plan's
/// limits) and waits until the workers' projection shows it.
async fn on_pro(http: &reqwest::Client, base: &str, deployment: &Deployment) -> anyhow::Result<()> {
    // The first request creates the dev tenant.
    http.get(format!("{base}/api/v1/collections"))
        .send()
        .await?
        .error_for_status()?;
    let url = deployment
        .env
        .iter()
        .find(|(k, _)| k == "DATABASE_URL")
        .map(|(_, v)| v.clone())
        .context("DATABASE_URL")?;
    let pool = sqlx::PgPool::connect(&url).await?;
    let tenant = ancre_api::auth::dev_tenant();
    Commands::new(pool.clone())
        .tenant(
            tenant,
            TenantCommand::ChangePlan {
                plan: ancre_domain::Plan::Pro,
            },
            &EventMetadata::for_request(tenant, Actor::System("bench"), "bench"),
        )
        .await
        .map_err(|e| anyhow::anyhow!("moving the bench tenant to Pro: {e}"))?;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let plan: Option<String> =
            sqlx::query_scalar("SELECT plan FROM rm_tenants WHERE tenant_id = $1")
                .bind(tenant.0)
                .fetch_optional(&pool)
                .await?;
        if plan
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case("pro"))
        {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the tenant projection did not show Pro"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
