//! An upload's file, written to a temporary file as it arrives and hashed on
//! the way, so that a request of many large files never sits in memory: the
//! server holds one chunk at a time, and the store reads the file back
//! (`ObjectStore::put_file`). The temporary file is removed when its
//! [`Spooled`] is dropped, whatever happened to the upload.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

/// A temporary file, removed on drop.
struct TempPath(PathBuf);

impl Drop for TempPath {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_file(&self.0) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(error = %e, path = %self.0.display(), "a spooled upload stays on disk");
            }
        }
    }
}

/// A file being received.
pub struct Spooler {
    file: tokio::fs::File,
    hasher: Sha256,
    size: u64,
    path: TempPath,
}

/// A file received whole.
pub struct Spooled {
    pub size: u64,
    /// Lowercase hex, as `digest::sha256_hex` gives it.
    pub sha256: String,
    path: TempPath,
}

impl Spooled {
    pub fn path(&self) -> &Path {
        &self.path.0
    }
}

impl Spooler {
    /// A new, empty temporary file in `dir` (created if missing).
    pub async fn create(dir: &Path) -> std::io::Result<Spooler> {
        tokio::fs::create_dir_all(dir).await?;
        let path = TempPath(dir.join(format!("upload-{}", uuid::Uuid::new_v4().simple())));
        let file = tokio::fs::File::create(&path.0).await?;
        Ok(Spooler {
            file,
            hasher: Sha256::new(),
            size: 0,
            path,
        })
    }

    /// Bytes received so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    pub async fn write(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        self.hasher.update(chunk);
        self.size += chunk.len() as u64;
        self.file.write_all(chunk).await
    }

    pub async fn finish(mut self) -> std::io::Result<Spooled> {
        self.file.flush().await?;
        Ok(Spooled {
            size: self.size,
            sha256: format!("{:x}", self.hasher.finalize()),
            path: self.path,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_spooled_file_holds_the_bytes_and_their_hash_and_goes_away() {
        let dir = tempfile::tempdir().unwrap();
        let mut spooler = Spooler::create(&dir.path().join("spool")).await.unwrap();
        let pieces: [&[u8]; 3] = [b"Le phare ", b"de Cordouan, ", b"1611."];
        for piece in pieces {
            spooler.write(piece).await.unwrap();
        }
        let spooled = spooler.finish().await.unwrap();
        let whole = pieces.concat();
        assert_eq!(spooled.size, whole.len() as u64);
        assert_eq!(spooled.sha256, crate::digest::sha256_hex(&whole));
        assert_eq!(std::fs::read(spooled.path()).unwrap(), whole);
        let path = spooled.path().to_owned();
        drop(spooled);
        assert!(!path.exists());
        // An upload abandoned half-way leaves nothing either.
        let mut abandoned = Spooler::create(&dir.path().join("spool")).await.unwrap();
        abandoned.write(b"partial").await.unwrap();
        drop(abandoned);
        assert_eq!(
            std::fs::read_dir(dir.path().join("spool")).unwrap().count(),
            0
        );
    }
}
