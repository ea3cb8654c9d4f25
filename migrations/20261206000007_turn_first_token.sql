-- Milliseconds from a turn's start to its first token sent to the user
-- (NULL when none was sent, and for turns recorded before it was measured;
-- a projection rebuild fills it from the events that carry it).
ALTER TABLE rm_conversation_turns ADD COLUMN first_token_ms bigint;
