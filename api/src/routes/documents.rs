//! `/api/v1/documents`: upload files into a collection, follow their status,
//! list them, fetch the original bytes, delete them.
//!
//! An upload stores the bytes first (object storage, under a key of our own),
//! then records `DocumentUploaded` naming that key and the SHA-256. The same
//! bytes in the same collection map to the same document id, so a re-upload is
//! reported as a duplicate, even when two uploads race.

use ancre_commands::{EventMetadata, LogPosition};
use ancre_domain::document::{document_id_for, DocumentCommand, MediaType};
use ancre_domain::usage::Quota;
use ancre_domain::{CollectionId, DocumentId};
use ancre_ingestion::storage;
use ancre_projections::projectors::documents::NAME as DOCUMENTS;
use ancre_projections::read::{self, documents::DocumentView};
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{Page, Paginated, RequestId};
use crate::app::AppState;
use crate::auth::TenantContext;
use crate::config::Config;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ApiPath;
use crate::intake::{Intake, NewDocument, Outcome, INTAKE_QUOTAS};
use crate::quota;
use crate::spool::{Spooled, Spooler};

/// What multipart framing may add to the files' bytes in a request's length
/// (boundaries and part headers, a few hundred bytes per file).
const MULTIPART_SLACK: u64 = 64 << 10;

/// The largest upload request: the maximum number of maximum-size files.
fn body_limit(config: &Config) -> u64 {
    config
        .max_upload_bytes
        .saturating_mul(config.max_upload_files as u64)
        .saturating_add(1 << 20)
}

pub fn router(config: &Config) -> Router<AppState> {
    let body_limit = usize::try_from(body_limit(config)).unwrap_or(usize::MAX);
    Router::new()
        .route(
            "/documents/upload/{collection_id}",
            post(upload).layer(DefaultBodyLimit::max(body_limit)),
        )
        .route("/documents", get(list))
        .route("/documents/{id}", get(get_document).delete(delete))
        .route("/documents/{id}/file", get(file))
        .route("/documents/{id}/chunks", get(chunks))
}

#[derive(Serialize, ToSchema)]
pub struct DocumentResponse {
    pub id: Uuid,
    pub collection_id: Uuid,
    pub filename: String,
    /// `pdf`, `docx`, `pptx`, `xlsx`, `csv`, `html`, `markdown` or `text` (from the content).
    pub media_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    /// `queued` → `parsed` → `embedded` → `indexed`, or `failed`.
    pub status: String,
    /// While the pipeline works on it: the stage and its progress.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<StageProgress>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
    /// Pages (slides) found, once parsed.
    pub pages: Option<i32>,
    /// Chunks made, once parsed.
    pub chunks: Option<i32>,
    /// Tokens of all chunks (the embedder's tokenizer), once parsed.
    pub tokens: Option<i64>,
    /// The model its vectors come from, once embedded.
    pub embedding_model: Option<String>,
    /// The original bytes.
    pub file_url: String,
    /// Where a connector imported it from; absent for uploads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceResponse>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A connector's document: where it lives at the provider.
#[derive(Serialize, ToSchema)]
pub struct SourceResponse {
    /// The tenant's connection it came through.
    pub connection_id: Uuid,
    /// `google-drive` or `notion`.
    pub provider: String,
    /// The record's id at the provider.
    pub record_id: String,
    /// Where to open it at the provider.
    pub url: Option<String>,
    /// The provider's modification time of the imported version.
    pub modified_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct StageProgress {
    /// `parse`, `embed` or `index`.
    pub stage: String,
    /// `waiting` (queued, or a retry is scheduled) or `running`.
    pub state: &'static str,
    /// Units done and to do in this stage (chunks, for `embed`); 0/0 when unknown.
    pub done: i32,
    pub total: i32,
    /// Tries of this stage so far.
    pub attempts: i32,
    /// The last transient error, when the stage is being retried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Failure {
    pub stage: String,
    pub reason: String,
}

impl From<DocumentView> for DocumentResponse {
    fn from(d: DocumentView) -> Self {
        DocumentResponse {
            id: d.id.0,
            collection_id: d.collection_id.0,
            filename: d.filename,
            media_type: d.media_type.as_str().to_owned(),
            size_bytes: d.size_bytes,
            sha256: d.sha256,
            status: d.status,
            progress: d.pipeline.map(|p| StageProgress {
                stage: p.stage,
                state: if p.running { "running" } else { "waiting" },
                done: p.done,
                total: p.total,
                attempts: p.attempts,
                last_error: p.last_error,
            }),
            failure: d.failure_reason.map(|reason| Failure {
                stage: d.failure_stage.unwrap_or_default(),
                reason,
            }),
            source: d.source.map(|s| SourceResponse {
                connection_id: s.connection_id.0,
                provider: s.provider.as_str().to_owned(),
                record_id: s.record_id,
                url: s.url,
                modified_at: s.modified_at,
            }),
            pages: d.pages,
            chunks: d.chunks,
            tokens: d.tokens,
            embedding_model: d.embedding_model,
            file_url: format!("/api/v1/documents/{}/file", d.id),
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

/// What became of one file of an upload.
#[derive(Serialize, ToSchema)]
pub struct UploadedFile {
    pub filename: String,
    /// `queued` (accepted), `duplicate` (the same bytes are already in the
    /// collection: `id` names that document) or `rejected` (see `reason`).
    pub outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    pub size_bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct UploadResponse {
    pub documents: Vec<UploadedFile>,
}

/// One uploaded file, received whole on disk.
struct Incoming {
    filename: String,
    file: Spooled,
    size: u64,
}

/// The next part of an upload that carries a file.
enum NextFile {
    File(Incoming),
    /// Larger than the limit: reading stopped there, with the file's name.
    TooLarge(String),
}

/// Why a whole upload was refused.
enum Refusal {
    Unsupported,
    OverQuota(crate::quota::OverQuota),
}

/// Upload one or more files (multipart/form-data, any part with a file name)
/// into a collection. Answers 202 with each file's outcome.
#[utoipa::path(post, path = "/api/v1/documents/upload/{collection_id}", tag = "documents",
    params(("collection_id" = Uuid, Path)),
    request_body(content_type = "multipart/form-data", description = "One or more parts with a file name."),
    responses((status = 202, body = UploadResponse), (status = 400, body = Problem),
              (status = 404, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem)))]
pub async fn upload(
    State(state): State<AppState>,
    ctx: TenantContext,
    request: RequestId,
    ApiPath(collection_id): ApiPath<Uuid>,
    headers: axum::http::HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> ApiResult<Response> {
    let collection = CollectionId(collection_id);
    read::collections::get(&state.pool, ctx.tenant_id(), collection)
        .await?
        .ok_or(ApiError::NotFound)?;
    // Before a byte of the body is read: a request longer than any upload
    // may be, or a plan with no room left (or less than the request
    // declares), is refused at once.
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(length) = declared {
        let most = body_limit(&state.config);
        if length > most {
            return Err(ApiError::PayloadTooLarge(format!(
                "the request declares {}, more than an upload may carry ({} files of {} at most)",
                human_bytes(length),
                state.config.max_upload_files,
                human_bytes(state.config.max_upload_bytes)
            )));
        }
    }
    let files_at_most = declared.map(|length| length.saturating_sub(MULTIPART_SLACK));
    quota::precheck(
        &state,
        &ctx,
        INTAKE_QUOTAS,
        files_at_most.map(|bytes| (Quota::Storage, bytes)),
    )
    .await?;
    let mut multipart = multipart.map_err(|e| {
        ApiError::UnsupportedMediaType(format!(
            "send the files as multipart/form-data ({})",
            e.body_text()
        ))
    })?;

    let limit = state.config.max_upload_bytes;
    let mut results: Vec<UploadedFile> = Vec::new();
    let mut refusals = Vec::new();
    let mut latest: Option<LogPosition> = None;
    let spool = state.config.data_dir.join("spool");
    while let Some(next) = next_file(&mut multipart, limit, &spool).await? {
        let incoming = match next {
            NextFile::File(incoming) => incoming,
            NextFile::TooLarge(filename) => {
                // The rest of the request is not read: say what was kept.
                let kept: Vec<&str> = results
                    .iter()
                    .filter(|r| r.outcome != "rejected")
                    .map(|r| r.filename.as_str())
                    .collect();
                let kept = if kept.is_empty() {
                    "nothing of this request was kept".to_owned()
                } else {
                    format!("the files before it were kept: {}", kept.join(", "))
                };
                return Err(ApiError::PayloadTooLarge(format!(
                    "{filename}: the file is larger than the limit of {}; the request was not \
                     read further ({kept})",
                    human_bytes(limit)
                )));
            }
        };
        if results.len() >= state.config.max_upload_files {
            return Err(ApiError::PayloadTooLarge(format!(
                "at most {} files per upload",
                state.config.max_upload_files
            )));
        }
        let (result, at, refusal) = accept(&state, &ctx, &request, collection, incoming).await?;
        latest = latest.max(at);
        refusals.extend(refusal);
        results.push(result);
    }
    if results.is_empty() {
        return Err(ApiError::BadRequest(
            "no file in the request: send multipart/form-data with one or more file parts".into(),
        ));
    }
    if results.iter().all(|r| r.outcome == "rejected") {
        let detail = results
            .iter()
            .map(|r| format!("{}: {}", r.filename, r.reason.as_deref().unwrap_or("")))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(match refusals.into_iter().next() {
            Some(Refusal::OverQuota(over)) => ApiError::OverQuota(over),
            _ => ApiError::UnsupportedMediaType(detail),
        });
    }
    state.caught_up(latest, &[DOCUMENTS]).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(UploadResponse { documents: results }),
    )
        .into_response())
}

/// Reads the next part that carries a file into a temporary file in
/// `spool`, and stops at the first byte past `limit`.
async fn next_file(
    multipart: &mut Multipart,
    limit: u64,
    spool: &std::path::Path,
) -> ApiResult<Option<NextFile>> {
    let disk = |e: std::io::Error| {
        ApiError::Internal(anyhow::Error::new(e).context("spooling an upload to disk"))
    };
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge("the request is larger than this server accepts".into())
        } else {
            ApiError::BadRequest(format!("malformed multipart body: {}", e.body_text()))
        }
    };
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        let Some(filename) = field.file_name().map(str::to_owned) else {
            continue; // a plain form field: not a file
        };
        let mut spooler = Spooler::create(spool).await.map_err(disk)?;
        while let Some(chunk) = field.chunk().await.map_err(bad)? {
            if spooler.size() + chunk.len() as u64 > limit {
                return Ok(Some(NextFile::TooLarge(filename)));
            }
            spooler.write(&chunk).await.map_err(disk)?;
        }
        let file = spooler.finish().await.map_err(disk)?;
        return Ok(Some(NextFile::File(Incoming {
            filename,
            size: file.size,
            file,
        })));
    }
    Ok(None)
}

/// Checks, stores and records one file (see [`crate::intake`]).
async fn accept(
    state: &AppState,
    ctx: &TenantContext,
    request: &RequestId,
    collection: CollectionId,
    incoming: Incoming,
) -> ApiResult<(UploadedFile, Option<LogPosition>, Option<Refusal>)> {
    let tenant = ctx.tenant_id();
    let document = document_id_for(collection, &incoming.file.sha256);
    let metadata = EventMetadata::for_request(tenant, ctx.principal.actor(), request.0.clone());
    let intake = Intake {
        commands: &state.commands,
        store: state.store.as_ref(),
        tenant,
        plan: ctx.tenant.plan,
        metadata: &metadata,
    };
    let (filename, size) = (incoming.filename.clone(), incoming.size);
    let outcome = intake
        .admit(NewDocument {
            document,
            collection,
            filename: incoming.filename,
            file: incoming.file,
            storage_key: storage::original_key(tenant.0, document.0, Uuid::new_v4()),
            source: None,
        })
        .await?;
    let file = |outcome, media_type: Option<MediaType>, reason: Option<String>| UploadedFile {
        filename: filename.clone(),
        outcome,
        id: media_type.map(|_| document.0),
        status_url: media_type.map(|_| format!("/api/v1/documents/{document}")),
        media_type: media_type.map(|m| m.as_str().to_owned()),
        size_bytes: size,
        reason,
    };
    Ok(match outcome {
        Outcome::Queued { media_type, at } => (file("queued", Some(media_type), None), at, None),
        Outcome::Duplicate { media_type } => {
            (file("duplicate", Some(media_type), None), None, None)
        }
        Outcome::Unsupported(reason) => (
            file("rejected", None, Some(reason)),
            None,
            Some(Refusal::Unsupported),
        ),
        Outcome::OverQuota(over) => (
            file("rejected", None, Some(over.detail())),
            None,
            Some(Refusal::OverQuota(over)),
        ),
    })
}

fn human_bytes(n: u64) -> String {
    if n >= 1 << 20 && n.is_multiple_of(1 << 20) {
        format!("{} MiB", n >> 20)
    } else if n >= 1 << 10 && n.is_multiple_of(1 << 10) {
        format!("{} KiB", n >> 10)
    } else {
        format!("{n} bytes")
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DocumentFilter {
    /// Only this collection's documents.
    pub collection_id: Option<Uuid>,
    /// Only documents with this status (`queued`, `parsed`, `embedded`, `indexed`, `failed`).
    pub status: Option<String>,
    /// 1..=200, default 50.
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// The current tenant's documents, oldest first, filtered and paginated.
#[utoipa::path(get, path = "/api/v1/documents", tag = "documents", params(DocumentFilter),
    responses((status = 200, body = Paginated<DocumentResponse>), (status = 422, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: TenantContext,
    Query(filter): Query<DocumentFilter>,
) -> ApiResult<Json<Paginated<DocumentResponse>>> {
    let (limit, offset) = Page {
        limit: filter.limit,
        offset: filter.offset,
    }
    .resolve()?;
    let (items, total) = read::documents::list(
        &state.pool,
        ctx.tenant_id(),
        &read::documents::Filter {
            collection: filter.collection_id.map(CollectionId),
            status: filter.status,
        },
        limit,
        offset,
    )
    .await?;
    Ok(Json(Paginated {
        items: items.into_iter().map(Into::into).collect(),
        total,
        limit,
        offset,
    }))
}

async fn find(state: &AppState, ctx: &TenantContext, id: Uuid) -> ApiResult<DocumentView> {
    read::documents::get(&state.pool, ctx.tenant_id(), DocumentId(id))
        .await?
        .ok_or(ApiError::NotFound)
}

/// One document: status, failure reason, file.
#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "documents", params(("id" = Uuid, Path)),
    responses((status = 200, body = DocumentResponse), (status = 404, body = Problem)))]
pub async fn get_document(
    State(state): State<AppState>,
    ctx: TenantContext,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<DocumentResponse>> {
    Ok(Json(find(&state, &ctx, id).await?.into()))
}

/// One chunk: where it is in the document (page, printed label, offsets into
/// the page text, headings) and its text.
#[derive(Serialize, ToSchema)]
pub struct ChunkResponse {
    pub index: i32,
    /// Physical page (slide) number, from 1.
    pub page: i32,
    /// The number printed on the page, when it differs or exists ("iv", "237").
    pub page_label: Option<String>,
    /// On a slide hidden from the slide show (PPTX); still searchable.
    pub hidden_slide: bool,
    pub heading_path: Vec<String>,
    /// Offsets in characters into the page's text.
    pub char_start: i32,
    pub char_end: i32,
    pub token_count: i32,
    pub text: String,
}

/// A parsed document's chunks in document order, paginated.
#[utoipa::path(get, path = "/api/v1/documents/{id}/chunks", tag = "documents",
    params(("id" = Uuid, Path), Page),
    responses((status = 200, body = Paginated<ChunkResponse>), (status = 404, body = Problem)))]
pub async fn chunks(
    State(state): State<AppState>,
    ctx: TenantContext,
    ApiPath(id): ApiPath<Uuid>,
    Query(page): Query<Page>,
) -> ApiResult<Json<Paginated<ChunkResponse>>> {
    let (limit, offset) = page.resolve()?;
    find(&state, &ctx, id).await?;
    let (items, total) =
        read::chunks::list(&state.pool, ctx.tenant_id(), DocumentId(id), limit, offset).await?;
    Ok(Json(Paginated {
        items: items
            .into_iter()
            .map(|c| ChunkResponse {
                index: c.chunk_index,
                page: c.page,
                page_label: c.page_label,
                hidden_slide: c.hidden,
                heading_path: c.heading_path,
                char_start: c.char_start,
                char_end: c.char_end,
                token_count: c.token_count,
                text: c.text,
            })
            .collect(),
        total,
        limit,
        offset,
    }))
}

/// The original bytes, for the source viewer. Served sandboxed: an uploaded
/// HTML file can never run script on our origin.
#[utoipa::path(get, path = "/api/v1/documents/{id}/file", tag = "documents", params(("id" = Uuid, Path)),
    responses((status = 200, description = "The original file"), (status = 404, body = Problem)))]
pub async fn file(
    State(state): State<AppState>,
    ctx: TenantContext,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Response> {
    let document = find(&state, &ctx, id).await?;
    let bytes = state
        .store
        .get(&document.storage_key)
        .await
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("reading a stored file")))?
        .ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!(
                "stored file {} is missing",
                document.storage_key
            ))
        })?;
    let safe_name: String = document
        .filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(document.media_type.mime()),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{safe_name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static("sandbox"),
    );
    Ok(response)
}

/// Delete a document; its stored file is removed right after.
#[utoipa::path(delete, path = "/api/v1/documents/{id}", tag = "documents", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete(
    State(state): State<AppState>,
    ctx: TenantContext,
    request: RequestId,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    find(&state, &ctx, id).await?;
    let at = state
        .commands
        .document(
            DocumentId(id),
            DocumentCommand::Delete {
                tenant_id: ctx.tenant_id(),
            },
            &EventMetadata::for_request(ctx.tenant_id(), ctx.principal.actor(), request.0),
        )
        .await?;
    state.caught_up(at, &[DOCUMENTS]).await?;
    Ok(StatusCode::NO_CONTENT)
}
