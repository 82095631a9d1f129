//! Attachment bytes on disk: one file per distinct image, named by the SHA-256 of its bytes,
//! in a private folder beside the history (`attachments/`). A later move or delete of the
//! original never breaks a conversation, and the same screenshot attached twice is kept once.

use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use crate::config::private_files;

/// The largest attachment file read back (the OCR decoder refuses larger images anyway).
pub const MAX_ATTACHMENT_BYTES: u64 = 256 * 1024 * 1024;

/// The folder of attachment files.
#[derive(Clone, Debug)]
pub struct AttachmentFiles {
    dir: PathBuf,
}

impl AttachmentFiles {
    /// Attachment files in `dir` (created 0700 on the first save).
    #[must_use]
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// The folder beside a history file: `<its folder>/attachments`.
    #[must_use]
    pub fn beside(history: &Path) -> Self {
        let parent = history.parent().unwrap_or_else(|| Path::new("."));
        Self::new(parent.join("attachments"))
    }

    /// The folder.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The content hash of `bytes`: lowercase hex SHA-256.
    #[must_use]
    pub fn hash_of(bytes: &[u8]) -> String {
        Sha256::digest(bytes)
            .iter()
            .fold(String::with_capacity(64), |mut hex, byte| {
                hex.push(char::from(HEX[usize::from(byte >> 4)]));
                hex.push(char::from(HEX[usize::from(byte & 0xf)]));
                hex
            })
    }

    /// Where the file with `hash` lives. A hash that is not 64 hex digits (a damaged row) gets
    /// no path, so it can never name a file outside the folder.
    #[must_use]
    pub fn path_of(&self, hash: &str) -> Option<PathBuf> {
        let valid = hash.len() == 64 && hash.bytes().all(|b| HEX.contains(&b));
        valid.then(|| self.dir.join(hash))
    }

    /// Stores `bytes` (0600, written and synced before it appears) and returns its hash. A
    /// file already there with this hash is kept as it is.
    pub fn save(&self, bytes: &[u8]) -> io::Result<String> {
        let hash = Self::hash_of(bytes);
        let path = self.dir.join(&hash);
        if !path.is_file() {
            private_files::write_private_atomic(&path, bytes)?;
        }
        Ok(hash)
    }

    /// Reads the file with `hash` back.
    pub fn read(&self, hash: &str) -> io::Result<Vec<u8>> {
        let path = self.path_of(hash).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{hash} is not an attachment hash"),
            )
        })?;
        let meta = std::fs::metadata(&path)?;
        if !meta.is_file() || meta.len() > MAX_ATTACHMENT_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{} is not an attachment file", path.display()),
            ));
        }
        std::fs::read(path)
    }

    /// Deletes the files with these hashes (the caller checked no message uses them). A file
    /// already gone is fine; the first other failure is returned after trying them all.
    pub fn remove(&self, hashes: &[String]) -> io::Result<()> {
        let mut first_error = None;
        for path in hashes.iter().filter_map(|hash| self.path_of(hash)) {
            match std::fs::remove_file(&path) {
                Err(err) if err.kind() != io::ErrorKind::NotFound => {
                    first_error.get_or_insert(err);
                }
                _ => {}
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";
