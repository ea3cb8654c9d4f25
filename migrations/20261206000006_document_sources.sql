-- Where a connector imported a document from (provider, record, link,
-- modification time, connection): NULL for uploads.
ALTER TABLE rm_documents ADD COLUMN source jsonb;
