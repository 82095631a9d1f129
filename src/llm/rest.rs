//! The plain protocol many in-house gateways use: `POST {endpoint}/completions` with
//! `{"messages": [...], "session_id": "..."}` and a Bearer key, answered by one JSON body
//! whose text is `choices[0].message.content`; and its WebSocket stream at the same host's
//! `/v1/stream` (see [`super::ws`]): send `{"messages": [...], "stream": true}`, receive JSON
//! frames with a `delta` field until the server closes. The protocol's documented body has
//! no sampling fields, so neither `max_tokens` nor `temperature` is sent.

use super::wire::{ChunkOutcome, parse_object};
use super::{ChatRequest, StreamEvent};

/// The JSON body: for HTTP, the messages and the conversation's session id; for the
/// WebSocket, the messages and `stream: true`.
pub fn request_body(request: &ChatRequest, websocket: bool) -> serde_json::Value {
    let mut body = serde_json::json!({ "messages": request.messages });
    if websocket {
        body["stream"] = true.into();
    } else if let Some(session) = &request.session_id {
        body["session_id"] = session.as_str().into();
    }
    body
}

/// Interprets one WebSocket text frame: `{"delta": "text"}`, or an error object.
///
/// # Errors
/// The frame is not a JSON object.
pub fn parse_ws_frame(data: &str) -> Result<ChunkOutcome, String> {
    let value = match parse_object(data, "frame")? {
        Ok(value) => value,
        Err(error) => return Ok(error),
    };
    let delta = value
        .get("delta")
        .and_then(|d| d.as_str())
        .filter(|d| !d.is_empty())
        .map(|d| StreamEvent::Content(d.to_owned()));
    Ok(ChunkOutcome::Events(delta.into_iter().collect()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::llm::{ChatMessage, Role};

    #[test]
    fn bodies_and_frames() {
        let request = ChatRequest {
            model: "m".into(),
            messages: vec![{
                // The protocol has no image field: the text goes, the image does not.
                let mut question = ChatMessage::text(Role::User, "q");
                question.images = vec![crate::llm::ImagePart {
                    media_type: "image/png",
                    base64: "iVBORw0K".into(),
                    width: 1,
                    height: 1,
                }];
                question
            }],
            max_tokens: None,
            temperature: None,
            stream_usage: false,
            session_id: Some("s-1".into()),
        };
        assert_eq!(
            request_body(&request, false),
            serde_json::json!({"messages": [{"role": "user", "content": "q"}], "session_id": "s-1"})
        );
        assert_eq!(
            request_body(&request, true),
            serde_json::json!({"messages": [{"role": "user", "content": "q"}], "stream": true})
        );
        assert_eq!(
            parse_ws_frame(r#"{"delta":"你"}"#),
            Ok(ChunkOutcome::Events(vec![StreamEvent::Content(
                "你".into()
            )]))
        );
        assert_eq!(
            parse_ws_frame(r#"{"error":{"message":"quota"}}"#),
            Ok(ChunkOutcome::Error("quota".into()))
        );
    }
}
