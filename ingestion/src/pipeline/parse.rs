//! The `parse` stage: original bytes → pages (charged under the monthly page
//! quota: `page_quota`) → chunks, stored as the chunks artifact; reported as
//! `RecordParsed` with pages, chunks and tokens.

use ancre_domain::document::{DocumentCommand, DocumentEvent, MediaType};

use super::queue::Job;
use super::stage::{latest_event, StageContext, StageError};
use crate::artifacts::ChunkArtifact;
use crate::parsers::{self, Parsed};
use crate::{chunker, storage};

pub async fn run(ctx: &StageContext, job: &Job) -> Result<DocumentCommand, StageError> {
    let DocumentEvent::DocumentUploaded {
        media_type,
        storage_key,
        filename,
        ..
    } = latest_event(&ctx.pool, job, "DocumentUploaded").await?
    else {
        unreachable!("latest_event returns the event type asked for")
    };
    let bytes = ctx
        .store
        .get(&storage_key)
        .await
        .map_err(|e| StageError::transient("reading the original", e))?
        .ok_or_else(|| StageError::Permanent("the uploaded file is no longer in storage".into()))?;

    let parsed = parse(ctx, media_type, bytes).await?;
    let pages = u32::try_from(parsed.page_count()).unwrap_or(u32::MAX);
    if pages > ctx.max_pages {
        return Err(StageError::Permanent(format!(
            "the document has {pages} pages; the limit is {}",
            ctx.max_pages
        )));
    }
    super::page_quota::charge(ctx, job, pages, &super::job_metadata(job)).await?;

    let embedder = ctx.embedder.clone();
    let config = ctx.chunker;
    let mut chunks =
        tokio::task::spawn_blocking(move || chunker::chunk(&parsed, embedder.as_ref(), config))
            .await
            .map_err(|e| StageError::Permanent(format!("internal: chunking stopped: {e}")))?;
    let name = chunker::searchable_name(&filename);
    for chunk in &mut chunks {
        chunk.document_name = name.clone();
    }
    if chunks.is_empty() {
        return Err(StageError::Permanent(
            "no text was found in the document (scanned images are not read yet)".into(),
        ));
    }
    let tokens: u64 = chunks.iter().map(|c| c.token_count as u64).sum();
    let count = u32::try_from(chunks.len()).unwrap_or(u32::MAX);
    let chunks_key = storage::chunks_key(&storage_key);
    ctx.store
        .put(&chunks_key, &ChunkArtifact::new(pages, chunks).encode())
        .await
        .map_err(|e| StageError::transient("storing the chunks", e))?;
    Ok(DocumentCommand::RecordParsed {
        pages,
        chunks: count,
        tokens,
        chunks_key,
    })
}

/// PDFs go to the sandbox; the other parsers are ours (bounded, no C) and
/// run on the blocking pool.
async fn parse(
    ctx: &StageContext,
    media_type: MediaType,
    bytes: Vec<u8>,
) -> Result<Parsed, StageError> {
    let parsed = match media_type {
        MediaType::Pdf => ctx.pdf.parse(&bytes).await,
        other => {
            let parser = match other {
                MediaType::Docx => parsers::docx::parse,
                MediaType::Pptx => parsers::pptx::parse,
                MediaType::Html => parsers::html::parse,
                MediaType::Markdown => parsers::markdown::parse,
                MediaType::Xlsx => parsers::xlsx::parse,
                MediaType::Csv => parsers::csv::parse,
                MediaType::Text | MediaType::Pdf => parsers::text::parse,
            };
            tokio::task::spawn_blocking(move || parser(&bytes))
                .await
                .map_err(|e| {
                    StageError::Permanent(format!("the parser stopped on this file: {e}"))
                })?
        }
    };
    parsed.map_err(|e| StageError::Permanent(e.0))
}
