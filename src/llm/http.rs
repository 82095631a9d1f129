//! Small HTTP helpers of the client: where a key may go, how a transport error reads, and
//! bounded body reads.

use reqwest::header;

/// Host and port of a URL, for messages.
pub fn host_of(url: &str) -> String {
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

/// Whether a key may be sent to `url`: over `https://` (or `wss://`), or over plain `http://`
/// (or `ws://`) only to this computer (a loopback host), where nobody on the network can read
/// it.
pub fn may_carry_key(url: &reqwest::Url) -> bool {
    if matches!(url.scheme(), "https" | "wss") {
        return true;
    }
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<std::net::IpAddr>() {
        return ip.is_loopback();
    }
    let name = host.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost")
}

/// The Content-Encoding of a response, when it is one the client did not ask for (it asks
/// for none, so anything but `identity`).
pub fn unasked_encoding(headers: &header::HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_ENCODING)?.to_str().ok()?.trim();
    (!value.is_empty() && !value.eq_ignore_ascii_case("identity"))
        .then(|| value.to_ascii_lowercase())
}

/// Whether bytes start like a gzip stream (RFC 1952 magic number).
pub fn looks_gzipped(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

/// Reads at most `limit` bytes of a body as text, stopping at `deadline` with what came.
pub async fn read_limited(
    response: reqwest::Response,
    limit: usize,
    deadline: tokio::time::Instant,
) -> String {
    String::from_utf8_lossy(&read_limited_bytes(response, limit, deadline).await).into_owned()
}

/// Reads at most `limit` bytes of a body, stopping at `deadline` with what came. Bytes, not
/// text: the caller may join them to bytes read before, splitting no character.
pub async fn read_limited_bytes(
    mut response: reqwest::Response,
    limit: usize,
    deadline: tokio::time::Instant,
) -> Vec<u8> {
    let mut body = Vec::new();
    while body.len() < limit {
        match tokio::time::timeout_at(deadline, response.chunk()).await {
            Ok(Ok(Some(bytes))) => body.extend_from_slice(&bytes),
            _ => break,
        }
    }
    body.truncate(limit);
    body
}

/// Sends a small request (a model list, a token) and waits at most `wait` for its response
/// head; the error names the host and what went wrong.
pub async fn send_within(
    request: reqwest::RequestBuilder,
    url: &str,
    wait: std::time::Duration,
) -> Result<reqwest::Response, super::LlmError> {
    let host = host_of(url);
    match tokio::time::timeout(wait, request.send()).await {
        Ok(Ok(response)) => Ok(response),
        Ok(Err(err)) => Err(super::LlmError::Unreachable {
            host,
            reason: transport_reason(&err),
        }),
        Err(_elapsed) => Err(super::LlmError::NoAnswer {
            host,
            waited_secs: wait.as_secs(),
        }),
    }
}

/// The innermost cause of a transport error, in words a user can act on.
pub fn transport_reason(err: &reqwest::Error) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_go_over_plain_http_only_to_this_computer() {
        let allowed = |url: &str| may_carry_key(&reqwest::Url::parse(url).unwrap());
        assert!(allowed("https://api.example.com/v1"));
        assert!(allowed("http://127.0.0.1:8080/v1"));
        assert!(allowed("http://127.8.9.10/v1"));
        assert!(allowed("http://[::1]:11434/v1"));
        assert!(allowed("http://localhost:11434/v1"));
        assert!(allowed("http://LOCALHOST./v1"));
        assert!(allowed("wss://api.example.com/v1/stream"));
        assert!(allowed("ws://127.0.0.1:9/v1/stream"));
        assert!(!allowed("ws://api.example.com/v1/stream"));
        assert!(!allowed("http://192.168.1.5:11434/v1"));
        assert!(!allowed("http://api.example.com/v1"));
        assert!(!allowed("http://localhost.example.com/v1"));
    }
}
