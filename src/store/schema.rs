//! The SQLite schema and its migrations, applied in order by `PRAGMA user_version`.

use rusqlite::Connection;

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
];

/// Brings the database up to the current schema.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let current: usize = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    for (version, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// The schema version this build writes.
pub fn latest_version() -> usize {
    MIGRATIONS.len()
}
