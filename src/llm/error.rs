//! Every way a chat request can fail, each with a message that names the cause and the next
//! step for the user.

/// A failed chat request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LlmError {
    /// 401/403.
    #[error("The server rejected the API key ({status}){detail}. Open Settings → Providers and check the key for “{provider}”{hint}.", detail = detail_suffix(.detail), hint = if *.key_sent { "" } else { " (no key is stored for it)" })]
    Unauthorized {
        /// HTTP status.
        status: u16,
        /// The provider's name.
        provider: String,
        /// Whether a key was sent at all.
        key_sent: bool,
        /// The server's own message.
        detail: String,
    },
    /// 404: usually a wrong base URL or model name.
    #[error("The server answered 404 Not Found for {url}{detail}. Check the base URL (it usually ends in /v1) and the model name “{model}”.", detail = detail_suffix(.detail))]
    NotFound {
        /// The URL requested.
        url: String,
        /// The model requested.
        model: String,
        /// The server's own message.
        detail: String,
    },
    /// 429 after the retries ran out.
    #[error("The provider is rate limiting requests (429){detail}. Wait a moment and try again, or check your plan's quota.", detail = detail_suffix(.detail))]
    RateLimited {
        /// The server's own message.
        detail: String,
    },
    /// Any other 4xx: the request itself was refused (context too long, bad parameter…).
    #[error("The server refused the request ({status}){detail}.", detail = detail_suffix(.detail))]
    Rejected {
        /// HTTP status.
        status: u16,
        /// The server's own message.
        detail: String,
    },
    /// 5xx after the retries ran out.
    #[error("The provider had a server error ({status}){detail}. Try again in a moment.", detail = detail_suffix(.detail))]
    Server {
        /// HTTP status.
        status: u16,
        /// The server's own message.
        detail: String,
    },
    /// DNS, refused connection, TLS failure, timeout while connecting.
    #[error(
        "Could not reach {host}: {reason}. Check the base URL in Settings → Providers and your network connection."
    )]
    Unreachable {
        /// Host (and port) of the base URL.
        host: String,
        /// What went wrong, in words.
        reason: String,
    },
    /// The base URL could not be used to build a request.
    #[error("The base URL “{0}” is not a valid web address. Fix it in Settings → Providers.")]
    InvalidUrl(String),
    /// The server answered 200 with something that is not an event stream (an HTML page…).
    #[error(
        "The server did not answer with a stream ({content_type}): “{snippet}”. Is the base URL an OpenAI-compatible API (usually ending in /v1)?"
    )]
    NotAStream {
        /// The Content-Type it sent.
        content_type: String,
        /// The start of the body.
        snippet: String,
    },
    /// The stream ended without any reply text.
    #[error(
        "The server closed the stream without sending a reply. Try again, or check the model name."
    )]
    EmptyStream,
    /// The server reported an error inside the stream.
    #[error("The provider reported an error mid-reply: {0}")]
    InStream(String),
    /// The connection broke or stalled mid-reply.
    #[error(
        "The connection broke mid-reply ({0}). The partial reply is kept; send again to retry."
    )]
    Interrupted(String),
}

fn detail_suffix(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(": {detail}")
    }
}

impl LlmError {
    /// Whether a new attempt might succeed (only used before any reply text has arrived).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. } | Self::Server { .. } | Self::Unreachable { .. }
        )
    }
}

/// Pulls a human message out of an error body: `{"error":{"message":…}}`, `{"error":"…"}`,
/// `{"message":…}` (vLLM), `{"detail":…}`; else the start of the body as text.
pub fn error_detail(body: &str) -> String {
    let detail = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| json_error_message(&v));
    match detail {
        Some(message) => message,
        None => snippet(body, 200),
    }
}

/// The message of a JSON error object, in the shapes providers use.
pub fn json_error_message(value: &serde_json::Value) -> Option<String> {
    let from = |v: &serde_json::Value| -> Option<String> {
        match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Object(map) => map
                .get("message")
                .or_else(|| map.get("msg"))
                .and_then(|m| m.as_str())
                .map(str::to_owned),
            _ => None,
        }
    };
    value
        .get("error")
        .and_then(from)
        .or_else(|| {
            value
                .get("message")
                .and_then(|m| m.as_str())
                .map(str::to_owned)
        })
        .or_else(|| value.get("detail").and_then(from))
}

/// The first `max_chars` characters of `text` on one line, for showing in a message.
pub fn snippet(text: &str, max_chars: usize) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = one_line.chars().take(max_chars).collect();
    if one_line.chars().count() > max_chars {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_details_in_every_shape() {
        assert_eq!(
            error_detail(r#"{"error":{"message":"bad key","type":"x"}}"#),
            "bad key"
        );
        assert_eq!(error_detail(r#"{"error":"nope"}"#), "nope");
        assert_eq!(
            error_detail(r#"{"object":"error","message":"vllm says"}"#),
            "vllm says"
        );
        assert_eq!(error_detail(r#"{"detail":"Not Found"}"#), "Not Found");
        assert_eq!(
            error_detail("<html>\n<b>502</b></html>"),
            "<html> <b>502</b></html>"
        );
    }

    #[test]
    fn messages_name_cause_and_next_step() {
        let err = LlmError::Unauthorized {
            status: 401,
            provider: "OpenAI".into(),
            key_sent: true,
            detail: "Incorrect API key".into(),
        };
        assert_eq!(
            err.to_string(),
            "The server rejected the API key (401): Incorrect API key. Open Settings → Providers and check the key for “OpenAI”."
        );
    }
}
