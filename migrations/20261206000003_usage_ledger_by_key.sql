-- The sweeper of abandoned turns' reservations (ancre_usage::reservations)
-- looks for a release by its idempotency key, in any period of the tenant.
CREATE INDEX rm_usage_ledger_by_key ON rm_usage_ledger (tenant_id, key);
