//! The wire-format seam: everything that differs between API styles — the request body, the
//! key's header, how the body is framed (SSE, NDJSON lines, one JSON, WebSocket frames) and
//! what each frame means — behind one enum, so [`super::ChatClient`] is one client for all.
//! One file per style holds the details (`openai.rs`, `anthropic.rs`, `ollama.rs`, `rest.rs`,
//! `ws.rs`).

use reqwest::header::{HeaderName, HeaderValue};

use super::error::json_error_message;
use super::lines::LineDecoder;
use super::sse::SseDecoder;
use super::{ApiStyle, ChatRequest, StreamEvent, anthropic, ollama, openai, rest};

/// What one frame (an SSE event, an NDJSON line, a WebSocket message) meant.
#[derive(Debug, PartialEq)]
pub enum ChunkOutcome {
    /// Zero or more stream events.
    Events(Vec<StreamEvent>),
    /// The reply is complete (`[DONE]`, `message_stop`, `done: true`).
    Done,
    /// An error object sent mid-stream.
    Error(String),
}

/// Parses a frame that must be a JSON object (`noun` names it in the error: "line",
/// "frame"); an object with a non-null `error` becomes [`ChunkOutcome::Error`].
///
/// # Errors
/// The frame is not JSON, or not an object.
pub fn parse_object(
    data: &str,
    noun: &str,
) -> Result<Result<serde_json::Value, ChunkOutcome>, String> {
    let value: serde_json::Value = serde_json::from_str(data)
        .map_err(|err| format!("the server sent a {noun} that is not JSON ({err})"))?;
    if !value.is_object() {
        return Err(format!(
            "the server sent a {noun} in an unknown shape (not a JSON object)"
        ));
    }
    if value.get("error").is_some_and(|e| !e.is_null()) {
        let message = json_error_message(&value).unwrap_or_else(|| data.to_owned());
        return Ok(Err(ChunkOutcome::Error(message)));
    }
    Ok(Ok(value))
}

/// How a 2xx body is cut into frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Server-Sent Events.
    Sse,
    /// One JSON object per line.
    Ndjson,
    /// One JSON body (a single frame).
    Whole,
    /// WebSocket messages.
    WebSocket,
}

/// One API style's wire format, with the per-reply state its decoding needs.
#[derive(Debug)]
pub enum Wire {
    /// See [`openai`].
    OpenAi,
    /// See [`anthropic`].
    Anthropic(anthropic::Decoder),
    /// See [`ollama`].
    Ollama,
    /// See [`rest`]; also its WebSocket stream ([`super::ws`]).
    Rest {
        /// Whether this is the WebSocket stream.
        websocket: bool,
    },
}

impl Wire {
    /// The wire format of a style, ready for a new reply.
    pub fn new(style: ApiStyle) -> Self {
        match style {
            ApiStyle::OpenAiCompatible => Self::OpenAi,
            ApiStyle::Anthropic => Self::Anthropic(anthropic::Decoder::default()),
            ApiStyle::Ollama => Self::Ollama,
            ApiStyle::Rest => Self::Rest { websocket: false },
            ApiStyle::WebSocket => Self::Rest { websocket: true },
        }
    }

    /// How the answer's body is framed.
    pub fn framing(&self) -> Framing {
        match self {
            Self::OpenAi | Self::Anthropic(_) => Framing::Sse,
            Self::Ollama => Framing::Ndjson,
            Self::Rest { websocket: false } => Framing::Whole,
            Self::Rest { websocket: true } => Framing::WebSocket,
        }
    }

    /// The `Accept` header of the request.
    pub fn accept(&self) -> &'static str {
        match self.framing() {
            Framing::Sse => "text/event-stream",
            Framing::Ndjson => "application/x-ndjson",
            Framing::Whole | Framing::WebSocket => "application/json",
        }
    }

    /// The request body (for WebSocket, the first message).
    pub fn request_body(&self, request: &ChatRequest) -> serde_json::Value {
        match self {
            Self::OpenAi => openai::request_body(request),
            Self::Anthropic(_) => anthropic::request_body(request),
            Self::Ollama => ollama::request_body(request),
            Self::Rest { websocket } => rest::request_body(request, *websocket),
        }
    }

    /// The headers that carry `key`: `x-api-key` plus `anthropic-version` for Anthropic,
    /// `Authorization: Bearer` for the rest. Marked sensitive (never logged).
    ///
    /// # Errors
    /// The key holds characters a header cannot carry.
    pub fn key_headers(&self, key: &str) -> Result<Vec<(HeaderName, HeaderValue)>, ()> {
        let (name, value) = match self {
            Self::Anthropic(_) => (
                HeaderName::from_static("x-api-key"),
                zeroize::Zeroizing::new(key.to_owned()),
            ),
            _ => (
                reqwest::header::AUTHORIZATION,
                zeroize::Zeroizing::new(format!("Bearer {key}")),
            ),
        };
        let mut value = HeaderValue::from_str(&value).map_err(|_invalid| ())?;
        value.set_sensitive(true);
        Ok(vec![(name, value)])
    }

    /// Headers every request of this style carries, key or not.
    pub fn fixed_headers(&self) -> Vec<(HeaderName, HeaderValue)> {
        match self {
            Self::Anthropic(_) => vec![(
                HeaderName::from_static("anthropic-version"),
                HeaderValue::from_static(anthropic::VERSION),
            )],
            _ => Vec::new(),
        }
    }

    /// Interprets one frame: its SSE event name (empty or "message" when none) and data.
    ///
    /// # Errors
    /// The frame is not in the style's shape (not JSON…), in words.
    pub fn decode(&mut self, event: &str, data: &str) -> Result<ChunkOutcome, String> {
        match self {
            Self::OpenAi | Self::Rest { websocket: false } => openai::parse_chunk(data),
            Self::Anthropic(decoder) => decoder.decode(event, data),
            Self::Ollama => ollama::parse_line(data),
            Self::Rest { websocket: true } => rest::parse_ws_frame(data),
        }
    }

    /// Whether the start of a body with the wrong Content-Type looks like this style's stream.
    pub fn looks_like_stream(&self, start: &str) -> bool {
        match self.framing() {
            Framing::Sse => ["data:", ":", "event:", "id:", "retry:"]
                .iter()
                .any(|field| start.starts_with(field)),
            Framing::Ndjson => start.starts_with('{'),
            Framing::Whole | Framing::WebSocket => false,
        }
    }

    /// What the user should check when the body is not in this style's shape.
    pub fn base_url_hint(&self) -> &'static str {
        match self {
            Self::OpenAi => "an OpenAI-compatible API (usually ending in /v1)",
            Self::Anthropic(_) => "an Anthropic Messages API (such as https://api.anthropic.com)",
            Self::Ollama => "an Ollama server (such as http://localhost:11434)",
            Self::Rest { .. } => "the gateway's endpoint (such as https://api.example.com/v1/chat)",
        }
    }
}

/// One frame cut from the body: its SSE event name ("" for NDJSON) and its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The SSE `event:` name.
    pub event: String,
    /// The payload.
    pub data: String,
}

/// Cuts a body into frames, bounded in memory.
#[derive(Debug)]
pub enum Framer {
    /// SSE events.
    Sse(SseDecoder),
    /// NDJSON lines.
    Lines(LineDecoder),
}

impl Framer {
    /// The framer for `framing` (whole bodies and WebSocket frames need none; they get the
    /// SSE one, never fed).
    pub fn new(framing: Framing, max_line_bytes: usize, max_event_bytes: usize) -> Self {
        match framing {
            Framing::Ndjson => Self::Lines(LineDecoder::new(max_line_bytes)),
            _ => Self::Sse(SseDecoder::with_limits(max_line_bytes, max_event_bytes)),
        }
    }

    /// Feeds body bytes; appends completed frames to `out`.
    ///
    /// # Errors
    /// A line or an event past its bound, in words; the frames before it are in `out`.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<Frame>) -> Result<(), String> {
        match self {
            Self::Sse(decoder) => {
                let mut events = Vec::new();
                let fed = decoder.feed(bytes, &mut events);
                out.extend(events.into_iter().map(|e| Frame {
                    event: e.event,
                    data: e.data,
                }));
                fed.map_err(|overflow| overflow.to_string())
            }
            Self::Lines(decoder) => {
                let mut lines = Vec::new();
                let fed = decoder.feed(bytes, &mut lines);
                out.extend(lines.into_iter().map(|data| Frame {
                    event: String::new(),
                    data,
                }));
                fed.map_err(|overflow| overflow.to_string())
            }
        }
    }

    /// End of body: frames still buffered that count (an NDJSON line without its newline).
    pub fn finish(&mut self, out: &mut Vec<Frame>) {
        match self {
            Self::Sse(decoder) => decoder.finish(),
            Self::Lines(decoder) => {
                let mut lines = Vec::new();
                decoder.finish(&mut lines);
                out.extend(lines.into_iter().map(|data| Frame {
                    event: String::new(),
                    data,
                }));
            }
        }
    }

    /// How many lines have ended: progress that a trickle without line ends does not make.
    pub fn completed_lines(&self) -> u64 {
        match self {
            Self::Sse(decoder) => decoder.completed_lines(),
            Self::Lines(decoder) => decoder.completed_lines(),
        }
    }
}
