//! Whole conversations as plain data, for `ocrchat export --format json` and `ocrchat import`:
//! every stored field of a conversation, its messages and their attachments (OCR words, boxes
//! and confidences included: [`NewAttachment`]). The image bytes travel beside the records,
//! named by their hash.
//!
//! Importing merges: a conversation already in the history (same creation time and same first
//! message, or same title when it has none) takes only the messages it lacks, so importing
//! the same file twice adds nothing. Ids are kept when they were never used in this history
//! (so a fresh history restores an export exactly) and given anew otherwise.

use rusqlite::{OptionalExtension as _, params};
use serde::{Deserialize, Serialize};

use super::{ConversationId, Message, MessageStatus, NewAttachment, Store, StoreError};
use crate::llm::Role;

/// A conversation with everything stored about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationRecord {
    /// Its id where it was exported.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// Unix seconds it was created.
    pub created_at: i64,
    /// Unix seconds of its last change.
    pub updated_at: i64,
    /// Pinned to the top of the list.
    #[serde(default)]
    pub pinned: bool,
    /// Its messages, oldest first.
    pub messages: Vec<MessageRecord>,
}

/// A message with everything stored about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageRecord {
    /// Its id where it was exported.
    pub id: i64,
    /// Who said it.
    pub role: Role,
    /// The text.
    pub content: String,
    /// The model's reasoning.
    pub reasoning: String,
    /// `complete`, `stopped`, `truncated`, `failed`, `interrupted` (or `streaming`).
    pub status: String,
    /// Why it failed.
    pub error: Option<String>,
    /// The provider that answered.
    pub provider: Option<String>,
    /// The model that answered.
    pub model: Option<String>,
    /// Unix seconds it was written.
    pub created_at: i64,
    /// Its images, in order.
    #[serde(default)]
    pub attachments: Vec<NewAttachment>,
}

/// What an import added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    /// Conversations that were not in the history.
    pub conversations: usize,
    /// Messages added (to new or to existing conversations).
    pub messages: usize,
    /// Attachment rows added.
    pub attachments: usize,
}

impl MessageRecord {
    /// The record of `message` with its `attachments`.
    pub fn of(message: Message, attachments: Vec<NewAttachment>) -> Self {
        Self {
            id: message.id.0,
            role: message.role,
            status: message.status.as_str().to_owned(),
            attachments,
            content: message.content,
            reasoning: message.reasoning,
            error: message.error,
            provider: message.provider,
            model: message.model,
            created_at: message.created_at,
        }
    }
}

impl ConversationRecord {
    /// Each image the conversations use, once (the first attachment with its hash).
    pub fn distinct_images(records: &[Self]) -> Vec<&NewAttachment> {
        let mut seen = std::collections::HashSet::new();
        records
            .iter()
            .flat_map(|c| &c.messages)
            .flat_map(|m| &m.attachments)
            .filter(|a| seen.insert(a.content_hash.as_str()))
            .collect()
    }

    /// Why the record cannot be imported, if it cannot.
    pub fn problem(&self) -> Option<String> {
        self.messages.iter().find_map(|m| {
            if parse_status(&m.status).is_none() {
                return Some(format!(
                    "message {} has the unknown status \"{}\"",
                    m.id, m.status
                ));
            }
            m.attachments
                .iter()
                .find(|a| !is_hash(&a.content_hash))
                .map(|a| {
                    format!(
                        "an image on message {} has a damaged hash \"{}\"",
                        m.id, a.content_hash
                    )
                })
        })
    }
}

fn is_hash(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn parse_status(status: &str) -> Option<MessageStatus> {
    let parsed = MessageStatus::parse(status);
    (parsed.as_str() == status).then_some(parsed)
}

impl Store {
    /// Everything stored about a conversation, or `None` when there is no such conversation.
    pub fn conversation_record(
        &self,
        id: ConversationId,
    ) -> Result<Option<ConversationRecord>, StoreError> {
        let Some((title, created_at, updated_at, pinned)) = self
            .conn
            .query_row(
                "SELECT title, created_at, updated_at, pinned FROM conversations WHERE id = ?1",
                [id.0],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )
            .optional()?
        else {
            return Ok(None);
        };
        let attachments = self.attachments_in(id)?;
        let messages = self
            .messages(id)?
            .into_iter()
            .map(|m| {
                let images = attachments
                    .iter()
                    .filter(|a| a.message == m.id)
                    .map(|a| a.attachment.clone())
                    .collect();
                MessageRecord::of(m, images)
            })
            .collect();
        Ok(Some(ConversationRecord {
            id: id.0,
            title,
            created_at,
            updated_at,
            pinned,
            messages,
        }))
    }

    /// Merges `records` into the history in one transaction (all or nothing). The image
    /// files must already be saved under their hashes. Conversations, then messages, are
    /// written in the order of their ids, so ids kept stay in their order.
    pub fn import_conversations(
        &self,
        records: &[ConversationRecord],
    ) -> Result<ImportCounts, StoreError> {
        self.atomic(|s| {
            let mut counts = ImportCounts::default();
            let mut ordered: Vec<&ConversationRecord> = records.iter().collect();
            ordered.sort_by_key(|r| r.id);
            // Each message with where it goes: its conversation here, and the last message id
            // that conversation had before (messages up to it may already be this one).
            let mut messages: Vec<(&MessageRecord, i64, i64)> = Vec::new();
            for record in ordered {
                let (conversation, before) = s.conversation_for(record, &mut counts)?;
                messages.extend(record.messages.iter().map(|m| (m, conversation, before)));
            }
            messages.sort_by_key(|(m, _, _)| m.id);
            for (message, conversation, before) in messages {
                s.import_message(message, conversation, before, &mut counts)?;
            }
            Ok(counts)
        })
    }

    /// The conversation `record` goes into, and the last message id it had before: an
    /// existing one, or a new one (0).
    fn conversation_for(
        &self,
        record: &ConversationRecord,
        counts: &mut ImportCounts,
    ) -> Result<(i64, i64), StoreError> {
        if let Some(existing) = self.same_conversation(record)? {
            let before: i64 = self.conn.query_row(
                "SELECT coalesce(max(id), 0) FROM messages WHERE conversation_id = ?1",
                [existing],
                |row| row.get(0),
            )?;
            self.conn.execute(
                "UPDATE conversations SET updated_at = max(updated_at, ?2) WHERE id = ?1",
                params![existing, record.updated_at],
            )?;
            return Ok((existing, before));
        }
        let id = self.unused_id("conversations", record.id)?;
        self.conn.execute(
            "INSERT INTO conversations (id, title, created_at, updated_at, pinned)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                id,
                record.title,
                record.created_at,
                record.updated_at,
                record.pinned
            ],
        )?;
        counts.conversations += 1;
        Ok((self.conn.last_insert_rowid(), 0))
    }

    /// Writes `message` and its attachment rows into `conversation`, unless one of its
    /// messages up to `before` already is it.
    fn import_message(
        &self,
        message: &MessageRecord,
        conversation: i64,
        before: i64,
        counts: &mut ImportCounts,
    ) -> Result<(), StoreError> {
        let present: bool = self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM messages WHERE conversation_id = ?1 AND role = ?2
                 AND created_at = ?3 AND content = ?4 AND reasoning = ?5 AND id <= ?6)",
            params![
                conversation,
                message.role.as_str(),
                message.created_at,
                message.content,
                message.reasoning,
                before
            ],
            |row| row.get(0),
        )?;
        if present {
            return Ok(());
        }
        // A reply that was streaming when exported has no process streaming it here.
        let status = match parse_status(&message.status) {
            Some(MessageStatus::Streaming) | None => MessageStatus::Interrupted,
            Some(status) => status,
        };
        let id = self.unused_id("messages", message.id)?;
        self.conn.execute(
            "INSERT INTO messages (id, conversation_id, role, content, reasoning, status,
                 error, provider, model, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                id,
                conversation,
                message.role.as_str(),
                message.content,
                message.reasoning,
                status.as_str(),
                message.error,
                message.provider,
                message.model,
                message.created_at
            ],
        )?;
        let message_id = super::MessageId(self.conn.last_insert_rowid());
        self.add_attachments(message_id, &message.attachments)?;
        counts.messages += 1;
        counts.attachments += message.attachments.len();
        Ok(())
    }

    /// The conversation `record` already is in this history, if any.
    fn same_conversation(&self, record: &ConversationRecord) -> Result<Option<i64>, StoreError> {
        let found = match record.messages.first() {
            Some(first) => self
                .conn
                .query_row(
                    "SELECT c.id FROM conversations c
                     JOIN messages m ON m.id = (SELECT min(id) FROM messages
                                                WHERE conversation_id = c.id)
                     WHERE c.created_at = ?1 AND m.role = ?2 AND m.created_at = ?3
                           AND m.content = ?4
                     ORDER BY c.id LIMIT 1",
                    params![
                        record.created_at,
                        first.role.as_str(),
                        first.created_at,
                        first.content
                    ],
                    |row| row.get(0),
                )
                .optional()?,
            None => self
                .conn
                .query_row(
                    "SELECT id FROM conversations c WHERE created_at = ?1 AND title = ?2
                         AND NOT EXISTS (SELECT 1 FROM messages WHERE conversation_id = c.id)
                     ORDER BY id LIMIT 1",
                    params![record.created_at, record.title],
                    |row| row.get(0),
                )
                .optional()?,
        };
        Ok(found)
    }

    /// `wanted` when this history never used that id in `table`, else `None` (a new one).
    fn unused_id(&self, table: &str, wanted: i64) -> Result<Option<i64>, StoreError> {
        let highest: i64 = self
            .conn
            .query_row(
                "SELECT seq FROM sqlite_sequence WHERE name = ?1",
                [table],
                |row| row.get(0),
            )
            .optional()?
            .unwrap_or(0);
        Ok((wanted > highest).then_some(wanted))
    }
}
