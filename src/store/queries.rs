//! The queries: conversations and messages.

use rusqlite::{OptionalExtension as _, params};

use super::replies::{CONTENT_SQL, REASONING_SQL};
use super::{
    ConversationId, ConversationSummary, Message, MessageId, MessageStatus, Store, StoreError,
    now_secs,
};
use crate::llm::Role;

/// The longest title taken from a first question, in characters.
const TITLE_CHARS: usize = 60;

/// A title from the first question: its first line, cut at 60 characters.
pub fn title_from(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let mut title: String = line.chars().take(TITLE_CHARS).collect();
    if line.chars().count() > TITLE_CHARS {
        title.push('…');
    }
    if title.is_empty() {
        "New chat".into()
    } else {
        title
    }
}

/// The fields of a message being added.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    /// Who said it.
    pub role: Role,
    /// The text so far.
    pub content: &'a str,
    /// Its status.
    pub status: MessageStatus,
    /// The answering provider, for replies.
    pub provider: Option<&'a str>,
    /// The answering model, for replies.
    pub model: Option<&'a str>,
}

impl<'a> NewMessage<'a> {
    /// A question from the user.
    pub fn question(content: &'a str) -> Self {
        Self {
            role: Role::User,
            content,
            status: MessageStatus::Complete,
            provider: None,
            model: None,
        }
    }

    /// An empty reply about to stream from this provider and model.
    pub fn reply(provider: &'a str, model: &'a str) -> Self {
        Self {
            role: Role::Assistant,
            content: "",
            status: MessageStatus::Streaming,
            provider: Some(provider),
            model: Some(model),
        }
    }
}

impl Store {
    /// Creates a conversation.
    pub fn create_conversation(&self, title: &str) -> Result<ConversationId, StoreError> {
        let now = now_secs();
        self.conn.execute(
            "INSERT INTO conversations (title, created_at, updated_at) VALUES (?1, ?2, ?2)",
            params![title, now],
        )?;
        Ok(ConversationId(self.conn.last_insert_rowid()))
    }

    /// All conversations, pinned ones first, each group most recently changed first.
    pub fn list_conversations(&self) -> Result<Vec<ConversationSummary>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, title, updated_at, pinned FROM conversations
             ORDER BY pinned DESC, updated_at DESC, id DESC",
        )?;
        let rows = stmt.query_map([], |row| {
            Ok(ConversationSummary {
                id: ConversationId(row.get(0)?),
                title: row.get(1)?,
                updated_at: row.get(2)?,
                pinned: row.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Whether the conversation exists.
    pub fn conversation_exists(&self, id: ConversationId) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT 1 FROM conversations WHERE id = ?1", [id.0], |_| {
                Ok(())
            })
            .optional()?
            .is_some())
    }

    /// Gives a conversation a new title (its place in the list does not change).
    pub fn rename_conversation(&self, id: ConversationId, title: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE conversations SET title = ?2 WHERE id = ?1",
            params![id.0, title],
        )?;
        Ok(())
    }

    /// Pins a conversation to the top of the list, or unpins it.
    pub fn pin_conversation(&self, id: ConversationId, pinned: bool) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE conversations SET pinned = ?2 WHERE id = ?1",
            params![id.0, pinned],
        )?;
        Ok(())
    }

    /// Deletes a conversation and its messages.
    pub fn delete_conversation(&self, id: ConversationId) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM conversations WHERE id = ?1", [id.0])?;
        Ok(())
    }

    /// Appends a message and touches the conversation, in one transaction.
    pub fn add_message(
        &self,
        conversation: ConversationId,
        new: &NewMessage<'_>,
    ) -> Result<Message, StoreError> {
        self.atomic(|s| s.insert_message(conversation, new))
    }

    fn insert_message(
        &self,
        conversation: ConversationId,
        new: &NewMessage<'_>,
    ) -> Result<Message, StoreError> {
        let now = now_secs();
        // A streaming reply records who streams it, so another process leaves it alone.
        let owner = (new.status == MessageStatus::Streaming).then_some(self.owner.as_str());
        self.conn.execute(
            "INSERT INTO messages
                 (conversation_id, role, content, status, provider, model, created_at, stream_owner)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                conversation.0,
                new.role.as_str(),
                new.content,
                new.status.as_str(),
                new.provider,
                new.model,
                now,
                owner
            ],
        )?;
        let id = MessageId(self.conn.last_insert_rowid());
        self.conn.execute(
            "UPDATE conversations SET updated_at = ?2 WHERE id = ?1",
            params![conversation.0, now],
        )?;
        Ok(Message {
            id,
            conversation,
            role: new.role,
            content: new.content.to_owned(),
            reasoning: String::new(),
            status: new.status,
            error: None,
            provider: new.provider.map(str::to_owned),
            model: new.model.map(str::to_owned),
            created_at: now,
        })
    }

    /// A conversation's messages, oldest first.
    pub fn messages(&self, conversation: ConversationId) -> Result<Vec<Message>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT m.id, m.role, {CONTENT_SQL}, {REASONING_SQL}, m.status, m.error, m.provider,
                    m.model, m.created_at
             FROM messages m WHERE m.conversation_id = ?1 ORDER BY m.id"
        ))?;
        let rows = stmt.query_map([conversation.0], |row| {
            let role: String = row.get(1)?;
            let status: String = row.get(4)?;
            Ok(Message {
                id: MessageId(row.get(0)?),
                conversation,
                role: Role::parse(&role).unwrap_or(Role::User),
                content: row.get(2)?,
                reasoning: row.get(3)?,
                status: MessageStatus::parse(&status),
                error: row.get(5)?,
                provider: row.get(6)?,
                model: row.get(7)?,
                created_at: row.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles() {
        assert_eq!(title_from("\n  什么是 OCR？\nmore"), "什么是 OCR？");
        assert_eq!(title_from("   "), "New chat");
        let long = "x".repeat(100);
        assert_eq!(title_from(&long).chars().count(), TITLE_CHARS + 1);
    }

    #[test]
    fn conversation_round_trip_in_memory() {
        let store = Store::in_memory().unwrap();
        let id = store.create_conversation("t").unwrap();
        let user = NewMessage {
            role: Role::User,
            content: "问题",
            status: MessageStatus::Complete,
            provider: None,
            model: None,
        };
        store.add_message(id, &user).unwrap();
        let reply = store
            .add_message(
                id,
                &NewMessage {
                    role: Role::Assistant,
                    content: "",
                    status: MessageStatus::Streaming,
                    provider: Some("p"),
                    model: Some("m"),
                },
            )
            .unwrap();
        store
            .finish_reply(reply.id, "答", "想", MessageStatus::Stopped, None)
            .unwrap();
        let messages = store.messages(id).unwrap();
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[1].content, "答");
        assert_eq!(messages[1].reasoning, "想");
        assert_eq!(messages[1].status, MessageStatus::Stopped);
        store.delete_conversation(id).unwrap();
        assert!(store.messages(id).unwrap().is_empty());
        assert!(!store.conversation_exists(id).unwrap());
    }

    #[test]
    fn ids_of_deleted_rows_are_never_given_again() {
        let store = Store::in_memory().unwrap();
        let first = store.create_conversation("a").unwrap();
        let message = store
            .add_message(first, &NewMessage::question("q"))
            .unwrap();
        store.delete_conversation(first).unwrap();
        let second = store.create_conversation("b").unwrap();
        let next = store
            .add_message(second, &NewMessage::question("q"))
            .unwrap();
        assert!(second.0 > first.0, "{second:?} reuses {first:?}");
        assert!(
            next.id.0 > message.id.0,
            "{:?} reuses {:?}",
            next.id,
            message.id
        );
    }

    #[test]
    fn a_failed_part_rolls_back_the_whole() {
        let store = Store::in_memory().unwrap();
        let id = store.create_conversation("a").unwrap();
        let result: Result<(), StoreError> = store.atomic(|s| {
            s.add_message(id, &NewMessage::question("kept?"))?;
            Err(StoreError::Closed)
        });
        assert!(result.is_err());
        assert!(store.messages(id).unwrap().is_empty());
        // When touching the conversation fails, the message is not left behind.
        store
            .conn
            .execute_batch(
                "CREATE TRIGGER no_touch BEFORE UPDATE ON conversations
                 BEGIN SELECT RAISE(ABORT, 'full'); END;",
            )
            .unwrap();
        store
            .add_message(id, &NewMessage::question("orphan?"))
            .unwrap_err();
        store.conn.execute_batch("DROP TRIGGER no_touch").unwrap();
        assert!(store.messages(id).unwrap().is_empty());
        // A message for a conversation that does not exist leaves nothing behind either.
        store
            .add_message(ConversationId(999), &NewMessage::question("q"))
            .unwrap_err();
        let rows: i64 = store
            .conn
            .query_row("SELECT count(*) FROM messages", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 0);
    }
}
