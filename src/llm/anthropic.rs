//! Anthropic Messages (`POST {base}/v1/messages`): the request body (the system prompt as the
//! top-level `system` field, `max_tokens` required) and the SSE events of a streamed reply —
//! `message_start`, `content_block_start`/`content_block_delta` (`text_delta`,
//! `thinking_delta`), `message_delta` (stop reason, usage), `message_stop`, `ping`, `error`.
//! <https://docs.anthropic.com/en/api/messages-streaming>

use super::wire::ChunkOutcome;
use super::{ChatMessage, ChatRequest, FinishReason, Role, StreamEvent, Usage};

/// The `anthropic-version` header every request carries.
pub const VERSION: &str = "2023-06-01";
/// `max_tokens` when the user set none (the API requires one).
pub const DEFAULT_MAX_TOKENS: u32 = 4096;

/// The JSON body for a streaming request.
pub fn request_body(request: &ChatRequest) -> serde_json::Value {
    let system: Vec<&str> = request
        .messages
        .iter()
        .filter(|m| m.role == Role::System)
        .map(|m| m.content.as_str())
        .collect();
    let messages: Vec<serde_json::Value> = request
        .messages
        .iter()
        .filter(|m| m.role != Role::System)
        .map(message)
        .collect();
    let mut body = serde_json::json!({
        "model": request.model,
        "max_tokens": request.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS),
        "messages": messages,
        "stream": true,
    });
    if !system.is_empty() {
        body["system"] = system.join("\n\n").into();
    }
    if let Some(temperature) = request.temperature {
        body["temperature"] = temperature.as_f64().into();
    }
    body
}

/// One message: `content` is the text, or with images an array of blocks — each image, then
/// the text (Anthropic advises images before the question).
/// <https://docs.anthropic.com/en/docs/build-with-claude/vision>
fn message(m: &ChatMessage) -> serde_json::Value {
    if m.images.is_empty() {
        return serde_json::json!({ "role": m.role.as_str(), "content": m.content });
    }
    let images = m
        .images
        .iter()
        .map(|image| image_block(image.media_type, &image.base64));
    let text =
        (!m.content.is_empty()).then(|| serde_json::json!({ "type": "text", "text": m.content }));
    let blocks: Vec<serde_json::Value> = images.chain(text).collect();
    serde_json::json!({ "role": m.role.as_str(), "content": blocks })
}

/// An image content block (base64 data), for a user message's `content` array.
pub fn image_block(media_type: &str, base64_data: &str) -> serde_json::Value {
    serde_json::json!({
        "type": "image",
        "source": { "type": "base64", "media_type": media_type, "data": base64_data },
    })
}

/// Per-reply decoding state: the prompt's token count comes in `message_start`, the reply's
/// in `message_delta`.
#[derive(Debug, Default)]
pub struct Decoder {
    input_tokens: u64,
}

impl Decoder {
    /// Interprets one SSE event. The `type` inside the data decides; the `event:` name is
    /// the fallback for an event without data.
    ///
    /// # Errors
    /// The data is not a JSON object.
    pub fn decode(&mut self, event: &str, data: &str) -> Result<ChunkOutcome, String> {
        if data.trim().is_empty() {
            return Ok(match event {
                "message_stop" => ChunkOutcome::Done,
                _ => ChunkOutcome::Events(Vec::new()),
            });
        }
        let value: serde_json::Value = serde_json::from_str(data)
            .map_err(|err| format!("the server sent data that is not JSON ({err})"))?;
        let Some(object) = value.as_object() else {
            return Err("the server sent an event in an unknown shape (not a JSON object)".into());
        };
        let kind = object.get("type").and_then(|t| t.as_str()).unwrap_or(event);
        let text = |v: &serde_json::Value, name: &str| {
            v.get(name)
                .and_then(|t| t.as_str())
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
        };
        let count = |v: Option<&serde_json::Value>, name: &str| {
            v.and_then(|u| u.get(name))
                .and_then(serde_json::Value::as_u64)
        };
        let mut events = Vec::new();
        match kind {
            "message_start" => {
                let usage = value.get("message").and_then(|m| m.get("usage"));
                self.input_tokens = count(usage, "input_tokens").unwrap_or(0);
            }
            "content_block_start" | "content_block_delta" => {
                let block = value
                    .get("delta")
                    .or_else(|| value.get("content_block"))
                    .unwrap_or(&serde_json::Value::Null);
                if let Some(thinking) = text(block, "thinking") {
                    events.push(StreamEvent::Reasoning(thinking));
                }
                if let Some(content) = text(block, "text") {
                    events.push(StreamEvent::Content(content));
                }
            }
            "message_delta" => {
                if let Some(reason) = value
                    .get("delta")
                    .and_then(|d| d.get("stop_reason"))
                    .and_then(|r| r.as_str())
                {
                    events.push(StreamEvent::Finish(FinishReason::parse(reason)));
                }
                if let Some(output) = count(value.get("usage"), "output_tokens") {
                    events.push(StreamEvent::Usage(Usage {
                        prompt_tokens: self.input_tokens,
                        completion_tokens: output,
                    }));
                }
            }
            "message_stop" => return Ok(ChunkOutcome::Done),
            "error" => return Ok(ChunkOutcome::Error(error_message(&value))),
            // `ping`, `content_block_stop` and event types added later carry no text.
            _ => {}
        }
        Ok(ChunkOutcome::Events(events))
    }
}

/// `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}` in words.
fn error_message(value: &serde_json::Value) -> String {
    let error = value.get("error");
    let kind = error
        .and_then(|e| e.get("type"))
        .and_then(|t| t.as_str())
        .unwrap_or("error");
    let message = error
        .and_then(|e| e.get("message"))
        .and_then(|m| m.as_str())
        .unwrap_or("no message");
    if kind == "overloaded_error" {
        format!("{message} ({kind}: Anthropic is overloaded; try again in a moment)")
    } else {
        format!("{message} ({kind})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_go_as_base64_blocks_before_the_text() {
        let image = crate::llm::ImagePart {
            media_type: "image/jpeg",
            base64: "/9j/4AAQ".into(),
            width: 3,
            height: 2,
        };
        let mut question = ChatMessage::text(Role::User, "Read it");
        question.images = vec![image.clone()];
        let mut image_only = ChatMessage::text(Role::User, "");
        image_only.images = vec![image];
        let request = ChatRequest {
            model: "claude".into(),
            messages: vec![
                question,
                ChatMessage::text(Role::Assistant, "It says hi."),
                image_only,
            ],
            max_tokens: Some(100),
            temperature: None,
            stream_usage: false,
            session_id: None,
        };
        let block = serde_json::json!({
            "type": "image",
            "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/4AAQ"},
        });
        assert_eq!(
            request_body(&request)["messages"],
            serde_json::json!([
                {"role": "user", "content": [block, {"type": "text", "text": "Read it"}]},
                {"role": "assistant", "content": "It says hi."},
                {"role": "user", "content": [block]},
            ])
        );
    }

    #[test]
    fn system_goes_top_level_and_max_tokens_is_set() {
        let message = ChatMessage::text;
        let request = ChatRequest {
            model: "claude".into(),
            messages: vec![
                message(Role::System, "be brief"),
                message(Role::User, "hi"),
                message(Role::Assistant, "hello"),
            ],
            max_tokens: None,
            temperature: None,
            stream_usage: true,
            session_id: None,
        };
        let body = request_body(&request);
        assert_eq!(
            body,
            serde_json::json!({
                "model": "claude",
                "max_tokens": 4096,
                "system": "be brief",
                "stream": true,
                "messages": [
                    {"role": "user", "content": "hi"},
                    {"role": "assistant", "content": "hello"},
                ],
            })
        );
        assert_eq!(
            image_block("image/png", "AAAA"),
            serde_json::json!({"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"}})
        );
    }

    #[test]
    fn error_events_name_their_type() {
        let mut decoder = Decoder::default();
        let out = decoder
            .decode(
                "error",
                r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
            )
            .unwrap();
        let ChunkOutcome::Error(message) = out else {
            panic!("not an error: {out:?}");
        };
        assert!(message.contains("overloaded_error"), "{message}");
        assert_eq!(
            decoder.decode("ping", r#"{"type": "ping"}"#),
            Ok(ChunkOutcome::Events(vec![]))
        );
    }
}
