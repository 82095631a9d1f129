//! The WebSocket side of a reply (the REST gateway's `/v1/stream`): opening the socket with
//! the key header, and reading its frames within the same waits as an HTTP body.

use std::time::SystemTime;

use tokio::time::Instant;

use super::super::error::error_detail;
use super::super::http::host_of;
use super::super::retry::RetryHint;
use super::super::wire::Frame;
use super::super::{LlmError, ws};
use super::{ChatStream, State};

impl ChatStream {
    /// Opens the WebSocket and sends the request; on success `state` reads from it.
    pub(super) async fn connect_ws(&mut self, url: &str) -> Result<(), (LlmError, RetryHint)> {
        let parsed = reqwest::Url::parse(url).ok();
        let headers = self
            .request_headers(parsed.as_ref())
            .map_err(|e| (e, RetryHint::default()))?;
        let limits = self.limits;
        let timeout = limits.connect.saturating_add(limits.response_head);
        let opened = ws::open(url, headers, &self.body, limits.max_event_bytes, timeout).await;
        let host = host_of(url);
        let socket = match opened {
            Ok(socket) => socket,
            Err(ws::OpenError::BadUrl) => {
                let err = LlmError::InvalidUrl(self.provider.base_url.clone());
                return Err((err, RetryHint::default()));
            }
            Err(ws::OpenError::Unreachable(reason)) => {
                return Err((LlmError::Unreachable { host, reason }, RetryHint::default()));
            }
            Err(ws::OpenError::TimedOut) => {
                let waited_secs = timeout.as_secs();
                return Err((
                    LlmError::NoAnswer { host, waited_secs },
                    RetryHint::default(),
                ));
            }
            Err(ws::OpenError::Status {
                status,
                headers,
                body,
            }) => {
                let hint = RetryHint::from_headers(&headers, SystemTime::now());
                let err = self.status_error(status, url.to_owned(), error_detail(&body));
                return Err((err, hint));
            }
        };
        self.reply_started = Instant::now();
        self.last_progress = self.reply_started;
        self.state = State::ReadWs(Box::new(socket));
        Ok(())
    }

    /// Reads the next frame into `pending`, or ends the reply: a normal close completes it,
    /// a close with an error code or a broken connection fails it.
    pub(super) async fn read_socket(
        &mut self,
        mut socket: Box<ws::Socket>,
    ) -> Result<(), LlmError> {
        let read = tokio::time::timeout_at(self.silence_deadline(), ws::read(&mut socket));
        match read.await {
            Err(_elapsed) => return Err(self.silence_error()),
            Ok(ws::Read::Text(text)) => {
                self.last_progress = Instant::now();
                self.lines_seen += 1;
                self.state = State::ReadWs(socket);
                self.frames.push(Frame {
                    event: String::new(),
                    data: text,
                });
                self.handle_frames();
            }
            // The stream runs until the server closes it.
            Ok(ws::Read::Closed { error: None }) => {
                self.saw_finish = true;
                self.state = State::Ended;
            }
            Ok(ws::Read::Closed {
                error: Some(reason),
            }) => {
                return Err(LlmError::InStream(reason));
            }
            Ok(ws::Read::Broken(reason)) => return Err(LlmError::Interrupted(reason)),
        }
        Ok(())
    }
}
