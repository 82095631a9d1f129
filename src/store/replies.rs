//! Writing a reply while it streams. Each flush appends only the new text as a row of
//! `message_chunks`, so its cost follows the new text, not the reply's length (issue #8 §1:
//! rewriting the whole reply on every flush wrote 340 MB for a 5.1 MB reply). When the reply
//! ends, [`Store::finish_reply`] writes the whole text into its message row and drops the
//! chunks, in one transaction; a reply left streaming by a process that died has its chunks
//! folded in the same way when the history is next opened.

use rusqlite::params;

use super::{MessageId, MessageStatus, Store, StoreError};

/// A message's content: its row's text followed by its chunks, oldest first. Used by every
/// read, so a reply another process is streaming reads as far as it has been written.
/// Only streaming replies have chunks, so other rows skip the lookup.
/// Other rows return their column as it is: concatenating even '' would copy every text
/// (issue #9 §5: 20,000 messages of ~1.9 KB are 38 MB).
pub(super) const CONTENT_SQL: &str = "CASE WHEN m.status = 'streaming' THEN m.content || coalesce((SELECT group_concat(c.text, '' ORDER BY c.id) FROM message_chunks c WHERE c.message_id = m.id AND c.reasoning = 0), '') ELSE m.content END";
/// The same for a message's reasoning.
pub(super) const REASONING_SQL: &str = "CASE WHEN m.status = 'streaming' THEN m.reasoning || coalesce((SELECT group_concat(c.text, '' ORDER BY c.id) FROM message_chunks c WHERE c.message_id = m.id AND c.reasoning = 1), '') ELSE m.reasoning END";

impl Store {
    /// Appends the text a streaming reply received since its last write (either part may be
    /// empty). The write costs about as much as the new text, however long the reply is.
    pub fn append_reply(
        &self,
        id: MessageId,
        content: &str,
        reasoning: &str,
    ) -> Result<(), StoreError> {
        self.atomic(|s| {
            let mut insert = s.conn.prepare_cached(
                "INSERT INTO message_chunks (message_id, reasoning, text) VALUES (?1, ?2, ?3)",
            )?;
            for (is_reasoning, text) in [(false, content), (true, reasoning)] {
                if !text.is_empty() {
                    insert.execute(params![id.0, is_reasoning, text])?;
                }
            }
            Ok(())
        })
    }

    /// Marks an ended reply as streaming again in this process (Continue appends to it): its
    /// row keeps the text so far, and new text goes to chunks like any streaming reply, so a
    /// crash while it continues folds them in on the next open.
    pub fn resume_reply(&self, id: MessageId) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE messages SET status = ?2, error = NULL, stream_owner = ?3 WHERE id = ?1",
            params![id.0, MessageStatus::Streaming.as_str(), self.owner],
        )?;
        Ok(())
    }

    /// Writes a reply's whole text and its final status in its row, and drops its chunks, in
    /// one transaction.
    pub fn finish_reply(
        &self,
        id: MessageId,
        content: &str,
        reasoning: &str,
        status: MessageStatus,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        self.atomic(|s| {
            s.conn.execute(
                "UPDATE messages SET content = ?2, reasoning = ?3, status = ?4, error = ?5 WHERE id = ?1",
                params![id.0, content, reasoning, status.as_str(), error],
            )?;
            s.conn
                .execute("DELETE FROM message_chunks WHERE message_id = ?1", [id.0])?;
            Ok(())
        })
    }

    /// Marks replies left streaming by a process that has ended as interrupted, with the text
    /// they had reached folded into their row. Finds them through the partial index on
    /// streaming messages, not by scanning every message.
    pub(super) fn mark_interrupted(&self) -> Result<(), StoreError> {
        let abandoned: Vec<i64> = {
            let mut stmt = self.conn.prepare(STREAMING_REPLIES_SQL)?;
            let rows = stmt.query_map([], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, Option<String>>(1)?))
            })?;
            rows.filter_map(Result::ok)
                .filter(|(_, owner)| !owner.as_deref().is_some_and(super::owner::is_running))
                .map(|(id, _)| id)
                .collect()
        };
        if abandoned.is_empty() {
            return Ok(());
        }
        self.atomic(|s| {
            for id in abandoned {
                s.conn.execute(
                    &format!(
                        "UPDATE messages AS m SET content = {CONTENT_SQL}, reasoning = {REASONING_SQL}, status = 'interrupted' WHERE m.id = ?1"
                    ),
                    [id],
                )?;
                s.conn
                    .execute("DELETE FROM message_chunks WHERE message_id = ?1", [id])?;
            }
            Ok(())
        })
    }
}

/// The replies marked streaming, with the process streaming each.
const STREAMING_REPLIES_SQL: &str =
    "SELECT id, stream_owner FROM messages WHERE status = 'streaming'";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewMessage;

    #[test]
    fn chunks_read_back_in_order_and_finishing_leaves_one_row() {
        let store = Store::in_memory().unwrap();
        let conversation = store.create_conversation("t").unwrap();
        let reply = store
            .add_message(conversation, &NewMessage::reply("p", "m"))
            .unwrap();
        store.append_reply(reply.id, "你好", "想").unwrap();
        store.append_reply(reply.id, "，世界", "").unwrap();
        store.append_reply(reply.id, "", "了").unwrap();
        let read = &store.messages(conversation).unwrap()[0];
        assert_eq!(
            (read.content.as_str(), read.reasoning.as_str()),
            ("你好，世界", "想了")
        );
        store
            .finish_reply(
                reply.id,
                "你好，世界！",
                "想了",
                MessageStatus::Complete,
                None,
            )
            .unwrap();
        let read = &store.messages(conversation).unwrap()[0];
        assert_eq!(read.content, "你好，世界！");
        assert_eq!(read.status, MessageStatus::Complete);
        let chunks: i64 = store
            .conn
            .query_row("SELECT count(*) FROM message_chunks", [], |r| r.get(0))
            .unwrap();
        assert_eq!(chunks, 0);
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_in_place_of_the_history_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite3");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&path)
                .status()
                .unwrap()
                .success()
        );
        let err = Store::open(&path).unwrap_err().to_string();
        assert!(err.contains("not a regular file"), "{err}");
    }

    #[test]
    fn an_abandoned_reply_is_folded_and_found_through_the_index() {
        let store = Store::in_memory().unwrap();
        let conversation = store.create_conversation("t").unwrap();
        let reply = store
            .add_message(conversation, &NewMessage::reply("p", "m"))
            .unwrap();
        store.append_reply(reply.id, "part one ", "").unwrap();
        store.append_reply(reply.id, "part two", "").unwrap();
        // As if the process streaming it had died.
        store
            .conn
            .execute("UPDATE messages SET stream_owner = 'gone:1'", [])
            .unwrap();
        store.mark_interrupted().unwrap();
        let (content, status, chunks): (String, String, i64) = store
            .conn
            .query_row(
                "SELECT content, status, (SELECT count(*) FROM message_chunks) FROM messages",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(
            (content.as_str(), status.as_str(), chunks),
            ("part one part two", "interrupted", 0)
        );

        let plan: Vec<String> = store
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {STREAMING_REPLIES_SQL}"))
            .unwrap()
            .query_map([], |r| r.get(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan.iter()
                .any(|step| step.contains("USING INDEX messages_streaming")),
            "{plan:?}"
        );
    }
}
