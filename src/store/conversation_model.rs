//! The provider and model a conversation asks (its model picker's choice, migration 6). A
//! conversation from before the picker reads as the provider and model of its last reply.

use rusqlite::{OptionalExtension as _, params};

use super::{ConversationId, Store, StoreError};

/// A provider (by its configured name) and a model name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelChoice {
    /// The provider's name.
    pub provider: String,
    /// The model, as sent in requests.
    pub model: String,
}

impl Store {
    /// Remembers the provider and model the conversation asks from now on.
    pub fn set_conversation_model(
        &self,
        id: ConversationId,
        choice: &ModelChoice,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE conversations SET provider = ?2, model = ?3 WHERE id = ?1",
            params![id.0, choice.provider, choice.model],
        )?;
        Ok(())
    }

    /// The conversation's chosen provider and model; for a conversation that never chose,
    /// those of its last reply; `None` when neither is known.
    pub fn conversation_model(
        &self,
        id: ConversationId,
    ) -> Result<Option<ModelChoice>, StoreError> {
        let chosen = self
            .conn
            .query_row(
                "SELECT provider, model FROM conversations
                 WHERE id = ?1 AND provider IS NOT NULL AND model IS NOT NULL",
                [id.0],
                |row| {
                    Ok(ModelChoice {
                        provider: row.get(0)?,
                        model: row.get(1)?,
                    })
                },
            )
            .optional()?;
        if chosen.is_some() {
            return Ok(chosen);
        }
        Ok(self
            .conn
            .query_row(
                "SELECT provider, model FROM messages
                 WHERE conversation_id = ?1 AND role = 'assistant'
                   AND provider IS NOT NULL AND model IS NOT NULL
                 ORDER BY id DESC LIMIT 1",
                [id.0],
                |row| {
                    Ok(ModelChoice {
                        provider: row.get(0)?,
                        model: row.get(1)?,
                    })
                },
            )
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewMessage;

    #[test]
    fn a_choice_is_remembered_and_an_old_conversation_reads_its_last_reply() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("h.db")).unwrap();
        let id = store.create_conversation("t").unwrap();
        assert_eq!(store.conversation_model(id).unwrap(), None);
        store.add_message(id, &NewMessage::question("q")).unwrap();
        store
            .add_message(id, &NewMessage::reply("Local", "old-model"))
            .unwrap();
        let from_reply = ModelChoice {
            provider: "Local".into(),
            model: "old-model".into(),
        };
        assert_eq!(store.conversation_model(id).unwrap(), Some(from_reply));
        let chosen = ModelChoice {
            provider: "Other".into(),
            model: "new-model".into(),
        };
        store.set_conversation_model(id, &chosen).unwrap();
        assert_eq!(store.conversation_model(id).unwrap(), Some(chosen));
    }
}
