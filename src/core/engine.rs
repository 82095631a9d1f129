//! The engine: one tokio task that owns the core's state (settings, live replies, running
//! streams), handles [`Command`]s one at a time and emits [`Event`]s. Stream tasks report
//! back to it over an internal channel, so every event leaves in one order and a conversation
//! opened mid-reply shows exactly the text streamed so far, with each later delta once.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::command::Command;
use super::event::Event;
use super::handle::EventSink;
use super::store_worker::StoreWorker;
use crate::config::Settings;
use crate::llm::{ChatClient, ChatStream, FinishReason, StreamEvent, Usage};
use crate::secrets::{DotenvProvider, KeyringStore};
use crate::store::{ConversationId, MessageId, MessageStatus};

/// How often a streaming reply is written to the database (a crash loses at most this much).
const FLUSH_EVERY: Duration = Duration::from_millis(300);
/// How many stream reports may wait for the engine.
const INTERNAL_QUEUE: usize = 1024;

/// What a stream task reports.
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
}

/// A reply being streamed.
pub(super) struct LiveReply {
    pub(super) conversation: ConversationId,
    pub(super) content: String,
    pub(super) reasoning: String,
    pub(super) usage: Option<Usage>,
    pub(super) finish: Option<FinishReason>,
    pub(super) last_flush: Instant,
    pub(super) cancel: CancellationToken,
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
    pub(super) live: HashMap<MessageId, LiveReply>,
    pub(super) internal_tx: mpsc::Sender<Internal>,
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
        let ui_zoom = self.settings.ui_zoom;
        self.events.emit(Event::Preferences { ui_zoom }).await;
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
            Command::RenameConversation { id, title } => self.rename_conversation(id, title).await,
            Command::Send {
                conversation,
                text,
                options,
            } => self.send(conversation, text, options).await,
            Command::Retry { conversation } => self.retry(conversation).await,
            Command::SetUiZoom { zoom } => {
                // Within egui's own zoom range; anything else (a bad value) is not kept.
                if (0.2..=5.0).contains(&zoom) && self.settings.ui_zoom != Some(zoom) {
                    self.settings.ui_zoom = Some(zoom);
                    self.save_settings().await;
                }
            }
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

    pub(super) async fn save_reply(
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
pub(super) async fn drive_stream(
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
        Command::RenameConversation { .. } => "rename_conversation",
        Command::Send { .. } => "send",
        Command::Retry { .. } => "retry",
        Command::SetUiZoom { .. } => "set_ui_zoom",
        Command::Stop { .. } => "stop",
    }
}
