//! Continue: a reply cut off mid-stream (a broken connection, a timeout, Stop, the token
//! limit) is sent back as the last assistant turn, and the model's new text is appended to
//! the same reply, so nothing streamed is lost and nothing is generated twice (issue #12).

use super::command::SendOptions;
use super::engine::Engine;
use super::event::Event;
use crate::llm::{ChatMessage, Role};
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
        let provider = match self.ready_to_ask(Some(conversation), &options) {
            Ok(provider) => provider,
            Err(reason) => return self.events.emit(Event::Error(reason)).await,
        };
        let history = match self.store.call(move |s| s.messages(conversation)).await {
            Ok(history) => history,
            Err(err) => {
                self.events.emit(Event::Error(err.to_string())).await;
                return;
            }
        };
        let Some((last, earlier)) = history.split_last().filter(|(last, _)| can_continue(last))
        else {
            let message =
                "There is no cut-off reply to continue here. Use Retry for a fresh reply.";
            self.events.emit(Event::Error(message.into())).await;
            return;
        };
        let mut reply = last.clone();
        let shape = self.request_shape(&provider);
        let earlier = match self
            .store
            .call(move |s| s.attachments_in(conversation))
            .await
        {
            Ok(attached) => {
                super::attaching::with_attachment_text(earlier.to_vec(), &attached, &shape)
            }
            Err(err) => Err(err.to_string()),
        };
        let (earlier, plan) = match earlier {
            Ok(earlier) => earlier,
            Err(err) => return self.events.emit(Event::Error(err)).await,
        };
        let images = self.image_job(plan, &provider, std::collections::HashMap::new());
        let partial = ChatMessage::text(Role::Assistant, reply.content.clone());
        let messages = async move {
            let images = images.run().await?;
            let mut messages = super::asking::request_messages(earlier, &images, None);
            messages.push(partial);
            Ok(messages)
        };
        // The window shows the same reply streaming again, with its error cleared.
        reply.status = MessageStatus::Streaming;
        reply.error = None;
        let (id, so_far) = (reply.id, (reply.content.clone(), reply.reasoning.clone()));
        // On disk it is streaming again before any new text is shown (a crash then folds the
        // new text in, like any streaming reply's).
        if let Err(err) = self.store.call(move |s| s.resume_reply(id)).await {
            self.events.emit(Event::Error(err.to_string())).await;
            return;
        }
        self.events.emit(Event::MessageAdded(reply)).await;
        self.stream_messages(conversation, id, messages, so_far, &options, &provider);
    }
}
