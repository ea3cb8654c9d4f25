//! `GET /api/v1/documents/events`: a live feed (Server-Sent Events) of the
//! tenant's documents as they go through the pipeline, so a UI shows
//! progress without polling.
//!
//! Each `document` event carries the document as `GET /documents/{id}`
//! returns it; one is sent when a document's status, stage or progress
//! changes (and at once for every document still in the pipeline). The
//! server compares snapshots of the read model twice a second: simple, and
//! it costs one indexed query per connection per tick.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::time::Duration;

use ancre_domain::CollectionId;
use ancre_projections::read;
use axum::extract::{Query, State};
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
use crate::auth::TenantContext;
use crate::error::ApiResult;

const TICK: Duration = Duration::from_millis(500);

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
    /// What was last sent per document (its JSON).
    sent: HashMap<Uuid, String>,
    /// Events to send, oldest first.
    pending: VecDeque<Event>,
    first: bool,
}

/// Status changes of the tenant's documents, as `document` events.
#[utoipa::path(get, path = "/api/v1/documents/events", tag = "documents", params(FeedFilter),
    responses((status = 200, content_type = "text/event-stream",
        description = "`document` events, each a DocumentResponse")))]
pub async fn feed(
    State(state): State<AppState>,
    ctx: TenantContext,
    Query(filter): Query<FeedFilter>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let feed = Feed {
        state,
        tenant: ctx.tenant_id(),
        collection: filter.collection_id.map(CollectionId),
        since: Utc::now(),
        sent: HashMap::new(),
        pending: VecDeque::new(),
        first: true,
    };
    let stream = futures::stream::unfold(feed, |mut feed| async move {
        loop {
            if let Some(event) = feed.pending.pop_front() {
                return Some((Ok(event), feed));
            }
            if !feed.first {
                tokio::time::sleep(TICK).await;
            }
            feed.first = false;
            feed.poll().await;
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

impl Feed {
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
        for document in documents {
            let id = document.id.0;
            let response = DocumentResponse::from(document);
            let json = serde_json::to_string(&response).expect("documents serialise");
            if self.sent.get(&id) != Some(&json) {
                self.pending.insert(
                    0,
                    Event::default()
                        .event("document")
                        .id(id.to_string())
                        .data(&json),
                );
                self.sent.insert(id, json);
            }
        }
    }
}
