//! The document pipeline (upload → parse → chunk → embed → index), run as a
//! process manager that reacts to `DocumentUploaded` and answers with commands.
//!
//! Nothing here yet: it arrives with the documents issue. Planned module map:
//! `storage` (object store: local folder, S3), `parsers/` (one file per format,
//! PDF in an isolated child process), `chunker`, `embedders/` (local e5-small,
//! OpenAI-compatible), `pipeline` (the process manager).
