//! The OpenAI chat-completions wire format: the request body, and the JSON of each streamed
//! chunk. Tolerant of what compatible servers add or leave out (`obfuscation`, a missing
//! `object`, `role` in every chunk, usage on the finish chunk, `choices: []`).

use serde::Deserialize;

use super::error::json_error_message;
use super::{ChatRequest, FinishReason, StreamEvent, Usage};

/// The JSON body for a streaming request.
pub fn request_body(request: &ChatRequest) -> serde_json::Value {
    let mut body = serde_json::json!({
        "model": request.model,
        "messages": request.messages,
        "stream": true,
    });
    if let Some(max_tokens) = request.max_tokens {
        body["max_tokens"] = max_tokens.into();
    }
    if request.stream_usage {
        body["stream_options"] = serde_json::json!({ "include_usage": true });
    }
    body
}

#[derive(Debug, Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
    #[serde(default)]
    error: Option<serde_json::Value>,
    #[serde(default)]
    object: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Choice {
    #[serde(default)]
    delta: Option<Delta>,
    /// Some servers send a whole `message` instead of a `delta` in the last chunk.
    #[serde(default)]
    message: Option<Delta>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Delta {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    reasoning_content: Option<String>,
    #[serde(default)]
    reasoning: Option<String>,
}

/// What one `data:` payload meant.
#[derive(Debug, PartialEq)]
pub enum ChunkOutcome {
    /// Zero or more stream events.
    Events(Vec<StreamEvent>),
    /// `[DONE]`.
    Done,
    /// An error object sent mid-stream.
    Error(String),
}

/// Interprets one SSE `data` payload.
pub fn parse_chunk(data: &str) -> Result<ChunkOutcome, String> {
    let data = data.trim();
    if data == "[DONE]" {
        return Ok(ChunkOutcome::Done);
    }
    let value: serde_json::Value = serde_json::from_str(data)
        .map_err(|err| format!("the server sent data that is not JSON ({err})"))?;
    let chunk: Chunk = serde_json::from_value(value.clone())
        .map_err(|err| format!("the server sent a chunk in an unknown shape ({err})"))?;
    if chunk.error.is_some() || chunk.object.as_deref() == Some("error") {
        let message = json_error_message(&value).unwrap_or_else(|| data.to_owned());
        return Ok(ChunkOutcome::Error(message));
    }
    let mut events = Vec::new();
    for choice in chunk.choices {
        if let Some(delta) = choice.delta.or(choice.message) {
            let reasoning = delta.reasoning_content.or(delta.reasoning);
            if let Some(text) = reasoning.filter(|t| !t.is_empty()) {
                events.push(StreamEvent::Reasoning(text));
            }
            if let Some(text) = delta.content.filter(|t| !t.is_empty()) {
                events.push(StreamEvent::Content(text));
            }
        }
        if let Some(reason) = choice.finish_reason {
            events.push(StreamEvent::Finish(FinishReason::parse(&reason)));
        }
    }
    if let Some(usage) = chunk.usage {
        events.push(StreamEvent::Usage(usage));
    }
    Ok(ChunkOutcome::Events(events))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::{ChatMessage, Role};

    #[test]
    fn body_has_stream_and_options() {
        let request = ChatRequest {
            model: "m".into(),
            messages: vec![ChatMessage {
                role: Role::User,
                content: "你好".into(),
            }],
            max_tokens: Some(64),
            stream_usage: true,
        };
        let body = request_body(&request);
        assert_eq!(body["stream"], true);
        assert_eq!(body["max_tokens"], 64);
        assert_eq!(body["stream_options"]["include_usage"], true);
        assert_eq!(body["messages"][0]["role"], "user");
        assert_eq!(body["messages"][0]["content"], "你好");
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
    }
}
