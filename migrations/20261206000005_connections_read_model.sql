-- The connections of each tenant to its sources (through Nango), with the
-- state of their latest sync: built by the `connections` projector.
CREATE TABLE rm_connections (
    connection_id       uuid        PRIMARY KEY,
    tenant_id           uuid        NOT NULL,
    provider            text        NOT NULL,
    nango_connection_id text        NOT NULL,
    integration         text        NOT NULL,
    -- connected | auth_failed
    status              text        NOT NULL,
    status_reason       text,
    collection_id       uuid,
    -- NULL (never synced) | running | completed | failed
    sync_status         text,
    sync_reason         text,
    sync_started_at     timestamptz,
    sync_finished_at    timestamptz,
    -- What the latest sync did so far.
    sync_imported       integer     NOT NULL DEFAULT 0,
    sync_removed        integer     NOT NULL DEFAULT 0,
    sync_skipped        integer     NOT NULL DEFAULT 0,
    -- Documents in the collection that come from this connection.
    documents           integer     NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL
);

CREATE UNIQUE INDEX rm_connections_by_tenant ON rm_connections (tenant_id, provider);
CREATE INDEX rm_connections_by_nango_id ON rm_connections (integration, nango_connection_id);
