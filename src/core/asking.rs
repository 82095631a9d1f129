//! Engine commands that ask: pick the provider, store the question and the reply's
//! placeholder, build the request from the history, resolve the key, start the stream.

use tokio_util::sync::CancellationToken;

use super::attach_images::{FreshImages, ImagePlan, sent_as};
use super::attaching::{ReadyAttachment, history_entry, request_history, save_attachments};
use super::attachment_prompt::{RequestMessages, planned_cut, with_images};
use super::command::SendOptions;
use super::context_window::history_budget;
use super::engine::{Engine, Internal, LiveReply, drive_stream};
use super::event::{Event, NoticeCause};
use super::history_cache::KEPT_TOKENS;
use super::localized::Refusal;
use super::providers::DOTENV_PRESET;
use crate::llm::{ChatMessage, ChatRequest, ProviderConfig, Role};
use crate::secrets;
use crate::store::{
    ConversationId, MessageId, MessageStatus, NewAttachment, NewMessage, title_from,
};

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
                let known = self.settings.providers.iter().map(|p| p.name.clone());
                Refusal::NoSuchProvider {
                    name: name.clone(),
                    known: known.collect(),
                }
                .text(self.lang)
            });
        }
        self.settings
            .active()
            .cloned()
            .ok_or_else(|| Refusal::NoProvider.text(self.lang))
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
            Ok(_) if streaming => Err(Refusal::StillStreaming.text(self.lang)),
            result => result,
        }
    }

    /// The provider for a Retry or a Continue in `conversation`; otherwise the reason is
    /// shown (a reply streaming there as a notice that goes when it ends).
    pub(super) async fn ready_to_ask_again(
        &self,
        conversation: ConversationId,
        options: &SendOptions,
    ) -> Option<ProviderConfig> {
        let streaming = self.live.values().any(|r| r.conversation == conversation);
        let event = match self.ready_to_ask(Some(conversation), options) {
            Ok(provider) => return Some(provider),
            Err(message) if streaming => Event::Notice {
                cause: NoticeCause::Streaming(conversation),
                message,
            },
            Err(message) => Event::Error(message),
        };
        self.events.emit(event).await;
        None
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
            let reason = Refusal::EmptyQuestion.text(self.lang);
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
        // The history is read only when the engine does not keep it already.
        let cached = conversation.filter(|id| self.history.get(*id).is_some());
        // One store job and one transaction: create the conversation if needed, add the
        // question and the reply's placeholder, and read the history if it is not kept.
        let (id, user, reply, rows, loaded) = self
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
                    let loaded = if cached == Some(id) {
                        None
                    } else {
                        Some((s.messages(id)?, s.attachments_in(id)?))
                    };
                    let reply = s.add_message(id, &NewMessage::reply(&provider_name, &model))?;
                    let rows: Vec<NewAttachment> = attachments.into_iter().map(|a| a.row).collect();
                    Ok((id, user, reply, rows, loaded))
                })
            })
            .await
            .map_err(|err| err.text(self.lang))?;
        if let Some((history, attached)) = loaded {
            let history = request_history(&history, &attached, KEPT_TOKENS);
            self.history.insert(id, history);
        } else {
            self.history.upsert(id, history_entry(&user, rows));
        }

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
        self.stream_reply(id, reply_id, fresh, &options, &provider)
            .await;
        Ok(())
    }

    /// Asks again for the conversation's last reply. The earlier reply stays in the history
    /// (nothing received is lost); the new one follows it, and later requests send only the
    /// newer of the two.
    pub(super) async fn retry(&mut self, conversation: ConversationId) {
        let options = self
            .with_conversation_choice(Some(conversation), SendOptions::default())
            .await;
        let Some(provider) = self.ready_to_ask_again(conversation, &options).await else {
            return;
        };
        let (provider_name, model) = (provider.name.clone(), provider.model.clone());
        let cached = self
            .history
            .get(conversation)
            .map(|history| history.iter().any(|e| e.message.role == Role::User));
        let result = self
            .store
            .call(move |s| {
                let loaded = match cached {
                    Some(_) => None,
                    None => Some((s.messages(conversation)?, s.attachments_in(conversation)?)),
                };
                let has_question = cached.unwrap_or_else(|| {
                    loaded
                        .as_ref()
                        .is_some_and(|(h, _)| h.iter().any(|m| m.role == Role::User))
                });
                if !has_question {
                    return Ok(None);
                }
                let reply =
                    s.add_message(conversation, &NewMessage::reply(&provider_name, &model))?;
                Ok(Some((reply, loaded)))
            })
            .await;
        match result {
            Ok(Some((reply, loaded))) => {
                if let Some((history, attached)) = loaded {
                    let history = request_history(&history, &attached, KEPT_TOKENS);
                    self.history.insert(conversation, history);
                }
                let reply_id = reply.id;
                self.events.emit(Event::MessageAdded(reply)).await;
                self.emit_conversations().await;
                let fresh = FreshImages::new();
                self.stream_reply(conversation, reply_id, fresh, &options, &provider)
                    .await;
            }
            Ok(None) => {}
            Err(err) => self.history_failed(&err).await,
        }
    }

    /// Builds the request from the kept history, cut to the model's context window (its
    /// images prepared in the reply's task), says where the history sent starts, and streams
    /// the answer into the placeholder `reply_id`.
    async fn stream_reply(
        &mut self,
        id: ConversationId,
        reply_id: MessageId,
        fresh: FreshImages,
        options: &SendOptions,
        provider: &ProviderConfig,
    ) {
        let messages = self.request_for(id, options, provider, false, fresh).await;
        self.stream_messages(
            id,
            reply_id,
            messages,
            (String::new(), String::new()),
            options,
            provider,
        );
    }

    /// The request messages of the kept history of `id` that fit `provider`'s model, made in
    /// the reply's task (the images of the messages sent are prepared there), announcing
    /// where the history sent starts ([`Event::ContextCut`]) and keeping that for the marker
    /// after a restart. The templates are filled and the images planned first, so the cut
    /// counts what is sent; only the messages that fit get their images prepared. When all
    /// that is kept fits but older messages were not kept (a window past [`KEPT_TOKENS`]),
    /// the whole history is read once more. `fresh`: the question's own images, for a
    /// history kept only in memory (no files).
    pub(super) async fn request_for(
        &mut self,
        id: ConversationId,
        options: &SendOptions,
        provider: &ProviderConfig,
        continuing: bool,
        fresh: FreshImages,
    ) -> RequestMessages {
        let profile = provider.model_profile(&provider.model);
        let reply_max = options.max_tokens.or(profile.max_tokens);
        let budget = history_budget(profile.context_window, reply_max);
        let system = options.system.as_deref();
        let shape = self.request_shape(provider);
        let kept = self.history.peek(id).unwrap_or_default();
        let mut planned = planned_cut(kept, &shape, system, budget, continuing);
        let all_fit = planned
            .as_ref()
            .is_ok_and(|(_, cut)| cut.first_sent.is_none());
        if all_fit && !self.history.is_complete(id) {
            let loaded = self
                .store
                .call(move |s| Ok((s.messages(id)?, s.attachments_in(id)?)))
                .await;
            match loaded {
                Ok((history, attached)) => {
                    let whole = request_history(&history, &attached, u64::MAX);
                    self.history.insert(id, whole);
                    let kept = self.history.peek(id).unwrap_or_default();
                    planned = planned_cut(kept, &shape, system, budget, continuing);
                }
                Err(err) => {
                    let err = err.text(self.lang);
                    tracing::warn!("the whole history of {id:?} was not read: {err}");
                }
            }
        }
        let (plan, cut) = match planned {
            Ok(planned) => planned,
            // A template that cannot be filled fails this reply, with the cause.
            Err(err) => return Box::pin(std::future::ready(Err(err))),
        };
        // Kept for the marker after a restart; a failed write costs only that marker.
        let row = cut.first_sent.map(|first| (first, profile.context_window));
        if let Ok(written) = self.store.submit(move |s| s.set_context_cut(id, row)).await {
            tokio::spawn(async move {
                if let Err(err) = written.await {
                    tracing::warn!("where the history sent starts was not saved: {err}");
                }
            });
        }
        self.events
            .emit(Event::ContextCut {
                conversation: id,
                first_sent: cut.first_sent,
                context_window: profile.context_window,
            })
            .await;
        // Only the images of the messages sent are prepared.
        let plan: ImagePlan = plan
            .into_iter()
            .filter(|(message, _)| cut.sent.contains(message))
            .collect();
        let images = self.image_job(plan, provider, fresh);
        Box::pin(async move {
            let images = images.run().await?;
            Ok(with_images(cut, &images))
        })
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
        let lang = self.lang;
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
            drive_stream(stream, reply_id, cancel, reports, lang).await;
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
