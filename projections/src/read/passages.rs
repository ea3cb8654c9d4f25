//! Retrieved chunks checked against the read models: only a chunk of a live,
//! indexed document, in a live collection of the tenant, comes back — whatever
//! the search index says. Scoped by tenant and collections.

use ancre_domain::{CollectionId, DocumentId, TenantId};
use sqlx::PgPool;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PassageView {
    #[sqlx(try_from = "Uuid")]
    pub document_id: DocumentId,
    #[sqlx(try_from = "Uuid")]
    pub collection_id: CollectionId,
    /// The document's file name.
    pub title: String,
    pub chunk_index: i32,
    pub page: i32,
    pub page_label: Option<String>,
    pub heading_path: Vec<String>,
    pub char_start: i32,
    pub char_end: i32,
    pub token_count: i32,
    pub text: String,
}

/// A query for the chunks `$1` (tenant) may be shown from `$2` (its
/// collections) — of an indexed document in a live collection of the
/// tenant — as [`PassageView`]s: the one visibility rule every passage
/// query keeps. `$from` names the chunks `c` (joined to whatever selects
/// them), `$rest` adds conditions and order.
macro_rules! visible_passages {
    ($from:literal, $rest:literal) => {
        concat!(
            "SELECT c.document_id, d.collection_id, d.filename AS title, c.chunk_index, c.page,
                    c.page_label, c.heading_path, c.char_start, c.char_end, c.token_count, c.text
               FROM ",
            $from,
            "
               JOIN rm_documents d ON d.document_id = c.document_id AND d.tenant_id = c.tenant_id
               JOIN rm_collections l ON l.collection_id = d.collection_id AND l.tenant_id = d.tenant_id
              WHERE c.tenant_id = $1 AND d.collection_id = ANY($2) AND d.status = 'indexed' ",
            $rest
        )
    };
}

/// The chunks among `keys` (document, chunk index) that `tenant` may be shown
/// from `collections`, in no particular order.
pub async fn live(
    pool: &PgPool,
    tenant: TenantId,
    collections: &[CollectionId],
    keys: &[(DocumentId, u32)],
) -> Result<Vec<PassageView>, sqlx::Error> {
    if keys.is_empty() || collections.is_empty() {
        return Ok(Vec::new());
    }
    let collections: Vec<Uuid> = collections.iter().map(|c| c.0).collect();
    let documents: Vec<Uuid> = keys.iter().map(|(d, _)| d.0).collect();
    let chunks: Vec<i32> = keys.iter().map(|(_, c)| *c as i32).collect();
    sqlx::query_as(visible_passages!(
        "unnest($3::uuid[], $4::int[]) AS k(document_id, chunk_index)
           JOIN rm_chunks c ON c.document_id = k.document_id AND c.chunk_index = k.chunk_index",
        ""
    ))
    .bind(tenant.0)
    .bind(&collections)
    .bind(&documents)
    .bind(&chunks)
    .fetch_all(pool)
    .await
}

/// The first `limit` chunks of `document` (one `tenant` may be shown from
/// `collections`) under a heading that matches one of `titles` (SQL `LIKE`
/// patterns over the lower-cased heading) — those whose heading also
/// matches one of `preferred` first, then in document order. For a
/// statement a question needs: "%balance sheet%", the consolidated one
/// before a subsidiary's.
pub async fn titled(
    pool: &PgPool,
    tenant: TenantId,
    collections: &[CollectionId],
    document: DocumentId,
    titles: &[&str],
    preferred: &[&str],
    limit: usize,
) -> Result<Vec<PassageView>, sqlx::Error> {
    if collections.is_empty() || titles.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let collections: Vec<Uuid> = collections.iter().map(|c| c.0).collect();
    sqlx::query_as(visible_passages!(
        "rm_chunks c",
        "AND c.document_id = $3
            AND EXISTS (SELECT 1 FROM unnest(c.heading_path) h WHERE lower(h) LIKE ANY($4))
          ORDER BY EXISTS (SELECT 1 FROM unnest(c.heading_path) h WHERE lower(h) LIKE ANY($5)) DESC,
                   c.chunk_index
          LIMIT $6"
    ))
    .bind(tenant.0)
    .bind(&collections)
    .bind(document.0)
    .bind(titles)
    .bind(preferred)
    .bind(limit as i64)
    .fetch_all(pool)
    .await
}
