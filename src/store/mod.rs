//! Conversation history in an embedded SQLite file (WAL mode), with migrations.
//!
//! **Architecture invariant:** no API key is ever written here; the store sees only
//! conversation text and provider names.

mod attachment_files;
mod attachments;
mod context_cuts;
mod conversation_model;
mod error_text;
mod model;
mod owner;
mod queries;
pub use queries::{NewMessage, title_from};
mod replies;
mod schema;
mod search;
mod search_schema;
mod space;
mod transfer;

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

use crate::config::private_files;
use schema::SchemaError;

pub use attachment_files::{AttachmentFiles, MAX_ATTACHMENT_BYTES};
pub use attachments::{NewAttachment, StoredAttachment};
pub use conversation_model::ModelChoice;
pub use model::{ConversationId, ConversationSummary, Message, MessageId, MessageStatus};
pub use schema::latest_version;
pub use search::{HitField, SearchHit};
pub use transfer::{ConversationRecord, ImportCounts, MessageRecord};

/// Why the history could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file could not be opened or created.
    #[error(
        "Could not open the history database {path}: {source}. {}",
        next_step(source)
    )]
    Open {
        /// The database file.
        path: String,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// The file was written by a newer ocrchat; it was left unchanged.
    #[error(
        "The history database {path} was written by a newer version of ocrchat (schema version {found}; this version reads up to {supported}). It was left unchanged: update ocrchat, or move the file away to start a new history."
    )]
    Newer {
        /// The database file.
        path: String,
        /// The file's schema version.
        found: usize,
        /// The newest version this build reads.
        supported: usize,
    },
    /// The file's tables are not what ocrchat made; it was left unchanged.
    #[error(
        "The history database {path} is not one ocrchat can use: {detail}. It was left unchanged: move it away to start a new history, or restore a backup."
    )]
    Unexpected {
        /// The database file.
        path: String,
        /// What is wrong with it.
        detail: String,
    },
    /// A query failed.
    #[error("The history database failed: {source}. {}", next_step(source))]
    Query {
        /// SQLite's error.
        #[from]
        source: rusqlite::Error,
    },
    /// The store thread is gone (the app is shutting down).
    #[error("The history database is closed")]
    Closed,
}

/// What the user can do about an SQLite error.
fn next_step(err: &rusqlite::Error) -> &'static str {
    match err.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DiskFull) => "Free some disk space.",
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            "Another program holds the file locked; close it."
        }
        Some(rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::PermissionDenied) => {
            "Check that the file and its folder are writable."
        }
        _ => "Check that the folder is writable and the disk is not full.",
    }
}

/// The history database.
pub struct Store {
    conn: Connection,
    /// This process, recorded on the replies it streams.
    owner: String,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path` and migrates it. Messages left
    /// `Streaming` by a process that has ended mid-reply are marked `Interrupted`.
    ///
    /// The file is created 0600 in a 0700 folder (its WAL and shared-memory files take the
    /// same mode). A file from a newer ocrchat, or with tables ocrchat did not make, is refused
    /// before anything is written to it.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let path_text = path.display().to_string();
        let open_err = |source| StoreError::Open {
            path: path_text.clone(),
            source,
        };
        let io_err = |err: std::io::Error| open_err(io_to_sqlite(err));
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            private_files::create_private_dir(dir).map_err(io_err)?;
        }
        private_files::create_private_file(path).map_err(io_err)?;
        if !path.is_file() {
            // SQLite would block on a FIFO, or fail obscurely on a device.
            return Err(StoreError::Unexpected {
                path: path_text,
                detail: "it is not a regular file".into(),
            });
        }
        let mut conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
        schema::migrate(&mut conn).map_err(|err| match err {
            SchemaError::Newer { found, supported } => StoreError::Newer {
                path: path_text.clone(),
                found,
                supported,
            },
            SchemaError::Unexpected(detail) => StoreError::Unexpected {
                path: path_text.clone(),
                detail,
            },
            SchemaError::Sqlite(source)
                if source.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) =>
            {
                StoreError::Unexpected {
                    path: path_text.clone(),
                    detail: "it is not an SQLite database".into(),
                }
            }
            SchemaError::Sqlite(source) => open_err(source),
        })?;
        // A history an older version created with the default mode becomes private too.
        for file in [
            path.to_path_buf(),
            with_suffix(path, "-wal"),
            with_suffix(path, "-shm"),
        ] {
            private_files::restrict_to_owner(&file).map_err(io_err)?;
        }
        let store = Self::init(conn).map_err(open_err)?;
        store.mark_interrupted()?;
        Ok(store)
    }

    /// A database that lives only in memory (the CLI's `--no-save`, tests).
    pub fn in_memory() -> Result<Self, StoreError> {
        let mut conn = Connection::open_in_memory()?;
        schema::migrate(&mut conn).map_err(|err| match err {
            SchemaError::Sqlite(source) => StoreError::Query { source },
            other => StoreError::Unexpected {
                path: ":memory:".into(),
                detail: other.to_string(),
            },
        })?;
        Ok(Self::init(conn)?)
    }

    /// Settings for a migrated connection.
    fn init(conn: Connection) -> rusqlite::Result<Self> {
        // WAL: the window and a CLI run can use the same file at once, and a killed process
        // loses no committed write (only a power cut can lose the last ones: NORMAL sync).
        set_wal(&conn)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        Ok(Self {
            conn,
            owner: owner::this_process(),
        })
    }

    /// Runs `f` in one transaction: all its writes land, or none. Nests (as a savepoint)
    /// inside another; the outermost takes the write lock at once (`BEGIN IMMEDIATE`), so a
    /// read followed by a write cannot fail on a snapshot another process has moved past.
    pub fn atomic<T>(
        &self,
        f: impl FnOnce(&Self) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let outermost = self.conn.is_autocommit();
        self.conn.execute_batch(if outermost {
            "BEGIN IMMEDIATE"
        } else {
            "SAVEPOINT atomic"
        })?;
        let result = f(self);
        let end = match (&result, outermost) {
            (Ok(_), true) => "COMMIT",
            (Ok(_), false) => "RELEASE atomic",
            (Err(_), true) => "ROLLBACK",
            (Err(_), false) => "ROLLBACK TO atomic; RELEASE atomic",
        };
        match self.conn.execute_batch(end) {
            Ok(()) => result,
            Err(err) => {
                if outermost && !self.conn.is_autocommit() {
                    // COMMIT failed (disk full): end the transaction so the next one can start.
                    self.conn.execute_batch("ROLLBACK").ok();
                }
                result.and(Err(err.into()))
            }
        }
    }
}

/// Switches a file to WAL. The switch needs the file to itself, and SQLite does not wait for
/// that on its own: when other processes are opening the same new file at that moment it
/// answers "database is locked" at once, so wait here as a write would.
fn set_wal(conn: &Connection) -> rusqlite::Result<()> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        let result: rusqlite::Result<String> =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0));
        let busy = match &result {
            Ok(mode) => !mode.eq_ignore_ascii_case("wal") && !mode.eq_ignore_ascii_case("memory"),
            Err(err) => err.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy),
        };
        if !busy || std::time::Instant::now() >= deadline {
            return result.map(drop);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// How long a write waits for another process's write lock before it fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// `path` with `suffix` after its file name (SQLite's `-wal` and `-shm` files).
fn with_suffix(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

/// An I/O error where an SQLite one is expected (creating the folder or the file).
fn io_to_sqlite(err: std::io::Error) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(err))
}

/// Unix seconds now.
pub(crate) fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
