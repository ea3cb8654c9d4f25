//! Object storage for raw files and artifacts: a local folder (the embedded
//! default) or an S3-API bucket. Keys are ours (never a user's file name), so
//! they are checked to be plain relative paths.

mod local;
mod s3;

use async_trait::async_trait;

pub use local::LocalFolder;
pub use s3::{S3Config, S3Store};

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("invalid storage key {0:?}")]
    InvalidKey(String),
    #[error("storage I/O on {key}: {source}")]
    Io {
        key: String,
        #[source]
        source: std::io::Error,
    },
}

#[async_trait]
pub trait ObjectStore: Send + Sync + 'static {
    /// Stores `bytes` under `key`, replacing what was there (atomically: a
    /// reader sees the old object or the new one, never a part).
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), StorageError>;
    /// Stores the file at `path` under `key`, as `put` does, streaming it
    /// rather than holding it in memory (uploads of up to the size limit).
    async fn put_file(&self, key: &str, path: &std::path::Path) -> Result<(), StorageError>;
    /// The object, or `None` if there is none.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError>;
    /// Removes the object; removing a missing object is not an error.
    async fn delete(&self, key: &str) -> Result<(), StorageError>;
    /// Removes every object whose key starts with `prefix/`.
    async fn delete_prefix(&self, prefix: &str) -> Result<(), StorageError>;
}

/// Keys are `/`-separated segments of `[A-Za-z0-9._-]`, none of them `.` or `..`.
pub fn check_key(key: &str) -> Result<(), StorageError> {
    let ok = !key.is_empty()
        && key.split('/').all(|segment| {
            !segment.is_empty()
                && segment != "."
                && segment != ".."
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        });
    if ok {
        Ok(())
    } else {
        Err(StorageError::InvalidKey(key.to_owned()))
    }
}

/// Where a document's original bytes live. The upload id makes every upload
/// its own object, so replaying an old deletion never removes a re-upload.
/// Ids are written without hyphens: some S3-API servers keep each key in one
/// file name (255 bytes), so keys stay short.
pub fn original_key(tenant: uuid::Uuid, document: uuid::Uuid, upload: uuid::Uuid) -> String {
    format!(
        "tenants/{}/documents/{}/{}/original",
        tenant.simple(),
        document.simple(),
        upload.simple()
    )
}

/// The folder of one upload, from the key of its original or of any of its
/// artifacts (all are stored side by side, so deleting the document removes
/// them all at once).
pub fn upload_prefix(key: &str) -> &str {
    key.rsplit_once('/').map_or(key, |(folder, _)| folder)
}

/// The chunks artifact of an upload (from the key of its original).
pub fn chunks_key(original_key: &str) -> String {
    format!("{}/chunks.json", upload_prefix(original_key))
}

/// The vectors artifact of an upload for one embedding model, from the key of
/// the original or of another artifact. The model is in the key (as a short
/// digest of its id: keys stay short), so vectors of two models never share
/// an object; the artifact itself names the model in full.
pub fn vectors_key(sibling_key: &str, model: &str) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(model.as_bytes());
    let short: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
    format!("{}/vectors-{short}.bin", upload_prefix(sibling_key))
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_cannot_escape_the_store() {
        for bad in ["", "/abs", "a/../b", "a//b", "a/./b", "a/b c", "..", "a\\b"] {
            assert!(super::check_key(bad).is_err(), "{bad:?}");
        }
        assert!(super::check_key("tenants/x-1/documents/y_2/original.pdf").is_ok());
        let id = uuid::Uuid::new_v4();
        let key = super::original_key(id, id, id);
        assert!(super::check_key(&key).is_ok());
        assert_eq!(
            key.len(),
            125,
            "short enough for file-per-key S3 servers: {key}"
        );
    }

    #[test]
    fn artifacts_live_beside_their_original() {
        let original = "tenants/t/documents/d/u/original";
        assert_eq!(
            super::chunks_key(original),
            "tenants/t/documents/d/u/chunks.json"
        );
        let vectors = super::vectors_key(original, "intfloat/multilingual-e5-small@q4");
        assert!(
            vectors.starts_with("tenants/t/documents/d/u/vectors-"),
            "{vectors}"
        );
        assert_eq!(
            vectors.len(),
            original.len() - "original".len() + "vectors-.bin".len() + 12
        );
        assert!(super::check_key(&vectors).is_ok());
        assert_eq!(
            super::vectors_key(
                &super::chunks_key(original),
                "intfloat/multilingual-e5-small@q4"
            ),
            vectors
        );
        assert_ne!(
            super::vectors_key(original, "other-model"),
            vectors,
            "one object per model"
        );
        assert_eq!(super::upload_prefix(&vectors), "tenants/t/documents/d/u");
    }
}
