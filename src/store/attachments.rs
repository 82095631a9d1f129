//! Attachments in the history: one row per image on a user message, with what OCR read
//! (text, words with boxes and confidences, language, engine, mean confidence) and what was
//! sent. The image bytes are files named by their hash (`attachment_files.rs`).

use rusqlite::{OptionalExtension as _, params};

use super::attachment_files::AttachmentFiles;
use super::{ConversationId, MessageId, Store, StoreError};
use crate::domain::{ImageMode, OcrResult};

/// An attachment to write with its message. The bytes are already saved under `content_hash`.
/// Serialised whole in a JSON export (store/transfer.rs).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NewAttachment {
    /// The name the user saw (`screenshot.png`, or `pasted image`).
    pub file_name: String,
    /// [`AttachmentFiles::hash_of`] of the bytes.
    pub content_hash: String,
    /// Size of the stored file.
    pub byte_len: u64,
    /// Pixel size as shown (after EXIF orientation).
    pub width: u32,
    /// Pixel size as shown.
    pub height: u32,
    /// The text that went into the prompt: the OCR text as the user left it after editing.
    pub sent_text: String,
    /// What went to the model.
    pub sent_as: ImageMode,
    /// What OCR read, when it finished.
    pub ocr: Option<OcrResult>,
}

/// An attachment read back, with its row id.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAttachment {
    /// Row id.
    pub id: i64,
    /// The message it belongs to.
    pub message: MessageId,
    /// What was written.
    pub attachment: NewAttachment,
}

impl Store {
    /// Writes `attachments` on `message`, in order, in one transaction.
    pub fn add_attachments(
        &self,
        message: MessageId,
        attachments: &[NewAttachment],
    ) -> Result<(), StoreError> {
        self.atomic(|s| {
            for (position, a) in attachments.iter().enumerate() {
                let ocr_json = a
                    .ocr
                    .as_ref()
                    .map(serde_json::to_string)
                    .transpose()
                    .map_err(|err| rusqlite::Error::ToSqlConversionFailure(Box::new(err)))?;
                s.conn.execute(
                    "INSERT INTO attachments (message_id, position, file_name, content_hash,
                         byte_len, width, height, sent_text, sent_as, ocr_language, ocr_engine,
                         ocr_confidence, ocr_result)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                    params![
                        message.0,
                        i64::try_from(position).unwrap_or(i64::MAX),
                        a.file_name,
                        a.content_hash,
                        i64::try_from(a.byte_len).unwrap_or(i64::MAX),
                        a.width,
                        a.height,
                        a.sent_text,
                        a.sent_as.as_str(),
                        a.ocr.as_ref().map(|o| o.language.as_str()),
                        a.ocr.as_ref().map(|o| o.engine.as_str()),
                        a.ocr.as_ref().and_then(|o| o.mean_confidence),
                        ocr_json,
                    ],
                )?;
            }
            Ok(())
        })
    }

    /// The attachments of every message of a conversation, in message then attachment order.
    pub fn attachments_in(
        &self,
        conversation: ConversationId,
    ) -> Result<Vec<StoredAttachment>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT a.id, a.message_id, a.file_name, a.content_hash, a.byte_len, a.width,
                    a.height, a.sent_text, a.sent_as, a.ocr_result
             FROM attachments a JOIN messages m ON m.id = a.message_id
             WHERE m.conversation_id = ?1
             ORDER BY a.message_id, a.position",
        )?;
        let rows = statement.query_map([conversation.0], |row| {
            let ocr_json: Option<String> = row.get(9)?;
            Ok(StoredAttachment {
                id: row.get(0)?,
                message: MessageId(row.get(1)?),
                attachment: NewAttachment {
                    file_name: row.get(2)?,
                    content_hash: row.get(3)?,
                    byte_len: u64::try_from(row.get::<_, i64>(4)?).unwrap_or(0),
                    width: row.get(5)?,
                    height: row.get(6)?,
                    sent_text: row.get(7)?,
                    sent_as: ImageMode::parse(&row.get::<_, String>(8)?),
                    // A row whose OCR JSON no longer parses keeps its sent text.
                    ocr: ocr_json.and_then(|json| serde_json::from_str(&json).ok()),
                },
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// True when some message still uses the file with `hash`.
    pub fn attachment_hash_in_use(&self, hash: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM attachments WHERE content_hash = ?1 LIMIT 1",
                [hash],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Deletes a conversation with its messages and attachment rows, then the attachment
    /// files no other message uses. The rows go in one transaction; a file that cannot be
    /// deleted is reported after the rows are gone (the history stays consistent).
    pub fn delete_conversation_and_files(
        &self,
        id: ConversationId,
        files: &AttachmentFiles,
    ) -> Result<(), StoreError> {
        let unused = self.atomic(|s| {
            let mut statement = s.conn.prepare_cached(
                "SELECT DISTINCT a.content_hash FROM attachments a
                 JOIN messages m ON m.id = a.message_id WHERE m.conversation_id = ?1",
            )?;
            let hashes: Vec<String> = statement
                .query_map([id.0], |row| row.get(0))?
                .collect::<Result<_, _>>()?;
            s.delete_conversation(id)?;
            let mut unused = Vec::new();
            for hash in hashes {
                if !s.attachment_hash_in_use(&hash)? {
                    unused.push(hash);
                }
            }
            Ok(unused)
        })?;
        files.remove(&unused).map_err(|err| StoreError::Query {
            source: rusqlite::Error::ToSqlConversionFailure(Box::new(err)),
        })
    }
}
