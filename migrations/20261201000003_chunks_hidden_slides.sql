-- Chunks of slides hidden from the slide show (PPTX) say so.
ALTER TABLE rm_chunks ADD COLUMN hidden boolean NOT NULL DEFAULT false;
