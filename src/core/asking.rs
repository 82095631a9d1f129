//! Engine commands that ask: pick the provider, store the question and the reply's
//! placeholder, build the request from the history, resolve the key, start the stream.

use tokio_util::sync::CancellationToken;

use super::attach_images::{FreshImages, ImagePlan, PreparedImages, sent_as};
use super::attaching::{ReadyAttachment, save_attachments, with_attachment_text};
use super::command::SendOptions;
use super::engine::{Engine, Internal, LiveReply, drive_stream};
use super::event::Event;
use super::providers::DOTENV_PRESET;
use crate::llm::{ChatMessage, ChatRequest, ProviderConfig, Role};
use crate::secrets;
use crate::store::{ConversationId, Message, MessageId, MessageStatus, NewMessage, title_from};

impl Engine {
    /// The provider a question goes to, or a message saying how to set one up.
    pub(super) fn pick_provider(&self, options: &SendOptions) -> Result<ProviderConfig, String> {
        let mut provider = self.pick_configured_provider(options)?;
        if let Some(model) = options
            .model
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
        {
            model.clone_into(&mut provider.model);
        }
        Ok(provider)
    }

    fn pick_configured_provider(&self, options: &SendOptions) -> Result<ProviderConfig, String> {
        if let Some(provider) = &options.adhoc_provider {
            return provider
                .validate()
                .map(|()| provider.clone())
                .map_err(|m| format!("{m}."));
        }
        if let Some(name) = &options.provider_name {
            return self.settings.provider(name).cloned().ok_or_else(|| {
                let known: Vec<&str> = self
                    .settings
                    .providers
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect();
                if known.is_empty() {
                    format!("There is no provider named “{name}”: none is configured yet.")
                } else {
                    format!(
                        "There is no provider named “{name}”. Configured: {}.",
                        known.join(", ")
                    )
                }
            });
        }
        self.settings.active().cloned().ok_or_else(|| {
            "No provider is set up yet. Add one in Settings → Providers (or pass --base-url and --model to the CLI).".into()
        })
    }

    /// The provider to ask, when a new reply may start in `conversation`; otherwise why not
    /// (no provider, or a reply still streaming there).
    pub(super) fn ready_to_ask(
        &self,
        conversation: Option<ConversationId>,
        options: &SendOptions,
    ) -> Result<ProviderConfig, String> {
        let streaming =
            conversation.is_some_and(|id| self.live.values().any(|r| r.conversation == id));
        match self.pick_provider(options) {
            Ok(_) if streaming => Err("A reply is still streaming in this conversation. Press Stop first, or wait for it to finish.".into()),
            result => result,
        }
    }

    pub(super) async fn send(
        &mut self,
        conversation: Option<ConversationId>,
        text: String,
        options: SendOptions,
    ) {
        let text = text.trim_end().to_owned();
        // A message may carry images with no text typed.
        if text.trim().is_empty() && options.attachments.is_empty() {
            let reason = "The question is empty. Type a question, then send it.".to_owned();
            return self.events.emit(Event::QuestionRefused { reason }).await;
        }
        // The model picker: a conversation asks the provider and model it remembers.
        let options = self.with_conversation_choice(conversation, options).await;
        let refusal = match self.ready_to_ask(conversation, &options) {
            Ok(provider) => {
                match self.take_ready(&options.attachments, sent_as(&options, &provider)) {
                    Ok(attachments) => self
                        .start_reply(conversation, text, options, provider, attachments)
                        .await
                        .err(),
                    Err(reason) => Some(reason),
                }
            }
            Err(reason) => Some(reason),
        };
        if let Some(reason) = refusal {
            self.events.emit(Event::QuestionRefused { reason }).await;
        }
    }

    pub(super) async fn start_reply(
        &mut self,
        conversation: Option<ConversationId>,
        text: String,
        options: SendOptions,
        provider: ProviderConfig,
        attachments: Vec<ReadyAttachment>,
    ) -> Result<(), String> {
        let title = if text.trim().is_empty() {
            attachments
                .first()
                .map_or_else(String::new, |a| title_from(&a.row.file_name))
        } else {
            title_from(&text)
        };
        let files = self.attaching.files().cloned();
        let with_images = !attachments.is_empty();
        // The question's own images, for a history kept only in memory (no files).
        let fresh = attachments
            .iter()
            .map(|a| (a.row.content_hash.clone(), std::sync::Arc::clone(&a.bytes)))
            .collect();
        let provider_name = provider.name.clone();
        let model = provider.model.clone();
        // The conversation remembers what it asked (not an unsaved command-line provider).
        let choice = options
            .adhoc_provider
            .is_none()
            .then(|| crate::store::ModelChoice {
                provider: provider_name.clone(),
                model: model.clone(),
            });
        let chosen = choice.clone();
        // One store job and one transaction: create the conversation if needed, add the
        // question and the reply's placeholder, and read the history to send.
        let (id, user, reply, history) = self
            .store
            .call(move |s| {
                // A conversation deleted meanwhile is not reused: the question starts a new one.
                s.atomic(|s| {
                    let id = match conversation {
                        Some(id) if s.conversation_exists(id)? => id,
                        _ => s.create_conversation(&title)?,
                    };
                    if let Some(choice) = &choice {
                        s.set_conversation_model(id, choice)?;
                    }
                    let user = s.add_message(id, &NewMessage::question(&text))?;
                    save_attachments(s, files.as_ref(), user.id, &attachments)?;
                    let attached = s.attachments_in(id)?;
                    let history = s.messages(id)?;
                    let reply = s.add_message(id, &NewMessage::reply(&provider_name, &model))?;
                    Ok((id, user, reply, (history, attached)))
                })
            })
            .await
            .map_err(|err| err.to_string())?;
        let (history, plan) =
            with_attachment_text(history.0, &history.1, &self.request_shape(&provider))?;

        self.events
            .emit(Event::QuestionAccepted { conversation: id })
            .await;
        if let Some(choice) = chosen {
            let conversation = id;
            let event = Event::ConversationModel {
                conversation,
                choice,
            };
            self.events.emit(event).await;
        }
        let user_id = user.id;
        if conversation == Some(id) {
            self.events.emit(Event::MessageAdded(user)).await;
        } else {
            self.events
                .emit(Event::ConversationOpened {
                    id: Some(id),
                    messages: vec![user],
                })
                .await;
        }
        if with_images {
            self.emit_sent_attachments(id, Some(user_id)).await;
        }
        // The conversation moved to the top of the list (or is new).
        self.emit_conversations().await;
        let reply_id = reply.id;
        self.events.emit(Event::MessageAdded(reply)).await;
        self.stream_reply(id, reply_id, (history, plan, fresh), &options, &provider);
        Ok(())
    }

    /// Asks again for the conversation's last reply. The earlier reply stays in the history
    /// (nothing received is lost); the new one follows it, and later requests send only the
    /// newer of the two.
    pub(super) async fn retry(&mut self, conversation: ConversationId) {
        let options = self
            .with_conversation_choice(Some(conversation), SendOptions::default())
            .await;
        let provider = match self.ready_to_ask(Some(conversation), &options) {
            Ok(provider) => provider,
            Err(refusal) => return self.events.emit(Event::Error(refusal)).await,
        };
        let (provider_name, model) = (provider.name.clone(), provider.model.clone());
        let result = self
            .store
            .call(move |s| {
                let history = s.messages(conversation)?;
                if !history.iter().any(|m| m.role == Role::User) {
                    return Ok(None);
                }
                let attached = s.attachments_in(conversation)?;
                let reply =
                    s.add_message(conversation, &NewMessage::reply(&provider_name, &model))?;
                Ok(Some((reply, (history, attached))))
            })
            .await;
        match result {
            Ok(Some((reply, (history, attached)))) => {
                let shape = self.request_shape(&provider);
                let (history, plan) = match with_attachment_text(history, &attached, &shape) {
                    Ok(history) => history,
                    Err(err) => return self.events.emit(Event::Error(err)).await,
                };
                let reply_id = reply.id;
                self.events.emit(Event::MessageAdded(reply)).await;
                self.emit_conversations().await;
                let history = (history, plan, std::collections::HashMap::new());
                self.stream_reply(conversation, reply_id, history, &options, &provider);
            }
            Ok(None) => {}
            Err(err) => self.events.emit(Event::Error(err.to_string())).await,
        }
    }

    /// Builds the request from the history (its images prepared in the reply's task), resolves
    /// the key and starts streaming into the placeholder `reply_id`.
    fn stream_reply(
        &mut self,
        id: ConversationId,
        reply_id: MessageId,
        (history, plan, fresh): (Vec<Message>, ImagePlan, FreshImages),
        options: &SendOptions,
        provider: &ProviderConfig,
    ) {
        let images = self.image_job(plan, provider, fresh);
        let system = options.system.clone();
        let messages = async move {
            let images = images.run().await?;
            Ok(request_messages(history, &images, system.as_deref()))
        };
        self.stream_messages(
            id,
            reply_id,
            messages,
            (String::new(), String::new()),
            options,
            provider,
        );
    }

    /// Resolves the key and streams the answer to `messages` (made in the reply's task: their
    /// images are prepared there) into `reply_id`, whose text and reasoning so far are
    /// `so_far` (empty, or the partial reply a Continue appends to).
    pub(super) fn stream_messages(
        &mut self,
        id: ConversationId,
        reply_id: MessageId,
        messages: impl Future<Output = Result<Vec<ChatMessage>, String>> + Send + 'static,
        so_far: (String, String),
        options: &SendOptions,
        provider: &ProviderConfig,
    ) {
        // The model's own settings apply where the request sets nothing (issue #12).
        let profile = provider.model_profile(&provider.model);
        let (model, max_tokens) = (
            provider.model.clone(),
            options.max_tokens.or(profile.max_tokens),
        );
        let (temperature, stream_usage) = (profile.temperature, provider.stream_usage);
        let request = move |messages| ChatRequest {
            model,
            messages,
            max_tokens,
            temperature,
            stream_usage,
            // The plain REST protocol keeps its gateway-side context per conversation.
            session_id: Some(format!("ocrchat-{}", id.0)),
        };

        let cancel = CancellationToken::new();
        self.live.insert(
            reply_id,
            LiveReply::resumed(id, cancel.clone(), so_far.0, so_far.1),
        );
        // The key is looked up in the reply's own task: a locked keyring's unlock prompt then
        // holds up this reply only, never the engine (Stop, other streams, the window).
        let lookup = KeyLookup {
            keyring: self.keyring.clone(),
            dotenv: self.dotenv.clone(),
            provider: provider.clone(),
            adhoc: options.adhoc_provider.is_some(),
        };
        let client = self.client.clone();
        let provider = provider.clone();
        let reports = self.internal_tx.clone();
        tokio::spawn(async move {
            let ready = tokio::select! {
                biased;
                () = cancel.cancelled() => None,
                ready = async { (lookup.run().await, messages.await) } => Some(ready),
            };
            let Some((key, messages)) = ready else {
                let ended = Internal::Ended {
                    message: reply_id,
                    status: MessageStatus::Stopped,
                    error: None,
                };
                reports.send(ended).await.ok();
                return;
            };
            let messages = match messages {
                Ok(messages) => messages,
                Err(error) => {
                    let ended = Internal::Ended {
                        message: reply_id,
                        status: MessageStatus::Failed,
                        error: Some(error),
                    };
                    reports.send(ended).await.ok();
                    return;
                }
            };
            let request = request(messages);
            let (key, secret) = key;
            let stream =
                client.stream_with_secret(&provider, key.as_ref(), secret.as_ref(), &request);
            drive_stream(stream, reply_id, cancel, reports).await;
        });
    }
}

/// What a reply task (or a model list, `model_choice.rs`) needs to find its key.
pub(super) struct KeyLookup {
    pub(super) keyring: secrets::KeyringStore,
    pub(super) dotenv: Option<secrets::DotenvProvider>,
    pub(super) provider: ProviderConfig,
    pub(super) adhoc: bool,
}

impl KeyLookup {
    /// The key for this request, looked up on the blocking pool (keyring IPC). Environment
    /// and `.env` keys go only to ad-hoc requests and the provider imported from `.env`.
    /// With a token URL, also the API secret (keyring, else `.env`'s `API_SECRET` for the
    /// provider imported from it).
    pub(super) async fn run(self) -> (Option<secrets::ApiKey>, Option<secrets::ApiKey>) {
        let Self {
            keyring,
            dotenv,
            provider,
            adhoc,
        } = self;
        let found = tokio::task::spawn_blocking(move || {
            let target = if adhoc {
                secrets::KeyFor::AdHoc
            } else {
                secrets::KeyFor::Saved {
                    name: &provider.name,
                    from_dotenv: provider.preset.as_deref() == Some(DOTENV_PRESET),
                }
            };
            let (key, keyring_error) = secrets::resolve_key(&keyring, target, dotenv.as_ref());
            if let Some(err) = &keyring_error {
                tracing::debug!("keyring lookup failed: {err}");
            }
            if let Some((_, source)) = &key {
                tracing::debug!(?source, provider = %provider.name, "using API key");
            }
            let from_dotenv = provider.preset.as_deref() == Some(DOTENV_PRESET);
            let secret = provider.token_url.as_ref().and_then(|_| {
                let stored = keyring.get(&crate::llm::secret_entry(&provider.name));
                stored.ok().flatten().or_else(|| {
                    dotenv
                        .as_ref()
                        .filter(|_| from_dotenv)
                        .and_then(|d| d.api_secret.clone())
                })
            });
            (key.map(|(key, _)| key), secret)
        })
        .await;
        found.unwrap_or_default()
    }
}

/// The messages a request sends: the system message, then the history without empty
/// messages (a message with images is not empty), where a reply that was asked again counts
/// only by its newest version, and without trailing replies (the one being asked again).
pub(super) fn request_messages(
    history: Vec<Message>,
    images: &PreparedImages,
    system: Option<&str>,
) -> Vec<ChatMessage> {
    let mut kept: Vec<Message> = Vec::with_capacity(history.len());
    // An empty (or blank) turn is never sent: an empty reply is a failure, not an answer.
    let has_images = |m: &Message| images.get(&m.id).is_some_and(|i| !i.is_empty());
    for message in history
        .into_iter()
        .filter(|m| !m.content.trim().is_empty() || has_images(m))
    {
        let replaces_previous = message.role == Role::Assistant
            && kept.last().is_some_and(|last| last.role == Role::Assistant);
        if replaces_previous {
            kept.pop();
        }
        kept.push(message);
    }
    while kept.last().is_some_and(|m| m.role == Role::Assistant) {
        kept.pop();
    }
    let system = system
        .filter(|s| !s.trim().is_empty())
        .map(|s| ChatMessage::text(Role::System, s));
    system
        .into_iter()
        .chain(kept.into_iter().map(|m| ChatMessage {
            images: images.get(&m.id).cloned().unwrap_or_default(),
            role: m.role,
            content: m.content,
        }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MessageStatus;

    fn message(id: i64, role: Role, content: &str, status: MessageStatus) -> Message {
        Message {
            id: MessageId(id),
            conversation: ConversationId(1),
            role,
            content: content.into(),
            reasoning: String::new(),
            status,
            error: None,
            provider: None,
            model: None,
            created_at: 0,
        }
    }

    #[test]
    fn retried_replies_count_once_and_the_retried_one_is_left_out() {
        use MessageStatus::{Complete, Failed, Stopped};
        let history = vec![
            message(1, Role::User, "q1", Complete),
            message(2, Role::Assistant, "partial", Stopped),
            message(3, Role::Assistant, "full answer", Complete),
            message(4, Role::User, "q2", Complete),
            message(5, Role::Assistant, "", Failed),
            message(6, Role::Assistant, "cut", Stopped),
        ];
        // A blank reply saved before empty replies counted as failures is never sent either.
        let mut history = history;
        history.insert(3, message(7, Role::Assistant, " \n", Complete));
        let sent = request_messages(history, &PreparedImages::new(), Some("be brief"));
        let sent: Vec<(Role, &str)> = sent.iter().map(|m| (m.role, m.content.as_str())).collect();
        assert_eq!(
            sent,
            [
                (Role::System, "be brief"),
                (Role::User, "q1"),
                (Role::Assistant, "full answer"),
                (Role::User, "q2"),
            ]
        );
    }
}
