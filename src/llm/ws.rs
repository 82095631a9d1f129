//! The WebSocket transport of the plain gateway protocol (`ws`/`wss` at the same host's
//! `/v1/stream`, see [`super::rest`]): open with the key header, send the request as one
//! text message, then read text frames until the server closes. Bounded like HTTP: the
//! connect and first-frame waits come from [`super::StreamLimits`], a frame's size from
//! its event bound.

use futures_util::{SinkExt as _, StreamExt as _};
use reqwest::header::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::{self, Message, client::IntoClientRequest as _};

/// An open WebSocket.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Why the socket could not be opened.
#[derive(Debug)]
pub enum OpenError {
    /// The URL could not make a request.
    BadUrl,
    /// The handshake got an HTTP status instead of 101 (with its body's text).
    Status {
        /// The HTTP status.
        status: u16,
        /// The `Retry-After`-style headers and others, for the retry decision.
        headers: reqwest::header::HeaderMap,
        /// The body's text.
        body: String,
    },
    /// No connection (refused, DNS, TLS), in words.
    Unreachable(String),
    /// The handshake did not finish in time.
    TimedOut,
}

/// What reading the socket gave.
#[derive(Debug, PartialEq, Eq)]
pub enum Read {
    /// A text (or UTF-8 binary) message.
    Text(String),
    /// The server closed the stream: normally (`error: None`) or with a code and reason.
    Closed {
        /// The close code and reason, when not a normal close.
        error: Option<String>,
    },
    /// The connection broke without a close handshake, in words.
    Broken(String),
}

/// Opens the socket within `timeout` and sends `body` as the first message.
pub async fn open(
    url: &str,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: &serde_json::Value,
    max_message_bytes: usize,
    timeout: std::time::Duration,
) -> Result<Socket, OpenError> {
    let mut request = url
        .into_client_request()
        .map_err(|_bad| OpenError::BadUrl)?;
    for (name, value) in headers {
        request.headers_mut().insert(name, value);
    }
    let config = tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(max_message_bytes))
        .max_frame_size(Some(max_message_bytes));
    let connect = tokio_tungstenite::connect_async_with_config(request, Some(config), false);
    let (mut socket, _response) = match tokio::time::timeout(timeout, connect).await {
        Err(_elapsed) => return Err(OpenError::TimedOut),
        Ok(Ok(opened)) => opened,
        Ok(Err(tungstenite::Error::Http(response))) => {
            let body = response
                .body()
                .as_deref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            return Err(OpenError::Status {
                status: response.status().as_u16(),
                headers: response.headers().clone(),
                body,
            });
        }
        Ok(Err(tungstenite::Error::Url(_))) => return Err(OpenError::BadUrl),
        Ok(Err(err)) => return Err(OpenError::Unreachable(err.to_string())),
    };
    socket
        .send(Message::text(body.to_string()))
        .await
        .map_err(|err| OpenError::Unreachable(err.to_string()))?;
    Ok(socket)
}

/// The next message that matters (pings and pongs are answered by the library and skipped).
pub async fn read(socket: &mut Socket) -> Read {
    loop {
        return match socket.next().await {
            None => Read::Broken("the connection ended without a close frame".into()),
            Some(Ok(Message::Text(text))) => Read::Text(text.as_str().to_owned()),
            Some(Ok(Message::Binary(bytes))) => {
                Read::Text(String::from_utf8_lossy(&bytes).into_owned())
            }
            Some(Ok(Message::Close(frame))) => Read::Closed {
                error: frame.and_then(|frame| {
                    let code = u16::from(frame.code);
                    // 1000 is a normal close; 1001 (going away) ends a complete stream too.
                    (!matches!(code, 1000 | 1001)).then(|| {
                        let reason = frame.reason.as_str();
                        if reason.is_empty() {
                            format!("close code {code}")
                        } else {
                            format!("{reason} (close code {code})")
                        }
                    })
                }),
            },
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
            Some(Err(tungstenite::Error::ConnectionClosed)) => Read::Closed { error: None },
            Some(Err(err)) => Read::Broken(err.to_string()),
        };
    }
}
