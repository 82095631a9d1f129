//! Every way a chat request can fail, each with a message that names the cause and the next
//! step for the user.

/// A failed chat request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LlmError {
    /// 401/403.
    #[error("The server rejected the API key ({status}){detail}. Open Settings → Providers and check the key for “{provider}”{key}.", detail = detail_suffix(.detail))]
    Unauthorized {
        /// HTTP status.
        status: u16,
        /// The provider's name.
        provider: String,
        /// Whether a key was sent, and if not, why.
        key: KeyUse,
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
    /// The connection was made, but the server closed it without an answer.
    #[error(
        "The server at {host} closed the connection without answering ({reason}). Try again; if it keeps happening, check the base URL (is it an HTTP API rather than another service?)."
    )]
    ClosedWithoutAnswer {
        /// Host (and port) of the base URL.
        host: String,
        /// What the transport said.
        reason: String,
    },
    /// The connection was made and the request sent, but no response head came in time.
    #[error(
        "The server at {host} accepted the request but sent no answer within {waited_secs} s. Try again later; if it keeps happening, check the base URL (a slow local model may need a longer OCRCHAT_RESPONSE_HEAD_TIMEOUT_SECS)."
    )]
    NoAnswer {
        /// Host (and port) of the base URL.
        host: String,
        /// How long it waited.
        waited_secs: u64,
    },
    /// The server answered with a redirect; following it would resend the request (and the
    /// key) somewhere the user did not choose, or turn the POST into a GET.
    #[error(
        "The server redirected the request ({status}) to {target}. ocrchat does not follow redirects; if that address is right, put it in the base URL in Settings → Providers."
    )]
    Redirected {
        /// HTTP status (301, 302, 307…).
        status: u16,
        /// The `Location` it named.
        target: String,
    },
    /// The body came compressed although the request did not ask for it.
    #[error(
        "The server sent a {encoding}-compressed answer that ocrchat did not ask for (Content-Encoding: {encoding}). A proxy between you and the provider is probably rewriting it; check the base URL and any proxy settings."
    )]
    Compressed {
        /// The Content-Encoding it named.
        encoding: String,
    },
    /// One of the waits in [`super::StreamLimits`] ran out mid-reply.
    #[error("The reply timed out: {0}. The partial reply is kept; send again to retry.")]
    TimedOut(String),
    /// The server sent a line or an event past the decoder's memory bound.
    #[error(
        "The reply was stopped: {0}. The partial reply is kept; the server is misbehaving, so try again or check the base URL."
    )]
    TooLarge(String),
    /// The base URL could not be used to build a request.
    #[error("The base URL “{0}” is not a valid web address. Fix it in Settings → Providers.")]
    InvalidUrl(String),
    /// The server answered 200 with something that is not an event stream (an HTML page…).
    #[error(
        "The server did not answer with a stream ({content_type}): {snippet}. Is the base URL {expected}?"
    )]
    NotAStream {
        /// The Content-Type it sent.
        content_type: String,
        /// The start of the body in quotes, or what an HTML page says.
        snippet: String,
        /// What the base URL should point at, for the provider's API style.
        expected: &'static str,
    },
    /// The request failed and the server asked for a longer wait than ocrchat takes.
    #[error(
        "{cause} The server asked to wait {wait_secs} s before trying again, longer than ocrchat waits; try again after {until}."
    )]
    WaitTooLong {
        /// Why the attempt failed.
        cause: Box<Self>,
        /// The wait it asked for.
        wait_secs: u64,
        /// When that wait ends, as an HTTP date.
        until: String,
    },
    /// The stream ended without any reply text (maybe with reasoning only).
    #[error("The model returned an empty reply{what}. Retry, or check the model name.", what = if *.reasoning_only { " (only its reasoning, no answer)" } else { "" })]
    EmptyReply {
        /// Whether reasoning text came, but no answer.
        reasoning_only: bool,
    },
    /// The server reported an error inside the stream.
    #[error("The provider reported an error mid-reply: {0}")]
    InStream(String),
    /// The connection broke or stalled mid-reply.
    #[error(
        "The connection broke mid-reply ({0}). The partial reply is kept; send again to retry."
    )]
    Interrupted(String),
}

/// Whether a request carried the API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUse {
    /// It was sent.
    Sent,
    /// None is stored for the provider.
    NoneStored,
    /// One exists but was not sent: the base URL is plain `http://` to another machine.
    WithheldOverHttp,
}

impl std::fmt::Display for KeyUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Sent => "",
            Self::NoneStored => " (no key is stored for it)",
            Self::WithheldOverHttp => {
                " (the key was not sent: the base URL is plain http:// to another computer, so use https://)"
            }
        })
    }
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
            Self::RateLimited { .. }
                | Self::Server { .. }
                | Self::Rejected { status: 409, .. }
                | Self::Unreachable { .. }
                | Self::ClosedWithoutAnswer { .. }
        )
    }

    /// The same error with `scrub` applied to every text that came from outside (the
    /// server's words, URLs): how a key the server echoes back is kept out of messages.
    #[must_use]
    pub fn map_text(self, scrub: impl Fn(&str) -> String) -> Self {
        match self {
            Self::Unauthorized {
                status,
                provider,
                key,
                detail,
            } => Self::Unauthorized {
                status,
                provider,
                key,
                detail: scrub(&detail),
            },
            Self::NotFound { url, model, detail } => Self::NotFound {
                url: scrub(&url),
                model,
                detail: scrub(&detail),
            },
            Self::RateLimited { detail } => Self::RateLimited {
                detail: scrub(&detail),
            },
            Self::Rejected { status, detail } => Self::Rejected {
                status,
                detail: scrub(&detail),
            },
            Self::Server { status, detail } => Self::Server {
                status,
                detail: scrub(&detail),
            },
            Self::Unreachable { host, reason } => Self::Unreachable {
                host,
                reason: scrub(&reason),
            },
            Self::ClosedWithoutAnswer { host, reason } => Self::ClosedWithoutAnswer {
                host,
                reason: scrub(&reason),
            },
            Self::Redirected { status, target } => Self::Redirected {
                status,
                target: scrub(&target),
            },
            Self::Compressed { encoding } => Self::Compressed {
                encoding: scrub(&encoding),
            },
            Self::InvalidUrl(url) => Self::InvalidUrl(scrub(&url)),
            Self::NotAStream {
                content_type,
                snippet,
                expected,
            } => Self::NotAStream {
                content_type: scrub(&content_type),
                snippet: scrub(&snippet),
                expected,
            },
            Self::WaitTooLong {
                cause,
                wait_secs,
                until,
            } => Self::WaitTooLong {
                cause: Box::new(cause.map_text(scrub)),
                wait_secs,
                until,
            },
            Self::InStream(message) => Self::InStream(scrub(&message)),
            Self::Interrupted(reason) => Self::Interrupted(scrub(&reason)),
            other @ (Self::NoAnswer { .. }
            | Self::TimedOut(_)
            | Self::TooLarge(_)
            | Self::EmptyReply { .. }) => other,
        }
    }
}

pub use super::html::html_summary;

/// Pulls a human message out of an error body: `{"error":{"message":…}}`, `{"error":"…"}`,
/// `{"message":…}` (vLLM), `{"detail":…}`; else the start of the body as text.
pub fn error_detail(body: &str) -> String {
    let detail = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| json_error_message(&v));
    match detail {
        Some(message) => message,
        None => html_summary(body).unwrap_or_else(|| snippet(body, 200)),
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
            error_detail("<html>\n<b>502</b> Bad gateway</html>"),
            "an HTML page: “502”"
        );
    }

    #[test]
    fn messages_name_cause_and_next_step() {
        let err = LlmError::Unauthorized {
            status: 401,
            provider: "OpenAI".into(),
            key: KeyUse::Sent,
            detail: "Incorrect API key".into(),
        };
        assert_eq!(
            err.to_string(),
            "The server rejected the API key (401): Incorrect API key. Open Settings → Providers and check the key for “OpenAI”."
        );
    }
}
