//! The response side of a request: the `Authorization` header it carries, the error for a
//! refused status, and the sniffing of a 2xx body (an event stream whatever its
//! Content-Type, a whole JSON completion, an error, or something else explained).

use reqwest::header::{self, HeaderName, HeaderValue};

use super::super::LlmError;
use super::super::error::{KeyUse, html_summary, json_error_message, snippet};
use super::super::http::{looks_gzipped, may_carry_key, read_limited_bytes};
use super::super::limits::{MAX_ERROR_BODY_BYTES, MAX_WHOLE_BODY_BYTES};
use super::super::wire::{ChunkOutcome, Framing};
use super::{ChatStream, State};

impl ChatStream {
    /// The headers this request carries besides its body: the style's fixed ones, and the
    /// key's unless there is none or the URL is plain `http://` to another computer (then
    /// the key is withheld and a 401 says why).
    pub(super) fn request_headers(
        &mut self,
        url: Option<&reqwest::Url>,
    ) -> Result<Vec<(HeaderName, HeaderValue)>, LlmError> {
        self.key_use = match (&self.key, url) {
            (None, _) => KeyUse::NoneStored,
            (Some(_), Some(url)) if !may_carry_key(url) => {
                tracing::warn!(
                    host = url.host_str().unwrap_or_default(),
                    "not sending the API key over plain http"
                );
                KeyUse::WithheldOverHttp
            }
            (Some(_), _) => KeyUse::Sent,
        };
        let mut headers = self.wire.fixed_headers();
        let Some(key) = self.key.as_ref().filter(|_| self.key_use == KeyUse::Sent) else {
            return Ok(headers);
        };
        if let Some(token) = &self.bearer {
            let value = zeroize::Zeroizing::new(format!("Bearer {}", token.expose()));
            let mut value =
                HeaderValue::from_str(&value).map_err(|_invalid| LlmError::Rejected {
                    status: 0,
                    detail: "the token endpoint answered a token that cannot be sent in a header"
                        .into(),
                })?;
            value.set_sensitive(true);
            headers.push((header::AUTHORIZATION, value));
            return Ok(headers);
        }
        let key_headers = self.wire.key_headers(key.expose()).map_err(|()| LlmError::Rejected {
            status: 0,
            detail: "the API key contains characters that cannot be sent in a header; paste it again in Settings → Providers".into(),
        })?;
        headers.extend(key_headers);
        Ok(headers)
    }

    /// The error for a non-2xx, non-redirect status.
    pub(super) fn status_error(&self, code: u16, url: String, detail: String) -> LlmError {
        match code {
            401 | 403 => LlmError::Unauthorized {
                status: code,
                provider: self.provider.name.clone(),
                key: self.key_use,
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
        }
    }

    /// A 2xx answer: an event stream goes on to be read (`Some`), whatever its Content-Type
    /// says (the first bytes are sniffed); a JSON body is either an error or a whole
    /// (non-streamed) completion, read here (`None`); anything else is explained to the user.
    pub(super) async fn check_stream_head(
        &mut self,
        mut response: reqwest::Response,
    ) -> Result<Option<reqwest::Response>, LlmError> {
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let streams = match self.wire.framing() {
            Framing::Sse => content_type.starts_with("text/event-stream"),
            Framing::Ndjson => content_type.starts_with("application/x-ndjson"),
            Framing::Whole | Framing::WebSocket => false,
        };
        if streams {
            return Ok(Some(response));
        }
        // Sniff: read until something other than whitespace shows how the body starts.
        let mut head = Vec::new();
        let at_end = loop {
            let start = String::from_utf8_lossy(&head);
            let enough = start.trim_start_matches('\u{feff}').trim_start().len() >= 6;
            // Endless whitespace is not a stream either; stop looking after one error body.
            if enough || head.len() >= MAX_ERROR_BODY_BYTES {
                break false;
            }
            match self.read_chunk(&mut response).await? {
                Some(bytes) => head.extend_from_slice(&bytes),
                None => break true,
            }
        };
        if looks_gzipped(&head) {
            return Err(LlmError::Compressed {
                encoding: "gzip".into(),
            });
        }
        let start = String::from_utf8_lossy(&head);
        let trimmed = start.trim_start_matches('\u{feff}').trim_start();
        if self.wire.looks_like_stream(trimmed) {
            // A stream with the wrong Content-Type (some proxies do this).
            self.consume(&head);
            return Ok(if at_end {
                self.framer.finish(&mut self.frames);
                if matches!(self.state, State::Done) {
                    self.state = State::Ended;
                }
                self.handle_frames();
                None
            } else if matches!(self.state, State::Done) {
                Some(response)
            } else {
                None // [DONE] or an error frame came in the sniffed bytes.
            });
        }
        let mut body = head;
        if !at_end {
            let room = MAX_WHOLE_BODY_BYTES.saturating_sub(body.len());
            // Bounded in time like the stream: a trickled body ends at the idle or reply limit.
            let deadline =
                (self.last_progress + self.limits.idle).min(self.reply_started + self.limits.reply);
            // Bytes: a character split between the sniffed head and the rest stays whole.
            body.extend(read_limited_bytes(response, room, deadline).await);
        }
        let body = String::from_utf8_lossy(&body);
        let trimmed = body.trim_start_matches('\u{feff}').trim_start();
        if let Ok(value) = serde_json::from_str::<serde_json::Value>(trimmed) {
            if let Some(message) = json_error_message(&value) {
                return Err(LlmError::InStream(message));
            }
            // A server that ignored `stream: true` and sent the whole completion, or the
            // plain REST protocol's one JSON answer.
            if let Ok(ChunkOutcome::Events(events)) = self.wire.decode("", trimmed)
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
            snippet: if trimmed.is_empty() {
                "an empty body".into()
            } else {
                html_summary(&body).unwrap_or_else(|| format!("“{}”", snippet(&body, 120)))
            },
            expected: self.wire.base_url_hint(),
        })
    }
}
