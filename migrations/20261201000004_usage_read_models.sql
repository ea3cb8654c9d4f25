-- Read models of usage (issue: usage ledger and quotas).

-- `usage_counters`: each tenant's periods, and per period and metric what is
-- used (gauges: the balance, carried over from the previous period).
CREATE TABLE rm_usage_periods (
    tenant_id  uuid        NOT NULL,
    period     text        NOT NULL,
    opened_at  timestamptz NOT NULL,
    closed_at  timestamptz,
    PRIMARY KEY (tenant_id, period)
);

CREATE TABLE rm_usage_counters (
    tenant_id  uuid        NOT NULL,
    period     text        NOT NULL,
    metric     text        NOT NULL,
    used       bigint      NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, period, metric)
);

-- `usage_ledger`: one line per metric of each usage event, in the order the
-- period recorded them (`sequence`, `line`), for finance's audit trail.
CREATE TABLE rm_usage_ledger (
    tenant_id       uuid        NOT NULL,
    period          text        NOT NULL,
    sequence        bigint      NOT NULL,
    line            integer     NOT NULL,
    recorded_at     timestamptz NOT NULL,
    occurred_at     timestamptz NOT NULL,
    metric          text        NOT NULL,
    quantity        bigint      NOT NULL,
    key             text        NOT NULL,
    cause           text        NOT NULL,
    actor           text        NOT NULL,
    document_id     uuid,
    assistant_id    uuid,
    conversation_id uuid,
    PRIMARY KEY (tenant_id, period, sequence, line)
);
