//! What a chat request and its streamed answer look like, independent of any one API.

use serde::{Deserialize, Serialize};

use super::limits::ProviderTimeouts;
use super::model_settings::{ModelProfile, ModelSettings};

/// The wire protocol a provider speaks; `llm/wire.rs` holds what each one sends and reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiStyle {
    /// `POST {base}/chat/completions` with `stream: true`, answered by SSE.
    #[default]
    #[serde(alias = "openai")]
    OpenAiCompatible,
    /// Anthropic Messages: `POST {base}/v1/messages`, `x-api-key`, answered by SSE.
    Anthropic,
    /// Ollama's native `POST {base}/api/chat`, answered by NDJSON lines.
    Ollama,
    /// The plain gateway protocol: `POST {endpoint}/completions`, one JSON answer.
    Rest,
    /// The plain gateway protocol's stream: a WebSocket at the same host's `/v1/stream`.
    #[serde(alias = "websocket")]
    WebSocket,
}

impl ApiStyle {
    /// Every style, in the order shown.
    pub const ALL: [Self; 5] = [
        Self::OpenAiCompatible,
        Self::Anthropic,
        Self::Ollama,
        Self::Rest,
        Self::WebSocket,
    ];

    /// The short name the command line and `config.toml` accept.
    pub fn cli_name(self) -> &'static str {
        match self {
            Self::OpenAiCompatible => "openai",
            Self::Anthropic => "anthropic",
            Self::Ollama => "ollama",
            Self::Rest => "rest",
            Self::WebSocket => "websocket",
        }
    }

    /// Parses a short name (see [`ApiStyle::cli_name`]); the error lists the names.
    ///
    /// # Errors
    /// An unknown name.
    pub fn parse_cli(name: &str) -> Result<Self, String> {
        let name = name.trim().to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|style| style.cli_name() == name)
            .ok_or_else(|| {
                let names: Vec<_> = Self::ALL.iter().map(|s| s.cli_name()).collect();
                format!(
                    "unknown API style “{name}”; use one of {}",
                    names.join(", ")
                )
            })
    }

    /// Whether the style's messages can carry images: the plain REST and WebSocket protocol
    /// has no image field, so its vision models still get only text.
    pub fn carries_images(self) -> bool {
        matches!(
            self,
            Self::OpenAiCompatible | Self::Anthropic | Self::Ollama
        )
    }

    /// An example base URL, for messages and the form.
    pub fn example_base_url(self) -> &'static str {
        match self {
            Self::OpenAiCompatible => "https://api.openai.com/v1",
            Self::Anthropic => "https://api.anthropic.com",
            Self::Ollama => "http://localhost:11434",
            Self::Rest | Self::WebSocket => "https://api.example.com/v1/chat",
        }
    }
}

/// One configured provider, as saved in `config.toml` (never with its key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderConfig {
    /// Unique, user-chosen name; also the keyring entry's name.
    pub name: String,
    /// The API style.
    #[serde(default)]
    pub api: ApiStyle,
    /// e.g. `https://api.openai.com/v1`; requests go to `{base_url}/chat/completions`.
    pub base_url: String,
    /// The model name sent with each request.
    pub model: String,
    /// Ask for a final usage chunk (`stream_options.include_usage`); some servers reject it.
    #[serde(default)]
    pub stream_usage: bool,
    /// The preset this provider was made from, if any (for display).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    /// Whether its keyring entry held a key when last seen (never the key): the provider
    /// list shows this at start without reading any secret. `None`: not known yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_stored: Option<bool>,
    /// This provider's own waits, where they differ from the defaults (boxed: rarely set,
    /// and configs travel in engine messages).
    #[serde(default, skip_serializing_if = "ProviderTimeouts::is_empty")]
    pub timeouts: Box<ProviderTimeouts>,
    /// With a key and a secret: the endpoint that exchanges them for an access token (sent
    /// as `Authorization: Bearer`). `None`: the key itself is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
    /// Requests to this provider in flight at once (`None`: 4); the rest wait their turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_in_flight: Option<u32>,
    /// Attempts per request before giving up (`None`: the client's policy, 3 attempts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u32>,
    /// What the user set for particular models (vision, context window, max tokens,
    /// temperature); a model without an entry gets its family's defaults.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<ModelSettings>,
}

impl ProviderConfig {
    /// A custom OpenAI-compatible provider.
    pub fn new(
        name: impl Into<String>,
        base_url: impl Into<String>,
        model: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            api: ApiStyle::OpenAiCompatible,
            base_url: base_url.into(),
            model: model.into(),
            stream_usage: false,
            preset: None,
            key_stored: None,
            timeouts: Box::default(),
            token_url: None,
            max_in_flight: None,
            max_attempts: None,
            models: Vec::new(),
        }
    }

    /// What applies to `model` at this provider: the user's entry over the known defaults.
    pub fn model_profile(&self, model: &str) -> ModelProfile {
        ModelProfile::of(model, self.models.iter().find(|m| m.name == model))
    }

    /// Checks the fields a user typed; the message says which field to fix.
    pub fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("Give the provider a name".into());
        }
        let url = self.base_url.trim();
        let is_web_address = reqwest::Url::parse(url)
            .is_ok_and(|parsed| matches!(parsed.scheme(), "http" | "https") && parsed.has_host());
        if !is_web_address {
            return Err(format!(
                "The base URL “{url}” is not a web address. It should look like {}",
                self.api.example_base_url()
            ));
        }
        if self.model.trim().is_empty() {
            return Err("Enter a model name, for example gpt-4o-mini".into());
        }
        Ok(())
    }

    /// The chat endpoint URL for the provider's API style: the style's path added to the base
    /// URL's path (a proxy's prefix kept), its query (`?api-version=…`, as Azure uses) kept
    /// after it. For [`ApiStyle::WebSocket`], `ws`/`wss` at the same host's `/v1/stream`.
    pub fn chat_url(&self) -> String {
        let base = self.base_url.trim();
        let Ok(mut url) = reqwest::Url::parse(base) else {
            // Not a URL: sending fails later with a message naming the base URL.
            return format!("{}/chat/completions", base.trim_end_matches('/'));
        };
        if url.cannot_be_a_base() {
            return format!("{}/chat/completions", base.trim_end_matches('/'));
        }
        url.set_fragment(None);
        if self.api == ApiStyle::WebSocket {
            let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
            let port = url.port();
            let host = url.host_str().unwrap_or_default().to_owned();
            let port = port.map(|p| format!(":{p}")).unwrap_or_default();
            return format!("{scheme}://{host}{port}/v1/stream");
        }
        let added: &[&str] = match self.api {
            ApiStyle::OpenAiCompatible => &["chat", "completions"],
            ApiStyle::Anthropic => &["v1", "messages"],
            ApiStyle::Ollama => &["api", "chat"],
            ApiStyle::Rest | ApiStyle::WebSocket => &["completions"],
        };
        join_path(url, added)
    }

    /// The model-list URL (`GET {base}/models`, Anthropic's `/v1/models`, Ollama's
    /// `/api/tags`); `None` for the plain REST protocol, which has none.
    pub fn models_url(&self) -> Option<String> {
        let url = reqwest::Url::parse(self.base_url.trim())
            .ok()
            .filter(|u| !u.cannot_be_a_base())?;
        let added: &[&str] = match self.api {
            ApiStyle::OpenAiCompatible => &["models"],
            ApiStyle::Anthropic => &["v1", "models"],
            ApiStyle::Ollama => &["api", "tags"],
            ApiStyle::Rest | ApiStyle::WebSocket => return None,
        };
        Some(join_path(url, added))
    }
}

/// `added` appended to the URL's path, the query kept. A leading `v1` is not added again to
/// a path already ending in `/v1` (an Anthropic base given with its version).
fn join_path(mut url: reqwest::Url, added: &[&str]) -> String {
    url.set_fragment(None);
    let ends_in_v1 = url
        .path_segments()
        .and_then(|mut s| s.rfind(|seg| !seg.is_empty()))
        == Some("v1");
    let added = match added {
        ["v1", rest @ ..] if ends_in_v1 => rest,
        all => all,
    };
    if let Ok(mut segments) = url.path_segments_mut() {
        segments.pop_if_empty().extend(added);
    }
    url.into()
}

#[cfg(test)]
mod tests {
    use super::ProviderConfig;

    #[test]
    fn the_endpoint_joins_the_path_and_keeps_the_query() {
        let url = |base: &str| ProviderConfig::new("p", base, "m").chat_url();
        assert_eq!(
            url("https://x.openai.azure.com/openai/v1?api-version=2024-10-21"),
            "https://x.openai.azure.com/openai/v1/chat/completions?api-version=2024-10-21"
        );
        assert_eq!(
            url("https://api.openai.com/v1/"),
            "https://api.openai.com/v1/chat/completions"
        );
        assert_eq!(
            url(" http://127.0.0.1:8080/v1 "),
            "http://127.0.0.1:8080/v1/chat/completions"
        );
        assert_eq!(
            url("http://h/v1/?a=1&b=2"),
            "http://h/v1/chat/completions?a=1&b=2"
        );
        assert_eq!(url("not a url/"), "not a url/chat/completions");
    }

    #[test]
    fn each_style_adds_its_documented_path() {
        use super::ApiStyle::{Anthropic, Ollama, Rest, WebSocket};
        let url = |style, base: &str| {
            let mut provider = ProviderConfig::new("p", base, "m");
            provider.api = style;
            provider.chat_url()
        };
        assert_eq!(
            url(Anthropic, "https://api.anthropic.com"),
            "https://api.anthropic.com/v1/messages"
        );
        assert_eq!(
            url(Anthropic, "https://proxy.example.com/anthropic/"),
            "https://proxy.example.com/anthropic/v1/messages"
        );
        assert_eq!(
            url(Anthropic, "https://api.anthropic.com/v1"),
            "https://api.anthropic.com/v1/messages"
        );
        assert_eq!(
            url(Ollama, "http://localhost:11434"),
            "http://localhost:11434/api/chat"
        );
        assert_eq!(
            url(Rest, "https://api.example.com/v1/chat"),
            "https://api.example.com/v1/chat/completions"
        );
        assert_eq!(
            url(WebSocket, "https://api.example.com/v1/chat"),
            "wss://api.example.com/v1/stream"
        );
        assert_eq!(
            url(WebSocket, "http://127.0.0.1:8080/v1/chat"),
            "ws://127.0.0.1:8080/v1/stream"
        );
        let models = |style, base: &str| {
            let mut provider = ProviderConfig::new("p", base, "m");
            provider.api = style;
            provider.models_url()
        };
        assert_eq!(
            models(super::ApiStyle::OpenAiCompatible, "https://h/v1/").as_deref(),
            Some("https://h/v1/models")
        );
        assert_eq!(
            models(Anthropic, "https://api.anthropic.com").as_deref(),
            Some("https://api.anthropic.com/v1/models")
        );
        assert_eq!(
            models(Ollama, "http://localhost:11434").as_deref(),
            Some("http://localhost:11434/api/tags")
        );
        assert_eq!(models(Rest, "https://h/v1/chat"), None);
    }

    #[test]
    fn style_names_round_trip_and_old_configs_read() {
        for style in super::ApiStyle::ALL {
            assert_eq!(super::ApiStyle::parse_cli(style.cli_name()), Ok(style));
        }
        assert!(
            super::ApiStyle::parse_cli("grpc")
                .unwrap_err()
                .contains("openai")
        );
        let old: ProviderConfig =
            toml::from_str("name = \"a\"\nbase_url = \"http://h/v1\"\nmodel = \"m\"").unwrap();
        assert_eq!(old.api, super::ApiStyle::OpenAiCompatible);
    }
}

/// Who said a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions for the model.
    System,
    /// The person.
    User,
    /// The model.
    Assistant,
}

impl Role {
    /// The wire and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::User => "user",
            Self::Assistant => "assistant",
        }
    }

    /// Parses the wire and database name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "system" => Some(Self::System),
            "user" => Some(Self::User),
            "assistant" => Some(Self::Assistant),
            _ => None,
        }
    }
}

/// One turn of the conversation sent to the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChatMessage {
    /// Who said it.
    pub role: Role,
    /// What was said.
    pub content: String,
    /// Images sent with it (user messages to a vision model only). Each wire file places
    /// them in its own shape; the plain REST protocol has no image field and sends the text.
    #[serde(skip)]
    pub images: Vec<ImagePart>,
}

impl ChatMessage {
    /// A message of text alone.
    pub fn text(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
            images: Vec::new(),
        }
    }
}

/// An image as a vision model gets it: encoded bytes (already downscaled to the provider's
/// limits, see `crate::vision`) in base64, shared so a re-sent image is not copied.
#[derive(Clone, PartialEq, Eq)]
pub struct ImagePart {
    /// `image/png` or `image/jpeg`.
    pub media_type: &'static str,
    /// The encoded bytes, standard base64 with padding.
    pub base64: std::sync::Arc<str>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl ImagePart {
    /// The `data:` URL of the image (`data:image/png;base64,…`).
    pub fn data_url(&self) -> String {
        format!("data:{};base64,{}", self.media_type, self.base64)
    }
}

// Megabytes of base64 never reach a log line.
impl std::fmt::Debug for ImagePart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ImagePart({}, {}×{}, {} base64 bytes)",
            self.media_type,
            self.width,
            self.height,
            self.base64.len()
        )
    }
}

/// A request for one streamed reply.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    /// The model name.
    pub model: String,
    /// The conversation so far, system message first if any.
    pub messages: Vec<ChatMessage>,
    /// Upper bound on the reply's tokens.
    pub max_tokens: Option<u32>,
    /// Sampling temperature (`None`: the API's default; the plain REST protocol never sends it).
    pub temperature: Option<super::Temperature>,
    /// Ask for a usage chunk at the end.
    pub stream_usage: bool,
    /// The conversation's session id, sent by the plain REST protocol so the gateway keeps
    /// its own context across turns (`None`: one is not sent).
    pub session_id: Option<String>,
}

/// Token counts reported by the server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Usage {
    /// Tokens in the prompt.
    #[serde(default)]
    pub prompt_tokens: u64,
    /// Tokens in the reply.
    #[serde(default)]
    pub completion_tokens: u64,
}

/// Why the model stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FinishReason {
    /// It finished its answer.
    Stop,
    /// It hit `max_tokens` or the context limit: the reply is cut off.
    Length,
    /// A content filter stopped it.
    ContentFilter,
    /// Anything else the server said.
    Other(String),
}

impl FinishReason {
    /// Parses the wire value.
    pub fn parse(s: &str) -> Self {
        match s {
            "stop" | "eos" | "end_turn" => Self::Stop,
            "length" | "max_tokens" => Self::Length,
            "content_filter" | "sensitive" => Self::ContentFilter,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// One piece of a streamed reply.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    /// Reply text to append.
    Content(String),
    /// Reasoning ("thinking") text to append (`DeepSeek` `reasoning_content`, `Ollama` `reasoning`).
    Reasoning(String),
    /// The model said why it stopped.
    Finish(FinishReason),
    /// Token counts.
    Usage(Usage),
    /// The request waits for one of its provider's in-flight slots (see `max_in_flight`).
    Queued {
        /// Requests to the provider in flight now (its limit).
        in_flight: usize,
        /// The provider's name.
        provider: String,
    },
    /// The request failed before any reply arrived and will be tried again.
    Retrying {
        /// Which retry this is (1 = the first retry, which is attempt 2).
        attempt: u32,
        /// Attempts allowed in all (the first one included).
        attempts: u32,
        /// How long until it is sent again.
        delay_millis: u64,
        /// Why, in a few words ([`super::LlmError::retry_reason`]).
        reason: String,
    },
}
