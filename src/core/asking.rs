//! Engine commands that ask: pick the provider, store the question and the reply's
//! placeholder, build the request from the history, resolve the key, start the stream.

use tokio_util::sync::CancellationToken;

use super::attaching::{ReadyAttachment, request_history, request_message, save_attachments};
use super::command::SendOptions;
use super::context_window::{HistoryEntry, cut_history, history_budget};
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
        let refusal = match self.ready_to_ask(conversation, &options) {
            Ok(provider) => match self.take_ready(&options.attachments) {
                Ok(attachments) => self
                    .start_reply(conversation, text, options, provider, attachments)
                    .await
                    .err(),
                Err(reason) => Some(reason),
            },
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
        let provider_name = provider.name.clone();
        let model = provider.model.clone();
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
            let history = request_history(&history, &attached, KEPT_TOKENS)?;
            self.history.insert(id, history);
        } else {
            let rows: Vec<&NewAttachment> = rows.iter().collect();
            let question = request_message(&user, &rows)?;
            self.history
                .upsert(id, HistoryEntry::new(user.id, question));
        }

        self.events
            .emit(Event::QuestionAccepted { conversation: id })
            .await;
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
        self.stream_reply(id, reply_id, &options, &provider).await;
        Ok(())
    }

    /// Asks again for the conversation's last reply. The earlier reply stays in the history
    /// (nothing received is lost); the new one follows it, and later requests send only the
    /// newer of the two.
    pub(super) async fn retry(&mut self, conversation: ConversationId) {
        let options = SendOptions::default();
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
                    match request_history(&history, &attached, KEPT_TOKENS) {
                        Ok(history) => self.history.insert(conversation, history),
                        Err(err) => return self.events.emit(Event::Error(err)).await,
                    }
                }
                let reply_id = reply.id;
                self.events.emit(Event::MessageAdded(reply)).await;
                self.emit_conversations().await;
                self.stream_reply(conversation, reply_id, &options, &provider)
                    .await;
            }
            Ok(None) => {}
            Err(err) => self.history_failed(&err).await,
        }
    }

    /// Builds the request from the kept history, cut to the model's context window, says
    /// where the history sent starts, and streams the answer into the placeholder `reply_id`.
    async fn stream_reply(
        &mut self,
        id: ConversationId,
        reply_id: MessageId,
        options: &SendOptions,
        provider: &ProviderConfig,
    ) {
        let messages = self.request_for(id, options, provider, false).await;
        self.stream_messages(
            id,
            reply_id,
            messages,
            (String::new(), String::new()),
            options,
            provider,
        );
    }

    /// The request messages of the kept history of `id` that fit `provider`'s model,
    /// announcing where the history sent starts ([`Event::ContextCut`]) and keeping that for
    /// the marker after a restart. When all that is kept fits but older messages were not
    /// kept (a window past [`KEPT_TOKENS`]), the whole history is read once more.
    pub(super) async fn request_for(
        &mut self,
        id: ConversationId,
        options: &SendOptions,
        provider: &ProviderConfig,
        continuing: bool,
    ) -> Vec<ChatMessage> {
        let profile = provider.model_profile(&provider.model);
        let reply_max = options.max_tokens.or(profile.max_tokens);
        let budget = history_budget(profile.context_window, reply_max);
        let system = options.system.as_deref();
        let history = self.history.peek(id).unwrap_or_default();
        let mut cut = cut_history(history, system, budget, continuing);
        if cut.first_sent.is_none() && !self.history.is_complete(id) {
            let loaded = self
                .store
                .call(move |s| Ok((s.messages(id)?, s.attachments_in(id)?)))
                .await;
            match loaded
                .map_err(|err| err.text(self.lang))
                .and_then(|(history, attached)| request_history(&history, &attached, u64::MAX))
            {
                Ok(whole) => {
                    self.history.insert(id, whole);
                    let history = self.history.peek(id).unwrap_or_default();
                    cut = cut_history(history, system, budget, continuing);
                }
                Err(err) => tracing::warn!("the whole history of {id:?} was not read: {err}"),
            }
        }
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
        cut.messages
    }

    /// Resolves the key and streams the answer to `messages` into `reply_id`, whose text and
    /// reasoning so far are `so_far` (empty, or the partial reply a Continue appends to).
    pub(super) fn stream_messages(
        &mut self,
        id: ConversationId,
        reply_id: MessageId,
        messages: Vec<ChatMessage>,
        so_far: (String, String),
        options: &SendOptions,
        provider: &ProviderConfig,
    ) {
        let request = ChatRequest {
            model: provider.model.clone(),
            messages,
            max_tokens: options.max_tokens,
            stream_usage: provider.stream_usage,
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
            let key = tokio::select! {
                biased;
                () = cancel.cancelled() => None,
                key = lookup.run() => Some(key),
            };
            let Some(key) = key else {
                let ended = Internal::Ended {
                    message: reply_id,
                    status: MessageStatus::Stopped,
                    error: None,
                };
                reports.send(ended).await.ok();
                return;
            };
            let (key, secret) = key;
            let stream =
                client.stream_with_secret(&provider, key.as_ref(), secret.as_ref(), &request);
            drive_stream(stream, reply_id, cancel, reports, lang).await;
        });
    }
}

/// What a reply task needs to find its key.
struct KeyLookup {
    keyring: secrets::KeyringStore,
    dotenv: Option<secrets::DotenvProvider>,
    provider: ProviderConfig,
    adhoc: bool,
}

impl KeyLookup {
    /// The key for this request, looked up on the blocking pool (keyring IPC). Environment
    /// and `.env` keys go only to ad-hoc requests and the provider imported from `.env`.
    /// With a token URL, also the API secret (keyring, else `.env`'s `API_SECRET` for the
    /// provider imported from it).
    async fn run(self) -> (Option<secrets::ApiKey>, Option<secrets::ApiKey>) {
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
