//! Engine commands about conversations: list, open (with any reply still streaming), rename,
//! delete.

use super::attaching::request_history;
use super::engine::Engine;
use super::event::{Event, NoticeCause};
use super::history_cache::KEPT_TOKENS;
use crate::store::{ConversationId, MessageId, MessageStatus};

impl Engine {
    pub(super) async fn emit_conversations(&self) {
        match self.store.call(|s| s.list_conversations()).await {
            Ok(list) => {
                self.events.emit(Event::Conversations(list)).await;
                // The history answers: a notice about it is out of date.
                let gone = Event::NoticeGone {
                    cause: NoticeCause::History,
                };
                self.events.emit(gone).await;
            }
            Err(err) => self.history_failed(&err).await,
        }
    }

    /// Tells the front end the history failed, as a notice that goes once it answers again.
    pub(super) async fn history_failed(&self, err: &crate::store::StoreError) {
        let notice = Event::Notice {
            cause: NoticeCause::History,
            message: err.text(self.lang),
        };
        self.events.emit(notice).await;
    }

    pub(super) async fn open_conversation(&mut self, id: ConversationId) {
        let loaded = self
            .store
            .call(move |s| {
                let kept = (s.context_cut(id)?, s.usage_in(id)?);
                Ok((s.messages(id)?, s.attachments_in(id)?, kept))
            })
            .await;
        match loaded {
            Ok((mut messages, attached, (cut, usage))) => {
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
                // The request history is kept from this read (a question then reads none).
                self.keep_history_of(Some(id));
                let history = request_history(&messages, &attached, KEPT_TOKENS);
                self.history.insert(id, history);
                self.events
                    .emit(Event::ConversationOpened {
                        id: Some(id),
                        messages,
                    })
                    .await;
                if !usage.is_empty() {
                    let event = Event::UsageLoaded {
                        conversation: id,
                        usage,
                    };
                    self.events.emit(event).await;
                }
                if let Some((first_sent, context_window)) = cut {
                    self.events
                        .emit(Event::ContextCut {
                            conversation: id,
                            first_sent: Some(first_sent),
                            context_window,
                        })
                        .await;
                }
                self.emit_sent_attachments(id, None).await;
                self.emit_conversation_model(id).await;
            }
            Err(err) => self.history_failed(&err).await,
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
        self.history.remove(id);
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
            Err(err) => self.history_failed(&err).await,
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

    /// Drops the request histories of conversations no longer in use: all but `open` and
    /// those with a reply streaming.
    pub(super) fn keep_history_of(&mut self, open: Option<ConversationId>) {
        let streaming: Vec<ConversationId> = self.live.values().map(|r| r.conversation).collect();
        self.history
            .retain(|c| Some(c) == open || streaming.contains(&c));
    }

    pub(super) async fn rename_conversation(&self, id: ConversationId, title: String) {
        if let Err(err) = self
            .store
            .call(move |s| s.rename_conversation(id, &title))
            .await
        {
            self.history_failed(&err).await;
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
