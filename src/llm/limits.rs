//! Every bound the client puts on a server, in one place: how long each wait may last and how
//! much a reply may hold in memory. Whatever a server sends, a reply ends (with a message
//! naming the bound that ran out) and its memory stays bounded.
//!
//! The defaults are the constants below (the waits are the spec's: connect 10 s, response
//! head 10 s, first WebSocket frame 30 s, first token 300 s, 60 s between chunks);
//! [`StreamLimits::from_env`] lets a user with a slow proxy or a slow local model lengthen
//! them, and a provider's own [`super::ProviderTimeouts`] override them for that provider.

use std::time::Duration;

/// How long connecting (DNS, TCP, TLS) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the server may take to send the response head once the request is sent; a
/// server that never answers is cut here.
pub const RESPONSE_HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a WebSocket server may take to send its first frame once the request is sent.
pub const FIRST_FRAME_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a reply may go without a complete line before its first token: reasoning models
/// think in silence for minutes. Bytes that never finish a line do not count as progress.
pub const FIRST_TOKEN_TIMEOUT: Duration = Duration::from_mins(5);
/// How long a reply may go without a complete line (an event or a keep-alive comment) once
/// text flows. Bytes that never finish a line (a trickle) do not count as progress.
pub const IDLE_TIMEOUT: Duration = Duration::from_mins(1);
/// The longest one reply may stream in total, however steadily the bytes come.
pub const REPLY_TIMEOUT: Duration = Duration::from_hours(1);
/// The longest SSE line the decoder buffers.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;
/// The most data one SSE event may carry.
pub const MAX_EVENT_BYTES: usize = 16 * 1024 * 1024;
/// The most of a body read to explain an error.
pub const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;
/// Per-provider overrides of the waits, in whole seconds, as saved in `config.toml` (absent:
/// the client's defaults).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ProviderTimeouts {
    /// See [`CONNECT_TIMEOUT`] (the client's connection pool applies its own; this one bounds
    /// a WebSocket connect).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connect_secs: Option<u64>,
    /// See [`RESPONSE_HEAD_TIMEOUT`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_head_secs: Option<u64>,
    /// See [`FIRST_FRAME_TIMEOUT`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_frame_secs: Option<u64>,
    /// See [`FIRST_TOKEN_TIMEOUT`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_token_secs: Option<u64>,
    /// See [`IDLE_TIMEOUT`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_secs: Option<u64>,
}

impl ProviderTimeouts {
    /// Whether nothing is overridden (then nothing is written to the config).
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl StreamLimits {
    /// These limits with a provider's overrides applied (zero is ignored).
    #[must_use]
    pub fn with_overrides(self, timeouts: &ProviderTimeouts) -> Self {
        let pick = |value: Option<u64>, default: Duration| {
            value
                .filter(|&secs| secs > 0)
                .map_or(default, Duration::from_secs)
        };
        Self {
            connect: pick(timeouts.connect_secs, self.connect),
            response_head: pick(timeouts.response_head_secs, self.response_head),
            first_frame: pick(timeouts.first_frame_secs, self.first_frame),
            first_token: pick(timeouts.first_token_secs, self.first_token),
            idle: pick(timeouts.idle_secs, self.idle),
            ..self
        }
    }
}

/// The most of a body read when the server sent a whole (non-streamed) JSON completion.
pub const MAX_WHOLE_BODY_BYTES: usize = MAX_EVENT_BYTES;

/// The bounds one client applies to every reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamLimits {
    /// See [`CONNECT_TIMEOUT`].
    pub connect: Duration,
    /// See [`RESPONSE_HEAD_TIMEOUT`].
    pub response_head: Duration,
    /// See [`FIRST_FRAME_TIMEOUT`].
    pub first_frame: Duration,
    /// See [`FIRST_TOKEN_TIMEOUT`].
    pub first_token: Duration,
    /// See [`IDLE_TIMEOUT`].
    pub idle: Duration,
    /// See [`REPLY_TIMEOUT`].
    pub reply: Duration,
    /// See [`MAX_LINE_BYTES`].
    pub max_line_bytes: usize,
    /// See [`MAX_EVENT_BYTES`].
    pub max_event_bytes: usize,
}

impl Default for StreamLimits {
    fn default() -> Self {
        Self {
            connect: CONNECT_TIMEOUT,
            response_head: RESPONSE_HEAD_TIMEOUT,
            first_frame: FIRST_FRAME_TIMEOUT,
            first_token: FIRST_TOKEN_TIMEOUT,
            idle: IDLE_TIMEOUT,
            reply: REPLY_TIMEOUT,
            max_line_bytes: MAX_LINE_BYTES,
            max_event_bytes: MAX_EVENT_BYTES,
        }
    }
}

/// The environment variables [`StreamLimits::from_env`] reads, each a whole number of seconds.
pub const TIMEOUT_ENV: [&str; 4] = [
    "OCRCHAT_RESPONSE_HEAD_TIMEOUT_SECS",
    "OCRCHAT_FIRST_TOKEN_TIMEOUT_SECS",
    "OCRCHAT_IDLE_TIMEOUT_SECS",
    "OCRCHAT_REPLY_TIMEOUT_SECS",
];

impl StreamLimits {
    /// The defaults, with the waits in [`TIMEOUT_ENV`] replaced where those variables hold a
    /// whole number of seconds above zero (anything else is ignored).
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let secs = |name: &str| {
            lookup(name)
                .and_then(|v| v.trim().parse::<u64>().ok())
                .filter(|&s| s > 0)
                .map(Duration::from_secs)
        };
        let [head, first_token, idle, reply] = TIMEOUT_ENV;
        let defaults = Self::default();
        Self {
            response_head: secs(head).unwrap_or(defaults.response_head),
            first_frame: secs(head).unwrap_or(defaults.first_frame),
            first_token: secs(first_token).unwrap_or(defaults.first_token),
            idle: secs(idle).unwrap_or(defaults.idle),
            reply: secs(reply).unwrap_or(defaults.reply),
            ..defaults
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_only_valid_waits() {
        let limits = StreamLimits::from_lookup(|name| match name {
            "OCRCHAT_RESPONSE_HEAD_TIMEOUT_SECS" => Some(" 3 ".into()),
            "OCRCHAT_IDLE_TIMEOUT_SECS" => Some("-1".into()),
            "OCRCHAT_REPLY_TIMEOUT_SECS" => Some("0".into()),
            _ => None,
        });
        assert_eq!(limits.response_head, Duration::from_secs(3));
        assert_eq!(limits.first_token, FIRST_TOKEN_TIMEOUT);
        assert_eq!(limits.idle, IDLE_TIMEOUT);
        assert_eq!(limits.reply, REPLY_TIMEOUT);
        assert_eq!(limits.max_line_bytes, 16 * 1024 * 1024);
    }
}
