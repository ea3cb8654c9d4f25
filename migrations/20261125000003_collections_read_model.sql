-- Read model of the `collections` projector.
CREATE TABLE rm_collections (
    collection_id uuid        PRIMARY KEY,
    tenant_id     uuid        NOT NULL,
    name          text        NOT NULL,
    description   text        NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX rm_collections_by_tenant ON rm_collections (tenant_id, created_at, collection_id);
