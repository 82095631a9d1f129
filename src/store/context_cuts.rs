//! Where a conversation's last request started its history when older messages did not fit
//! the model's context window (migration 6): one row per conversation, replaced at each
//! request and removed when everything fitted, so the window's marker survives a restart.

use rusqlite::{OptionalExtension as _, params};

use super::{ConversationId, MessageId, Store, StoreError};

impl Store {
    /// Records that the last request of `conversation` sent its history from `first_sent`
    /// (older messages left out), or, with `None`, all of it.
    pub fn set_context_cut(
        &self,
        conversation: ConversationId,
        cut: Option<(MessageId, u32)>,
    ) -> Result<(), StoreError> {
        match cut {
            Some((first_sent, window)) => self.conn.execute(
                "INSERT OR REPLACE INTO context_cuts (conversation_id, first_sent, context_window)
                 SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM conversations WHERE id = ?1)",
                params![conversation.0, first_sent.0, window],
            )?,
            None => self.conn.execute(
                "DELETE FROM context_cuts WHERE conversation_id = ?1",
                [conversation.0],
            )?,
        };
        Ok(())
    }

    /// Where the last request of `conversation` started its history, if older messages were
    /// left out, with the context window it had.
    pub fn context_cut(
        &self,
        conversation: ConversationId,
    ) -> Result<Option<(MessageId, u32)>, StoreError> {
        let cut = self
            .conn
            .query_row(
                "SELECT first_sent, context_window FROM context_cuts WHERE conversation_id = ?1",
                [conversation.0],
                |row| Ok((MessageId(row.get(0)?), row.get(1)?)),
            )
            .optional()?;
        Ok(cut)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_is_replaced_cleared_and_goes_with_its_conversation() {
        let store = Store::in_memory().unwrap();
        let id = store.create_conversation("t").unwrap();
        assert_eq!(store.context_cut(id).unwrap(), None);
        store
            .set_context_cut(id, Some((MessageId(5), 2_000)))
            .unwrap();
        store
            .set_context_cut(id, Some((MessageId(9), 4_096)))
            .unwrap();
        assert_eq!(store.context_cut(id).unwrap(), Some((MessageId(9), 4_096)));
        store.set_context_cut(id, None).unwrap();
        assert_eq!(store.context_cut(id).unwrap(), None);
        store
            .set_context_cut(id, Some((MessageId(9), 4_096)))
            .unwrap();
        store.delete_conversation(id).unwrap();
        assert_eq!(store.context_cut(id).unwrap(), None);
        // A conversation deleted before the write gets no row.
        store
            .set_context_cut(id, Some((MessageId(9), 4_096)))
            .unwrap();
        assert_eq!(store.context_cut(id).unwrap(), None);
    }
}
