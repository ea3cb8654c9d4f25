//! `GET /api/v1/documents/events`: a live feed (Server-Sent Events) of the
//! tenant's documents as they go through the pipeline, so a UI shows
//! progress without polling.
//!
//! Each `document` event carries the document as `GET /documents/{id}`
//! returns it; one is sent when a document's status, stage or progress
//! changes (and at once for every document still in the pipeline). The
//! server compares snapshots of the read model twice a second: simple, and
//! it costs one indexed query per connection per tick.
//!
//! A feed is a session that ends ([`FeedLimits`]): the caller's credential,
//! membership, role and tenant are checked again every `recheck` (a revoked
//! API key, an expired session token, a removed member or a suspended tenant
//! closes it), a feed lasts at most `max_lifetime` (the UI reconnects), and a
//! tenant holds at most `max_per_tenant` feeds per server process. What a
//! feed remembers is bounded by the documents in flight or just changed.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ancre_domain::CollectionId;
use ancre_projections::read;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::{header, HeaderMap, Request};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use futures::Stream;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::documents::DocumentResponse;
use crate::app::AppState;
use crate::auth::{TenantContext, TENANT_HEADER};
use crate::error::{ApiError, ApiResult};

const TICK: Duration = Duration::from_millis(500);

/// How long a feed may live and how many a tenant may hold.
#[derive(Debug, Clone, Copy)]
pub struct FeedLimits {
    /// `ANCRE_FEED_RECHECK_SECS` (10): how often the caller's access is checked again.
    pub recheck: Duration,
    /// `ANCRE_FEED_MAX_SECS` (3600): a feed then ends; clients reconnect.
    pub max_lifetime: Duration,
    /// `ANCRE_FEED_MAX_PER_TENANT` (20): feeds one tenant holds open at once
    /// in one server process; the next is a 429.
    pub max_per_tenant: usize,
}

impl Default for FeedLimits {
    fn default() -> Self {
        FeedLimits {
            recheck: Duration::from_secs(10),
            max_lifetime: Duration::from_secs(3600),
            max_per_tenant: 20,
        }
    }
}

/// The feeds open in this process, per tenant.
#[derive(Default)]
pub struct OpenFeeds(Mutex<HashMap<ancre_domain::TenantId, usize>>);

/// One open feed, counted until it is dropped (the stream ends or the
/// client goes away).
struct FeedSlot {
    feeds: Arc<OpenFeeds>,
    tenant: ancre_domain::TenantId,
}

impl OpenFeeds {
    fn open(self: &Arc<Self>, tenant: ancre_domain::TenantId, most: usize) -> Option<FeedSlot> {
        let mut open = self.0.lock().expect("feed counts");
        let count = open.entry(tenant).or_default();
        if *count >= most {
            return None;
        }
        *count += 1;
        Some(FeedSlot {
            feeds: self.clone(),
            tenant,
        })
    }
}

impl Drop for FeedSlot {
    fn drop(&mut self) {
        let mut open = self.feeds.0.lock().expect("feed counts");
        if let Some(count) = open.get_mut(&self.tenant) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.tenant);
            }
        }
    }
}

pub fn router() -> Router<AppState> {
    Router::new().route("/documents/events", get(feed))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FeedFilter {
    /// Only this collection's documents.
    pub collection_id: Option<Uuid>,
}

struct Feed {
    state: AppState,
    tenant: ancre_domain::TenantId,
    collection: Option<CollectionId>,
    since: DateTime<Utc>,
    /// A digest of what was last sent per document, for the documents the
    /// last poll returned (in flight or just changed) only.
    sent: HashMap<Uuid, u64>,
    /// Events to send, oldest first.
    pending: VecDeque<Event>,
    first: bool,
    /// The request's credential and tenant choice, to check them again.
    credential: HeaderMap,
    opened: tokio::time::Instant,
    checked: tokio::time::Instant,
    life: Life,
    _slot: FeedSlot,
}

enum Life {
    Open,
    /// The feed must end: this reason goes out as a last `closed` event,
    /// instead of anything still pending.
    Closing(&'static str),
    Closed,
}

/// Status changes of the tenant's documents, as `document` events; a last
/// `closed` event (`{"reason": …}`) when the server ends the feed.
#[utoipa::path(get, path = "/api/v1/documents/events", tag = "documents", params(FeedFilter),
    responses((status = 200, content_type = "text/event-stream",
        description = "`document` events, each a DocumentResponse; then `closed` when the feed \
                       ends (access lost or lifetime reached: reconnect)"),
        (status = 429, body = crate::error::Problem)))]
pub async fn feed(
    State(state): State<AppState>,
    ctx: TenantContext,
    headers: HeaderMap,
    Query(filter): Query<FeedFilter>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let limits = state.config.feed_limits;
    let slot = state
        .feeds
        .open(ctx.tenant_id(), limits.max_per_tenant)
        .ok_or_else(|| {
            ApiError::TooManyRequests(format!(
                "this workspace already has {} live document feeds open; close one (a browser \
                 tab) and try again",
                limits.max_per_tenant
            ))
        })?;
    let mut credential = HeaderMap::new();
    for name in [header::AUTHORIZATION.as_str(), TENANT_HEADER] {
        if let Some(value) = headers.get(name) {
            credential.insert(name, value.clone());
        }
    }
    let now = tokio::time::Instant::now();
    let feed = Feed {
        state,
        tenant: ctx.tenant_id(),
        collection: filter.collection_id.map(CollectionId),
        since: Utc::now(),
        sent: HashMap::new(),
        pending: VecDeque::new(),
        first: true,
        credential,
        opened: now,
        checked: now,
        life: Life::Open,
        _slot: slot,
    };
    let stream = futures::stream::unfold(feed, |mut feed| async move {
        loop {
            match feed.life {
                Life::Closed => return None,
                Life::Closing(reason) => {
                    feed.life = Life::Closed;
                    let closed = Event::default()
                        .event("closed")
                        .data(serde_json::json!({ "reason": reason }).to_string());
                    return Some((Ok(closed), feed));
                }
                Life::Open => {}
            }
            if let Some(event) = feed.pending.pop_front() {
                return Some((Ok(event), feed));
            }
            if !feed.first {
                tokio::time::sleep(TICK).await;
            }
            feed.first = false;
            match feed.should_close().await {
                Some(reason) => feed.life = Life::Closing(reason),
                None => feed.poll().await,
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

impl Feed {
    /// Why the feed must end now, if it must: its lifetime is over, or the
    /// caller may no longer read this tenant's documents.
    async fn should_close(&mut self) -> Option<&'static str> {
        let limits = self.state.config.feed_limits;
        if self.opened.elapsed() >= limits.max_lifetime {
            return Some("the feed reached its longest life: reconnect");
        }
        if self.checked.elapsed() < limits.recheck {
            return None;
        }
        self.checked = tokio::time::Instant::now();
        let (mut parts, ()) = Request::builder()
            .uri("/api/v1/documents/events")
            .body(())
            .expect("a valid request")
            .into_parts();
        parts.headers = self.credential.clone();
        match TenantContext::from_request_parts(&mut parts, &self.state).await {
            Ok(ctx) if ctx.tenant_id() == self.tenant && ctx.role.can_use_workspace() => None,
            Ok(_) => Some("your access to this workspace has changed"),
            // The database or the identity provider did not answer: the
            // next check decides.
            Err(e @ (ApiError::Internal(_) | ApiError::Unavailable(_))) => {
                tracing::warn!(error = %e, "document feed cannot check its caller");
                None
            }
            Err(_) => Some("your credential or membership is no longer valid"),
        }
    }

    async fn poll(&mut self) {
        // A little overlap: a row committed late with an earlier updated_at is not missed.
        let now = Utc::now();
        let since = self.since - chrono::Duration::seconds(5);
        let documents = match read::documents::changed_or_in_flight(
            &self.state.pool,
            self.tenant,
            self.collection,
            since,
        )
        .await
        {
            Ok(documents) => documents,
            Err(e) => {
                tracing::warn!(error = %e, "document feed cannot read");
                return;
            }
        };
        self.since = now;
        // Only the documents of this poll are remembered: one that leaves
        // the set and changes later comes back as changed, and is sent.
        let mut sent = HashMap::with_capacity(documents.len());
        for document in documents {
            let id = document.id.0;
            let response = DocumentResponse::from(document);
            let json = serde_json::to_string(&response).expect("documents serialise");
            let mut digest = DefaultHasher::new();
            json.hash(&mut digest);
            let digest = digest.finish();
            if self.sent.get(&id) != Some(&digest) {
                self.pending.insert(
                    0,
                    Event::default()
                        .event("document")
                        .id(id.to_string())
                        .data(&json),
                );
            }
            sent.insert(id, digest);
        }
        self.sent = sent;
    }
}
