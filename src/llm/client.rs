//! The streaming HTTP client: sends a chat request, retries it while nothing has streamed yet,
//! and turns the response body into [`StreamEvent`]s.
//!
//! Pull-based: [`ChatStream::next_event`] drives connecting, waiting and reading, so the caller
//! races it against its cancellation token and dropping the stream drops the connection.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

use reqwest::header::{self, HeaderValue};

use super::error::{error_detail, snippet};
use super::openai::{self, ChunkOutcome};
use super::retry::{RetryPolicy, parse_retry_after};
use super::sse::{SseDecoder, SseEvent};
use super::{ChatRequest, LlmError, ProviderConfig, StreamEvent};
use crate::secrets::ApiKey;

/// How long a stream may stay silent before it counts as broken. Reasoning models can think
/// for minutes before the first token, so this is generous.
pub const READ_TIMEOUT: Duration = Duration::from_secs(300);
/// How long connecting (DNS, TCP, TLS) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// The most of a non-stream body read to explain an error.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// A reusable HTTP client for all providers (one connection pool).
#[derive(Debug, Clone)]
pub struct ChatClient {
    http: reqwest::Client,
    retry: RetryPolicy,
}

impl ChatClient {
    /// A client with the given retry policy.
    pub fn new(retry: RetryPolicy) -> Self {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(READ_TIMEOUT)
            .user_agent(concat!("ocrchat/", env!("CARGO_PKG_VERSION")))
            .build()
            // Building fails only when the TLS backend cannot initialise; fall back to defaults.
            .unwrap_or_default();
        Self { http, retry }
    }

    /// Starts a streamed reply. Nothing is sent until the first [`ChatStream::next_event`].
    pub fn stream(
        &self,
        provider: &ProviderConfig,
        key: Option<&ApiKey>,
        request: &ChatRequest,
    ) -> ChatStream {
        let body = openai::request_body(request);
        ChatStream {
            http: self.http.clone(),
            retry: self.retry,
            provider: provider.clone(),
            key: key.cloned(),
            body,
            state: State::Connect { attempt: 0 },
            pending: VecDeque::new(),
            decoder: SseDecoder::new(),
            sse_events: Vec::new(),
            saw_text: false,
            saw_finish: false,
        }
    }
}

enum State {
    /// Send attempt number `attempt` (0 = first).
    Connect { attempt: u32 },
    /// Wait, then send attempt `attempt`.
    Wait { attempt: u32, delay: Duration },
    /// Read SSE from the body.
    Read(reqwest::Response),
    /// The body is over: once `pending` is handed out, tell a complete reply from a cut one.
    Ended,
    /// Once `pending` is handed out, report this error.
    Failed(LlmError),
    /// Nothing more will come.
    Done,
}

/// One streamed reply in progress.
pub struct ChatStream {
    http: reqwest::Client,
    retry: RetryPolicy,
    provider: ProviderConfig,
    key: Option<ApiKey>,
    body: serde_json::Value,
    state: State,
    pending: VecDeque<StreamEvent>,
    decoder: SseDecoder,
    sse_events: Vec<SseEvent>,
    saw_text: bool,
    saw_finish: bool,
}

impl ChatStream {
    /// The next piece of the reply; `Ok(None)` once the reply is complete.
    pub async fn next_event(&mut self) -> Result<Option<StreamEvent>, LlmError> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                if matches!(event, StreamEvent::Content(_) | StreamEvent::Reasoning(_)) {
                    self.saw_text = true;
                }
                if matches!(event, StreamEvent::Finish(_)) {
                    self.saw_finish = true;
                }
                return Ok(Some(event));
            }
            match std::mem::replace(&mut self.state, State::Done) {
                State::Done => return Ok(None),
                State::Failed(err) => return Err(err),
                State::Ended => {
                    return if self.saw_finish {
                        Ok(None)
                    } else if self.saw_text {
                        Err(LlmError::Interrupted(
                            "the server closed the connection before the reply finished".into(),
                        ))
                    } else {
                        Err(LlmError::EmptyStream)
                    };
                }
                State::Wait { attempt, delay } => {
                    tokio::time::sleep(delay).await;
                    self.state = State::Connect { attempt };
                }
                State::Connect { attempt } => match self.connect().await {
                    Ok(Some(response)) => self.state = State::Read(response),
                    // The whole body was read up front; `state` and `pending` are set.
                    Ok(None) => {}
                    Err((err, retry_after)) => {
                        let next = attempt + 1;
                        match self
                            .retry
                            .delay(next, retry_after)
                            .filter(|_| err.is_transient())
                        {
                            Some(delay) => {
                                self.pending.push_back(StreamEvent::Retrying {
                                    attempt: next,
                                    delay_millis: u64::try_from(delay.as_millis())
                                        .unwrap_or(u64::MAX),
                                    reason: err.to_string(),
                                });
                                self.state = State::Wait {
                                    attempt: next,
                                    delay,
                                };
                            }
                            None => return Err(err),
                        }
                    }
                },
                State::Read(mut response) => match response.chunk().await {
                    Ok(Some(bytes)) => {
                        self.state = State::Read(response);
                        self.consume(&bytes);
                    }
                    Ok(None) => {
                        self.decoder.finish();
                        self.state = State::Ended;
                    }
                    Err(err) => {
                        let reason = if err.is_timeout() {
                            format!("no data for {} s", READ_TIMEOUT.as_secs())
                        } else {
                            transport_reason(&err)
                        };
                        return Err(LlmError::Interrupted(reason));
                    }
                },
            }
        }
    }

    /// Feeds body bytes through the SSE decoder into `pending`.
    fn consume(&mut self, bytes: &[u8]) {
        self.decoder.feed(bytes, &mut self.sse_events);
        for event in self.sse_events.drain(..) {
            if event.data.is_empty() {
                continue;
            }
            match openai::parse_chunk(&event.data) {
                Ok(ChunkOutcome::Events(events)) => self.pending.extend(events),
                Ok(ChunkOutcome::Done) => {
                    // Anything after [DONE] is ignored; the reply is complete.
                    self.state = State::Done;
                    self.saw_finish = true;
                    return;
                }
                // The text decoded before the error is handed out first.
                Ok(ChunkOutcome::Error(message)) | Err(message) => {
                    self.state = State::Failed(LlmError::InStream(message));
                    return;
                }
            }
        }
    }

    /// Sends the request and checks the response head. On failure, also returns the server's
    /// `Retry-After`, if any.
    async fn connect(&mut self) -> Result<Option<reqwest::Response>, (LlmError, Option<Duration>)> {
        let url = self.provider.chat_url();
        let mut request = self
            .http
            .post(&url)
            .header(header::ACCEPT, "text/event-stream")
            .json(&self.body);
        if let Some(key) = &self.key {
            let mut value = HeaderValue::from_str(&format!("Bearer {}", key.expose()))
                .map_err(|_| {
                    let err = LlmError::Rejected {
                        status: 0,
                        detail: "the API key contains characters that cannot be sent in a header; paste it again in Settings → Providers".into(),
                    };
                    (err, None)
                })?;
            value.set_sensitive(true);
            request = request.header(header::AUTHORIZATION, value);
        }
        let response = request.send().await.map_err(|err| {
            let err = if err.is_builder() {
                LlmError::InvalidUrl(self.provider.base_url.clone())
            } else {
                LlmError::Unreachable {
                    host: host_of(&url),
                    reason: transport_reason(&err),
                }
            };
            (err, None)
        })?;
        let status = response.status();
        if status.is_success() {
            return self
                .check_stream_head(response)
                .await
                .map_err(|e| (e, None));
        }
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        let detail = error_detail(&read_limited(response).await);
        let code = status.as_u16();
        let err = match code {
            401 | 403 => LlmError::Unauthorized {
                status: code,
                provider: self.provider.name.clone(),
                key_sent: self.key.is_some(),
                detail,
            },
            404 => LlmError::NotFound {
                url,
                model: self.provider.model.clone(),
                detail,
            },
            429 => LlmError::RateLimited { detail },
            408 | 500..=599 => LlmError::Server {
                status: code,
                detail,
            },
            _ => LlmError::Rejected {
                status: code,
                detail,
            },
        };
        Err((err, retry_after))
    }

    /// A 2xx answer: an event stream goes on to be read (`Some`); a JSON body is either an
    /// error or a whole (non-streamed) completion, read here (`None`); anything else is
    /// explained to the user.
    async fn check_stream_head(
        &mut self,
        response: reqwest::Response,
    ) -> Result<Option<reqwest::Response>, LlmError> {
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        if content_type.starts_with("text/event-stream") {
            return Ok(Some(response));
        }
        let body = read_limited(response).await;
        let trimmed = body.trim_start_matches('\u{feff}').trim_start();
        if trimmed.starts_with("data:") || trimmed.starts_with(':') || trimmed.starts_with("event:")
        {
            // An event stream with the wrong Content-Type (some proxies do this).
            self.state = State::Ended;
            self.consume(body.as_bytes());
            self.decoder.finish();
            return Ok(None);
        }
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(trimmed) {
            if let Some(message) = super::error::json_error_message(&value) {
                return Err(LlmError::InStream(message));
            }
            // A server that ignored `stream: true` and sent the whole completion.
            if let Ok(ChunkOutcome::Events(events)) = openai::parse_chunk(trimmed)
                && !events.is_empty()
            {
                self.pending.extend(events);
                self.saw_finish = true;
                self.state = State::Ended;
                return Ok(None);
            }
        }
        Err(LlmError::NotAStream {
            content_type: if content_type.is_empty() {
                "no Content-Type".into()
            } else {
                content_type
            },
            snippet: snippet(&body, 120),
        })
    }
}

fn host_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| {
                u.port()
                    .map_or_else(|| h.to_owned(), |p| format!("{h}:{p}"))
            })
        })
        .unwrap_or_else(|| url.to_owned())
}

/// Reads at most [`MAX_ERROR_BODY`] bytes of a body as text.
async fn read_limited(mut response: reqwest::Response) -> String {
    let mut body = Vec::new();
    while body.len() < MAX_ERROR_BODY {
        match response.chunk().await {
            Ok(Some(bytes)) => body.extend_from_slice(&bytes),
            _ => break,
        }
    }
    body.truncate(MAX_ERROR_BODY);
    String::from_utf8_lossy(&body).into_owned()
}

/// The innermost cause of a transport error, in words a user can act on.
fn transport_reason(err: &reqwest::Error) -> String {
    let mut innermost: &dyn std::error::Error = err;
    while let Some(source) = innermost.source() {
        innermost = source;
    }
    let text = innermost.to_string();
    let lower = text.to_ascii_lowercase();
    if err.is_timeout() {
        "the connection timed out".into()
    } else if lower.contains("connection refused") {
        "connection refused (is the server running?)".into()
    } else if lower.contains("dns") || lower.contains("lookup") || lower.contains("name or service")
    {
        format!("the host name could not be resolved ({text})")
    } else if lower.contains("certificate") || lower.contains("tls") {
        format!("the secure connection failed ({text})")
    } else {
        text
    }
}
