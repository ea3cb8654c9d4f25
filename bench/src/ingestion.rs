//! Ingestion rows: the real server (HTTP upload → PDF sandbox / parsers →
//! chunker → local e5 embedder → search index), per format, next to the embedder's raw
//! throughput on the same chunks in the same run, and the peak RSS.
//!
//! Pipeline throughput is measured from the upload request to the moment the
//! last document of the format is `indexed` (or `failed`), polling the API.

use std::time::{Duration, Instant};

use ancre_api::config::Config;
use ancre_embed::E5Small;
use anyhow::Context as _;

use crate::Row;

/// The corpus subset measured, by format (a few minutes of embedding on 2 cores).
const FILES: &[(&str, &[&str])] = &[
    (
        "pdf",
        &[
            "pdf/project-history.fr.pdf",
            "pdf/refcard-fr-a4.pdf",
            "pdf/ieeetran-testflow_ctl_A4.pdf",
            "pdf/elsarticle-elstest-5p.pdf",
        ],
    ),
    (
        "docx",
        &["docx/carroll-lookingglass.docx", "docx/pydocx-test.docx"],
    ),
    (
        "pptx",
        &[
            "pptx/officer-example.pptx",
            "pptx/pypptx-test_slides.pptx",
            "pptx/pypptx-prs-notes.pptx",
        ],
    ),
    ("html", &["html/handbook-fr-sect.apt-get.html"]),
    ("md", &["md/librdkafka-INTRODUCTION.md"]),
    ("txt", &["txt/GPL-3.txt"]),
];

pub async fn run(url: &str) -> anyhow::Result<Vec<Row>> {
    let corpus = std::env::var("ANCRE_CORPUS_DIR").unwrap_or_else(|_| "../shared/corpus".into());
    let mut config = Config::for_database(url);
    config.dev_auth_bypass = true;
    config.pdf_worker = Some(
        std::env::var("ANCRE_PDF_WORKER")
            .context("ANCRE_PDF_WORKER must name the ancre binary (`make bench` sets it)")?
            .into(),
    );
    let server = ancre_api::app::start(config.clone()).await?;
    // Measure the pipeline, not the Free plan's limits.
    crate::dev_tenant_on_pro(&server).await?;
    let base = format!("http://{}", server.addr);
    let http = reqwest::Client::new();

    let mut rows = Vec::new();
    let (mut all_chunks, mut all_seconds) = (0u64, 0f64);
    for (format, files) in FILES {
        let collection =
            crate::documents::collection(&http, &base, &format!("bench {format}")).await?;
        let mut bytes = Vec::new();
        for file in *files {
            let content = std::fs::read(format!("{corpus}/{file}"))
                .with_context(|| format!("{corpus}/{file}"))?;
            bytes.push((file.to_string(), content));
        }
        let started = Instant::now();
        let ids = crate::documents::upload(&http, &base, &collection, &bytes).await?;
        let (mut pages, mut chunks) = (0u64, 0u64);
        for id in &ids {
            let deadline = Instant::now() + Duration::from_secs(1800);
            let doc = crate::documents::indexed(&http, &base, id, deadline)
                .await
                .with_context(|| format!("{format}: document {id}"))?;
            pages += doc["pages"].as_u64().unwrap_or(0);
            chunks += doc["chunks"].as_u64().unwrap_or(0);
        }
        let seconds = started.elapsed().as_secs_f64();
        all_chunks += chunks;
        all_seconds += seconds;
        rows.push(Row::info(
            format!("{format}: pages/s end to end ({pages} pages)"),
            pages as f64 / seconds,
            "p/s",
        ));
        rows.push(Row::info(
            format!("{format}: chunks/s end to end ({chunks} chunks)"),
            chunks as f64 / seconds,
            "c/s",
        ));
    }
    server.stop().await;

    // The embedder alone on the very same chunk texts, same process, same run.
    let pool = sqlx::PgPool::connect(url).await?;
    let texts: Vec<String> =
        sqlx::query_scalar("SELECT text FROM rm_chunks ORDER BY document_id, chunk_index")
            .fetch_all(&pool)
            .await?;
    pool.close().await;
    let weights = config.e5_weights.clone();
    let raw = tokio::task::spawn_blocking(move || -> anyhow::Result<f64> {
        let model = E5Small::load(&weights)?;
        let started = Instant::now();
        for batch in texts.chunks(16) {
            let refs: Vec<&str> = batch.iter().map(String::as_str).collect();
            model.embed_passages(&refs)?;
        }
        Ok(texts.len() as f64 / started.elapsed().as_secs_f64())
    })
    .await??;
    let pipeline = all_chunks as f64 / all_seconds;
    let ratio = 100.0 * pipeline / raw;
    rows.push(Row::info(
        "all formats: chunks/s end to end".into(),
        pipeline,
        "c/s",
    ));
    rows.push(Row::info(
        "embedder alone: chunks/s (same chunks)".into(),
        raw,
        "c/s",
    ));
    rows.push(Row {
        name: "pipeline / raw embedder".into(),
        value: ratio,
        unit: "%",
        target: ">= 80",
        met: Some(ratio >= 80.0),
    });
    rows.push(Row::info(
        "peak RSS (server + embedder, this process)".into(),
        peak_rss_mib()?,
        "MiB",
    ));
    Ok(rows)
}

/// VmHWM: the resident set's high-water mark (the PDF sandbox's children are
/// separate processes, capped by their own limit).
fn peak_rss_mib() -> anyhow::Result<f64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("VmHWM in /proc/self/status")?;
    Ok(kib / 1024.0)
}
