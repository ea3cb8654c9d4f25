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

#[cfg(test)]
mod tests {
    #[test]
    fn keys_cannot_escape_the_store() {
        for bad in ["", "/abs", "a/../b", "a//b", "a/./b", "a/b c", "..", "a\\b"] {
            assert!(super::check_key(bad).is_err(), "{bad:?}");
        }
        assert!(super::check_key("tenants/x-1/documents/y_2/original.pdf").is_ok());
    }
}
