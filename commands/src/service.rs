//! The command bus: one entry point per aggregate, each returning where its
//! events landed in the log so the caller can wait for read models to catch up.

use std::time::Duration;

use ancre_domain::assistant::{Assistant, AssistantCommand, AssistantError};
use ancre_domain::collection::{Collection, CollectionCommand, CollectionError};
use ancre_domain::connection::{Connection, ConnectionCommand, ConnectionError};
use ancre_domain::conversation::{Conversation, ConversationCommand, ConversationError};
use ancre_domain::document::{Document, DocumentCommand, DocumentError};
use ancre_domain::tenant::{Tenant, TenantCommand, TenantError};
use ancre_domain::usage::Usage;
use ancre_domain::{AssistantId, CollectionId, ConnectionId, ConversationId, DocumentId, TenantId};
use cqrs_es::{Aggregate, AggregateContext, AggregateError, CqrsFramework, EventStore};
use postgres_es::PostgresCqrs;
use sqlx::PgPool;

use crate::snapshots::SnapshotStore;
use crate::{store, EventMetadata, LogPosition};

/// How many times a command is re-decided against fresh state after losing an
/// optimistic-concurrency race before the conflict is reported.
const CONFLICT_RETRIES: u32 = 4;

#[derive(Debug, thiserror::Error)]
pub enum CommandError<E: std::error::Error> {
    /// The aggregate refused the command (a business rule).
    #[error(transparent)]
    Rejected(E),
    /// Concurrent writers kept winning the race for this aggregate.
    #[error("the {aggregate} was changed concurrently; retry the request")]
    Conflict { aggregate: &'static str },
    /// The store failed (connection, serialization): not the caller's fault.
    #[error("event store failure: {0}")]
    Store(String),
}

/// The write side's services, one framework per aggregate.
pub struct Commands {
    pool: PgPool,
    tenants: PostgresCqrs<Tenant>,
    collections: PostgresCqrs<Collection>,
    documents: PostgresCqrs<Document>,
    assistants: PostgresCqrs<Assistant>,
    conversations: PostgresCqrs<Conversation>,
    /// Snapshotted: a period's stream grows with every billable cause.
    pub(crate) usages: CqrsFramework<Usage, SnapshotStore<Usage>>,
    /// Snapshotted: a connection's stream grows with every imported record.
    connections: CqrsFramework<Connection, SnapshotStore<Connection>>,
}

impl Commands {
    pub fn new(pool: PgPool) -> Self {
        Self {
            tenants: store::framework::<Tenant>(pool.clone(), ()),
            collections: store::framework::<Collection>(pool.clone(), ()),
            documents: store::framework::<Document>(pool.clone(), ()),
            assistants: store::framework::<Assistant>(pool.clone(), ()),
            conversations: store::framework::<Conversation>(pool.clone(), ()),
            usages: store::snapshotted::<Usage>(pool.clone()),
            connections: store::snapshotted::<Connection>(pool.clone()),
            pool,
        }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub async fn tenant(
        &self,
        id: TenantId,
        command: TenantCommand,
        metadata: &EventMetadata,
    ) -> Result<Option<LogPosition>, CommandError<TenantError>> {
        execute(
            &self.pool,
            &self.tenants,
            &id.to_string(),
            command,
            metadata,
        )
        .await
    }

    pub async fn collection(
        &self,
        id: CollectionId,
        command: CollectionCommand,
        metadata: &EventMetadata,
    ) -> Result<Option<LogPosition>, CommandError<CollectionError>> {
        execute(
            &self.pool,
            &self.collections,
            &id.to_string(),
            command,
            metadata,
        )
        .await
    }

    pub async fn document(
        &self,
        id: DocumentId,
        command: DocumentCommand,
        metadata: &EventMetadata,
    ) -> Result<Option<LogPosition>, CommandError<DocumentError>> {
        execute(
            &self.pool,
            &self.documents,
            &id.to_string(),
            command,
            metadata,
        )
        .await
    }

    pub async fn assistant(
        &self,
        id: AssistantId,
        command: AssistantCommand,
        metadata: &EventMetadata,
    ) -> Result<Option<LogPosition>, CommandError<AssistantError>> {
        execute(
            &self.pool,
            &self.assistants,
            &id.to_string(),
            command,
            metadata,
        )
        .await
    }

    pub async fn connection(
        &self,
        id: ConnectionId,
        command: ConnectionCommand,
        metadata: &EventMetadata,
    ) -> Result<Option<LogPosition>, CommandError<ConnectionError>> {
        execute_with_retries(
            &self.pool,
            &self.connections,
            &id.to_string(),
            command,
            metadata,
            CONFLICT_RETRIES,
        )
        .await
    }

    /// A document's current state.
    pub async fn load_document(
        &self,
        id: DocumentId,
    ) -> Result<Document, CommandError<DocumentError>> {
        store::load::<Document>(self.pool.clone(), &id.to_string())
            .await
            .map_err(|e| CommandError::Store(e.to_string()))
    }

    /// A connection's current state (what the sync worker decides from).
    pub async fn load_connection(
        &self,
        id: ConnectionId,
    ) -> Result<Connection, CommandError<ConnectionError>> {
        let mut context = SnapshotStore::<Connection>::new(self.pool.clone())
            .load_aggregate(&id.to_string())
            .await
            .map_err(|e| CommandError::Store(e.to_string()))?;
        Ok(context.aggregate().clone())
    }

    pub async fn conversation(
        &self,
        id: ConversationId,
        command: ConversationCommand,
        metadata: &EventMetadata,
    ) -> Result<Option<LogPosition>, CommandError<ConversationError>> {
        execute(
            &self.pool,
            &self.conversations,
            &id.to_string(),
            command,
            metadata,
        )
        .await
    }
}

/// Runs a command with retries on conflict, then reads back the position of
/// the aggregate's latest event (ours, or a later one: both are fine to wait on).
async fn execute<A>(
    pool: &PgPool,
    framework: &PostgresCqrs<A>,
    aggregate_id: &str,
    command: A::Command,
    metadata: &EventMetadata,
) -> Result<Option<LogPosition>, CommandError<A::Error>>
where
    A: Aggregate,
    A::Command: Clone,
{
    execute_with_retries(
        pool,
        framework,
        aggregate_id,
        command,
        metadata,
        CONFLICT_RETRIES,
    )
    .await
}

/// [`execute`] with its own budget of retries on conflict.
pub(crate) async fn execute_with_retries<A, ES>(
    pool: &PgPool,
    framework: &CqrsFramework<A, ES>,
    aggregate_id: &str,
    command: A::Command,
    metadata: &EventMetadata,
    retries: u32,
) -> Result<Option<LogPosition>, CommandError<A::Error>>
where
    A: Aggregate,
    A::Command: Clone,
    ES: EventStore<A>,
{
    let mut attempt = 0;
    loop {
        let result = framework
            .execute_with_metadata(aggregate_id, command.clone(), metadata.to_map())
            .await;
        match result {
            Ok(()) => break,
            Err(AggregateError::UserError(e)) => return Err(CommandError::Rejected(e)),
            Err(AggregateError::AggregateConflict) if attempt < retries => {
                attempt += 1;
                tracing::debug!(
                    aggregate = A::TYPE,
                    aggregate_id,
                    attempt,
                    "conflict, retrying"
                );
                // A little jitter so that racing writers do not collide again.
                let jitter = u64::from(rand_jitter(aggregate_id, attempt));
                tokio_sleep(Duration::from_millis(jitter)).await;
            }
            Err(AggregateError::AggregateConflict) => {
                return Err(CommandError::Conflict { aggregate: A::TYPE })
            }
            Err(other) => return Err(CommandError::Store(other.to_string())),
        }
    }
    last_position(pool, A::TYPE, aggregate_id)
        .await
        .map_err(|e| CommandError::Store(e.to_string()))
}

/// Where the latest event of an aggregate sits in `$all`.
pub async fn last_position(
    pool: &PgPool,
    aggregate_type: &str,
    aggregate_id: &str,
) -> Result<Option<LogPosition>, sqlx::Error> {
    let row: Option<(i64, i64)> = sqlx::query_as(
        "SELECT transaction_id::text::bigint, position FROM events
          WHERE aggregate_type = $1 AND aggregate_id = $2
          ORDER BY sequence DESC LIMIT 1",
    )
    .bind(aggregate_type)
    .bind(aggregate_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(transaction_id, position)| LogPosition {
        transaction_id,
        position,
    }))
}

fn rand_jitter(seed: &str, attempt: u32) -> u8 {
    // Cheap, dependency-free jitter: differs per aggregate, attempt and instant.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mixed = seed
        .bytes()
        .fold(nanos ^ attempt, |h, b| h.rotate_left(5) ^ u32::from(b));
    (mixed % 20) as u8 + 1
}

async fn tokio_sleep(d: Duration) {
    tokio::time::sleep(d).await
}
