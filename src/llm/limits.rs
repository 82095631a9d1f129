//! Every bound the client puts on a server, in one place: how long each wait may last and how
//! much a reply may hold in memory. Whatever a server sends, a reply ends (with a message
//! naming the bound that ran out) and its memory stays bounded.
//!
//! The defaults are the constants below; [`StreamLimits::from_env`] lets a user with a slow
//! proxy or a slow local model lengthen the waits. TODO(#12): per-provider settings.

use std::time::Duration;

/// How long connecting (DNS, TCP, TLS) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// How long the server may take to send the response head once the request is sent. A local
/// model that loads before answering needs a while; a server that never answers is cut here.
pub const RESPONSE_HEAD_TIMEOUT: Duration = Duration::from_mins(1);
/// How long a reply may go without a complete line (an event or a keep-alive comment).
/// Reasoning models can think for minutes before the first token, so this is generous. Bytes
/// that never finish a line (a trickle) do not count as progress.
pub const IDLE_TIMEOUT: Duration = Duration::from_mins(5);
/// The longest one reply may stream in total, however steadily the bytes come.
pub const REPLY_TIMEOUT: Duration = Duration::from_hours(1);
/// The longest SSE line the decoder buffers.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;
/// The most data one SSE event may carry.
pub const MAX_EVENT_BYTES: usize = 16 * 1024 * 1024;
/// The most of a body read to explain an error.
pub const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;
/// The most of a body read when the server sent a whole (non-streamed) JSON completion.
pub const MAX_WHOLE_BODY_BYTES: usize = MAX_EVENT_BYTES;

/// The bounds one client applies to every reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamLimits {
    /// See [`CONNECT_TIMEOUT`].
    pub connect: Duration,
    /// See [`RESPONSE_HEAD_TIMEOUT`].
    pub response_head: Duration,
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
            idle: IDLE_TIMEOUT,
            reply: REPLY_TIMEOUT,
            max_line_bytes: MAX_LINE_BYTES,
            max_event_bytes: MAX_EVENT_BYTES,
        }
    }
}

/// The environment variables [`StreamLimits::from_env`] reads, each a whole number of seconds.
pub const TIMEOUT_ENV: [&str; 3] = [
    "OCRCHAT_RESPONSE_HEAD_TIMEOUT_SECS",
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
        let [head, idle, reply] = TIMEOUT_ENV;
        let defaults = Self::default();
        Self {
            response_head: secs(head).unwrap_or(defaults.response_head),
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
        assert_eq!(limits.idle, IDLE_TIMEOUT);
        assert_eq!(limits.reply, REPLY_TIMEOUT);
        assert_eq!(limits.max_line_bytes, 16 * 1024 * 1024);
    }
}
