-- Whether an assistant ranks its candidates again by their best sentence
-- (RetrievalSettings::rerank). Assistants created before the setting
-- existed read as off, as their events do.
ALTER TABLE rm_assistants ADD COLUMN rerank boolean NOT NULL DEFAULT false;
