//! Everything the core tells the UI or the CLI.

use crate::llm::{ProviderConfig, Usage};
use crate::store::{ConversationId, ConversationSummary, Message, MessageId, MessageStatus};

/// Whether a provider has a key (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyState {
    /// Its keyring entry holds a key.
    Stored,
    /// No keyring entry.
    Missing,
    /// The keyring could not be asked; the text says why.
    Unavailable(String),
    /// Not known yet: the keyring is being asked (off the engine loop).
    Checking,
}

impl From<crate::secrets::KeyPresence> for KeyState {
    fn from(presence: crate::secrets::KeyPresence) -> Self {
        use crate::secrets::KeyPresence;
        match presence {
            KeyPresence::Stored => Self::Stored,
            KeyPresence::Missing => Self::Missing,
            KeyPresence::Unavailable(why) => Self::Unavailable(why),
        }
    }
}

/// A provider and whether it has a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderStatus {
    /// Its settings.
    pub config: ProviderConfig,
    /// Its key's state.
    pub key: KeyState,
}

/// What a `.env` file offers for import (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotenvOffer {
    /// `ENDPOINT`.
    pub endpoint: Option<String>,
    /// `MODEL`.
    pub model: Option<String>,
    /// Whether it has `API_KEY`.
    pub has_key: bool,
}

/// A report from the core. Sent over a bounded channel; the core wakes the UI after each.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The providers and the active one (at start and after every change).
    Providers {
        /// All providers, in order.
        providers: Vec<ProviderStatus>,
        /// The active provider's name.
        active: Option<String>,
    },
    /// A provider was saved (the form that sent it can close).
    ProviderSaved {
        /// Its name.
        name: String,
    },
    /// The answer to [`crate::core::Command::TestProvider`].
    ProviderTested {
        /// The provider's name, as sent.
        name: String,
        /// What worked, or the exact failure, in words.
        outcome: Result<String, String>,
    },
    /// The conversation list, most recent first (at start and after every change).
    Conversations(Vec<ConversationSummary>),
    /// A conversation to show, with its messages (`None`: a new, empty one).
    ConversationOpened {
        /// Which one.
        id: Option<ConversationId>,
        /// Its messages, oldest first, with any streaming reply as far as it has come.
        messages: Vec<Message>,
    },
    /// A question sent with `Command::Send` was stored and its reply is starting: the
    /// window clears its composer only now.
    QuestionAccepted {
        /// The conversation it went to (new when the `Send` named none).
        conversation: ConversationId,
    },
    /// A question sent with `Command::Send` was not taken (no provider, a reply still
    /// streaming, a database error); the window keeps the text and shows the reason.
    QuestionRefused {
        /// Why, naming the next step.
        reason: String,
    },
    /// An attachment in the composer changed (see `attaching.rs`).
    Attachment(super::attaching::AttachmentEvent),
    /// A conversation was deleted (a window showing it shows an empty new chat instead).
    ConversationDeleted {
        /// Which one.
        id: ConversationId,
    },
    /// A message was added: the question, then the reply's placeholder.
    MessageAdded(Message),
    /// Text streamed into a reply.
    Delta {
        /// The conversation.
        conversation: ConversationId,
        /// The reply.
        message: MessageId,
        /// The new text.
        text: String,
        /// Whether it is reasoning ("thinking") rather than reply text.
        reasoning: bool,
    },
    /// The request failed before any text and will be sent again.
    Retrying {
        /// The conversation.
        conversation: ConversationId,
        /// The reply.
        message: MessageId,
        /// Which retry (1 = first, which is attempt 2).
        attempt: u32,
        /// Attempts allowed in all (the first one included).
        attempts: u32,
        /// How long until then.
        delay_millis: u64,
        /// Why, in words.
        reason: String,
    },
    /// Where the history sent with a reply starts (at each request, and when a conversation
    /// opens if known): `first_sent: Some(id)` means messages before `id` were left out
    /// because they do not fit the model's context window; `None`, that all of it went.
    ContextCut {
        /// The conversation.
        conversation: ConversationId,
        /// The oldest message sent, when older ones were left out.
        first_sent: Option<MessageId>,
        /// The model's context window, in tokens.
        context_window: u32,
    },
    /// The token counts of a conversation's replies, kept from earlier sessions (after
    /// `ConversationOpened`).
    UsageLoaded {
        /// The conversation.
        conversation: ConversationId,
        /// Each reply that has them, with its counts.
        usage: Vec<(MessageId, Usage)>,
    },
    /// A reply ended: finished, stopped, cut off by the token limit, or failed.
    MessageFinished {
        /// The conversation.
        conversation: ConversationId,
        /// The reply.
        message: MessageId,
        /// How it ended.
        status: MessageStatus,
        /// Why it failed, for `Failed`.
        error: Option<String>,
        /// Token counts, if the server sent them.
        usage: Option<Usage>,
    },
    /// Whether a reply's text is on disk. `error: Some(why)`: it is not saved yet; the core
    /// keeps the text and writes it again until it can. `None`: it is saved again after a
    /// failure, or, once the reply has finished, its final text is saved (sent for every
    /// reply, so a front end can wait for it before it says the reply is kept).
    SaveState {
        /// The conversation.
        conversation: ConversationId,
        /// The reply.
        message: MessageId,
        /// Why the last write failed, while it is not saved.
        error: Option<String>,
    },
    /// The OCR languages: what is installed and chosen (at start and after a change).
    OcrLanguages(super::attachment_events::OcrLanguages),
    /// The prompt templates in use (at start and after a change).
    PromptTemplates(crate::prompt::PromptTemplates),
    /// The window's remembered preferences (at start).
    Preferences {
        /// The zoom factor the person chose with Ctrl +/−, if any.
        ui_zoom: Option<f32>,
    },
    /// A `.env` offers a provider for import (`None`: the offer is gone).
    DotenvOffer(Option<DotenvOffer>),
    /// The key imported from `.env` is in the keyring, but its plaintext line is still in
    /// this file: offer [`crate::core::Command::RemoveDotenvKey`]. `None`: the line is gone.
    DotenvKeyLeft(Option<std::path::PathBuf>),
    /// Something the user must know that is not tied to one reply; names cause and next step.
    Error(String),
    /// Like [`Event::Error`], with a cause the core reports gone ([`Event::NoticeGone`]), so
    /// the window can take the notice away by itself.
    Notice {
        /// What it is about.
        cause: NoticeCause,
        /// The message, naming cause and next step.
        message: String,
    },
    /// The cause of earlier [`Event::Notice`]s is gone (the history answers again, the reply
    /// that was in the way has ended).
    NoticeGone {
        /// Which cause.
        cause: NoticeCause,
    },
    /// The answer to [`crate::core::Command::Search`], for the query as typed (a front end
    /// drops results for a query it no longer shows). `Err`: why the query cannot run.
    SearchResults {
        /// The query as sent.
        query: String,
        /// The matches, best first.
        hits: Result<Vec<crate::store::SearchHit>, String>,
    },
    /// The OCR inspector's answers (see `inspecting.rs`).
    Inspector(super::inspecting::InspectorEvent),
    /// The window's colour theme from the settings (at start and after a change).
    Theme(crate::config::ThemeChoice),
    /// The provider and model a conversation asks (on opening it, after a question, after
    /// [`crate::core::Command::ChooseModel`]).
    ConversationModel {
        /// The conversation.
        conversation: ConversationId,
        /// Its provider and model.
        choice: crate::store::ModelChoice,
    },
    /// The answer to [`crate::core::Command::ListModels`]: the names, or why there are none.
    Models {
        /// The provider's name, as asked.
        provider: String,
        /// The model names, sorted, or the failure in words.
        models: Result<Vec<String>, String>,
    },
    /// A reply waits for one of its provider's in-flight slots; it starts when one frees.
    Queued {
        /// The conversation.
        conversation: ConversationId,
        /// The reply.
        message: MessageId,
        /// Requests to the provider in flight now (its limit).
        in_flight: usize,
        /// The provider's name.
        provider: String,
    },
    /// The screen-capture settings (at start and after a change).
    Capture(crate::config::CaptureSettings),
}

/// What a notice is about, so it can be taken away when that is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeCause {
    /// The history database failed (listing, opening, renaming, deleting).
    History,
    /// A reply streaming in this conversation stood in the way (Retry, Continue).
    Streaming(ConversationId),
}
