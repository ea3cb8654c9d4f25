-- Read model of the `conversations` projector: each tenant's conversations
-- with an assistant, and their turns as they were answered.
CREATE TABLE rm_conversations (
    conversation_id uuid        PRIMARY KEY,
    tenant_id       uuid        NOT NULL,
    assistant_id    uuid        NOT NULL,
    title           text        NOT NULL,
    turns           integer     NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX rm_conversations_by_assistant
    ON rm_conversations (tenant_id, assistant_id, updated_at DESC, conversation_id);

CREATE TABLE rm_conversation_turns (
    conversation_id  uuid        NOT NULL,
    number           integer     NOT NULL,
    tenant_id        uuid        NOT NULL,
    turn_id          uuid        NOT NULL,
    question         text        NOT NULL,
    answer           text        NOT NULL,
    -- The citations as recorded in the event (number, document, page, excerpt…).
    citations        jsonb       NOT NULL,
    model            text        NOT NULL,
    outcome          text        NOT NULL,
    failure_reason   text,
    tokens_in        bigint      NOT NULL,
    tokens_out       bigint      NOT NULL,
    chunks_retrieved integer     NOT NULL,
    created_at       timestamptz NOT NULL,
    PRIMARY KEY (conversation_id, number)
);
