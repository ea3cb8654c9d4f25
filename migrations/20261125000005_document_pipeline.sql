-- The document pipeline: what each stage measured, the chunks, and the work queue.

ALTER TABLE rm_documents
    ADD COLUMN pages           integer,
    ADD COLUMN chunks          integer,
    ADD COLUMN tokens          bigint,
    ADD COLUMN embedding_model text;

-- Read model of the `chunks` projector: one row per chunk of a live, parsed document.
CREATE TABLE rm_chunks (
    document_id  uuid    NOT NULL,
    chunk_index  integer NOT NULL,
    tenant_id    uuid    NOT NULL,
    page         integer NOT NULL,
    page_label   text,
    heading_path text[]  NOT NULL,
    char_start   integer NOT NULL,
    char_end     integer NOT NULL,
    token_count  integer NOT NULL,
    text         text    NOT NULL,
    PRIMARY KEY (document_id, chunk_index)
);

-- Work queue of the pipeline, kept by the `pipeline` projector: one row per
-- document still on its way, naming the stage it waits for. Workers lease a
-- row, do the stage, and report it as a command; the projector then moves
-- the row on (or removes it). A worker that dies loses its lease, not the work.
CREATE TABLE pipeline_jobs (
    document_id    uuid        PRIMARY KEY,
    tenant_id      uuid        NOT NULL,
    stage          text        NOT NULL,
    attempts       integer     NOT NULL DEFAULT 0,
    not_before     timestamptz NOT NULL DEFAULT now(),
    lease_owner    uuid,
    lease_until    timestamptz,
    progress_done  integer     NOT NULL DEFAULT 0,
    progress_total integer     NOT NULL DEFAULT 0,
    last_error     text,
    queued_at      timestamptz NOT NULL,
    -- The upload's chain of effects, carried into the stages' events.
    correlation_id uuid        NOT NULL,
    request_id     text        NOT NULL
);
CREATE INDEX pipeline_jobs_ready ON pipeline_jobs (queued_at) WHERE lease_until IS NULL;
