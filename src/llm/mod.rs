//! Talking to chat models: provider configs and presets, the OpenAI-compatible wire format,
//! SSE framing, retries, and the streaming client.
//!
//! **Architecture invariant:** nothing here knows about the UI, the store or the keyring; a
//! key comes in as an [`crate::secrets::ApiKey`] and leaves only in the `Authorization` header.

mod client;
mod error;
mod html;
mod http;
pub mod limits;
mod openai;
mod presets;
mod provider;
mod retry;
pub mod sse;

pub use client::{ChatClient, ChatStream, ClientBuildError};
pub use error::{KeyUse, LlmError};
pub use limits::StreamLimits;
pub use presets::{PRESETS, Preset};
pub use provider::{
    ApiStyle, ChatMessage, ChatRequest, FinishReason, ProviderConfig, Role, StreamEvent, Usage,
};
pub use retry::{RetryPolicy, parse_retry_after};
