//! The engine: one tokio task that owns the core's state (settings, live replies, running
//! streams), handles [`Command`]s one at a time and emits [`Event`]s. Stream tasks report
//! back to it over an internal channel, so every event leaves in one order and a conversation
//! opened mid-reply shows exactly the text streamed so far, with each later delta once.
//! A timer in the same loop writes shown text to the history (see `saving.rs`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::command::Command;
use super::event::Event;
use super::handle::EventSink;
use super::saving::{EndedReply, SaveProgress, WriteKind, sleep_until};
use super::store_worker::StoreWorker;
use crate::config::Settings;
use crate::llm::{ChatClient, ChatStream, FinishReason, StreamEvent, Usage};
use crate::secrets::{DotenvProvider, KeyringStore};
use crate::store::{ConversationId, MessageId, MessageStatus};

/// How many stream reports may wait for the engine.
const INTERNAL_QUEUE: usize = 1024;

/// What a stream task or a history write reports.
pub(super) enum Internal {
    Stream {
        message: MessageId,
        event: StreamEvent,
    },
    Ended {
        message: MessageId,
        status: MessageStatus,
        error: Option<String>,
    },
    /// An attachment's OCR task reports (see `attaching.rs`).
    Attachment(super::attaching::AttachmentReport),
    /// An inspector's blocking task reports (see `inspecting.rs`).
    Inspected(super::inspecting::InspectReport),
    /// A keyring job started by a command ended (see `providers.rs`).
    Keyring(super::providers::KeyringDone),
    /// A write of a reply's text finished (`error: None`: it is on disk).
    Saved {
        message: MessageId,
        kind: WriteKind,
        error: Option<String>,
    },
}

/// A reply being streamed.
pub(super) struct LiveReply {
    pub(super) conversation: ConversationId,
    pub(super) content: String,
    pub(super) reasoning: String,
    pub(super) usage: Option<Usage>,
    pub(super) finish: Option<FinishReason>,
    pub(super) cancel: CancellationToken,
    /// How far its text is on disk.
    pub(super) save: SaveProgress,
}

impl LiveReply {
    /// A reply that continues in `conversation` from `content` and `reasoning`, which are on
    /// disk already (Continue).
    pub(super) fn resumed(
        conversation: ConversationId,
        cancel: CancellationToken,
        content: String,
        reasoning: String,
    ) -> Self {
        let save = SaveProgress::already_written((content.len(), reasoning.len()));
        Self {
            content,
            reasoning,
            save,
            ..Self::new(conversation, cancel)
        }
    }

    /// A reply about to stream into `conversation`; `cancel` stops it.
    pub(super) fn new(conversation: ConversationId, cancel: CancellationToken) -> Self {
        Self {
            conversation,
            content: String::new(),
            reasoning: String::new(),
            usage: None,
            finish: None,
            cancel,
            save: SaveProgress::default(),
        }
    }
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
    /// Replies streaming now, in id order (so a shutdown saves them in a stable order).
    pub(super) live: BTreeMap<MessageId, LiveReply>,
    /// Replies whose stream has ended, until their final write succeeds.
    pub(super) ended: BTreeMap<MessageId, EndedReply>,
    /// Set at the end of shutdown when every reply is on disk.
    pub(super) all_saved_at_exit: Arc<AtomicBool>,
    pub(super) internal_tx: mpsc::Sender<Internal>,
    pub(super) internal_rx: mpsc::Receiver<Internal>,
    /// The composer's attachments and the OCR pool.
    pub(super) attaching: super::attaching::Attaching,
    /// The request history of the conversations in use.
    pub(super) history: super::history_cache::HistoryCache,
    /// The language of the messages the core makes (`Command::SetLanguage`).
    pub(super) lang: crate::lang::Lang,
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
            live: BTreeMap::new(),
            ended: BTreeMap::new(),
            all_saved_at_exit: Arc::new(AtomicBool::new(false)),
            internal_tx,
            internal_rx,
            attaching: super::attaching::Attaching::default(),
            history: super::history_cache::HistoryCache::default(),
            lang: crate::lang::Lang::En,
        }
    }

    /// A flag the engine sets as it stops when every reply is on disk.
    pub(super) fn all_saved_at_exit(&self) -> Arc<AtomicBool> {
        self.all_saved_at_exit.clone()
    }

    /// Runs until every command sender is gone, then stops the streams and saves their text.
    pub(super) async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        self.startup().await;
        loop {
            let write_due = self.next_write_due();
            tokio::select! {
                command = commands.recv() => match command {
                    Some(command) => self.handle(command).await,
                    None => break,
                },
                Some(report) = self.internal_rx.recv() => self.on_report(report).await,
                () = sleep_until(write_due) => self.write_due().await,
            }
        }
        self.shutdown().await;
    }

    async fn startup(&self) {
        self.events.emit(Event::Theme(self.settings.theme)).await;
        let capture = self.settings.capture.clone();
        self.events.emit(Event::Capture(capture)).await;
        let ui_zoom = self.settings.ui_zoom;
        self.events.emit(Event::Preferences { ui_zoom }).await;
        self.emit_ocr_languages();
        let templates = super::attachment_prompt::prompt_templates(&self.settings);
        self.events.emit(Event::PromptTemplates(templates)).await;
        self.emit_providers().await;
        self.emit_conversations().await;
        let offer = self.dotenv_offer();
        if offer.is_some() {
            self.events.emit(Event::DotenvOffer(offer)).await;
        }
    }

    async fn handle(&mut self, command: Command) {
        tracing::debug!(command = command_name(&command), "command");
        match command {
            Command::SaveProvider {
                provider,
                api_key,
                api_secret,
                previous_name,
            } => {
                let keys = super::providers::TypedKeys {
                    key: api_key,
                    secret: api_secret,
                };
                self.save_provider(provider, keys, previous_name).await;
            }
            Command::RemoveProvider { name } => self.remove_provider(name).await,
            Command::SetActiveProvider { name } => {
                if self.settings.provider(&name).is_some() {
                    self.settings.active_provider = Some(name);
                    self.save_settings().await;
                    self.emit_providers().await;
                }
            }
            Command::ImportDotenv { name } => self.import_dotenv(name).await,
            Command::SetTheme { theme } => {
                self.settings.theme = theme;
                self.save_settings().await;
                self.events.emit(Event::Theme(theme)).await;
            }
            Command::SetCapture { settings } => {
                self.settings.capture = settings.clone();
                self.save_settings().await;
                self.events.emit(Event::Capture(settings)).await;
            }
            Command::DismissDotenv => {
                self.dotenv = None;
                self.events.emit(Event::DotenvOffer(None)).await;
            }
            Command::RemoveDotenvKey => self.remove_dotenv_key().await,
            Command::NewConversation => {
                self.keep_history_of(None);
                self.events
                    .emit(Event::ConversationOpened {
                        id: None,
                        messages: Vec::new(),
                    })
                    .await;
            }
            Command::OpenConversation { id } => self.open_conversation(id).await,
            Command::DeleteConversation { id } => self.delete_conversation(id).await,
            Command::RenameConversation { id, title } => self.rename_conversation(id, title).await,
            Command::PinConversation { id, pinned } => self.pin_conversation(id, pinned).await,
            Command::Send {
                conversation,
                text,
                options,
            } => self.send(conversation, text, options).await,
            Command::Attach { path } => self.attach_file(path).await,
            Command::AttachImage { image } => self.attach_pasted(image).await,
            Command::RemoveAttachment { id } => self.remove_attachment(id),
            Command::Inspect(request) => self.inspect(request).await,
            Command::Retry { conversation } => self.retry(conversation).await,
            Command::Search { query, limit } => self.search(query, limit).await,
            Command::Continue { conversation } => self.continue_reply(conversation).await,
            Command::TestProvider { provider, api_key } => self.test_provider(provider, api_key),
            Command::SetOcrLanguage { language } => self.set_ocr_language(language).await,
            Command::SetPromptTemplate { language, source } => {
                self.set_prompt_template(&language, source).await;
            }
            Command::SetUiZoom { zoom } => {
                // Within egui's own zoom range; anything else (a bad value) is not kept.
                if (0.2..=5.0).contains(&zoom) && self.settings.ui_zoom != Some(zoom) {
                    self.settings.ui_zoom = Some(zoom);
                    self.save_settings().await;
                }
            }
            Command::ChooseModel {
                conversation,
                choice,
            } => self.choose_model(conversation, choice).await,
            Command::ListModels { provider } => self.list_models(&provider).await,
            Command::SetLanguage { lang } => self.lang = lang,
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

    pub(super) async fn on_report(&mut self, report: Internal) {
        match report {
            Internal::Keyring(done) => self.on_keyring_done(done).await,
            Internal::Attachment(report) => self.on_attachment_report(report).await,
            Internal::Inspected(report) => self.on_inspect_report(report).await,
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
                    StreamEvent::Queued {
                        in_flight,
                        provider,
                    } => Event::Queued {
                        conversation,
                        message,
                        in_flight,
                        provider,
                    },
                    StreamEvent::Retrying {
                        attempt,
                        attempts,
                        delay_millis,
                        reason,
                    } => Event::Retrying {
                        conversation,
                        message,
                        attempt,
                        attempts,
                        delay_millis,
                        reason,
                    },
                };
                if matches!(event, Event::Delta { .. }) {
                    reply.save.text_shown();
                }
                self.events.emit(event).await;
            }
            Internal::Ended {
                message,
                status,
                error,
            } => self.on_ended(message, status, error).await,
            Internal::Saved {
                message,
                kind,
                error,
            } => self.on_saved(message, kind, error).await,
        }
    }

    /// A stream ended: its reply waits for its final write, queued here.
    async fn on_ended(&mut self, message: MessageId, status: MessageStatus, error: Option<String>) {
        let Some(reply) = self.live.remove(&message) else {
            return;
        };
        let status = match (status, &reply.finish) {
            (MessageStatus::Complete, Some(FinishReason::Length)) => MessageStatus::Truncated,
            (status, _) => status,
        };
        let LiveReply {
            conversation,
            content,
            reasoning,
            usage,
            save,
            ..
        } = reply;
        self.history.upsert(
            conversation,
            super::context_window::HistoryEntry::new(
                message,
                crate::llm::ChatMessage::text(crate::llm::Role::Assistant, content.clone()),
            ),
        );
        self.ended.insert(
            message,
            EndedReply::new(
                conversation,
                content,
                reasoning,
                status,
                error.clone(),
                save,
            ),
        );
        // Queued before the front end hears of the end, so a follow-up question reads
        // the whole reply from the history.
        self.write_due().await;
        if let Some(usage) = usage {
            self.save_usage(message, usage).await;
        }
        self.events
            .emit(Event::MessageFinished {
                conversation,
                message,
                status,
                error,
                usage,
            })
            .await;
        // A Retry or Continue refused because of this reply can be asked again.
        let cause = super::event::NoticeCause::Streaming(conversation);
        self.events.emit(Event::NoticeGone { cause }).await;
    }
}

/// Reads one stream until it ends or is cancelled, reporting each piece to the engine.
/// Cancelling drops the stream, which closes the HTTP connection.
pub(super) async fn drive_stream(
    mut stream: ChatStream,
    message: MessageId,
    cancel: CancellationToken,
    reports: mpsc::Sender<Internal>,
    lang: crate::lang::Lang,
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
            Err(err) => break (MessageStatus::Failed, Some(err.text(lang))),
        }
    };
    drop(stream);
    // The engine is gone only when the core has stopped.
    reports
        .send(Internal::Ended {
            message,
            status,
            error,
        })
        .await
        .ok();
}

fn command_name(command: &Command) -> &'static str {
    match command {
        Command::SaveProvider { .. } => "save_provider",
        Command::RemoveProvider { .. } => "remove_provider",
        Command::SetActiveProvider { .. } => "set_active_provider",
        Command::ImportDotenv { .. } => "import_dotenv",
        Command::DismissDotenv => "dismiss_dotenv",
        Command::RemoveDotenvKey => "remove_dotenv_key",
        Command::NewConversation => "new_conversation",
        Command::OpenConversation { .. } => "open_conversation",
        Command::DeleteConversation { .. } => "delete_conversation",
        Command::RenameConversation { .. } => "rename_conversation",
        Command::PinConversation { .. } => "pin_conversation",
        Command::Send { .. } => "send",
        Command::Attach { .. } => "attach",
        Command::AttachImage { .. } => "attach_image",
        Command::RemoveAttachment { .. } => "remove_attachment",
        Command::Inspect(_) => "inspect",
        Command::Retry { .. } => "retry",
        Command::Continue { .. } => "continue",
        Command::TestProvider { .. } => "test_provider",
        Command::SetUiZoom { .. } => "set_ui_zoom",
        Command::SetOcrLanguage { .. } => "set_ocr_language",
        Command::SetPromptTemplate { .. } => "set_prompt_template",
        Command::Stop { .. } => "stop",
        Command::SetLanguage { .. } => "set_language",
        Command::Search { .. } => "search",
        Command::SetTheme { .. } => "set_theme",
        Command::ChooseModel { .. } => "choose_model",
        Command::ListModels { .. } => "list_models",
        Command::SetCapture { .. } => "set_capture",
    }
}
