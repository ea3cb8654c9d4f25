//! A document's pages are charged by the parse stage as soon as their
//! number is known — before chunking and embedding, the costly part — under
//! the tenant's monthly page quota, in the tenant's usage period (the one
//! aggregate that checks the limit, so racing documents cannot pass it
//! together). Over the quota the document fails with the reason, and
//! nothing is charged.

use ancre_commands::{CommandError, EventMetadata};
use ancre_domain::usage::{Entry, Metric, Period, Quota, Subject, UsageError, UsageLine};
use ancre_projections::read;
use chrono::Utc;

use super::queue::Job;
use super::stage::{StageContext, StageError};

/// Charges `pages` for the job's document (once: the key names the
/// document, so a redone stage charges nothing more).
pub async fn charge(
    ctx: &StageContext,
    job: &Job,
    pages: u32,
    metadata: &EventMetadata,
) -> Result<(), StageError> {
    let tenant = read::tenants::get(&ctx.pool, job.tenant())
        .await
        .map_err(|e| StageError::transient("reading the tenant's plan", e))?
        .ok_or_else(|| StageError::Permanent("the workspace no longer exists".into()))?;
    let now = Utc::now();
    let period = Period::of(now);
    let entry = Entry {
        tenant_id: job.tenant(),
        period,
        key: ancre_usage::keys::pages(job.document()),
        cause: metadata.causation_id.clone(),
        actor: metadata.actor.to_string(),
        subject: Subject {
            document_id: Some(job.document()),
            ..Subject::default()
        },
        lines: vec![UsageLine {
            metric: Metric::PagesParsed,
            quantity: i64::from(pages),
        }],
        occurred_at: now,
    };
    let limits = tenant.plan.limits(&[Quota::PagesPerMonth]);
    match ctx.commands.record_usage(entry, limits, metadata).await {
        Ok(_) => Ok(()),
        Err(CommandError::Rejected(UsageError::OverQuota { limit, used, .. })) => {
            Err(StageError::Permanent(format!(
                "the {} plan's monthly page quota is reached: {used} of {limit} pages used \
                 this month, and this document has {pages}; it resets at {} (or upgrade the \
                 plan)",
                tenant.plan.as_str(),
                period.ends_at().to_rfc3339()
            )))
        }
        Err(e) => Err(StageError::transient("charging the pages", e)),
    }
}
