//! "Test connection": one tiny request whose first text (or exact failure) tells whether a
//! provider's settings work; the window's button and `ocrchat providers test` both use it.

use super::{ChatClient, ChatMessage, ChatRequest, LlmError, ProviderConfig, Role, StreamEvent};
use crate::secrets::ApiKey;

impl ChatClient {
    /// Sends "Reply with the word OK." (at most 16 tokens) and waits for the first text.
    ///
    /// # Errors
    /// Why the provider did not answer, in words for the user.
    pub async fn test_connection(
        &self,
        provider: &ProviderConfig,
        key: Option<&ApiKey>,
        secret: Option<&ApiKey>,
    ) -> Result<(), LlmError> {
        let request = ChatRequest {
            model: provider.model.clone(),
            messages: vec![ChatMessage::text(Role::User, "Reply with the word OK.")],
            max_tokens: Some(16),
            temperature: None,
            stream_usage: false,
            session_id: None,
        };
        let mut stream = self.stream_with_secret(provider, key, secret, &request);
        loop {
            match stream.next_event().await? {
                Some(StreamEvent::Content(_) | StreamEvent::Reasoning(_)) | None => return Ok(()),
                Some(_) => {}
            }
        }
    }
}
