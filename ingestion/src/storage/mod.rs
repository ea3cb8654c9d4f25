//! Object storage for raw files. Keys are ours (never a user's file name), so
//! they are checked to be plain relative paths.

mod local;

use async_trait::async_trait;

pub use local::LocalFolder;

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
pub fn original_key(tenant: uuid::Uuid, document: uuid::Uuid, upload: uuid::Uuid) -> String {
    format!("tenants/{tenant}/documents/{document}/{upload}/original")
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

/// The vectors artifact of an upload for one embedding model (the model is
/// in the key: vectors of two models never share an object), from the key of
/// the original or of another artifact.
pub fn vectors_key(sibling_key: &str, model: &str) -> String {
    let model: String = model
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{}/vectors-{model}.bin", upload_prefix(sibling_key))
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_cannot_escape_the_store() {
        for bad in ["", "/abs", "a/../b", "a//b", "a/./b", "a/b c", "..", "a\\b"] {
            assert!(super::check_key(bad).is_err(), "{bad:?}");
        }
        assert!(super::check_key("tenants/x-1/documents/y_2/original.pdf").is_ok());
    }

    #[test]
    fn artifacts_live_beside_their_original() {
        let original = "tenants/t/documents/d/u/original";
        assert_eq!(
            super::chunks_key(original),
            "tenants/t/documents/d/u/chunks.json"
        );
        let vectors = super::vectors_key(original, "intfloat/multilingual-e5-small@q4");
        assert_eq!(
            vectors,
            "tenants/t/documents/d/u/vectors-intfloat_multilingual-e5-small_q4.bin"
        );
        assert!(super::check_key(&vectors).is_ok());
        assert_eq!(
            super::vectors_key(&super::chunks_key(original), "m"),
            "tenants/t/documents/d/u/vectors-m.bin"
        );
        assert_eq!(super::upload_prefix(&vectors), "tenants/t/documents/d/u");
    }
}
