-- The event store: the only source of truth.
--
-- postgres-es writes the first seven columns. The last three are ours:
--   position        a global, gap-tolerant order of insertion;
--   transaction_id  the id of the committing transaction, so that readers of
--                   `$all` can stay below the oldest transaction still in
--                   flight and never skip an event that commits late;
--   recorded_at     when the event was written (projector lag is measured from it).
CREATE TABLE events (
    aggregate_type text        NOT NULL,
    aggregate_id   text        NOT NULL,
    sequence       bigint      NOT NULL CHECK (sequence > 0),
    event_type     text        NOT NULL,
    event_version  text        NOT NULL,
    payload        jsonb       NOT NULL,
    metadata       jsonb       NOT NULL,
    position       bigint      GENERATED ALWAYS AS IDENTITY,
    transaction_id xid8        NOT NULL DEFAULT pg_current_xact_id(),
    recorded_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- The optimistic-concurrency check: two writers of one aggregate cannot
    -- both append the same sequence number.
    PRIMARY KEY (aggregate_type, aggregate_id, sequence)
);

-- The order in which `$all` is read: (transaction id, position).
CREATE INDEX events_log_order ON events (transaction_id, position);

-- Events are immutable: history is corrected by new events, never by edits.
CREATE FUNCTION events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the event log is append-only (% refused)', TG_OP;
END $$;
CREATE TRIGGER events_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_are_append_only();

-- Wake the projectors when events commit (NOTIFY is delivered at commit).
CREATE FUNCTION events_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('ancre_events', '');
    RETURN NULL;
END $$;
CREATE TRIGGER events_notify
    AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_notify();

-- Snapshots, as postgres-es expects them (used for long-lived aggregates).
CREATE TABLE snapshots (
    aggregate_type   text   NOT NULL,
    aggregate_id     text   NOT NULL,
    last_sequence    bigint NOT NULL,
    current_snapshot bigint NOT NULL,
    payload          jsonb  NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id)
);

-- One row per projector: how far into `$all` it has applied.
CREATE TABLE projector_checkpoints (
    name           text        PRIMARY KEY,
    transaction_id xid8        NOT NULL DEFAULT '0',
    position       bigint      NOT NULL DEFAULT 0,
    updated_at     timestamptz NOT NULL DEFAULT now()
);
