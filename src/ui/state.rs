//! The window's view state, built only from core events. Panels read it; nothing else
//! changes it, so what is drawn is always what the core reported.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use crate::core::{DotenvOffer, Event, ProviderStatus};
use crate::llm::Usage;
use crate::store::{ConversationId, ConversationSummary, Message, MessageId, MessageStatus};

/// A retry the user should see ("retrying in 3 s (attempt 2 of 3): …").
#[derive(Debug, Clone, PartialEq)]
pub struct RetryNote {
    /// Which retry (1 = the first, which is attempt 2).
    pub attempt: u32,
    /// Attempts allowed in all.
    pub attempts: u32,
    /// When it is sent, in the window's clock.
    pub at: std::time::Instant,
    /// Why the last attempt failed.
    pub reason: String,
}

/// Everything the window shows that came from the core.
#[derive(Debug, Default)]
pub struct UiState {
    /// Providers and their key states.
    pub providers: Vec<ProviderStatus>,
    /// The active provider's name.
    pub active_provider: Option<String>,
    /// Whether the first provider list has arrived (so the welcome screen does not flash).
    pub providers_loaded: bool,
    /// The sidebar's list.
    pub conversations: Vec<ConversationSummary>,
    /// The open conversation (`None`: a new, empty chat).
    pub current: Option<ConversationId>,
    /// Its messages.
    pub messages: Vec<Message>,
    /// Token counts of finished replies, by message.
    pub usage: HashMap<MessageId, Usage>,
    /// Retries in progress, by message.
    pub retries: HashMap<MessageId, RetryNote>,
    /// Replies waiting for one of their provider's in-flight slots, by message: how many
    /// requests are in flight, and to which provider.
    pub queued: HashMap<MessageId, (usize, String)>,
    /// The provider and model each conversation asks, as the core last reported.
    pub conversation_models: HashMap<ConversationId, crate::store::ModelChoice>,
    /// Each provider's model list (or why it could not be had), once asked for.
    pub model_lists: HashMap<String, Result<Vec<String>, String>>,
    /// Replies whose text is not on disk yet, with why (the core keeps retrying).
    pub unsaved: HashMap<MessageId, String>,
    /// Conversations with a reply streaming (the sidebar marks them).
    pub streaming: HashSet<ConversationId>,
    /// When the reply streaming in the open conversation last received anything (its start,
    /// text, a retry notice): a long silence is shown beside Stop.
    pub stream_activity_at: Option<Instant>,
    /// Errors to show until dismissed, newest last.
    pub errors: Vec<String>,
    /// The cause of each notice shown that goes away by itself when its cause is gone.
    pub notice_causes: HashMap<String, crate::core::NoticeCause>,
    /// The remembered zoom, once the core reported it (applied by the app, then cleared).
    pub ui_zoom: Option<Option<f32>>,
    /// A provider a `.env` offers.
    pub dotenv_offer: Option<DotenvOffer>,
    /// The `.env` whose plaintext `API_KEY` line is still there after its import.
    pub dotenv_key_left: Option<std::path::PathBuf>,
    /// The colour theme chosen in Settings.
    pub theme: crate::config::ThemeChoice,
    /// The screen-capture settings.
    pub capture: crate::config::CaptureSettings,
    /// The composer's attachments.
    pub attachments: super::attachments::ComposerAttachments,
    /// The images of the open conversation's messages.
    pub sent_attachments: super::attachments::SentAttachments,
    /// The OCR languages installed and chosen (Settings).
    pub ocr_languages: Option<crate::core::OcrLanguages>,
    /// The prompt templates in use (Settings, and the composer's preview).
    pub prompt_templates: crate::prompt::PromptTemplates,
    /// In the open conversation, the oldest message the last request sent when older ones
    /// did not fit, with the model's context window in tokens.
    pub context_cut: Option<(MessageId, u32)>,
}

impl UiState {
    #[expect(
        clippy::too_many_lines,
        reason = "one arm per event: the whole mapping in one place"
    )]
    /// Applies one core event.
    pub fn apply(&mut self, event: Event) {
        match event {
            Event::Providers { providers, active } => {
                self.providers = providers;
                self.active_provider = active;
                self.providers_loaded = true;
            }
            Event::Conversations(list) => self.conversations = list,
            Event::ConversationOpened { id, messages } => {
                if self.current != id || id.is_none() {
                    self.sent_attachments.clear();
                    self.context_cut = None;
                }
                self.current = id;
                self.messages = messages;
                self.retries.clear();
                self.queued.clear();
                self.stream_activity_at = self.is_streaming().then(Instant::now);
                if let Some(id) = id.filter(|_| self.is_streaming()) {
                    self.streaming.insert(id);
                }
            }
            Event::Attachment(crate::core::AttachmentEvent::Sent { message, items }) => {
                self.sent_attachments.insert(message, items);
            }
            Event::Attachment(event) => self.attachments.apply(event),
            Event::ConversationDeleted { id } => {
                self.streaming.remove(&id);
                self.conversations.retain(|c| c.id != id);
                if self.current == Some(id) {
                    // An empty new chat; nothing of the deleted one stays on screen.
                    self.current = None;
                    self.messages.clear();
                    self.retries.clear();
                    self.stream_activity_at = None;
                    self.context_cut = None;
                }
            }
            Event::UsageLoaded { usage, .. } => self.usage.extend(usage),
            Event::ContextCut {
                conversation,
                first_sent,
                context_window,
            } => {
                if self.current == Some(conversation) {
                    self.context_cut = first_sent.map(|m| (m, context_window));
                }
            }
            // `App::on_event` routes these to the provider form, the composer, the search
            // panel and the inspector.
            Event::ProviderSaved { .. }
            | Event::SearchResults { .. }
            | Event::Inspector(_)
            | Event::ProviderTested { .. }
            | Event::QuestionAccepted { .. }
            | Event::QuestionRefused { .. } => {}
            Event::MessageAdded(message) => {
                if message.status == MessageStatus::Streaming {
                    self.streaming.insert(message.conversation);
                }
                if Some(message.conversation) == self.current {
                    if message.status == MessageStatus::Streaming {
                        self.stream_activity_at = Some(Instant::now());
                    }
                    // A continued reply comes again under its id: it replaces the old one.
                    match self.message_mut(message.id) {
                        Some(existing) => *existing = message,
                        None => self.messages.push(message),
                    }
                }
            }
            Event::Delta {
                conversation,
                message,
                text,
                reasoning,
            } => {
                if Some(conversation) != self.current {
                    return;
                }
                self.stream_activity_at = Some(Instant::now());
                self.retries.remove(&message);
                self.queued.remove(&message);
                if let Some(m) = self.message_mut(message) {
                    if reasoning {
                        m.reasoning.push_str(&text);
                    } else {
                        m.content.push_str(&text);
                    }
                }
            }
            Event::Retrying {
                conversation,
                message,
                attempt,
                attempts,
                delay_millis,
                reason,
            } => {
                let now = Instant::now();
                self.queued.remove(&message);
                if Some(conversation) == self.current {
                    self.stream_activity_at = Some(now);
                }
                let at = now + std::time::Duration::from_millis(delay_millis);
                self.retries.insert(
                    message,
                    RetryNote {
                        attempt,
                        attempts,
                        at,
                        reason,
                    },
                );
            }
            Event::MessageFinished {
                conversation,
                message,
                status,
                error,
                usage,
            } => {
                self.retries.remove(&message);
                self.queued.remove(&message);
                self.streaming.remove(&conversation);
                if let Some(usage) = usage {
                    self.usage.insert(message, usage);
                }
                if Some(conversation) == self.current
                    && let Some(m) = self.message_mut(message)
                {
                    m.status = status;
                    m.error = error;
                    self.stream_activity_at = None;
                }
            }
            Event::SaveState { message, error, .. } => match error {
                Some(error) => {
                    self.unsaved.insert(message, error);
                }
                None => {
                    self.unsaved.remove(&message);
                }
            },
            Event::Queued {
                conversation,
                message,
                in_flight,
                provider,
            } => {
                if Some(conversation) == self.current {
                    self.stream_activity_at = Some(Instant::now());
                }
                self.queued.insert(message, (in_flight, provider));
            }
            Event::ConversationModel {
                conversation,
                choice,
            } => {
                self.conversation_models.insert(conversation, choice);
            }
            Event::Models { provider, models } => {
                self.model_lists.insert(provider, models);
            }
            Event::DotenvOffer(offer) => self.dotenv_offer = offer,
            Event::DotenvKeyLeft(path) => self.dotenv_key_left = path,
            Event::Theme(theme) => self.theme = theme,
            Event::Capture(settings) => self.capture = settings,
            Event::Preferences { ui_zoom } => self.ui_zoom = Some(ui_zoom),
            Event::OcrLanguages(languages) => self.ocr_languages = Some(languages),
            Event::PromptTemplates(templates) => self.prompt_templates = templates,
            Event::Error(message) => self.show_error(message),
            Event::Notice { cause, message } => {
                self.notice_causes.insert(message.clone(), cause);
                self.show_error(message);
            }
            Event::NoticeGone { cause } => {
                let causes = &mut self.notice_causes;
                self.errors.retain(|e| causes.get(e) != Some(&cause));
                causes.retain(|_, c| *c != cause);
            }
        }
    }

    /// Shows an error notice; the same message twice in a row (a key pressed twice) shows
    /// once.
    fn show_error(&mut self, message: String) {
        if self.errors.last() != Some(&message) {
            self.errors.push(message);
        }
    }

    /// A message of the open conversation; replies being streamed are usually the last.
    fn message_mut(&mut self, id: MessageId) -> Option<&mut Message> {
        self.messages.iter_mut().rev().find(|m| m.id == id)
    }

    /// Whether a reply is streaming in the open conversation.
    pub fn is_streaming(&self) -> bool {
        self.messages
            .last()
            .is_some_and(|m| m.status == MessageStatus::Streaming)
    }
}
