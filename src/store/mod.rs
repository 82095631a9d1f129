//! Conversation history in an embedded SQLite file (WAL mode), with migrations.
//!
//! **Architecture invariant:** no API key is ever written here; the store sees only
//! conversation text and provider names.

mod model;
mod owner;
mod queries;
pub use queries::{NewMessage, title_from};
mod schema;

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;

pub use model::{ConversationId, ConversationSummary, Message, MessageId, MessageStatus};
pub use schema::latest_version;

/// Why the history could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file could not be opened or created.
    #[error(
        "Could not open the history database {path}: {source}. Check that the folder is writable and the disk is not full."
    )]
    Open {
        /// The database file.
        path: String,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// A query failed.
    #[error("The history database failed: {0}")]
    Query(#[from] rusqlite::Error),
    /// The store thread is gone (the app is shutting down).
    #[error("The history database is closed")]
    Closed,
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
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.display().to_string(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|err| open_err(rusqlite::Error::ToSqlConversionFailure(Box::new(err))))?;
        }
        let conn = Connection::open(path).map_err(open_err)?;
        let mut store = Self::init(conn).map_err(open_err)?;
        store.mark_interrupted()?;
        Ok(store)
    }

    /// A database that lives only in memory (the CLI's `--no-save`, tests).
    pub fn in_memory() -> Result<Self, StoreError> {
        let conn = Connection::open_in_memory()?;
        Ok(Self::init(conn)?)
    }

    fn init(mut conn: Connection) -> rusqlite::Result<Self> {
        conn.busy_timeout(Duration::from_secs(5))?;
        // WAL: the window and a CLI run can use the same file at once, and a crash loses at
        // most the last unsynced write.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        schema::migrate(&mut conn)?;
        Ok(Self {
            conn,
            owner: owner::this_process(),
        })
    }
}

/// Unix seconds now.
pub(crate) fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
