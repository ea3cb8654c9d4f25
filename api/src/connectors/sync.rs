//! `connector_sync`: imports a connection's records into its collection.
//!
//! A process manager on the connections' events:
//! - `SyncRequested`: reads the records of the provider's Nango sync after
//!   the connection's cursor; an added or updated record is downloaded through
//!   Nango's proxy and taken in like an upload (type detected, quotas charged,
//!   stored, `DocumentUploaded` with its source), then recorded on the
//!   connection (`Import`); a deleted one is removed (`Remove`); what is not
//!   a document, too large or unreadable is skipped with its reason (`Skip`).
//!   Ends with `Complete` and the cursor to resume from, or `Fail` with a
//!   reason (over quota: the sync stops there, nothing half-imported).
//! - `RecordImported` replacing a document, and `RecordRemoved`: deletes the
//!   document they name.
//!
//! Every step is idempotent (a record's version is imported once, its
//! document id and storage key derive from it, a finished sync is not run
//! again), so a sync that a crash or Nango's unavailability stopped is simply
//! run again from the start: the engine retries the event, nothing is lost
//! and nothing is done twice.

use std::path::PathBuf;
use std::sync::Arc;

use ancre_commands::{Actor, CommandError, Commands, EventMetadata};
use ancre_connectors::nango::{NangoClient, NangoError, Record, RecordAction};
use ancre_connectors::{source_file, SourceFile};
use ancre_domain::connection::{
    document_id_for_record, Connection, ConnectionCommand, ConnectionEvent, Provider, SyncCounts,
};
use ancre_domain::document::{DocumentCommand, DocumentError, DocumentSource};
use ancre_domain::{CollectionId, ConnectionId, DocumentId, TenantId};
use ancre_ingestion::storage::{self, ObjectStore};
use ancre_projections::{read, ProjectionError, Projector, StoredEvent};
use async_trait::async_trait;
use cqrs_es::Aggregate as _;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::intake::{Intake, NewDocument, Outcome};
use crate::spool::Spooler;

pub const NAME: &str = "connector_sync";

/// Records asked of Nango per page.
const PAGE: u32 = 100;

pub struct ConnectorSync {
    pub commands: Arc<Commands>,
    pub store: Arc<dyn ObjectStore>,
    pub pool: PgPool,
    /// `None` when Nango is not configured: every sync fails saying so.
    pub nango: Option<NangoClient>,
    /// Where downloaded files wait for the intake.
    pub spool: PathBuf,
    /// A file larger than uploads may be is skipped.
    pub max_bytes: u64,
}

fn target(what: impl std::fmt::Display) -> ProjectionError {
    ProjectionError::Target(what.to_string())
}

/// One sync of one connection, as it goes.
struct Run<'a> {
    id: ConnectionId,
    sync_id: Uuid,
    provider: Provider,
    collection: CollectionId,
    nango: &'a NangoClient,
    connection: &'a Connection,
    intake: Intake<'a>,
}

/// What importing one record came to.
enum Step {
    Imported,
    Removed,
    Skipped,
    Unchanged,
    /// Over a quota: the sync stops with this reason.
    Stop(String),
}

#[async_trait]
impl Projector for ConnectorSync {
    fn name(&self) -> &'static str {
        NAME
    }

    fn aggregate_types(&self) -> Option<&'static [&'static str]> {
        const TYPES: &[&str] = &[Connection::TYPE];
        Some(TYPES)
    }

    async fn reset(&self, _tx: &mut PgConnection) -> Result<(), ProjectionError> {
        Ok(())
    }

    async fn apply(
        &self,
        _tx: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if event.aggregate_type != Connection::TYPE {
            return Ok(());
        }
        let tenant = event
            .tenant_id()
            .ok_or_else(|| event.decode_error("no tenant in the metadata".into()))?;
        let id = ConnectionId(event.aggregate_uuid()?);
        let mut metadata =
            EventMetadata::after_event(&event.metadata, event.at.position, tenant, NAME);
        metadata.actor = Actor::Connection(id);
        match event.decode::<ConnectionEvent>()? {
            ConnectionEvent::SyncRequested { sync_id, .. } => {
                self.run(id, tenant, sync_id, &metadata).await
            }
            ConnectionEvent::RecordImported {
                replaced: Some(document),
                ..
            }
            | ConnectionEvent::RecordRemoved {
                document_id: document,
                ..
            } => self.delete(document, tenant, &metadata).await,
            _ => Ok(()),
        }
    }
}

impl ConnectorSync {
    async fn delete(
        &self,
        document: DocumentId,
        tenant: TenantId,
        metadata: &EventMetadata,
    ) -> Result<(), ProjectionError> {
        match self
            .commands
            .document(
                document,
                DocumentCommand::Delete { tenant_id: tenant },
                metadata,
            )
            .await
        {
            Ok(_) | Err(CommandError::Rejected(DocumentError::NotFound)) => Ok(()),
            Err(e) => Err(target(format!("deleting document {document}: {e}"))),
        }
    }

    async fn connection_command(
        &self,
        id: ConnectionId,
        command: ConnectionCommand,
        metadata: &EventMetadata,
    ) -> Result<(), ProjectionError> {
        self.commands
            .connection(id, command, metadata)
            .await
            .map(|_| ())
            .map_err(|e| target(format!("connection {id}: {e}")))
    }

    async fn fail(
        &self,
        id: ConnectionId,
        sync_id: Uuid,
        reason: String,
        metadata: &EventMetadata,
    ) -> Result<(), ProjectionError> {
        tracing::info!(%id, %sync_id, reason, "connector sync failed");
        self.connection_command(id, ConnectionCommand::Fail { sync_id, reason }, metadata)
            .await
    }

    async fn run(
        &self,
        id: ConnectionId,
        tenant: TenantId,
        sync_id: Uuid,
        metadata: &EventMetadata,
    ) -> Result<(), ProjectionError> {
        let connection = self
            .commands
            .load_connection(id)
            .await
            .map_err(|e| target(format!("loading connection {id}: {e}")))?;
        if connection.is_finished(sync_id) {
            return Ok(());
        }
        let Some(nango) = &self.nango else {
            let reason = "connectors are not configured on this deployment (NANGO_SECRET_KEY)";
            return self.fail(id, sync_id, reason.into(), metadata).await;
        };
        let (Some(provider), Some(collection), true) = (
            connection.provider(),
            connection.collection(),
            connection.is_connected(),
        ) else {
            let reason = "the connection was removed or has no collection to sync into";
            return self.fail(id, sync_id, reason.into(), metadata).await;
        };
        let Some(tenant_view) = read::tenants::get(&self.pool, tenant).await? else {
            return self
                .fail(id, sync_id, "the tenant no longer exists".into(), metadata)
                .await;
        };
        let run = Run {
            id,
            sync_id,
            provider,
            collection,
            nango,
            connection: &connection,
            intake: Intake {
                commands: &self.commands,
                store: self.store.as_ref(),
                tenant,
                plan: tenant_view.plan,
                metadata,
            },
        };
        let mut cursor = connection.cursor().map(str::to_owned);
        let mut page_cursor = cursor.clone();
        let mut counts = SyncCounts::default();
        loop {
            let page = match nango
                .records(
                    connection.nango_connection_id(),
                    connection.integration(),
                    provider.model(),
                    page_cursor.as_deref(),
                    PAGE,
                )
                .await
            {
                Ok(page) => page,
                // Down or rate-limited: the engine runs this sync again later.
                Err(e) if e.is_transient() => return Err(target(format!("Nango: {e}"))),
                Err(e) => {
                    tracing::warn!(error = %e, %id, "Nango refused to list a sync's records");
                    let reason = format!("Nango refused to list the records: {}", e.summary());
                    return self.fail(id, sync_id, reason, metadata).await;
                }
            };
            for record in &page.records {
                match self.record(&run, record).await? {
                    Step::Imported => counts.imported += 1,
                    Step::Removed => counts.removed += 1,
                    Step::Skipped => counts.skipped += 1,
                    Step::Unchanged => {}
                    Step::Stop(reason) => return self.fail(id, sync_id, reason, metadata).await,
                }
                if record.cursor.is_some() {
                    cursor = record.cursor.clone();
                }
            }
            match page.next_cursor {
                Some(next) => page_cursor = Some(next),
                None => break,
            }
        }
        self.connection_command(
            id,
            ConnectionCommand::Complete {
                sync_id,
                cursor,
                counts,
            },
            metadata,
        )
        .await
    }

    /// Imports, removes or skips one record.
    async fn record(&self, run: &Run<'_>, record: &Record) -> Result<Step, ProjectionError> {
        let (id, sync_id, metadata) = (run.id, run.sync_id, run.intake.metadata);
        if record.action == RecordAction::Deleted {
            if run.connection.document_of(&record.id).is_none() {
                return Ok(Step::Unchanged);
            }
            let remove = ConnectionCommand::Remove {
                sync_id,
                record_id: record.id.clone(),
            };
            self.connection_command(id, remove, metadata).await?;
            return Ok(Step::Removed);
        }
        let version = &record.last_modified_at;
        if run.connection.has_version(&record.id, version) {
            return Ok(Step::Unchanged);
        }
        let skip = |reason: String| ConnectionCommand::Skip {
            sync_id,
            record_id: record.id.clone(),
            version: version.clone(),
            reason,
        };
        let Some(file) = source_file(run.provider, record) else {
            let reason = "not a document (a folder or a database)".to_owned();
            self.connection_command(id, skip(reason), metadata).await?;
            return Ok(Step::Skipped);
        };
        let bytes = match self.download(run, &file).await {
            Ok(bytes) => bytes,
            Err(e) if e.is_transient() => return Err(target(format!("Nango: {e}"))),
            Err(e) => {
                tracing::warn!(error = %e, %id, record = record.id, "a record's file could not be downloaded");
                let reason = format!(
                    "{}: could not be downloaded: {}",
                    file.filename,
                    e.summary()
                );
                self.connection_command(id, skip(reason), metadata).await?;
                return Ok(Step::Skipped);
            }
        };
        let document = document_id_for_record(id, &record.id, version);
        let spooled = self
            .spool(&bytes)
            .await
            .map_err(|e| target(format!("spooling a download: {e}")))?;
        let tenant = run.intake.tenant;
        let outcome = run
            .intake
            .admit(NewDocument {
                document,
                collection: run.collection,
                filename: file.filename.clone(),
                file: spooled,
                // The same on every retry: stored and charged once.
                storage_key: storage::original_key(tenant.0, document.0, document.0),
                source: Some(DocumentSource {
                    connection_id: id,
                    provider: run.provider,
                    record_id: record.id.clone(),
                    url: file.url.clone(),
                    modified_at: file.modified_at.clone(),
                }),
            })
            .await
            .map_err(|e| target(format!("taking in {}: {e}", file.filename)))?;
        match outcome {
            Outcome::Queued { .. } | Outcome::Duplicate { .. } => {
                let import = ConnectionCommand::Import {
                    sync_id,
                    record_id: record.id.clone(),
                    version: version.clone(),
                    document_id: document,
                };
                self.connection_command(id, import, metadata).await?;
                Ok(Step::Imported)
            }
            Outcome::Unsupported(reason) => {
                let reason = format!("{}: {reason}", file.filename);
                self.connection_command(id, skip(reason), metadata).await?;
                Ok(Step::Skipped)
            }
            Outcome::OverQuota(over) => Ok(Step::Stop(format!(
                "{} was not imported: {}",
                file.filename,
                over.detail()
            ))),
        }
    }

    async fn spool(&self, bytes: &[u8]) -> std::io::Result<crate::spool::Spooled> {
        let mut spooler = Spooler::create(&self.spool).await?;
        spooler.write(bytes).await?;
        spooler.finish().await
    }

    async fn download(&self, run: &Run<'_>, file: &SourceFile) -> Result<Vec<u8>, NangoError> {
        let headers: Vec<(&str, &str)> = file
            .fetch
            .headers
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect();
        let connection = run.connection;
        let bytes = run
            .nango
            .proxy_get(
                connection.nango_connection_id(),
                connection.integration(),
                &file.fetch.path,
                &headers,
                self.max_bytes,
            )
            .await?;
        if !file.fetch.markdown_json {
            return Ok(bytes);
        }
        #[derive(serde::Deserialize)]
        struct Markdown {
            markdown: String,
        }
        serde_json::from_slice::<Markdown>(&bytes)
            .map(|m| m.markdown.into_bytes())
            .map_err(|e| NangoError::Refused {
                status: 200,
                code: None,
                message: format!("an unexpected page answer: {e}"),
            })
    }
}
