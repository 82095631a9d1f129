//! How long a reply may wait for data: the first-token wait until text flows, then the idle
//! wait between chunks (the first WebSocket frame has its own), all within the reply's total
//! limit; and the message naming the wait that ran out.

use tokio::time::Instant;

use super::super::http::transport_reason;
use super::super::wire::Framing;
use super::super::{LlmError, StreamEvent};
use super::ChatStream;

impl ChatStream {
    /// The next piece of the body within the idle and total limits; `None` at its end.
    pub(super) async fn read_chunk(
        &self,
        response: &mut reqwest::Response,
    ) -> Result<Option<bytes::Bytes>, LlmError> {
        match tokio::time::timeout_at(self.silence_deadline(), response.chunk()).await {
            Ok(Ok(bytes)) => Ok(bytes),
            Ok(Err(err)) => Err(LlmError::Interrupted(transport_reason(&err))),
            Err(_elapsed) => Err(self.silence_error()),
        }
    }

    /// Whether reply text (or reasoning) has come: the silence allowed changes then.
    fn text_flows(&self) -> bool {
        self.saw_content
            || self.saw_reasoning
            || self
                .pending
                .iter()
                .any(|e| matches!(e, StreamEvent::Content(_) | StreamEvent::Reasoning(_)))
    }

    /// The longest silence allowed now: the first-token wait until text flows, then the idle
    /// wait (the first WebSocket frame has its own).
    fn silence_limit(&self) -> (std::time::Duration, &'static str) {
        if self.text_flows() {
            (self.limits.idle, "OCRCHAT_IDLE_TIMEOUT_SECS")
        } else if self.wire.framing() == Framing::WebSocket && self.lines_seen == 0 {
            (self.limits.first_frame, "the first-frame timeout")
        } else {
            (self.limits.first_token, "OCRCHAT_FIRST_TOKEN_TIMEOUT_SECS")
        }
    }

    /// When the current wait for data runs out (silence or the reply's total limit).
    pub(super) fn silence_deadline(&self) -> Instant {
        let (limit, _) = self.silence_limit();
        (self.last_progress + limit).min(self.reply_started + self.limits.reply)
    }

    /// The error for a wait that ran out, naming which one fired.
    pub(super) fn silence_error(&self) -> LlmError {
        let (limit, name) = self.silence_limit();
        if self.reply_started + self.limits.reply <= self.last_progress + limit {
            return LlmError::TimedOut(format!(
                "it streamed for {} s, the most one reply may take (OCRCHAT_REPLY_TIMEOUT_SECS)",
                self.limits.reply.as_secs()
            ));
        }
        let secs = limit.as_secs();
        LlmError::TimedOut(if self.text_flows() {
            format!("no data for {secs} s; the server sent no complete line for {secs} s ({name})")
        } else {
            format!("the server sent no complete line for {secs} s before the first token ({name})")
        })
    }
}
