-- Read model of the `assistants` projector: one row per live assistant.
CREATE TABLE rm_assistants (
    assistant_id   uuid        PRIMARY KEY,
    tenant_id      uuid        NOT NULL,
    name           text        NOT NULL,
    instructions   text        NOT NULL,
    model          text        NOT NULL,
    temperature    real        NOT NULL,
    collection_ids uuid[]      NOT NULL,
    top_k          integer     NOT NULL,
    dense_weight   real        NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE INDEX rm_assistants_by_tenant ON rm_assistants (tenant_id, created_at, assistant_id);
