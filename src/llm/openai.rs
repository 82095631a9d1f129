//! The `OpenAI` chat-completions wire format: the request body, and the JSON of each streamed
//! chunk. Tolerant of what compatible servers add or leave out (`obfuscation`, a missing
//! `object`, `role` in every chunk, usage on the finish chunk, `choices: []`).

use super::error::json_error_message;
use super::wire::ChunkOutcome;
use super::{ChatMessage, ChatRequest, FinishReason, StreamEvent, Usage};

/// The JSON body for a streaming request.
pub fn request_body(request: &ChatRequest) -> serde_json::Value {
    let messages: Vec<serde_json::Value> = request.messages.iter().map(message).collect();
    let mut body = serde_json::json!({
        "model": request.model,
        "messages": messages,
        "stream": true,
    });
    if let Some(max_tokens) = request.max_tokens {
        body["max_tokens"] = max_tokens.into();
    }
    if let Some(temperature) = request.temperature {
        body["temperature"] = temperature.as_f64().into();
    }
    if request.stream_usage {
        body["stream_options"] = serde_json::json!({ "include_usage": true });
    }
    body
}

/// One message: `content` is the text, or with images an array of content parts — the text
/// (when there is any), then each image as a `data:` URL.
/// <https://platform.openai.com/docs/guides/images-vision>
fn message(m: &ChatMessage) -> serde_json::Value {
    if m.images.is_empty() {
        return serde_json::json!({ "role": m.role.as_str(), "content": m.content });
    }
    let text =
        (!m.content.is_empty()).then(|| serde_json::json!({ "type": "text", "text": m.content }));
    let images = m.images.iter().map(|image| {
        serde_json::json!({ "type": "image_url", "image_url": { "url": image.data_url() } })
    });
    let parts: Vec<serde_json::Value> = text.into_iter().chain(images).collect();
    serde_json::json!({ "role": m.role.as_str(), "content": parts })
}

/// Interprets one SSE `data` payload. Read field by field, so a field of an unexpected type
/// (`"prompt_tokens": null`, `-1`, a numeric `finish_reason`) is ignored instead of failing
/// a reply that was otherwise fine. Only choice 0 is read: a server that answers `n > 1`
/// choices must not have them merged into one text.
pub fn parse_chunk(data: &str) -> Result<ChunkOutcome, String> {
    let data = data.trim();
    if data == "[DONE]" {
        return Ok(ChunkOutcome::Done);
    }
    let value: serde_json::Value = serde_json::from_str(data)
        .map_err(|err| format!("the server sent data that is not JSON ({err})"))?;
    if !value.is_object() {
        return Err(format!(
            "the server sent a chunk in an unknown shape (a JSON {} instead of an object)",
            json_kind(&value)
        ));
    }
    let has_error = value.get("error").is_some_and(|e| !e.is_null())
        || value.get("object").and_then(|o| o.as_str()) == Some("error");
    if has_error {
        let message = json_error_message(&value).unwrap_or_else(|| data.to_owned());
        return Ok(ChunkOutcome::Error(message));
    }
    let mut events = Vec::new();
    let first_choice = value
        .get("choices")
        .and_then(|c| c.as_array())
        .and_then(|choices| {
            choices.iter().find(|c| {
                c.get("index")
                    .and_then(serde_json::Value::as_u64)
                    .unwrap_or(0)
                    == 0
            })
        });
    if let Some(choice) = first_choice {
        let delta = choice
            .get("delta")
            .filter(|d| d.is_object())
            .or_else(|| choice.get("message"));
        if let Some(delta) = delta {
            let text = |name: &str| {
                delta
                    .get(name)
                    .and_then(|t| t.as_str())
                    .filter(|t| !t.is_empty())
                    .map(str::to_owned)
            };
            if let Some(reasoning) = text("reasoning_content").or_else(|| text("reasoning")) {
                events.push(StreamEvent::Reasoning(reasoning));
            }
            if let Some(content) = text("content") {
                events.push(StreamEvent::Content(content));
            }
        }
        if let Some(reason) = choice.get("finish_reason").and_then(|r| r.as_str()) {
            events.push(StreamEvent::Finish(FinishReason::parse(reason)));
        }
    }
    if let Some(usage) = value.get("usage").filter(|u| u.is_object()) {
        let count = |name: &str| usage.get(name).and_then(serde_json::Value::as_u64);
        let (prompt, completion) = (count("prompt_tokens"), count("completion_tokens"));
        if prompt.is_some() || completion.is_some() {
            events.push(StreamEvent::Usage(Usage {
                prompt_tokens: prompt.unwrap_or(0),
                completion_tokens: completion.unwrap_or(0),
            }));
        }
    }
    Ok(ChunkOutcome::Events(events))
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::{ChatMessage, Role};

    #[test]
    fn body_has_stream_and_options() {
        let request = ChatRequest {
            model: "m".into(),
            messages: vec![ChatMessage::text(Role::User, "你好")],
            max_tokens: Some(64),
            temperature: None,
            stream_usage: true,
            session_id: None,
        };
        let body = request_body(&request);
        assert_eq!(body["stream"], true);
        assert_eq!(body["max_tokens"], 64);
        assert_eq!(body["stream_options"]["include_usage"], true);
        assert_eq!(body["messages"][0]["role"], "user");
        assert_eq!(body["messages"][0]["content"], "你好");
    }

    #[test]
    fn images_go_as_content_parts_after_the_text() {
        let image = crate::llm::ImagePart {
            media_type: "image/png",
            base64: "iVBORw0K".into(),
            width: 2,
            height: 1,
        };
        let mut with_text = ChatMessage::text(Role::User, "What is this?");
        with_text.images = vec![image.clone(), image.clone()];
        let mut image_only = ChatMessage::text(Role::User, "");
        image_only.images = vec![image];
        let request = ChatRequest {
            model: "gpt-4o".into(),
            messages: vec![
                ChatMessage::text(Role::System, "Be brief."),
                with_text,
                ChatMessage::text(Role::Assistant, "A cat."),
                image_only,
            ],
            max_tokens: None,
            temperature: None,
            stream_usage: false,
            session_id: None,
        };
        let url = "data:image/png;base64,iVBORw0K";
        let expected = serde_json::json!({
            "model": "gpt-4o",
            "stream": true,
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": [
                    {"type": "text", "text": "What is this?"},
                    {"type": "image_url", "image_url": {"url": url}},
                    {"type": "image_url", "image_url": {"url": url}},
                ]},
                {"role": "assistant", "content": "A cat."},
                {"role": "user", "content": [
                    {"type": "image_url", "image_url": {"url": url}},
                ]},
            ],
        });
        let body = request_body(&request);
        assert_eq!(body, expected);
        // Byte for byte, as sent (serde_json writes keys in sorted order).
        assert_eq!(
            serde_json::to_string(&body["messages"][3]).unwrap(),
            r#"{"content":[{"image_url":{"url":"data:image/png;base64,iVBORw0K"},"type":"image_url"}],"role":"user"}"#
        );
    }

    #[test]
    fn tolerates_what_compatible_servers_send() {
        // GLM repeats role in every chunk; OpenAI adds obfuscation; no `object` field.
        let out = parse_chunk(r#"{"id":"1","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"}}],"obfuscation":"abc"}"#).unwrap();
        assert_eq!(
            out,
            ChunkOutcome::Events(vec![StreamEvent::Content("Hi".into())])
        );
        // Usage on the finish chunk.
        let out = parse_chunk(r#"{"choices":[{"delta":{},"finish_reason":"length"}],"usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}}"#).unwrap();
        assert_eq!(
            out,
            ChunkOutcome::Events(vec![
                StreamEvent::Finish(FinishReason::Length),
                StreamEvent::Usage(Usage {
                    prompt_tokens: 3,
                    completion_tokens: 5
                }),
            ])
        );
        // The include_usage chunk has choices: [].
        let out =
            parse_chunk(r#"{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}}"#)
                .unwrap();
        assert_eq!(
            out,
            ChunkOutcome::Events(vec![StreamEvent::Usage(Usage {
                prompt_tokens: 1,
                completion_tokens: 2
            })])
        );
        // DeepSeek reasoning_content and Ollama reasoning; null content.
        let out =
            parse_chunk(r#"{"choices":[{"delta":{"content":null,"reasoning_content":"think"}}]}"#)
                .unwrap();
        assert_eq!(
            out,
            ChunkOutcome::Events(vec![StreamEvent::Reasoning("think".into())])
        );
        let out =
            parse_chunk(r#"{"choices":[{"delta":{"content":"","reasoning":"hmm"}}]}"#).unwrap();
        assert_eq!(
            out,
            ChunkOutcome::Events(vec![StreamEvent::Reasoning("hmm".into())])
        );
        assert_eq!(parse_chunk(" [DONE] ").unwrap(), ChunkOutcome::Done);
    }

    #[test]
    fn error_objects_mid_stream() {
        assert_eq!(
            parse_chunk(r#"{"error":{"message":"overloaded","type":"server_error"}}"#).unwrap(),
            ChunkOutcome::Error("overloaded".into())
        );
        assert_eq!(
            parse_chunk(
                r#"{"object":"error","message":"vLLM failed","type":"BadRequestError","code":400}"#
            )
            .unwrap(),
            ChunkOutcome::Error("vLLM failed".into())
        );
        assert!(parse_chunk("not json").is_err());
        assert!(parse_chunk("[1]").is_err());
    }

    #[test]
    fn bad_optional_fields_are_ignored() {
        // Usage with null or negative counts after a complete reply.
        let out = parse_chunk(
            r#"{"choices":[],"usage":{"prompt_tokens":null,"completion_tokens":-1,"total_tokens":"x"}}"#,
        )
        .unwrap();
        assert_eq!(out, ChunkOutcome::Events(vec![]));
        let out =
            parse_chunk(r#"{"choices":[],"usage":{"prompt_tokens":4,"completion_tokens":null}}"#)
                .unwrap();
        assert_eq!(
            out,
            ChunkOutcome::Events(vec![StreamEvent::Usage(Usage {
                prompt_tokens: 4,
                completion_tokens: 0
            })])
        );
        // A numeric finish_reason, a null delta, "error": null.
        let out = parse_chunk(
            r#"{"error":null,"choices":[{"delta":null,"finish_reason":7}],"usage":null}"#,
        )
        .unwrap();
        assert_eq!(out, ChunkOutcome::Events(vec![]));
    }

    #[test]
    fn only_choice_zero_is_read() {
        let out = parse_chunk(
            r#"{"choices":[{"index":1,"delta":{"content":"B"}},{"index":0,"delta":{"content":"A"},"finish_reason":"stop"},{"index":2,"delta":{"content":"C"}}]}"#,
        )
        .unwrap();
        assert_eq!(
            out,
            ChunkOutcome::Events(vec![
                StreamEvent::Content("A".into()),
                StreamEvent::Finish(FinishReason::Stop)
            ])
        );
        // A chunk with only other choices adds nothing.
        let out = parse_chunk(r#"{"choices":[{"index":1,"delta":{"content":"B"}}]}"#).unwrap();
        assert_eq!(out, ChunkOutcome::Events(vec![]));
    }
}
