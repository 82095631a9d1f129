//! Giving space back: after conversations are deleted, the file keeps their pages as free
//! pages. When more than a quarter of it is free, `VACUUM` rewrites it without them and a
//! checkpoint truncates the WAL, so the file on disk shrinks. The search index is merged
//! first, which drops the entries of deleted texts it still kept.

use super::{Store, StoreError};

/// The file is compacted when more than 1 in this many pages is free.
const FREE_SHARE_DENOMINATOR: i64 = 4;

impl Store {
    /// The file's pages and how many of them are free.
    pub fn page_counts(&self) -> Result<(i64, i64), StoreError> {
        let pages: i64 = self
            .conn
            .pragma_query_value(None, "page_count", |row| row.get(0))?;
        let free: i64 = self
            .conn
            .pragma_query_value(None, "freelist_count", |row| row.get(0))?;
        Ok((pages, free))
    }

    /// Runs `VACUUM` when more than a quarter of the file is free; returns whether it did.
    /// Slow on a big file: run it on the store thread, never awaited by the engine loop.
    pub fn vacuum_if_sparse(&self) -> Result<bool, StoreError> {
        let (pages, free) = self.page_counts()?;
        if free * FREE_SHARE_DENOMINATOR <= pages {
            return Ok(false);
        }
        // The full-text index keeps deleted entries as tombstones in its segments until they
        // are merged: merge them all first, so their pages are freed too.
        self.conn.execute(
            "INSERT INTO search_fts (search_fts) VALUES ('optimize')",
            [],
        )?;
        self.conn.execute_batch("VACUUM")?;
        // In WAL mode the rewritten pages reach the file at a checkpoint; TRUNCATE also
        // empties the WAL. A reader in another process can keep it from finishing, which is
        // fine: the next checkpoint does.
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewMessage;

    #[test]
    fn only_a_file_more_than_a_quarter_free_is_vacuumed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("h.sqlite3")).unwrap();
        let big = store.create_conversation("big").unwrap();
        let small = store.create_conversation("small").unwrap();
        let text = "长文本 long text ".repeat(2000);
        for _ in 0..20 {
            store
                .add_message(big, &NewMessage::question(&text))
                .unwrap();
        }
        store
            .add_message(small, &NewMessage::question(&text))
            .unwrap();
        store.delete_conversation(small).unwrap();
        assert!(
            !store.vacuum_if_sparse().unwrap(),
            "a little free space stays"
        );
        store.delete_conversation(big).unwrap();
        let (_, free) = store.page_counts().unwrap();
        assert!(free > 0);
        let size = || {
            std::fs::metadata(dir.path().join("h.sqlite3"))
                .unwrap()
                .len()
        };
        let before = size();
        assert!(store.vacuum_if_sparse().unwrap());
        assert!(size() < before / 4, "{before} → {}", size());
        let (pages, free) = store.page_counts().unwrap();
        assert_eq!(free, 0, "{pages} pages");
        assert!(store.search_index_problems().unwrap().is_empty());
    }
}
