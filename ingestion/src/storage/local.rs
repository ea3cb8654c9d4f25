//! The embedded default: objects as files under one folder. Writes go to a
//! temporary file that is renamed into place, so a crash never leaves half an
//! object behind a key.

use std::path::{Path, PathBuf};

use async_trait::async_trait;

use super::{check_key, ObjectStore, StorageError};

pub struct LocalFolder {
    root: PathBuf,
}

impl LocalFolder {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, key: &str) -> Result<PathBuf, StorageError> {
        check_key(key)?;
        Ok(self.root.join(key))
    }
}

fn io(key: &str) -> impl FnOnce(std::io::Error) -> StorageError + '_ {
    move |source| StorageError::Io {
        key: key.to_owned(),
        source,
    }
}

impl LocalFolder {
    /// Puts at `key` what `write` writes to a temporary file beside it,
    /// then renames it in place: a reader sees the old object or the new
    /// one, never a part; a failed write leaves nothing behind.
    async fn place<F, Fut>(&self, key: &str, write: F) -> Result<(), StorageError>
    where
        F: FnOnce(PathBuf) -> Fut,
        Fut: std::future::Future<Output = std::io::Result<()>>,
    {
        let path = self.path(key)?;
        if let Some(parent) = path.parent() {
            tokio::fs::create_dir_all(parent).await.map_err(io(key))?;
        }
        let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
        let written = match write(tmp.clone()).await {
            Ok(()) => tokio::fs::rename(&tmp, &path).await,
            Err(e) => Err(e),
        };
        if let Err(e) = written {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(io(key)(e));
        }
        Ok(())
    }
}

#[async_trait]
impl ObjectStore for LocalFolder {
    async fn put(&self, key: &str, bytes: &[u8]) -> Result<(), StorageError> {
        self.place(key, |tmp| tokio::fs::write(tmp, bytes)).await
    }

    async fn put_file(&self, key: &str, source: &std::path::Path) -> Result<(), StorageError> {
        self.place(key, |tmp| async move {
            tokio::fs::copy(source, tmp).await.map(|_| ())
        })
        .await
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        match tokio::fs::read(self.path(key)?).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(key)(e)),
        }
    }

    async fn delete_prefix(&self, prefix: &str) -> Result<(), StorageError> {
        match tokio::fs::remove_dir_all(self.path(prefix)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(prefix)(e)),
        }
    }

    async fn delete(&self, key: &str) -> Result<(), StorageError> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(io(key)(e)),
        }
    }
}
