//! The streaming client: sends a chat request in its provider's wire format ([`Wire`]),
//! retries it while nothing has streamed yet, and turns the answer (SSE, NDJSON, one JSON or
//! WebSocket frames) into [`StreamEvent`]s.
//!
//! Pull-based: [`ChatStream::next_event`] drives connecting, waiting and reading, so the caller
//! races it against its cancellation token and dropping the stream drops the connection.
//! Every wait and every buffer is bounded by [`StreamLimits`]; every error leaves with the key
//! (and anything key-shaped) redacted.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use reqwest::header::{self};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::error::{KeyUse, error_detail, json_error_message, snippet};
use super::http::{host_of, read_limited, transport_reason, unasked_encoding};
use super::limits::{MAX_ERROR_BODY_BYTES, StreamLimits};
use super::retry::{RetryHint, RetryPlan, RetryPolicy};
use super::token::{TokenCache, TokenSource};
use super::wire::{ChunkOutcome, Frame, Framer, Framing, Wire};
use super::{ChatRequest, LlmError, ProviderConfig, StreamEvent, ws};
use crate::secrets::{ApiKey, redact};

mod response;
mod slots;
mod socket;
mod waits;

/// In-flight slots by provider name and limit.
type SlotMap = HashMap<(String, usize), Arc<Semaphore>>;

/// Requests one provider may have in flight at once; the rest wait their turn.
pub const DEFAULT_IN_FLIGHT: usize = 4;

/// The HTTP client could not be built (its TLS backend failed to initialise).
#[derive(Debug, thiserror::Error)]
#[error(
    "Could not set up secure connections ({0}). The system's certificate store may be unreadable; reinstall the CA certificates package and start ocrchat again."
)]
pub struct ClientBuildError(String);

/// A reusable HTTP client for all providers (one connection pool).
#[derive(Debug, Clone)]
pub struct ChatClient {
    pub(super) http: reqwest::Client,
    retry: RetryPolicy,
    pub(super) limits: StreamLimits,
    tokens: TokenCache,
    /// Each provider's in-flight slots, by name and limit.
    slots: Arc<Mutex<SlotMap>>,
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
            tokens: TokenCache::default(),
            slots: Arc::default(),
        })
    }

    /// The provider's in-flight slots (`max_in_flight`, default [`DEFAULT_IN_FLIGHT`]).
    fn slot(&self, provider: &ProviderConfig) -> Arc<Semaphore> {
        let limit = slots::in_flight_limit(provider.max_in_flight);
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        slots
            .entry((provider.name.clone(), limit))
            .or_insert_with(|| Arc::new(Semaphore::new(limit)))
            .clone()
    }

    /// Starts a streamed reply. Nothing is sent until the first [`ChatStream::next_event`].
    pub fn stream(
        &self,
        provider: &ProviderConfig,
        key: Option<&ApiKey>,
        request: &ChatRequest,
    ) -> ChatStream {
        self.stream_with_secret(provider, key, None, request)
    }

    /// Like [`ChatClient::stream`]; with the provider's `token_url`, a key and a `secret`,
    /// the key and secret are exchanged for an access token (cached by this client).
    pub fn stream_with_secret(
        &self,
        provider: &ProviderConfig,
        key: Option<&ApiKey>,
        secret: Option<&ApiKey>,
        request: &ChatRequest,
    ) -> ChatStream {
        let token = match (&provider.token_url, key, secret) {
            (Some(url), Some(key), Some(secret)) => Some(TokenSource {
                cache: self.tokens.clone(),
                url: url.trim().to_owned(),
                key: key.clone(),
                secret: secret.clone(),
                cache_key: format!("{}\n{url}", provider.name),
            }),
            _ => None,
        };
        let wire = Wire::new(provider.api);
        let body = wire.request_body(request);
        let limits = self.limits.with_overrides(&provider.timeouts);
        let retry = provider
            .max_attempts
            .map_or(self.retry, |attempts| self.retry.with_attempts(attempts));
        let now = Instant::now();
        ChatStream {
            http: self.http.clone(),
            retry,
            limits,
            provider: provider.clone(),
            key: key.cloned(),
            key_use: KeyUse::NoneStored,
            token,
            bearer: None,
            token_refreshed: false,
            body,
            state: State::Connect { attempt: 0 },
            pending: VecDeque::new(),
            framer: Framer::new(
                wire.framing(),
                limits.max_line_bytes,
                limits.max_event_bytes,
            ),
            wire,
            frames: Vec::new(),
            reply_started: now,
            last_progress: now,
            lines_seen: 0,
            saw_content: false,
            saw_reasoning: false,
            saw_finish: false,
            slot: self.slot(provider),
            permit: None,
            saw_queued: false,
        }
    }
}

enum State {
    /// Send attempt number `attempt` (0 = first).
    Connect { attempt: u32 },
    /// Wait, then send attempt `attempt`.
    Wait { attempt: u32, delay: Duration },
    /// Read frames from the body.
    Read(reqwest::Response),
    /// Read frames from a WebSocket.
    ReadWs(Box<ws::Socket>),
    /// The body is over: once `pending` is handed out, tell a complete reply from a cut one.
    Ended,
    /// Once `pending` is handed out, report this error.
    Failed(LlmError),
    /// Nothing more will come.
    Done,
}

/// One streamed reply in progress.
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent facts about one reply's progress, each read in one place"
)]
pub struct ChatStream {
    http: reqwest::Client,
    retry: RetryPolicy,
    limits: StreamLimits,
    provider: ProviderConfig,
    key: Option<ApiKey>,
    key_use: KeyUse,
    /// Where an access token comes from, in key + secret mode.
    token: Option<TokenSource>,
    /// The access token the request carries, in key + secret mode.
    bearer: Option<ApiKey>,
    /// Whether the token was refreshed after a 401 (once per reply).
    token_refreshed: bool,
    body: serde_json::Value,
    state: State,
    pending: VecDeque<StreamEvent>,
    wire: Wire,
    framer: Framer,
    frames: Vec<Frame>,
    /// When the response head arrived (the reply's total limit counts from here).
    reply_started: Instant,
    /// When the body last completed a line.
    last_progress: Instant,
    lines_seen: u64,
    saw_content: bool,
    saw_reasoning: bool,
    saw_finish: bool,
    /// The provider's in-flight slots, and this reply's once it has one (held until the
    /// stream is dropped).
    slot: Arc<Semaphore>,
    permit: Option<OwnedSemaphorePermit>,
    /// Whether the user was told this reply waits for a slot.
    saw_queued: bool,
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
        let secrets: Vec<&str> = self
            .key
            .iter()
            .chain(self.token.iter().map(|t| &t.secret))
            .chain(&self.bearer)
            .map(ApiKey::expose)
            .collect();
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
                State::Connect { attempt } if self.permit.is_none() => {
                    self.state = State::Connect { attempt };
                    if let Some(event) = self.take_slot().await {
                        return Ok(Some(event));
                    }
                }
                State::Connect { attempt } => match self.connect().await {
                    Ok(Some(response)) => self.state = State::Read(response),
                    // The whole body was read up front, or a socket opened; `state` is set.
                    Ok(None) => {}
                    Err((LlmError::Unauthorized { .. }, _))
                        if self.token.is_some() && !self.token_refreshed =>
                    {
                        // The token may have been revoked early: get a new one, once.
                        self.token_refreshed = true;
                        self.state = State::Connect { attempt };
                    }
                    Err((err, hint)) => {
                        let next = attempt + 1;
                        let delay = match self.retry.plan(next, hint.after) {
                            _ if !hint.should_retry.unwrap_or_else(|| err.is_transient()) => {
                                return Err(err);
                            }
                            RetryPlan::GiveUp => return Err(err),
                            RetryPlan::TooLong(wait) => {
                                let until = httpdate::fmt_http_date(SystemTime::now() + wait);
                                return Err(LlmError::WaitTooLong {
                                    cause: Box::new(err),
                                    wait_secs: wait.as_secs(),
                                    until,
                                });
                            }
                            RetryPlan::Wait(delay) => delay,
                        };
                        self.pending.push_back(StreamEvent::Retrying {
                            attempt: next,
                            attempts: self.retry.attempts(),
                            delay_millis: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                            reason: self.scrub(err).retry_reason(),
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
                        self.framer.finish(&mut self.frames);
                        self.state = State::Ended;
                        self.handle_frames();
                    }
                }
                State::ReadWs(socket) => self.read_socket(socket).await?,
            }
        }
    }

    /// Feeds body bytes through the framer and the wire format into `pending`.
    fn consume(&mut self, bytes: &[u8]) {
        let fed = self.framer.feed(bytes, &mut self.frames);
        if self.framer.completed_lines() > self.lines_seen {
            self.lines_seen = self.framer.completed_lines();
            self.last_progress = Instant::now();
        }
        // Frames completed before an overflow are handed out first.
        let failed = self.handle_frames();
        if let (false, Err(overflow)) = (failed, fed) {
            self.state = State::Failed(LlmError::TooLarge(overflow));
        }
    }

    /// Decodes the frames cut so far into `pending`; returns whether one ended the reply
    /// with an error (then `state` holds it).
    fn handle_frames(&mut self) -> bool {
        for frame in std::mem::take(&mut self.frames) {
            // OpenAI-compatible servers name errors in the event; Anthropic's say it in data.
            if frame.event == "error" && !matches!(self.wire, Wire::Anthropic(_)) {
                self.state = State::Failed(LlmError::InStream(error_frame_message(&frame.data)));
                return true;
            }
            if frame.data.is_empty() && !matches!(self.wire, Wire::Anthropic(_)) {
                continue;
            }
            match self.wire.decode(&frame.event, &frame.data) {
                Ok(ChunkOutcome::Events(events)) => self.pending.extend(events),
                Ok(ChunkOutcome::Done) => {
                    // Anything after the end mark is ignored; the reply is complete.
                    self.state = State::Ended;
                    self.saw_finish = true;
                    return false;
                }
                // The text decoded before the error is handed out first.
                Ok(ChunkOutcome::Error(message)) | Err(message) => {
                    self.state = State::Failed(LlmError::InStream(message));
                    return true;
                }
            }
        }
        false
    }

    /// Sends the request and checks the response head. On failure, also returns what the
    /// server said about retrying.
    async fn connect(&mut self) -> Result<Option<reqwest::Response>, (LlmError, RetryHint)> {
        let url = self.provider.chat_url();
        if let Some(source) = &self.token {
            let token = source
                .token(&self.http, &self.limits, self.token_refreshed)
                .await
                .map_err(|e| (e, RetryHint::default()))?;
            self.bearer = Some(token);
        }
        if self.wire.framing() == Framing::WebSocket {
            return self.connect_ws(&url).await.map(|()| None);
        }
        let mut request = self
            .http
            .post(&url)
            .header(header::ACCEPT, self.wire.accept())
            .json(&self.body);
        let parsed = reqwest::Url::parse(&url).ok();
        let headers = self
            .request_headers(parsed.as_ref())
            .map_err(|e| (e, RetryHint::default()))?;
        for (name, value) in headers {
            request = request.header(name, value);
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
                return Err((err, RetryHint::default()));
            }
            Err(_elapsed) => {
                let err = LlmError::NoAnswer {
                    host: host_of(&url),
                    waited_secs: self.limits.response_head.as_secs(),
                };
                return Err((err, RetryHint::default()));
            }
        };
        self.reply_started = Instant::now();
        self.last_progress = self.reply_started;
        let status = response.status();
        let encoding = unasked_encoding(response.headers());
        if status.is_success() {
            if let Some(encoding) = encoding {
                return Err((LlmError::Compressed { encoding }, RetryHint::default()));
            }
            return self
                .check_stream_head(response)
                .await
                .map_err(|e| (e, RetryHint::default()));
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
            return Err((
                LlmError::Redirected { status, target },
                RetryHint::default(),
            ));
        }
        let hint = RetryHint::from_headers(response.headers(), SystemTime::now());
        let detail = if let Some(encoding) = encoding {
            format!("a {encoding}-compressed body ocrchat did not ask for")
        } else {
            let deadline = self.reply_started + self.limits.idle;
            error_detail(&read_limited(response, MAX_ERROR_BODY_BYTES, deadline).await)
        };
        Err((self.status_error(status.as_u16(), url, detail), hint))
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
