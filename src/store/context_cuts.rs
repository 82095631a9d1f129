//! What a request and its reply leave besides text (migration 9): where a conversation's
//! last request started its history when older messages did not fit the model's context
//! window (one row per conversation, replaced at each request and removed when everything
//! fitted), and the token counts the server reported for each reply, so both survive a
//! restart.

use rusqlite::{OptionalExtension as _, params};

use super::{ConversationId, MessageId, Store, StoreError};
use crate::llm::Usage;

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

impl Store {
    /// Records the token counts the server reported for `reply`.
    pub fn set_usage(&self, reply: MessageId, usage: Usage) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO reply_usage (message_id, prompt_tokens, completion_tokens)
             SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM messages WHERE id = ?1)",
            params![
                reply.0,
                i64::try_from(usage.prompt_tokens).unwrap_or(i64::MAX),
                i64::try_from(usage.completion_tokens).unwrap_or(i64::MAX)
            ],
        )?;
        Ok(())
    }

    /// The token counts of the replies of `conversation` that have them.
    pub fn usage_in(
        &self,
        conversation: ConversationId,
    ) -> Result<Vec<(MessageId, Usage)>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT u.message_id, u.prompt_tokens, u.completion_tokens FROM reply_usage u
             JOIN messages m ON m.id = u.message_id WHERE m.conversation_id = ?1",
        )?;
        let rows = statement.query_map([conversation.0], |row| {
            let count = |i| row.get::<_, i64>(i).map(|n| u64::try_from(n).unwrap_or(0));
            Ok((
                MessageId(row.get(0)?),
                Usage {
                    prompt_tokens: count(1)?,
                    completion_tokens: count(2)?,
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
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

    #[test]
    fn usage_is_kept_per_reply_and_goes_with_it() {
        let store = Store::in_memory().unwrap();
        let id = store.create_conversation("t").unwrap();
        let reply = store
            .add_message(id, &crate::store::NewMessage::reply("p", "m"))
            .unwrap();
        let usage = Usage {
            prompt_tokens: 9,
            completion_tokens: 3,
        };
        store.set_usage(reply.id, usage).unwrap();
        assert_eq!(store.usage_in(id).unwrap(), [(reply.id, usage)]);
        store.delete_conversation(id).unwrap();
        assert_eq!(store.usage_in(id).unwrap(), []);
    }
}
