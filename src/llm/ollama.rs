//! Ollama's native chat API (`POST {base}/api/chat`): the request body and the NDJSON lines
//! of a streamed reply (`message.content`, `message.thinking`, and a last line with
//! `done: true`, `done_reason` and the token counts). No key.
//! <https://github.com/ollama/ollama/blob/main/docs/api.md#generate-a-chat-completion>

use super::wire::{ChunkOutcome, parse_object};
use super::{ChatMessage, ChatRequest, FinishReason, StreamEvent, Usage};

/// The JSON body for a streaming request.
pub fn request_body(request: &ChatRequest) -> serde_json::Value {
    let messages: Vec<serde_json::Value> = request.messages.iter().map(message).collect();
    let mut body = serde_json::json!({
        "model": request.model,
        "messages": messages,
        "stream": true,
    });
    // Ollama takes sampling settings under `options`.
    if let Some(max_tokens) = request.max_tokens {
        body["options"]["num_predict"] = max_tokens.into();
    }
    if let Some(temperature) = request.temperature {
        body["options"]["temperature"] = temperature.as_f64().into();
    }
    body
}

/// One message; its images, when it has any, as a list of bare base64 strings beside the text.
fn message(m: &ChatMessage) -> serde_json::Value {
    let mut value = serde_json::json!({ "role": m.role.as_str(), "content": m.content });
    if !m.images.is_empty() {
        let images: Vec<&str> = m.images.iter().map(|i| &*i.base64).collect();
        value["images"] = images.into();
    }
    value
}

/// Interprets one NDJSON line.
///
/// # Errors
/// The line is not a JSON object.
pub fn parse_line(data: &str) -> Result<ChunkOutcome, String> {
    let value = match parse_object(data, "line")? {
        Ok(value) => value,
        Err(error) => return Ok(error),
    };
    let mut events = Vec::new();
    let message = value.get("message");
    let text = |name: &str| {
        message
            .and_then(|m| m.get(name))
            .and_then(|t| t.as_str())
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    if let Some(thinking) = text("thinking") {
        events.push(StreamEvent::Reasoning(thinking));
    }
    if let Some(content) = text("content") {
        events.push(StreamEvent::Content(content));
    }
    if value.get("done").and_then(serde_json::Value::as_bool) == Some(true) {
        let reason = value
            .get("done_reason")
            .and_then(|r| r.as_str())
            .unwrap_or("stop");
        events.push(StreamEvent::Finish(FinishReason::parse(reason)));
        let count = |name: &str| value.get(name).and_then(serde_json::Value::as_u64);
        if let (Some(prompt), Some(completion)) = (count("prompt_eval_count"), count("eval_count"))
        {
            events.push(StreamEvent::Usage(Usage {
                prompt_tokens: prompt,
                completion_tokens: completion,
            }));
        }
    }
    Ok(ChunkOutcome::Events(events))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::Role;

    #[test]
    fn images_go_as_base64_strings_on_the_message() {
        let image = crate::llm::ImagePart {
            media_type: "image/png",
            base64: "iVBORw0K".into(),
            width: 1,
            height: 1,
        };
        let mut question = ChatMessage::text(Role::User, "What is it?");
        question.images = vec![image.clone(), image];
        let request = ChatRequest {
            model: "llava".into(),
            messages: vec![ChatMessage::text(Role::System, "Be brief."), question],
            max_tokens: None,
            temperature: None,
            stream_usage: false,
            session_id: None,
        };
        let body = request_body(&request);
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"messages":[{"content":"Be brief.","role":"system"},{"content":"What is it?","images":["iVBORw0K","iVBORw0K"],"role":"user"}],"model":"llava","stream":true}"#
        );
    }

    #[test]
    fn lines_with_thinking_done_and_errors() {
        assert_eq!(
            parse_line(
                r#"{"model":"m","message":{"role":"assistant","content":"","thinking":"hm"},"done":false}"#
            ),
            Ok(ChunkOutcome::Events(vec![StreamEvent::Reasoning(
                "hm".into()
            )]))
        );
        assert_eq!(
            parse_line(
                r#"{"message":{"content":""},"done":true,"done_reason":"length","prompt_eval_count":2,"eval_count":9}"#
            ),
            Ok(ChunkOutcome::Events(vec![
                StreamEvent::Finish(FinishReason::Length),
                StreamEvent::Usage(Usage {
                    prompt_tokens: 2,
                    completion_tokens: 9
                }),
            ]))
        );
        assert_eq!(
            parse_line(r#"{"error":"model 'x' not found"}"#),
            Ok(ChunkOutcome::Error("model 'x' not found".into()))
        );
        assert!(parse_line("[]").is_err());
    }
}
