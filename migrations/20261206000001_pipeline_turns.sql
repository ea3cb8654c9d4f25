-- Fairness of the pipeline between tenants: when a job of each tenant was
-- last leased. Workers lease the ready job of the tenant served longest ago
-- (never served: first), so one tenant's burst of uploads takes turns with
-- another tenant's single document instead of running ahead of it.
-- Workers' bookkeeping, like the leases: not a read model, never rebuilt.
CREATE TABLE pipeline_turns (
    tenant_id uuid        PRIMARY KEY,
    served_at timestamptz NOT NULL
);
