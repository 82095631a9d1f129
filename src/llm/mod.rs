//! Talking to chat models: provider configs and presets, one file per wire format (OpenAI,
//! Anthropic, Ollama, the plain REST protocol and its WebSocket) behind the seam in `wire.rs`,
//! SSE and NDJSON framing, retries, and the one streaming client.
//!
//! **Architecture invariant:** nothing here knows about the UI, the store or the keyring; a
//! key comes in as an [`crate::secrets::ApiKey`] and leaves only in its style's key header (`Authorization` or `x-api-key`).

mod anthropic;
mod client;
mod error;
mod error_text;
mod html;
mod http;
pub mod limits;
mod lines;
mod model_settings;
mod models;
mod ollama;
mod openai;
mod presets;
mod probe;
mod provider;
mod rest;
mod retry;
mod retry_reason;
pub mod sse;
mod token;
mod wire;
mod ws;

pub use client::{ChatClient, ChatStream, ClientBuildError};
pub use error::{KeyUse, LlmError};
pub use limits::{ProviderTimeouts, StreamLimits};
pub use model_settings::{DEFAULT_CONTEXT_WINDOW, ModelProfile, ModelSettings, Temperature};
pub use presets::{PRESETS, Preset};
pub use provider::{
    ApiStyle, ChatMessage, ChatRequest, FinishReason, ImagePart, ProviderConfig, Role, StreamEvent,
    Usage,
};
pub use retry::{RetryPolicy, parse_retry_after};
pub use token::{TokenCache, secret_entry};
