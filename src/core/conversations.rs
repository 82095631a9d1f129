//! Engine commands about conversations: list, open (with any reply still streaming), rename,
//! delete.

use super::engine::Engine;
use super::event::Event;
use crate::store::{ConversationId, MessageId, MessageStatus};

impl Engine {
    pub(super) async fn emit_conversations(&self) {
        match self.store.call(|s| s.list_conversations()).await {
            Ok(list) => self.events.emit(Event::Conversations(list)).await,
            Err(err) => self.events.emit(Event::Error(err.to_string())).await,
        }
    }

    pub(super) async fn open_conversation(&self, id: ConversationId) {
        match self.store.call(move |s| s.messages(id)).await {
            Ok(mut messages) => {
                for message in &mut messages {
                    if let Some(reply) = self.live.get(&message.id) {
                        message.content.clone_from(&reply.content);
                        message.reasoning.clone_from(&reply.reasoning);
                        message.status = MessageStatus::Streaming;
                    } else if let Some(reply) = self.ended.get(&message.id) {
                        // Ended, but its final write has not succeeded yet.
                        message.content.clone_from(&reply.content);
                        message.reasoning.clone_from(&reply.reasoning);
                        message.status = reply.status;
                        message.error.clone_from(&reply.error);
                    }
                }
                self.events
                    .emit(Event::ConversationOpened {
                        id: Some(id),
                        messages,
                    })
                    .await;
                self.emit_sent_attachments(id, None).await;
                self.emit_conversation_model(id).await;
            }
            Err(err) => self.events.emit(Event::Error(err.to_string())).await,
        }
    }

    pub(super) async fn delete_conversation(&mut self, id: ConversationId) {
        let streaming: Vec<MessageId> = self
            .live
            .iter()
            .filter(|(_, r)| r.conversation == id)
            .map(|(m, _)| *m)
            .collect();
        for message in streaming {
            if let Some(reply) = self.live.remove(&message) {
                reply.cancel.cancel();
            }
        }
        let files = self.attaching.files().cloned();
        let deleted = self
            .store
            .call(move |s| match &files {
                Some(files) => s.delete_conversation_and_files(id, files),
                None => s.delete_conversation(id),
            })
            .await;
        match deleted {
            Ok(()) => self.events.emit(Event::ConversationDeleted { id }).await,
            Err(err) => self.events.emit(Event::Error(err.to_string())).await,
        }
        self.emit_conversations().await;
        self.compact_history().await;
    }

    /// Queues a `VACUUM` (when a quarter of the file is free) behind the store's jobs; a task
    /// of its own waits for it, so the engine loop does not.
    async fn compact_history(&self) {
        let Ok(pending) = self.store.submit(|s| s.vacuum_if_sparse()).await else {
            return;
        };
        tokio::spawn(async move {
            match pending.await {
                Ok(true) => tracing::debug!("the history file was compacted"),
                Ok(false) => {}
                Err(err) => tracing::warn!("compacting the history file failed: {err}"),
            }
        });
    }

    pub(super) async fn rename_conversation(&self, id: ConversationId, title: String) {
        if let Err(err) = self
            .store
            .call(move |s| s.rename_conversation(id, &title))
            .await
        {
            self.events.emit(Event::Error(err.to_string())).await;
        }
        self.emit_conversations().await;
    }

    pub(super) async fn pin_conversation(&self, id: ConversationId, pinned: bool) {
        if let Err(err) = self
            .store
            .call(move |s| s.pin_conversation(id, pinned))
            .await
        {
            self.events.emit(Event::Error(err.to_string())).await;
        }
        self.emit_conversations().await;
    }
}
