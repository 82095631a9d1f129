//! Everything the UI or the CLI can ask the core to do.

use crate::llm::ProviderConfig;
use crate::secrets::ApiKey;
use crate::store::ConversationId;

/// A request to the core. Sent over a bounded channel; the answer comes back as events.
#[derive(Debug, Clone)]
pub enum Command {
    /// Adds a provider or replaces one; `api_key`, when given, goes to the keyring first.
    /// `previous_name` renames an existing provider (its old keyring entry is moved).
    SaveProvider {
        /// The provider's settings (never its key).
        provider: ProviderConfig,
        /// A new key to store, if the user typed one.
        api_key: Option<ApiKey>,
        /// A new API secret to store (key + secret providers, with a token URL).
        api_secret: Option<ApiKey>,
        /// The name it had before, when editing.
        previous_name: Option<String>,
    },
    /// Sends one tiny request with these settings; the answer is
    /// [`crate::core::Event::ProviderTested`]. `api_key`: the key as typed, else the stored one.
    TestProvider {
        /// The settings to test (not saved).
        provider: ProviderConfig,
        /// A key typed in the form, if any.
        api_key: Option<ApiKey>,
    },
    /// Removes a provider and its keyring entry.
    RemoveProvider {
        /// Its name.
        name: String,
    },
    /// Chooses the provider new questions go to.
    SetActiveProvider {
        /// Its name.
        name: String,
    },
    /// Imports the provider offered by `.env` under `name`: key to the keyring, the rest to the
    /// config file.
    ImportDotenv {
        /// The name to give it.
        name: String,
    },
    /// Hides the `.env` offer for this run.
    DismissDotenv,
    /// Removes the plaintext `API_KEY` line from the `.env` file once its key is in the
    /// keyring (the answer to [`crate::core::Event::DotenvKeyLeft`]).
    RemoveDotenvKey,
    /// Shows an empty conversation; it is created in the store by its first question.
    NewConversation,
    /// Loads a conversation's messages.
    OpenConversation {
        /// Which one.
        id: ConversationId,
    },
    /// Deletes a conversation (stopping its reply first, if one is streaming).
    DeleteConversation {
        /// Which one.
        id: ConversationId,
    },
    /// Gives a conversation a new title.
    RenameConversation {
        /// Which one.
        id: ConversationId,
        /// Its new title.
        title: String,
    },
    /// Pins a conversation to the top of the list, or unpins it.
    PinConversation {
        /// Which one.
        id: ConversationId,
        /// Pinned or not.
        pinned: bool,
    },
    /// Asks a question in a conversation (`None`: a new one).
    Send {
        /// Where; `None` starts a new conversation titled after the question.
        conversation: Option<ConversationId>,
        /// The question.
        text: String,
        /// Per-request choices (the CLI's flags).
        options: SendOptions,
    },
    /// Attaches an image file to the composer; OCR starts at once (see `attaching.rs`).
    Attach {
        /// The file (dropped, chosen, or given to `ask --image`).
        path: std::path::PathBuf,
    },
    /// Attaches pasted image data.
    AttachImage {
        /// The clipboard's image.
        image: super::attaching::PastedImage,
    },
    /// Removes an attachment from the composer and cancels its OCR job.
    RemoveAttachment {
        /// Which one.
        id: super::attaching::AttachmentId,
    },
    /// Asks again for the conversation's last reply; the earlier reply is kept.
    Retry {
        /// Which conversation.
        conversation: ConversationId,
    },
    /// Remembers the window's colour theme in the settings file.
    SetTheme {
        /// The choice.
        theme: crate::config::ThemeChoice,
    },
    /// Searches the history (see [`crate::search::parse`] for the syntax); the results come
    /// back as [`crate::core::Event::SearchResults`].
    Search {
        /// What the user typed.
        query: String,
        /// At most this many results.
        limit: usize,
    },
    /// Continues the conversation's last reply, cut off mid-stream: the partial reply is sent
    /// as the last assistant turn and the new text is appended to the same reply.
    Continue {
        /// Which conversation.
        conversation: ConversationId,
    },
    /// Chooses the OCR languages for new attachments (`None`: automatic) and saves them; the
    /// answer is [`crate::core::Event::OcrLanguages`].
    SetOcrLanguage {
        /// A `+`-joined list of installed languages, such as `chi_sim+eng`.
        language: Option<String>,
    },
    /// Saves the user's prompt template for a language (`None`: back to the built-in one);
    /// a template that does not parse or fill in is refused with a message naming the line.
    /// The answer is [`crate::core::Event::PromptTemplates`].
    SetPromptTemplate {
        /// `zh` or `en`.
        language: String,
        /// The template.
        source: Option<String>,
    },
    /// Remembers the window's zoom (Ctrl +/−) for the next start.
    SetUiZoom {
        /// The zoom factor (1.0 is the default size).
        zoom: f32,
    },
    /// Remembers the screen-capture hotkeys and questions in the settings file.
    SetCapture {
        /// The new settings.
        settings: crate::config::CaptureSettings,
    },
    /// The OCR inspector's requests (see `inspecting.rs`); answers come as
    /// [`crate::core::Event::Inspector`].
    Inspect(super::inspecting::InspectRequest),
    /// Stops the reply streaming in a conversation; the partial reply is kept.
    Stop {
        /// Which conversation.
        conversation: ConversationId,
    },
    /// The conversation asks this provider and model from its next question on (the model
    /// picker); answered by [`crate::core::Event::ConversationModel`].
    ChooseModel {
        /// Which conversation.
        conversation: ConversationId,
        /// The provider's name and the model.
        choice: crate::store::ModelChoice,
    },
    /// Fetches the provider's model list off the engine loop; answered by
    /// [`crate::core::Event::Models`].
    ListModels {
        /// The provider's name.
        provider: String,
    },
    /// The language of the messages the core makes from now on (errors, refusals, names);
    /// the window sends its own at start. English until then.
    SetLanguage {
        /// The interface language.
        lang: crate::lang::Lang,
    },
}

/// Per-request choices; the window sends the defaults.
#[derive(Debug, Clone, Default)]
pub struct SendOptions {
    /// Use this configured provider instead of the active one.
    pub provider_name: Option<String>,
    /// Use this unsaved provider (the CLI's `--base-url`/`--model`).
    pub adhoc_provider: Option<ProviderConfig>,
    /// Ask this model instead of the provider's own (the CLI's `--model` with a saved
    /// provider, whose key is still used).
    pub model: Option<String>,
    /// A system message placed before the conversation.
    pub system: Option<String>,
    /// Upper bound on the reply's tokens.
    pub max_tokens: Option<u32>,
    /// The composer's attachments, with their text as the user left it.
    pub attachments: Vec<super::attaching::OutgoingAttachment>,
    /// How the attachments go to a vision model (`None`: text and image). A model that cannot
    /// see images always gets the text ([`crate::domain::ImageMode::TextNoVision`]).
    pub image_mode: Option<crate::domain::ImageMode>,
}
