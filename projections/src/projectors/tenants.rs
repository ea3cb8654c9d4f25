//! `tenants`: the tenant read models — tenants, their members, their API keys.
//!
//! Tables: `rm_tenants`, `rm_tenant_members`, `rm_api_keys`. Timestamps come
//! from the events' `recorded_at`, so a rebuild reproduces them exactly.
//!
//! Set-based: a batch loads the rows of every tenant it touches (one query per
//! table), folds the events into them in memory, in log order, and writes the
//! touched tenants back (one delete, one insert per table). A batch costs
//! seven round trips whatever its size, which is what lets the projector keep
//! up with writers that share its CPU (see `make bench`).

use std::collections::{BTreeMap, BTreeSet};

use ancre_domain::tenant::{Tenant, TenantEvent};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use cqrs_es::Aggregate as _;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{ProjectionError, Projector, StoredEvent};

pub struct TenantsProjector;

pub const NAME: &str = "tenants";

#[derive(sqlx::FromRow)]
struct TenantRow {
    tenant_id: Uuid,
    name: String,
    plan: String,
    status: String,
    suspension_reason: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    tenant_id: Uuid,
    user_id: String,
    role: String,
    added_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    key_id: Uuid,
    tenant_id: Uuid,
    name: String,
    prefix: String,
    secret_hash: String,
    created_by: String,
    created_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
}

/// The touched tenants' rows, as they will be written back.
#[derive(Default)]
struct Touched {
    ids: BTreeSet<Uuid>,
    tenants: BTreeMap<Uuid, TenantRow>,
    members: BTreeMap<(Uuid, String), MemberRow>,
    keys: BTreeMap<Uuid, KeyRow>,
}

impl Touched {
    fn fold(&mut self, tenant: Uuid, at: DateTime<Utc>, event: TenantEvent) {
        let mut touch = |f: &mut dyn FnMut(&mut TenantRow)| {
            if let Some(row) = self.tenants.get_mut(&tenant) {
                f(row);
                row.updated_at = at;
            }
        };
        match event {
            TenantEvent::TenantCreated { name, plan, .. } => {
                self.tenants.insert(
                    tenant,
                    TenantRow {
                        tenant_id: tenant,
                        name,
                        plan: plan.as_str().to_owned(),
                        status: "active".into(),
                        suspension_reason: None,
                        created_at: at,
                        updated_at: at,
                    },
                );
            }
            TenantEvent::TenantRenamed { name } => touch(&mut |r| r.name = name.clone()),
            TenantEvent::TenantPlanChanged { plan } => {
                touch(&mut |r| r.plan = plan.as_str().to_owned())
            }
            TenantEvent::TenantSuspended { reason } => touch(&mut |r| {
                r.status = "suspended".into();
                r.suspension_reason = Some(reason.clone());
            }),
            TenantEvent::TenantReactivated => touch(&mut |r| {
                r.status = "active".into();
                r.suspension_reason = None;
            }),
            TenantEvent::MemberAdded { user_id, role } => {
                let user = user_id.as_str().to_owned();
                self.members.insert(
                    (tenant, user.clone()),
                    MemberRow {
                        tenant_id: tenant,
                        user_id: user,
                        role: role.as_str().to_owned(),
                        added_at: at,
                    },
                );
            }
            TenantEvent::MemberRoleChanged { user_id, role } => {
                if let Some(m) = self.members.get_mut(&(tenant, user_id.as_str().to_owned())) {
                    m.role = role.as_str().to_owned();
                }
            }
            TenantEvent::MemberRemoved { user_id } => {
                self.members.remove(&(tenant, user_id.as_str().to_owned()));
            }
            TenantEvent::ApiKeyCreated {
                key_id,
                name,
                prefix,
                secret_hash,
                created_by,
            } => {
                self.keys.insert(
                    key_id.0,
                    KeyRow {
                        key_id: key_id.0,
                        tenant_id: tenant,
                        name,
                        prefix,
                        secret_hash,
                        created_by: created_by.as_str().to_owned(),
                        created_at: at,
                        revoked_at: None,
                    },
                );
            }
            TenantEvent::ApiKeyRevoked { key_id } => {
                if let Some(k) = self
                    .keys
                    .get_mut(&key_id.0)
                    .filter(|k| k.tenant_id == tenant)
                {
                    k.revoked_at = Some(at);
                }
            }
            // The `invitations` projector keeps these; an accepted
            // invitation arrives as its own `MemberAdded`.
            TenantEvent::MemberInvited { .. }
            | TenantEvent::InvitationAccepted { .. }
            | TenantEvent::InvitationCancelled { .. } => {}
            // The `billing` projector keeps these; a plan change they cause
            // arrives as its own `TenantPlanChanged`.
            TenantEvent::BillingNoticeRecorded { .. } => {}
        }
    }
}

async fn load(tx: &mut PgConnection, ids: &[Uuid]) -> Result<Touched, sqlx::Error> {
    let tenants: Vec<TenantRow> =
        sqlx::query_as("SELECT * FROM rm_tenants WHERE tenant_id = ANY($1)")
            .bind(ids)
            .fetch_all(&mut *tx)
            .await?;
    let members: Vec<MemberRow> = sqlx::query_as(
        "SELECT tenant_id, user_id, role, added_at FROM rm_tenant_members WHERE tenant_id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(&mut *tx)
    .await?;
    let keys: Vec<KeyRow> = sqlx::query_as(
        "SELECT key_id, tenant_id, name, prefix, secret_hash, created_by, created_at, revoked_at
           FROM rm_api_keys WHERE tenant_id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(&mut *tx)
    .await?;
    Ok(Touched {
        ids: ids.iter().copied().collect(),
        tenants: tenants.into_iter().map(|t| (t.tenant_id, t)).collect(),
        members: members
            .into_iter()
            .map(|m| ((m.tenant_id, m.user_id.clone()), m))
            .collect(),
        keys: keys.into_iter().map(|k| (k.key_id, k)).collect(),
    })
}

async fn store(tx: &mut PgConnection, touched: Touched) -> Result<(), sqlx::Error> {
    let ids: Vec<Uuid> = touched.ids.into_iter().collect();
    // Members and keys go with their tenant (ON DELETE CASCADE).
    sqlx::query("DELETE FROM rm_tenants WHERE tenant_id = ANY($1)")
        .bind(&ids)
        .execute(&mut *tx)
        .await?;
    let t: Vec<TenantRow> = touched.tenants.into_values().collect();
    sqlx::query(
        "INSERT INTO rm_tenants (tenant_id, name, plan, status, suspension_reason, created_at, updated_at)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],
                              $6::timestamptz[], $7::timestamptz[])",
    )
    .bind(t.iter().map(|r| r.tenant_id).collect::<Vec<_>>())
    .bind(t.iter().map(|r| r.name.clone()).collect::<Vec<_>>())
    .bind(t.iter().map(|r| r.plan.clone()).collect::<Vec<_>>())
    .bind(t.iter().map(|r| r.status.clone()).collect::<Vec<_>>())
    .bind(t.iter().map(|r| r.suspension_reason.clone()).collect::<Vec<_>>())
    .bind(t.iter().map(|r| r.created_at).collect::<Vec<_>>())
    .bind(t.iter().map(|r| r.updated_at).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;
    let m: Vec<MemberRow> = touched.members.into_values().collect();
    sqlx::query(
        "INSERT INTO rm_tenant_members (tenant_id, user_id, role, added_at)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[])",
    )
    .bind(m.iter().map(|r| r.tenant_id).collect::<Vec<_>>())
    .bind(m.iter().map(|r| r.user_id.clone()).collect::<Vec<_>>())
    .bind(m.iter().map(|r| r.role.clone()).collect::<Vec<_>>())
    .bind(m.iter().map(|r| r.added_at).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;
    let k: Vec<KeyRow> = touched.keys.into_values().collect();
    sqlx::query(
        "INSERT INTO rm_api_keys (key_id, tenant_id, name, prefix, secret_hash, created_by, created_at, revoked_at)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[],
                              $7::timestamptz[], $8::timestamptz[])",
    )
    .bind(k.iter().map(|r| r.key_id).collect::<Vec<_>>())
    .bind(k.iter().map(|r| r.tenant_id).collect::<Vec<_>>())
    .bind(k.iter().map(|r| r.name.clone()).collect::<Vec<_>>())
    .bind(k.iter().map(|r| r.prefix.clone()).collect::<Vec<_>>())
    .bind(k.iter().map(|r| r.secret_hash.clone()).collect::<Vec<_>>())
    .bind(k.iter().map(|r| r.created_by.clone()).collect::<Vec<_>>())
    .bind(k.iter().map(|r| r.created_at).collect::<Vec<_>>())
    .bind(k.iter().map(|r| r.revoked_at).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

#[async_trait]
impl Projector for TenantsProjector {
    fn name(&self) -> &'static str {
        NAME
    }

    fn aggregate_types(&self) -> Option<&'static [&'static str]> {
        const TYPES: &[&str] = &[Tenant::TYPE];
        Some(TYPES)
    }

    async fn reset(&self, tx: &mut PgConnection) -> Result<(), ProjectionError> {
        sqlx::query("TRUNCATE rm_api_keys, rm_tenant_members, rm_tenants")
            .execute(tx)
            .await?;
        Ok(())
    }

    async fn apply(
        &self,
        tx: &mut PgConnection,
        event: &StoredEvent,
    ) -> Result<(), ProjectionError> {
        self.apply_batch(tx, std::slice::from_ref(event)).await
    }

    async fn apply_batch(
        &self,
        tx: &mut PgConnection,
        events: &[StoredEvent],
    ) -> Result<(), ProjectionError> {
        let mut decoded = Vec::with_capacity(events.len());
        for event in events.iter().filter(|e| e.aggregate_type == Tenant::TYPE) {
            decoded.push((
                event.aggregate_uuid()?,
                event.recorded_at,
                event.decode::<TenantEvent>()?,
            ));
        }
        if decoded.is_empty() {
            return Ok(());
        }
        let ids: BTreeSet<Uuid> = decoded.iter().map(|(id, _, _)| *id).collect();
        let ids: Vec<Uuid> = ids.into_iter().collect();
        let mut touched = load(tx, &ids).await?;
        for (tenant, at, event) in decoded {
            touched.fold(tenant, at, event);
        }
        store(tx, touched).await?;
        Ok(())
    }
}
