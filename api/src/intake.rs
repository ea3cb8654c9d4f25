//! A file entering a collection as a document — one path for uploads and
//! connector syncs: its type detected from its content, the plan's quotas
//! charged before anything is stored (over a limit, nothing is done), its
//! bytes stored, `DocumentUploaded` recorded; a file that does not become a
//! document gives its charge back.

use ancre_commands::{CommandError, Commands, EventMetadata, LogPosition};
use ancre_domain::document::{DocumentCommand, DocumentError, DocumentSource, MediaType};
use ancre_domain::usage::{Metric, Quota, Subject, UsageLine};
use ancre_domain::{CollectionId, DocumentId, Plan, TenantId};
use ancre_ingestion::detect;
use ancre_ingestion::storage::ObjectStore;
use ancre_usage::keys;

use crate::error::{ApiError, ApiResult};
use crate::quota::{self, Charge, OverQuota};
use crate::spool::Spooled;

/// A stored document counts against the documents and storage limits, and
/// is refused while the month's pages are used up (parsing would pass them).
pub const INTAKE_QUOTAS: &[Quota] = &[Quota::Documents, Quota::Storage, Quota::PagesPerMonth];

/// Who the file is taken in for.
pub struct Intake<'a> {
    pub commands: &'a Commands,
    pub store: &'a dyn ObjectStore,
    pub tenant: TenantId,
    pub plan: Plan,
    pub metadata: &'a EventMetadata,
}

/// One file on its way in.
pub struct NewDocument {
    pub document: DocumentId,
    pub collection: CollectionId,
    pub filename: String,
    /// The bytes, on disk, with their size and SHA-256.
    pub file: Spooled,
    /// Where the original goes; the usage charge is keyed by it, so a key
    /// that is the same on a retry charges once.
    pub storage_key: String,
    pub source: Option<DocumentSource>,
}

pub enum Outcome {
    Queued {
        media_type: MediaType,
        at: Option<LogPosition>,
    },
    /// The collection already holds this document.
    Duplicate {
        media_type: MediaType,
    },
    /// Not a format Ancre reads; the reason says why.
    Unsupported(String),
    OverQuota(OverQuota),
}

impl Intake<'_> {
    pub async fn admit(&self, new: NewDocument) -> ApiResult<Outcome> {
        let detected = {
            let (name, path) = (new.filename.clone(), new.file.path().to_owned());
            tokio::task::spawn_blocking(move || detect::detect_file(&name, &path))
                .await
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("detecting a file's type: {e}")))?
        };
        let media_type = match detected {
            Ok(m) => m,
            Err(unsupported) => return Ok(Outcome::Unsupported(unsupported.0)),
        };
        let key = &new.storage_key;
        let size = new.file.size;
        let stored = |key: String, sign: i64| Charge {
            key,
            subject: Subject {
                document_id: Some(new.document),
                ..Subject::default()
            },
            lines: vec![
                UsageLine {
                    metric: Metric::Documents,
                    quantity: sign,
                },
                UsageLine {
                    metric: Metric::StorageBytes,
                    quantity: sign * i64::try_from(size).unwrap_or(i64::MAX),
                },
            ],
            quotas: INTAKE_QUOTAS,
        };
        let charge = |charge| {
            quota::charge_tenant(self.commands, self.tenant, self.plan, self.metadata, charge)
        };
        match charge(stored(keys::upload(key), 1)).await {
            Ok(()) => {}
            Err(ApiError::OverQuota(over)) => return Ok(Outcome::OverQuota(over)),
            Err(other) => return Err(other),
        }
        // From here on, a file that does not become a document gives its charge back.
        let refund = || async {
            let back = Charge {
                quotas: &[],
                ..stored(keys::upload_refund(key), -1)
            };
            if let Err(e) = charge(back).await {
                tracing::error!(error = %e, %key, "a file's charge could not be given back");
            }
        };
        if let Err(e) = self.store.put_file(key, new.file.path()).await {
            refund().await;
            return Err(ApiError::Internal(
                anyhow::Error::new(e).context("storing a document's file"),
            ));
        }
        let result = self
            .commands
            .document(
                new.document,
                DocumentCommand::Upload {
                    document_id: new.document,
                    tenant_id: self.tenant,
                    collection_id: new.collection,
                    filename: new.filename,
                    media_type,
                    size_bytes: size,
                    sha256: new.file.sha256.clone(),
                    storage_key: key.clone(),
                    source: new.source,
                },
                self.metadata,
            )
            .await;
        match result {
            Ok(at) => Ok(Outcome::Queued { media_type, at }),
            Err(CommandError::Rejected(DocumentError::Duplicate)) => {
                let first = self.commands.load_document(new.document).await;
                if first.as_ref().map(|d| d.storage_key()).ok() == Some(key.as_str()) {
                    // A retry of this very document (a sync that stopped
                    // after recording it): done already, and charged once
                    // (the charge's key is the same).
                    return Ok(Outcome::Queued {
                        media_type,
                        at: None,
                    });
                }
                refund().await;
                // The bytes are already stored under the first upload's key.
                if let Err(e) = self.store.delete(key).await {
                    tracing::warn!(error = %e, %key, "could not remove a duplicate's copy");
                }
                Ok(Outcome::Duplicate { media_type })
            }
            Err(other) => {
                refund().await;
                Err(other.into())
            }
        }
    }
}
