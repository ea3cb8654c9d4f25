//! `connections`: each tenant's connections to its sources and the progress
//! of their latest sync (`rm_connections`). A disconnected connection leaves
//! the read model; its history (and its documents) stay.

use ancre_domain::connection::{Connection, ConnectionEvent};
use async_trait::async_trait;
use cqrs_es::Aggregate as _;
use sqlx::PgConnection;

use crate::{ProjectionError, Projector, StoredEvent};

pub struct ConnectionsProjector;

pub const NAME: &str = "connections";

#[async_trait]
impl Projector for ConnectionsProjector {
    fn name(&self) -> &'static str {
        NAME
    }

    fn aggregate_types(&self) -> Option<&'static [&'static str]> {
        const TYPES: &[&str] = &[Connection::TYPE];
        Some(TYPES)
    }

    async fn reset(&self, tx: &mut PgConnection) -> Result<(), ProjectionError> {
        sqlx::query("TRUNCATE rm_connections").execute(tx).await?;
        Ok(())
    }

    async fn apply(
        &self,
        tx: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        if event.aggregate_type != Connection::TYPE {
            return Ok(());
        }
        let id = event.aggregate_uuid()?;
        let at = event.recorded_at;
        // Most events change a few columns of the row: `SET {changes}`.
        let update = |changes: &'static str| {
            format!("UPDATE rm_connections SET {changes}, updated_at = $2 WHERE connection_id = $1")
        };
        use ConnectionEvent as E;
        match event.decode::<ConnectionEvent>()? {
            E::ConnectionEstablished {
                tenant_id,
                provider,
                nango_connection_id,
                integration,
                ..
            } => {
                sqlx::query(
                    "INSERT INTO rm_connections (connection_id, tenant_id, provider, nango_connection_id,
                         integration, status, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, 'connected', $6, $6)
                     ON CONFLICT (connection_id) DO UPDATE
                        SET nango_connection_id = $4, integration = $5, status = 'connected',
                            status_reason = NULL, updated_at = $6",
                )
                .bind(id)
                .bind(tenant_id.0)
                .bind(provider.as_str())
                .bind(nango_connection_id)
                .bind(integration)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            E::ConnectionBound { collection_id } => {
                sqlx::query(&update("collection_id = $3"))
                    .bind(id)
                    .bind(at)
                    .bind(collection_id.0)
                    .execute(&mut *tx)
                    .await?;
            }
            E::ConnectionAuthFailed { reason } => {
                sqlx::query(&update("status = 'auth_failed', status_reason = $3"))
                    .bind(id)
                    .bind(at)
                    .bind(reason)
                    .execute(&mut *tx)
                    .await?;
            }
            E::SyncRequested { .. } => {
                sqlx::query(&update(
                    "sync_status = 'running', sync_reason = NULL, sync_started_at = $2,
                     sync_finished_at = NULL, sync_imported = 0, sync_removed = 0, sync_skipped = 0",
                ))
                .bind(id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            E::RecordImported { replaced, .. } => {
                let changes = if replaced.is_some() {
                    "sync_imported = sync_imported + 1"
                } else {
                    "sync_imported = sync_imported + 1, documents = documents + 1"
                };
                sqlx::query(&update(changes))
                    .bind(id)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
            }
            E::RecordRemoved { .. } => {
                sqlx::query(&update(
                    "sync_removed = sync_removed + 1, documents = greatest(documents - 1, 0)",
                ))
                .bind(id)
                .bind(at)
                .execute(&mut *tx)
                .await?;
            }
            E::RecordSkipped { .. } => {
                sqlx::query(&update("sync_skipped = sync_skipped + 1"))
                    .bind(id)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
            }
            E::SyncCompleted { .. } => {
                sqlx::query(&update("sync_status = 'completed', sync_finished_at = $2"))
                    .bind(id)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
            }
            E::SyncFailed { reason, .. } => {
                sqlx::query(&update(
                    "sync_status = 'failed', sync_reason = $3, sync_finished_at = $2",
                ))
                .bind(id)
                .bind(at)
                .bind(reason)
                .execute(&mut *tx)
                .await?;
            }
            E::ConnectionDisconnected => {
                sqlx::query("DELETE FROM rm_connections WHERE connection_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        Ok(())
    }
}
