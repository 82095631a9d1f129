//! The SQLite schema and its migrations, applied in order by `PRAGMA user_version`.
//!
//! [`migrate`] runs in one `BEGIN IMMEDIATE` transaction and reads the version inside it, so
//! processes that open a fresh file at once migrate it exactly once (issue #8 §2). It checks
//! the version and the tables before it commits anything: a file from a newer ocrchat, or one
//! whose tables are not ours, is rolled back and left byte for byte as it was.

use rusqlite::{Connection, TransactionBehavior};

/// Each entry moves the schema from version `index` to `index + 1`. Never edit a released
/// entry; append a new one.
const MIGRATIONS: &[&str] = &[
    // 1: conversations and their messages.
    "CREATE TABLE conversations (
         id          INTEGER PRIMARY KEY,
         title       TEXT NOT NULL,
         created_at  INTEGER NOT NULL,
         updated_at  INTEGER NOT NULL
     );
     CREATE TABLE messages (
         id               INTEGER PRIMARY KEY,
         conversation_id  INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
         role             TEXT NOT NULL,
         content          TEXT NOT NULL,
         reasoning        TEXT NOT NULL DEFAULT '',
         status           TEXT NOT NULL,
         error            TEXT,
         provider         TEXT,
         model            TEXT,
         created_at       INTEGER NOT NULL
     );
     CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
     CREATE INDEX conversations_by_update ON conversations(updated_at DESC);",
    // 2: which process is streaming a reply (see store/owner.rs).
    "ALTER TABLE messages ADD COLUMN stream_owner TEXT;",
    // 3: ids are never reused (AUTOINCREMENT: a new message never inherits a deleted one's
    // id, and with it its usage figures); the rows are copied, ids kept. A partial index finds
    // streaming replies without scanning every message. Streaming text is appended in
    // `message_chunks`, so a flush writes only the new part; the final text is one row.
    // Runs with foreign keys off (see `migrate`), so dropping the old tables cascades nothing.
    "CREATE TABLE conversations_v3 (
         id          INTEGER PRIMARY KEY AUTOINCREMENT,
         title       TEXT NOT NULL,
         created_at  INTEGER NOT NULL,
         updated_at  INTEGER NOT NULL
     );
     INSERT INTO conversations_v3 (id, title, created_at, updated_at)
         SELECT id, title, created_at, updated_at FROM conversations;
     CREATE TABLE messages_v3 (
         id               INTEGER PRIMARY KEY AUTOINCREMENT,
         conversation_id  INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
         role             TEXT NOT NULL,
         content          TEXT NOT NULL,
         reasoning        TEXT NOT NULL DEFAULT '',
         status           TEXT NOT NULL,
         error            TEXT,
         provider         TEXT,
         model            TEXT,
         created_at       INTEGER NOT NULL,
         stream_owner     TEXT
     );
     INSERT INTO messages_v3 (id, conversation_id, role, content, reasoning, status, error,
                              provider, model, created_at, stream_owner)
         SELECT id, conversation_id, role, content, reasoning, status, error,
                provider, model, created_at, stream_owner FROM messages;
     DROP TABLE messages;
     DROP TABLE conversations;
     ALTER TABLE conversations_v3 RENAME TO conversations;
     ALTER TABLE messages_v3 RENAME TO messages;
     CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
     CREATE INDEX conversations_by_update ON conversations(updated_at DESC);
     CREATE INDEX messages_streaming ON messages(id) WHERE status = 'streaming';
     CREATE TABLE message_chunks (
         id          INTEGER PRIMARY KEY,
         message_id  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
         reasoning   INTEGER NOT NULL,
         text        TEXT NOT NULL
     );
     CREATE INDEX message_chunks_by_message ON message_chunks(message_id, id);",
    // 4: the search index (see store/search.rs).
    super::search_schema::MIGRATION,
    // 5: images attached to a user message (store/attachments.rs). The bytes live in the data
    // dir under their SHA-256 (`content_hash`); the row holds what was read and what was sent.
    "CREATE TABLE attachments (
         id               INTEGER PRIMARY KEY AUTOINCREMENT,
         message_id       INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
         position         INTEGER NOT NULL,
         file_name        TEXT NOT NULL,
         content_hash     TEXT NOT NULL,
         byte_len         INTEGER NOT NULL,
         width            INTEGER NOT NULL,
         height           INTEGER NOT NULL,
         sent_text        TEXT NOT NULL,
         sent_as          TEXT NOT NULL,
         ocr_language     TEXT,
         ocr_engine       TEXT,
         ocr_confidence   REAL,
         ocr_result       TEXT
     );
     CREATE INDEX attachments_by_message ON attachments(message_id, position);
     CREATE INDEX attachments_by_hash ON attachments(content_hash);",
    // 6: the provider and model a conversation asks, chosen in its model picker
    // (store/conversation_model.rs). NULL: not chosen yet (older conversations).
    "ALTER TABLE conversations ADD COLUMN provider TEXT;
     ALTER TABLE conversations ADD COLUMN model TEXT;",
    // 7: attachment file names and OCR text in the search index (see store/search_schema.rs).
    super::search_schema::ATTACHMENTS_MIGRATION,
    // 8: conversations pinned to the top of the list.
    "ALTER TABLE conversations ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;",
    // 9: where the last request of a conversation started its history, when older messages
    // did not fit the model's context window, so the window's marker survives a restart; and
    // the token counts the server reported for a reply (store/context_cuts.rs).
    "CREATE TABLE context_cuts (
         conversation_id  INTEGER PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
         first_sent       INTEGER NOT NULL,
         context_window   INTEGER NOT NULL
     );
     CREATE TABLE reply_usage (
         message_id        INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
         prompt_tokens     INTEGER NOT NULL,
         completion_tokens INTEGER NOT NULL
     );",
];

/// Why a file cannot be brought to the current schema. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// A newer ocrchat wrote it.
    #[error("schema version {found}, but this version of ocrchat reads up to {supported}")]
    Newer {
        /// The file's `user_version`.
        found: usize,
        /// [`latest_version`].
        supported: usize,
    },
    /// Its tables are not the ones ocrchat made.
    #[error("{0}")]
    Unexpected(String),
    /// SQLite failed (locked, full, not a database).
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// Brings the database up to the current schema, or leaves it untouched and says why not.
/// Leaves foreign keys off on `conn`; the caller turns them on.
pub fn migrate(conn: &mut Connection) -> Result<(), SchemaError> {
    // Off while migrating: migration 3 rebuilds tables, and dropping the old ones must not
    // cascade. The setting cannot change inside a transaction, so it is set here.
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let supported = latest_version();
    // An up-to-date file is only checked, under a read transaction: no write lock, so many
    // processes opening it at once do not queue behind each other's checks (each check runs
    // every migration in memory).
    let current: usize = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if current == supported && supported > 0 {
        let tx = conn.transaction()?;
        check_tables(&tx, supported)?;
        tx.commit()?;
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: usize = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > supported {
        return Err(SchemaError::Newer { found, supported });
    }
    if found == 0 {
        let tables: i64 = tx.query_row(
            "SELECT count(*) FROM sqlite_schema WHERE type = 'table'",
            [],
            |row| row.get(0),
        )?;
        if tables > 0 {
            return Err(SchemaError::Unexpected(
                "it has tables but no ocrchat schema version, so another program made it".into(),
            ));
        }
    }
    // The tables must be what this version had, before anything is changed.
    check_tables(&tx, found)?;
    for (version, sql) in MIGRATIONS.iter().enumerate().skip(found) {
        tx.execute_batch(sql).map_err(|err| {
            SchemaError::Unexpected(format!(
                "moving it from schema version {version} to {} failed: {}",
                version + 1,
                sqlite_message(&err)
            ))
        })?;
    }
    check_tables(&tx, supported)?;
    if found < supported {
        let dangling: i64 =
            tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |row| {
                row.get(0)
            })?;
        if dangling > 0 {
            return Err(SchemaError::Unexpected(format!(
                "{dangling} rows point to rows that do not exist"
            )));
        }
        tx.pragma_update(None, "user_version", supported)?;
    }
    tx.commit()?;
    Ok(())
}

/// Fails naming the first table or column that schema `version` has and `conn` lacks.
fn check_tables(conn: &Connection, version: usize) -> Result<(), SchemaError> {
    for (table, columns) in tables_at(version)? {
        let present = columns_of(conn, &table)?;
        if present.is_empty() {
            return Err(SchemaError::Unexpected(format!(
                "the table {table} of schema version {version} is missing"
            )));
        }
        if let Some(missing) = columns.iter().find(|c| !present.contains(c)) {
            return Err(SchemaError::Unexpected(format!(
                "the table {table} has no column {missing}, which schema version {version} has"
            )));
        }
    }
    Ok(())
}

/// The tables and columns of schema `version`, from its migrations run in memory, so the
/// check can never disagree with the migrations.
fn tables_at(version: usize) -> rusqlite::Result<Vec<(String, Vec<String>)>> {
    let conn = Connection::open_in_memory()?;
    for sql in &MIGRATIONS[..version.min(MIGRATIONS.len())] {
        conn.execute_batch(sql)?;
    }
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )?
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    tables
        .into_iter()
        .map(|table| {
            let columns = columns_of(&conn, &table)?;
            Ok((table, columns))
        })
        .collect()
}

fn columns_of(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    conn.prepare("SELECT name FROM pragma_table_info(?1)")?
        .query_map([table], |row| row.get(0))?
        .collect()
}

/// SQLite's own words, without the statement.
fn sqlite_message(err: &rusqlite::Error) -> String {
    match err {
        rusqlite::Error::SqliteFailure(_, Some(message))
        | rusqlite::Error::SqlInputError { msg: message, .. } => message.clone(),
        other => other.to_string(),
    }
}

/// The schema version this build writes.
pub fn latest_version() -> usize {
    MIGRATIONS.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database at `version`, as an older ocrchat left it.
    pub(crate) fn at_version(conn: &Connection, version: usize) {
        for sql in &MIGRATIONS[..version] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", version).unwrap();
    }

    #[test]
    fn migrating_from_version_2_keeps_rows_and_ids_and_is_then_not_reused() {
        let mut conn = Connection::open_in_memory().unwrap();
        at_version(&conn, 2);
        conn.execute_batch(
            "INSERT INTO conversations VALUES (1, 'a', 0, 0), (7, 'b', 0, 5);
             INSERT INTO messages (id, conversation_id, role, content, status, created_at)
                 VALUES (3, 1, 'user', 'q', 'complete', 0), (9, 7, 'assistant', 'r', 'streaming', 0);
             DELETE FROM conversations WHERE id = 7;
             DELETE FROM messages WHERE id = 9;",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let version: usize = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, latest_version());
        let kept: (i64, String) = conn
            .query_row("SELECT id, content FROM messages", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(kept, (3, "q".into()));
        // A new row never takes a deleted row's id again, from now on.
        conn.execute(
            "INSERT INTO conversations (title, created_at, updated_at) VALUES ('c', 0, 0)",
            [],
        )
        .unwrap();
        let newest = conn.last_insert_rowid();
        conn.execute("DELETE FROM conversations WHERE id = ?1", [newest])
            .unwrap();
        conn.execute(
            "INSERT INTO conversations (title, created_at, updated_at) VALUES ('d', 0, 0)",
            [],
        )
        .unwrap();
        assert_eq!(conn.last_insert_rowid(), newest + 1);
    }

    #[test]
    fn migrating_from_version_3_indexes_the_existing_history() {
        let mut conn = Connection::open_in_memory().unwrap();
        at_version(&conn, 3);
        conn.execute_batch(
            "INSERT INTO conversations VALUES (1, '发票 title', 0, 0);
             INSERT INTO messages (id, conversation_id, role, content, reasoning, status, created_at)
                 VALUES (3, 1, 'user', '合同编号是多少', '', 'complete', 0),
                        (4, 1, 'assistant', 'invoice 2026', 'ledger', 'complete', 0);",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let found: Vec<i64> = conn
            .prepare(
                "SELECT d.source_id FROM search_fts JOIN search_docs d ON d.id = search_fts.rowid
                 WHERE search_fts MATCH ?1 ORDER BY d.source_id",
            )
            .unwrap()
            .query_map(["\"合同编号\" OR ledger OR \"e 2026\""], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(found, [3, 4, 4]);
        let titles: i64 = conn
            .query_row(
                "SELECT count(*) FROM search_docs WHERE kind = 'title'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(titles, 1);
    }

    #[test]
    fn migrating_from_version_5_leaves_conversations_without_a_chosen_model() {
        let mut conn = Connection::open_in_memory().unwrap();
        at_version(&conn, 5);
        conn.execute_batch("INSERT INTO conversations VALUES (1, 't', 0, 0);")
            .unwrap();
        migrate(&mut conn).unwrap();
        let chosen: (Option<String>, Option<String>) = conn
            .query_row("SELECT provider, model FROM conversations", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!(chosen, (None, None));
    }

    #[test]
    fn migrating_from_version_5_indexes_existing_attachments() {
        let mut conn = Connection::open_in_memory().unwrap();
        at_version(&conn, 5);
        conn.execute_batch(
            "INSERT INTO conversations VALUES (1, 't', 0, 0);
             INSERT INTO messages (id, conversation_id, role, content, status, created_at)
                 VALUES (3, 1, 'user', '', 'complete', 7);
             INSERT INTO attachments (id, message_id, position, file_name, content_hash,
                 byte_len, width, height, sent_text, sent_as)
                 VALUES (9, 3, 0, 'scan.png', 'h', 1, 1, 1, '增值税发票', 'text'),
                        (10, 3, 1, 'empty.png', 'h', 1, 1, 1, '', 'image');",
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        let docs: Vec<(String, i64, i64, i64, i64)> = conn
            .prepare(
                "SELECT d.kind, d.source_id, d.message_id, d.conversation_id, d.created_at
                 FROM search_fts JOIN search_docs d ON d.id = search_fts.rowid
                 WHERE search_fts MATCH ?1 ORDER BY d.kind, d.source_id",
            )
            .unwrap()
            .query_map(["\"值税发\" OR png"], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            docs,
            [
                ("file_name".into(), 9, 3, 1, 7),
                ("file_name".into(), 10, 3, 1, 7),
                ("ocr".into(), 9, 3, 1, 7)
            ]
        );
    }

    #[test]
    fn newer_and_foreign_files_are_refused_unchanged() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", latest_version() + 4)
            .unwrap();
        let err = migrate(&mut conn).unwrap_err().to_string();
        assert!(
            err.contains(&format!("schema version {}", latest_version() + 4))
                && err.contains(&format!("reads up to {}", latest_version())),
            "{err}"
        );

        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE notes (x)").unwrap();
        let err = migrate(&mut conn).unwrap_err().to_string();
        assert!(err.contains("another program"), "{err}");

        // Version 2 but a column missing: named, and the transaction rolled back.
        let mut conn = Connection::open_in_memory().unwrap();
        at_version(&conn, 1);
        conn.pragma_update(None, "user_version", 2).unwrap();
        let err = migrate(&mut conn).unwrap_err().to_string();
        assert!(err.contains("stream_owner"), "{err}");
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name LIKE '%v3' OR name = 'message_chunks'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(tables, 0, "the failed migration was rolled back");
    }
}
