//! Continue: a reply cut off mid-stream (a broken connection, a timeout, Stop, the token
//! limit) is sent back as the last assistant turn, and the model's new text is appended to
//! the same reply, so nothing streamed is lost and nothing is generated twice (issue #12).

use super::command::SendOptions;
use super::engine::Engine;
use super::event::Event;
use crate::llm::Role;
use crate::store::{ConversationId, Message, MessageStatus};

/// Whether `message` is a reply Continue can extend: the model's, cut off, with some text.
pub fn can_continue(message: &Message) -> bool {
    message.role == Role::Assistant
        && !message.content.trim().is_empty()
        && matches!(
            message.status,
            MessageStatus::Failed
                | MessageStatus::Stopped
                | MessageStatus::Interrupted
                | MessageStatus::Truncated
        )
}

impl Engine {
    /// Continues the conversation's last reply; tells the user when there is none to continue.
    pub(super) async fn continue_reply(&mut self, conversation: ConversationId) {
        let options = self
            .with_conversation_choice(Some(conversation), SendOptions::default())
            .await;
        let Some(provider) = self.ready_to_ask_again(conversation, &options).await else {
            return;
        };
        // Continue is rare and needs the statuses: the history is read again, and kept.
        let loaded = self
            .store
            .call(move |s| Ok((s.messages(conversation)?, s.attachments_in(conversation)?)))
            .await;
        let (history, attached) = match loaded {
            Ok(loaded) => loaded,
            Err(err) => return self.history_failed(&err).await,
        };
        let Some(mut reply) = history.last().filter(|last| can_continue(last)).cloned() else {
            let message = super::localized::Refusal::NothingToContinue.text(self.lang);
            self.events.emit(Event::Error(message)).await;
            return;
        };
        let kept = super::attaching::request_history(
            &history,
            &attached,
            super::history_cache::KEPT_TOKENS,
        );
        self.history.insert(conversation, kept);
        // The reply goes last, as the text the model extends.
        let fresh = std::collections::HashMap::new();
        let messages = self
            .request_for(conversation, &options, &provider, true, fresh)
            .await;
        // The window shows the same reply streaming again, with its error cleared.
        reply.status = MessageStatus::Streaming;
        reply.error = None;
        let (id, so_far) = (reply.id, (reply.content.clone(), reply.reasoning.clone()));
        // On disk it is streaming again before any new text is shown (a crash then folds the
        // new text in, like any streaming reply's).
        if let Err(err) = self.store.call(move |s| s.resume_reply(id)).await {
            self.history_failed(&err).await;
            return;
        }
        self.events.emit(Event::MessageAdded(reply)).await;
        self.stream_messages(conversation, id, messages, so_far, &options, &provider);
    }
}
