-- Projectors fed from Kafka instead of the log (`ancre worker --source kafka`).
--
-- `source`: where the projector's batches come from now ('log' or 'kafka');
-- the log engine leaves a Kafka-fed projector alone, so one projector is fed
-- from one place at a time.
-- `tracks_aggregates`: set once a projector has been fed from Kafka. From then
-- on every batch, whatever its source, records the last sequence applied per
-- aggregate in projector_aggregate_positions and skips what is at or below
-- it: Kafka delivers at least once, and per aggregate only in order.
ALTER TABLE projector_checkpoints
    ADD COLUMN source            text    NOT NULL DEFAULT 'log' CHECK (source IN ('log', 'kafka')),
    ADD COLUMN tracks_aggregates boolean NOT NULL DEFAULT false;

CREATE TABLE projector_aggregate_positions (
    projector      text   NOT NULL,
    aggregate_type text   NOT NULL,
    aggregate_id   text   NOT NULL,
    last_sequence  bigint NOT NULL,
    PRIMARY KEY (projector, aggregate_type, aggregate_id)
);
