-- Read model of the `documents` projector: one row per live document.
CREATE TABLE rm_documents (
    document_id    uuid        PRIMARY KEY,
    tenant_id      uuid        NOT NULL,
    collection_id  uuid        NOT NULL,
    filename       text        NOT NULL,
    media_type     text        NOT NULL,
    size_bytes     bigint      NOT NULL,
    sha256         text        NOT NULL,
    storage_key    text        NOT NULL,
    status         text        NOT NULL,
    failure_stage  text,
    failure_reason text,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE INDEX rm_documents_by_tenant ON rm_documents (tenant_id, created_at, document_id);
CREATE INDEX rm_documents_by_collection ON rm_documents (tenant_id, collection_id, created_at);
