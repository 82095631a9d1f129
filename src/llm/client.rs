//! The streaming HTTP client: sends a chat request, retries it while nothing has streamed yet,
//! and turns the response body into [`StreamEvent`]s.
//!
//! Pull-based: [`ChatStream::next_event`] drives connecting, waiting and reading, so the caller
//! races it against its cancellation token and dropping the stream drops the connection.
//! Every wait and every buffer is bounded by [`StreamLimits`]; every error leaves with the key
//! (and anything key-shaped) redacted.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

use reqwest::header::{self};
use tokio::time::Instant;

use super::error::{KeyUse, error_detail, json_error_message, snippet};
use super::http::{host_of, read_limited, transport_reason, unasked_encoding};
use super::limits::{MAX_ERROR_BODY_BYTES, StreamLimits};
use super::openai::{self, ChunkOutcome};
use super::retry::{RetryPolicy, parse_retry_after};
use super::sse::{SseDecoder, SseEvent};
use super::{ChatRequest, LlmError, ProviderConfig, StreamEvent};
use crate::secrets::{ApiKey, redact};

mod response;

/// The HTTP client could not be built (its TLS backend failed to initialise).
#[derive(Debug, thiserror::Error)]
#[error(
    "Could not set up secure connections ({0}). The system's certificate store may be unreadable; reinstall the CA certificates package and start ocrchat again."
)]
pub struct ClientBuildError(String);

/// A reusable HTTP client for all providers (one connection pool).
#[derive(Debug, Clone)]
pub struct ChatClient {
    http: reqwest::Client,
    retry: RetryPolicy,
    limits: StreamLimits,
}

impl ChatClient {
    /// A client with the given retry policy and bounds. Redirects are never followed.
    ///
    /// # Errors
    /// When the TLS backend cannot initialise.
    pub fn new(retry: RetryPolicy, limits: StreamLimits) -> Result<Self, ClientBuildError> {
        let http = reqwest::Client::builder()
            .connect_timeout(limits.connect)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("ocrchat/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| ClientBuildError(transport_reason(&err)))?;
        Ok(Self {
            http,
            retry,
            limits,
        })
    }

    /// Starts a streamed reply. Nothing is sent until the first [`ChatStream::next_event`].
    pub fn stream(
        &self,
        provider: &ProviderConfig,
        key: Option<&ApiKey>,
        request: &ChatRequest,
    ) -> ChatStream {
        let body = openai::request_body(request);
        let now = Instant::now();
        ChatStream {
            http: self.http.clone(),
            retry: self.retry,
            limits: self.limits,
            provider: provider.clone(),
            key: key.cloned(),
            key_use: KeyUse::NoneStored,
            body,
            state: State::Connect { attempt: 0 },
            pending: VecDeque::new(),
            decoder: SseDecoder::with_limits(
                self.limits.max_line_bytes,
                self.limits.max_event_bytes,
            ),
            sse_events: Vec::new(),
            reply_started: now,
            last_progress: now,
            lines_seen: 0,
            saw_content: false,
            saw_reasoning: false,
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
    limits: StreamLimits,
    provider: ProviderConfig,
    key: Option<ApiKey>,
    key_use: KeyUse,
    body: serde_json::Value,
    state: State,
    pending: VecDeque<StreamEvent>,
    decoder: SseDecoder,
    sse_events: Vec<SseEvent>,
    /// When the response head arrived (the reply's total limit counts from here).
    reply_started: Instant,
    /// When the body last completed a line.
    last_progress: Instant,
    lines_seen: u64,
    saw_content: bool,
    saw_reasoning: bool,
    saw_finish: bool,
}

impl ChatStream {
    /// The next piece of the reply; `Ok(None)` once the reply is complete.
    ///
    /// # Errors
    /// Why the reply failed or ended early, in words for the user, with any key redacted.
    pub async fn next_event(&mut self) -> Result<Option<StreamEvent>, LlmError> {
        let next = self.next_unredacted().await;
        next.map_err(|err| self.scrub(err))
    }

    /// The error with the key and anything key-shaped removed from its texts.
    fn scrub(&self, err: LlmError) -> LlmError {
        let secrets: Vec<&str> = self.key.iter().map(ApiKey::expose).collect();
        err.map_text(|text| redact(text, &secrets))
    }

    async fn next_unredacted(&mut self) -> Result<Option<StreamEvent>, LlmError> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                match &event {
                    StreamEvent::Content(text) if !text.trim().is_empty() => {
                        self.saw_content = true;
                    }
                    StreamEvent::Reasoning(_) => self.saw_reasoning = true,
                    StreamEvent::Finish(_) => self.saw_finish = true,
                    _ => {}
                }
                return Ok(Some(event));
            }
            match std::mem::replace(&mut self.state, State::Done) {
                State::Done => return Ok(None),
                State::Failed(err) => return Err(err),
                State::Ended => {
                    return if !self.saw_content {
                        Err(LlmError::EmptyReply {
                            reasoning_only: self.saw_reasoning,
                        })
                    } else if self.saw_finish {
                        Ok(None)
                    } else {
                        Err(LlmError::Interrupted(
                            "the server closed the connection before the reply finished".into(),
                        ))
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
                        let delay = self
                            .retry
                            .delay(next, retry_after)
                            .filter(|_| err.is_transient());
                        let Some(delay) = delay else {
                            return Err(err);
                        };
                        self.pending.push_back(StreamEvent::Retrying {
                            attempt: next,
                            delay_millis: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                            reason: self.scrub(err).to_string(),
                        });
                        self.state = State::Wait {
                            attempt: next,
                            delay,
                        };
                    }
                },
                State::Read(mut response) => {
                    if let Some(bytes) = self.read_chunk(&mut response).await? {
                        self.state = State::Read(response);
                        self.consume(&bytes);
                    } else {
                        self.decoder.finish();
                        self.state = State::Ended;
                    }
                }
            }
        }
    }

    /// The next piece of the body within the idle and total limits; `None` at its end.
    async fn read_chunk(
        &self,
        response: &mut reqwest::Response,
    ) -> Result<Option<bytes::Bytes>, LlmError> {
        let idle_end = self.last_progress + self.limits.idle;
        let reply_end = self.reply_started + self.limits.reply;
        match tokio::time::timeout_at(idle_end.min(reply_end), response.chunk()).await {
            Ok(Ok(bytes)) => Ok(bytes),
            Ok(Err(err)) => Err(LlmError::Interrupted(transport_reason(&err))),
            Err(_elapsed) if reply_end <= idle_end => Err(LlmError::TimedOut(format!(
                "it streamed for {} s, the most one reply may take (OCRCHAT_REPLY_TIMEOUT_SECS)",
                self.limits.reply.as_secs()
            ))),
            Err(_elapsed) => Err(LlmError::TimedOut(format!(
                "the server sent no complete line for {} s (OCRCHAT_IDLE_TIMEOUT_SECS)",
                self.limits.idle.as_secs()
            ))),
        }
    }

    /// Feeds body bytes through the SSE decoder into `pending`.
    fn consume(&mut self, bytes: &[u8]) {
        let fed = self.decoder.feed(bytes, &mut self.sse_events);
        if self.decoder.completed_lines() > self.lines_seen {
            self.lines_seen = self.decoder.completed_lines();
            self.last_progress = Instant::now();
        }
        // Events completed before an overflow are handed out first.
        let mut failure = None;
        for event in std::mem::take(&mut self.sse_events) {
            if failure.is_some() {
                break;
            }
            if event.event == "error" {
                failure = Some(LlmError::InStream(error_frame_message(&event.data)));
                break;
            }
            if event.data.is_empty() {
                continue;
            }
            match openai::parse_chunk(&event.data) {
                Ok(ChunkOutcome::Events(events)) => self.pending.extend(events),
                Ok(ChunkOutcome::Done) => {
                    // Anything after [DONE] is ignored; the reply is complete.
                    self.state = State::Ended;
                    self.saw_finish = true;
                    return;
                }
                // The text decoded before the error is handed out first.
                Ok(ChunkOutcome::Error(message)) | Err(message) => {
                    failure = Some(LlmError::InStream(message));
                }
            }
        }
        let overflow = fed
            .err()
            .map(|overflow| LlmError::TooLarge(overflow.to_string()));
        if let Some(err) = failure.or(overflow) {
            self.state = State::Failed(err);
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
        let parsed = reqwest::Url::parse(&url).ok();
        if let Some(value) = self.authorization(parsed.as_ref()).map_err(|e| (e, None))? {
            request = request.header(header::AUTHORIZATION, value);
        }
        let sent = tokio::time::timeout(self.limits.response_head, request.send()).await;
        let response = match sent {
            Ok(Ok(response)) => response,
            Ok(Err(err)) => {
                let (host, reason) = (host_of(&url), transport_reason(&err));
                let err = if err.is_builder() {
                    LlmError::InvalidUrl(self.provider.base_url.clone())
                } else if err.is_connect() || err.is_timeout() {
                    LlmError::Unreachable { host, reason }
                } else {
                    // Connected, then the connection ended before a response head.
                    LlmError::ClosedWithoutAnswer { host, reason }
                };
                return Err((err, None));
            }
            Err(_elapsed) => {
                let err = LlmError::NoAnswer {
                    host: host_of(&url),
                    waited_secs: self.limits.response_head.as_secs(),
                };
                return Err((err, None));
            }
        };
        self.reply_started = Instant::now();
        self.last_progress = self.reply_started;
        let status = response.status();
        let encoding = unasked_encoding(response.headers());
        if status.is_success() {
            if let Some(encoding) = encoding {
                return Err((LlmError::Compressed { encoding }, None));
            }
            return self
                .check_stream_head(response)
                .await
                .map_err(|e| (e, None));
        }
        if status.is_redirection() {
            let target = response
                .headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map_or_else(
                    || "an address it did not name".to_owned(),
                    |location| {
                        parsed
                            .as_ref()
                            .and_then(|base| base.join(location).ok())
                            .map_or_else(|| location.to_owned(), String::from)
                    },
                );
            let status = status.as_u16();
            return Err((LlmError::Redirected { status, target }, None));
        }
        let retry_after = response
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        let detail = if let Some(encoding) = encoding {
            format!("a {encoding}-compressed body ocrchat did not ask for")
        } else {
            let deadline = self.reply_started + self.limits.idle;
            error_detail(&read_limited(response, MAX_ERROR_BODY_BYTES, deadline).await)
        };
        Err((self.status_error(status.as_u16(), url, detail), retry_after))
    }
}

/// The message of an `event: error` frame: its JSON error message, or its text.
fn error_frame_message(data: &str) -> String {
    serde_json::from_str::<serde_json::Value>(data)
        .ok()
        .and_then(|value| json_error_message(&value))
        .unwrap_or_else(|| {
            let text = snippet(data, 300);
            if text.is_empty() {
                "the server sent an error event with no message".into()
            } else {
                text
            }
        })
}
