//! The engine: one tokio task that owns the core's state (settings, live replies, running
//! streams), handles [`Command`]s one at a time and emits [`Event`]s. Stream tasks report
//! back to it over an internal channel, so every event leaves in one order and a conversation
//! opened mid-reply shows exactly the text streamed so far, with each later delta once.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::command::{Command, SendOptions};
use super::event::{DotenvOffer, Event, KeyState, ProviderStatus};
use super::handle::EventSink;
use super::store_worker::StoreWorker;
use crate::config::Settings;
use crate::llm::{
    ChatClient, ChatMessage, ChatRequest, ChatStream, FinishReason, ProviderConfig, Role,
    StreamEvent, Usage,
};
use crate::secrets::{self, DotenvProvider, KeyringStore};
use crate::store::{ConversationId, MessageId, MessageStatus, NewMessage, title_from};

/// How often a streaming reply is written to the database (a crash loses at most this much).
const FLUSH_EVERY: Duration = Duration::from_millis(300);
/// How many stream reports may wait for the engine.
const INTERNAL_QUEUE: usize = 1024;

/// What a stream task reports.
enum Internal {
    Stream {
        message: MessageId,
        event: StreamEvent,
    },
    Ended {
        message: MessageId,
        status: MessageStatus,
        error: Option<String>,
    },
}

/// A reply being streamed.
struct LiveReply {
    conversation: ConversationId,
    content: String,
    reasoning: String,
    usage: Option<Usage>,
    finish: Option<FinishReason>,
    last_flush: Instant,
    cancel: CancellationToken,
}

pub(super) struct Engine {
    pub(super) settings: Settings,
    /// Where settings are saved; `None` when the file could not be read (never overwrite it).
    pub(super) settings_path: Option<PathBuf>,
    pub(super) keyring: KeyringStore,
    pub(super) dotenv: Option<DotenvProvider>,
    pub(super) client: ChatClient,
    pub(super) store: StoreWorker,
    pub(super) events: EventSink,
    live: HashMap<MessageId, LiveReply>,
    internal_tx: mpsc::Sender<Internal>,
    internal_rx: mpsc::Receiver<Internal>,
}

impl Engine {
    pub(super) fn new(
        settings: Settings,
        settings_path: Option<PathBuf>,
        keyring: KeyringStore,
        dotenv: Option<DotenvProvider>,
        client: ChatClient,
        store: StoreWorker,
        events: EventSink,
    ) -> Self {
        let (internal_tx, internal_rx) = mpsc::channel(INTERNAL_QUEUE);
        Self {
            settings,
            settings_path,
            keyring,
            dotenv,
            client,
            store,
            events,
            live: HashMap::new(),
            internal_tx,
            internal_rx,
        }
    }

    /// Runs until every command sender is gone, then stops the streams and saves their text.
    pub(super) async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        self.startup().await;
        loop {
            tokio::select! {
                command = commands.recv() => match command {
                    Some(command) => self.handle(command).await,
                    None => break,
                },
                Some(report) = self.internal_rx.recv() => self.on_report(report).await,
            }
        }
        self.shutdown().await;
    }

    async fn startup(&mut self) {
        self.emit_providers().await;
        self.emit_conversations().await;
        let offer = self.dotenv_offer();
        if offer.is_some() {
            self.events.emit(Event::DotenvOffer(offer)).await;
        }
    }

    async fn shutdown(&mut self) {
        let ids: Vec<MessageId> = self.live.keys().copied().collect();
        for id in ids {
            if let Some(reply) = self.live.remove(&id) {
                reply.cancel.cancel();
                self.save_reply(id, &reply, MessageStatus::Stopped, None)
                    .await;
            }
        }
    }

    async fn handle(&mut self, command: Command) {
        tracing::debug!(command = command_name(&command), "command");
        match command {
            Command::SaveProvider {
                provider,
                api_key,
                previous_name,
            } => self.save_provider(provider, api_key, previous_name).await,
            Command::RemoveProvider { name } => self.remove_provider(name).await,
            Command::SetActiveProvider { name } => {
                if self.settings.provider(&name).is_some() {
                    self.settings.active_provider = Some(name);
                    self.save_settings().await;
                    self.emit_providers().await;
                }
            }
            Command::ImportDotenv { name } => self.import_dotenv(name).await,
            Command::DismissDotenv => {
                self.dotenv = None;
                self.events.emit(Event::DotenvOffer(None)).await;
            }
            Command::NewConversation => {
                self.events
                    .emit(Event::ConversationOpened {
                        id: None,
                        messages: Vec::new(),
                    })
                    .await;
            }
            Command::OpenConversation { id } => self.open_conversation(id).await,
            Command::DeleteConversation { id } => self.delete_conversation(id).await,
            Command::Send {
                conversation,
                text,
                options,
            } => self.send(conversation, text, options).await,
            Command::Stop { conversation } => {
                for reply in self
                    .live
                    .values()
                    .filter(|r| r.conversation == conversation)
                {
                    reply.cancel.cancel();
                }
            }
        }
    }

    // ----- providers ------------------------------------------------------------------

    async fn save_provider(
        &mut self,
        mut provider: ProviderConfig,
        api_key: Option<secrets::ApiKey>,
        previous_name: Option<String>,
    ) {
        provider.name = provider.name.trim().to_owned();
        provider.base_url = provider.base_url.trim().to_owned();
        provider.model = provider.model.trim().to_owned();
        if let Err(message) = provider.validate() {
            self.events.emit(Event::Error(format!("{message}."))).await;
            return;
        }
        let adding = previous_name.is_none();
        let renamed_from = previous_name.filter(|old| *old != provider.name);
        let taken = self.settings.provider(&provider.name).is_some();
        if taken && (adding || renamed_from.is_some()) {
            // Saving under a name already taken would silently replace that provider.
            self.events
                .emit(Event::Error(format!(
                    "A provider named “{}” already exists. Choose another name.",
                    provider.name
                )))
                .await;
            return;
        }
        let keyring = self.keyring.clone();
        let name = provider.name.clone();
        let old = renamed_from.clone();
        let key_result = tokio::task::spawn_blocking(move || {
            let moved = match &old {
                Some(old) => keyring.get(old)?,
                None => None,
            };
            if let Some(key) = api_key.as_ref().or(moved.as_ref()) {
                keyring.set(&name, key)?;
            }
            if let Some(old) = &old {
                keyring.delete(old)?;
            }
            Ok::<_, secrets::SecretError>(())
        })
        .await;
        match key_result {
            Ok(Ok(())) => {}
            Ok(Err(err)) => {
                self.events
                    .emit(Event::Error(format!("The key was not saved. {err}")))
                    .await;
                return;
            }
            Err(err) => {
                self.events
                    .emit(Event::Error(format!("The key was not saved: {err}")))
                    .await;
                return;
            }
        }
        if let Some(old) = &renamed_from {
            self.settings.rename(old, &provider.name);
        }
        let name = provider.name.clone();
        self.settings.upsert(provider);
        if self.settings.active_provider.is_none() {
            self.settings.active_provider = Some(name.clone());
        }
        if self.save_settings().await {
            self.events.emit(Event::ProviderSaved { name }).await;
        }
        self.emit_providers().await;
        let offer = self.dotenv_offer();
        self.events.emit(Event::DotenvOffer(offer)).await;
    }

    async fn remove_provider(&mut self, name: String) {
        if !self.settings.remove(&name) {
            return;
        }
        let keyring = self.keyring.clone();
        let key_name = name.clone();
        if let Ok(Err(err)) = tokio::task::spawn_blocking(move || keyring.delete(&key_name)).await {
            self.events
                .emit(Event::Error(format!(
                    "The provider was removed, but its key could not be deleted from the keyring. {err}"
                )))
                .await;
        }
        self.save_settings().await;
        self.emit_providers().await;
    }

    async fn import_dotenv(&mut self, name: String) {
        let Some(found) = self.dotenv.clone() else {
            return;
        };
        let Some(model) = found.model.clone() else {
            self.events
                .emit(Event::Error(
                    "The .env file has no MODEL. Add MODEL=… to it, or add the provider in Settings → Providers.".into(),
                ))
                .await;
            return;
        };
        let endpoint = found
            .endpoint
            .clone()
            .unwrap_or_else(|| "https://api.openai.com/v1".into());
        let mut provider = ProviderConfig::new(name, endpoint, model);
        provider.preset = Some(".env".into());
        self.save_provider(provider, found.api_key.clone(), None)
            .await;
    }

    /// The `.env` offer, unless it was dismissed or a provider already uses its endpoint.
    fn dotenv_offer(&self) -> Option<DotenvOffer> {
        let found = self.dotenv.as_ref()?;
        let endpoint = found.endpoint.as_deref().map(|e| e.trim_end_matches('/'));
        let already = self.settings.providers.iter().any(|p| {
            Some(p.base_url.trim_end_matches('/')) == endpoint
                && found.model.as_deref().is_none_or(|m| m == p.model)
        });
        (!already).then(|| DotenvOffer {
            endpoint: found.endpoint.clone(),
            model: found.model.clone(),
            has_key: found.api_key.is_some(),
        })
    }

    /// Saves settings; reports and returns `false` on failure.
    async fn save_settings(&mut self) -> bool {
        let Some(path) = self.settings_path.clone() else {
            self.events
                .emit(Event::Error(
                    "Settings are not saved because the settings file could not be read at start. Fix or move it, then restart ocrchat.".into(),
                ))
                .await;
            return false;
        };
        let settings = self.settings.clone();
        let result = tokio::task::spawn_blocking(move || settings.save(&path)).await;
        match result {
            Ok(Ok(())) => true,
            Ok(Err(err)) => {
                self.events.emit(Event::Error(err.to_string())).await;
                false
            }
            Err(err) => {
                self.events
                    .emit(Event::Error(format!("Saving settings failed: {err}")))
                    .await;
                false
            }
        }
    }

    async fn emit_providers(&mut self) {
        let keyring = self.keyring.clone();
        let configs = self.settings.providers.clone();
        let providers = tokio::task::spawn_blocking(move || {
            configs
                .into_iter()
                .map(|config| {
                    let key = match keyring.get(&config.name) {
                        Ok(Some(_)) => KeyState::Stored,
                        Ok(None) => KeyState::Missing,
                        Err(err) => KeyState::Unavailable(err.to_string()),
                    };
                    ProviderStatus { config, key }
                })
                .collect::<Vec<_>>()
        })
        .await
        .unwrap_or_default();
        let active = self.settings.active().map(|p| p.name.clone());
        self.events
            .emit(Event::Providers { providers, active })
            .await;
    }

    // ----- conversations --------------------------------------------------------------

    async fn emit_conversations(&mut self) {
        match self.store.call(|s| s.list_conversations()).await {
            Ok(list) => self.events.emit(Event::Conversations(list)).await,
            Err(err) => self.events.emit(Event::Error(err.to_string())).await,
        }
    }

    async fn open_conversation(&mut self, id: ConversationId) {
        match self.store.call(move |s| s.messages(id)).await {
            Ok(mut messages) => {
                for message in &mut messages {
                    if let Some(reply) = self.live.get(&message.id) {
                        message.content.clone_from(&reply.content);
                        message.reasoning.clone_from(&reply.reasoning);
                        message.status = MessageStatus::Streaming;
                    }
                }
                self.events
                    .emit(Event::ConversationOpened {
                        id: Some(id),
                        messages,
                    })
                    .await;
            }
            Err(err) => self.events.emit(Event::Error(err.to_string())).await,
        }
    }

    async fn delete_conversation(&mut self, id: ConversationId) {
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
        if let Err(err) = self.store.call(move |s| s.delete_conversation(id)).await {
            self.events.emit(Event::Error(err.to_string())).await;
        }
        self.emit_conversations().await;
    }

    // ----- asking ---------------------------------------------------------------------

    /// The provider a question goes to, or a message saying how to set one up.
    fn pick_provider(&self, options: &SendOptions) -> Result<ProviderConfig, String> {
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

    async fn send(
        &mut self,
        conversation: Option<ConversationId>,
        text: String,
        options: SendOptions,
    ) {
        let text = text.trim_end().to_owned();
        if text.trim().is_empty() {
            return;
        }
        let provider = match self.pick_provider(&options) {
            Ok(provider) => provider,
            Err(message) => {
                self.events.emit(Event::Error(message)).await;
                return;
            }
        };
        if let Some(id) = conversation
            && self.live.values().any(|r| r.conversation == id)
        {
            self.events
                .emit(Event::Error(
                    "A reply is still streaming in this conversation. Press Stop first, or wait for it to finish.".into(),
                ))
                .await;
            return;
        }
        match self
            .start_reply(conversation, text, options, provider)
            .await
        {
            Ok(()) => {}
            Err(err) => self.events.emit(Event::Error(err.to_string())).await,
        }
    }

    async fn start_reply(
        &mut self,
        conversation: Option<ConversationId>,
        text: String,
        options: SendOptions,
        provider: ProviderConfig,
    ) -> Result<(), crate::store::StoreError> {
        let is_new = conversation.is_none();
        let title = title_from(&text);
        let question = text.clone();
        let provider_name = provider.name.clone();
        let model = provider.model.clone();
        // One store job: create the conversation if needed, add the question and the reply's
        // placeholder, and read the history to send.
        let (id, user, reply, history) = self
            .store
            .call(move |s| {
                let id = match conversation {
                    Some(id) if s.conversation_exists(id)? => id,
                    _ => s.create_conversation(&title)?,
                };
                let user = s.add_message(
                    id,
                    &NewMessage {
                        role: Role::User,
                        content: &question,
                        status: MessageStatus::Complete,
                        provider: None,
                        model: None,
                    },
                )?;
                let history = s.messages(id)?;
                let reply = s.add_message(
                    id,
                    &NewMessage {
                        role: Role::Assistant,
                        content: "",
                        status: MessageStatus::Streaming,
                        provider: Some(&provider_name),
                        model: Some(&model),
                    },
                )?;
                Ok((id, user, reply, history))
            })
            .await?;

        if is_new {
            self.events
                .emit(Event::ConversationOpened {
                    id: Some(id),
                    messages: vec![user],
                })
                .await;
        } else {
            self.events.emit(Event::MessageAdded(user)).await;
        }
        // The conversation moved to the top of the list (or is new).
        self.emit_conversations().await;
        let reply_id = reply.id;
        self.events.emit(Event::MessageAdded(reply)).await;

        let mut messages = Vec::with_capacity(history.len() + 1);
        if let Some(system) = options.system.filter(|s| !s.trim().is_empty()) {
            messages.push(ChatMessage {
                role: Role::System,
                content: system,
            });
        }
        messages.extend(
            history
                .into_iter()
                .filter(|m| !m.content.is_empty())
                .map(|m| ChatMessage {
                    role: m.role,
                    content: m.content,
                }),
        );
        let request = ChatRequest {
            model: provider.model.clone(),
            messages,
            max_tokens: options.max_tokens,
            stream_usage: provider.stream_usage,
        };

        // The keyring is blocking IPC: resolve the key off the async threads.
        let keyring = self.keyring.clone();
        let dotenv = self.dotenv.clone();
        let keyring_name = options
            .adhoc_provider
            .is_none()
            .then(|| provider.name.clone());
        let (key, keyring_error) = tokio::task::spawn_blocking(move || {
            secrets::resolve_key(&keyring, keyring_name.as_deref(), dotenv.as_ref())
        })
        .await
        .unwrap_or((None, None));
        if let Some(err) = &keyring_error {
            tracing::debug!("keyring lookup failed: {err}");
        }
        if let Some((_, source)) = &key {
            tracing::debug!(?source, provider = %provider.name, "using API key");
        }

        let stream = self
            .client
            .stream(&provider, key.as_ref().map(|(k, _)| k), &request);
        let cancel = CancellationToken::new();
        self.live.insert(
            reply_id,
            LiveReply {
                conversation: id,
                content: String::new(),
                reasoning: String::new(),
                usage: None,
                finish: None,
                last_flush: Instant::now(),
                cancel: cancel.clone(),
            },
        );
        tokio::spawn(drive_stream(
            stream,
            reply_id,
            cancel,
            self.internal_tx.clone(),
        ));
        Ok(())
    }

    async fn on_report(&mut self, report: Internal) {
        match report {
            Internal::Stream { message, event } => {
                let Some(reply) = self.live.get_mut(&message) else {
                    return;
                };
                let conversation = reply.conversation;
                let event = match event {
                    StreamEvent::Content(text) => {
                        reply.content.push_str(&text);
                        Event::Delta {
                            conversation,
                            message,
                            text,
                            reasoning: false,
                        }
                    }
                    StreamEvent::Reasoning(text) => {
                        reply.reasoning.push_str(&text);
                        Event::Delta {
                            conversation,
                            message,
                            text,
                            reasoning: true,
                        }
                    }
                    StreamEvent::Finish(reason) => {
                        reply.finish = Some(reason);
                        return;
                    }
                    StreamEvent::Usage(usage) => {
                        reply.usage = Some(usage);
                        return;
                    }
                    StreamEvent::Retrying {
                        attempt,
                        delay_millis,
                        reason,
                    } => Event::Retrying {
                        conversation,
                        message,
                        attempt,
                        delay_millis,
                        reason,
                    },
                };
                if reply.last_flush.elapsed() >= FLUSH_EVERY {
                    reply.last_flush = Instant::now();
                    let (content, reasoning) = (reply.content.clone(), reply.reasoning.clone());
                    self.store
                        .write("a streaming reply", move |s| {
                            s.update_message(
                                message,
                                &content,
                                &reasoning,
                                MessageStatus::Streaming,
                                None,
                            )
                        })
                        .await;
                }
                self.events.emit(event).await;
            }
            Internal::Ended {
                message,
                status,
                error,
            } => {
                let Some(reply) = self.live.remove(&message) else {
                    return;
                };
                let status = match (status, &reply.finish) {
                    (MessageStatus::Complete, Some(FinishReason::Length)) => {
                        MessageStatus::Truncated
                    }
                    (status, _) => status,
                };
                self.save_reply(message, &reply, status, error.clone())
                    .await;
                self.events
                    .emit(Event::MessageFinished {
                        conversation: reply.conversation,
                        message,
                        status,
                        error,
                        usage: reply.usage,
                    })
                    .await;
            }
        }
    }

    async fn save_reply(
        &self,
        message: MessageId,
        reply: &LiveReply,
        status: MessageStatus,
        error: Option<String>,
    ) {
        let (content, reasoning) = (reply.content.clone(), reply.reasoning.clone());
        self.store
            .write("a finished reply", move |s| {
                s.update_message(message, &content, &reasoning, status, error.as_deref())
            })
            .await;
    }
}

/// Reads one stream until it ends or is cancelled, reporting each piece to the engine.
/// Cancelling drops the stream, which closes the HTTP connection.
async fn drive_stream(
    mut stream: ChatStream,
    message: MessageId,
    cancel: CancellationToken,
    reports: mpsc::Sender<Internal>,
) {
    let (status, error) = loop {
        let next = tokio::select! {
            biased;
            () = cancel.cancelled() => break (MessageStatus::Stopped, None),
            next = stream.next_event() => next,
        };
        match next {
            Ok(Some(event)) => {
                if reports
                    .send(Internal::Stream { message, event })
                    .await
                    .is_err()
                {
                    return;
                }
            }
            Ok(None) => break (MessageStatus::Complete, None),
            Err(err) => break (MessageStatus::Failed, Some(err.to_string())),
        }
    };
    drop(stream);
    let _ = reports
        .send(Internal::Ended {
            message,
            status,
            error,
        })
        .await;
}

fn command_name(command: &Command) -> &'static str {
    match command {
        Command::SaveProvider { .. } => "save_provider",
        Command::RemoveProvider { .. } => "remove_provider",
        Command::SetActiveProvider { .. } => "set_active_provider",
        Command::ImportDotenv { .. } => "import_dotenv",
        Command::DismissDotenv => "dismiss_dotenv",
        Command::NewConversation => "new_conversation",
        Command::OpenConversation { .. } => "open_conversation",
        Command::DeleteConversation { .. } => "delete_conversation",
        Command::Send { .. } => "send",
        Command::Stop { .. } => "stop",
    }
}
