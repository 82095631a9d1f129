#![allow(dead_code)] // Tests and the mock_provider example each use part of this.

//! A scripted HTTP/1.1 server on 127.0.0.1:0. Blocking I/O on named threads: each reply is
//! written exactly as scripted (chunk boundaries, pauses, aborted connections), so the
//! client's parsing is tested against precise bytes.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_tungstenite as ocrchat_ws;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// What to answer.
#[derive(Debug, Clone)]
pub enum Reply {
    /// 200 `text/event-stream`, chunked: each piece is one HTTP chunk, written and flushed,
    /// then `gap` passes. `abort` drops the connection instead of ending the body.
    Sse {
        pieces: Vec<Vec<u8>>,
        gap: Duration,
        abort: bool,
    },
    /// Any status, headers and body (Content-Length set).
    Raw {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// 200 with this Content-Type, chunked like `Sse` (NDJSON…).
    Chunked {
        content_type: String,
        pieces: Vec<Vec<u8>>,
        gap: Duration,
        abort: bool,
    },
    /// Reads the request and never answers; holds the connection until the client hangs up.
    Silent,
    /// Reads the request and closes the connection without a byte.
    Close,
    /// Starts a response head and never finishes it: one more header line every `gap`.
    SlowHead { gap: Duration },
    /// 200 `text/event-stream`, chunked: `first`, then `piece` again and again with `gap`
    /// between, until the client hangs up (a trickle, an endless line, an id flood…).
    Endless {
        first: Vec<u8>,
        piece: Vec<u8>,
        gap: Duration,
    },
    /// Like `Endless`, with any status and Content-Type (a trickled error page…).
    EndlessTyped {
        status: u16,
        content_type: String,
        piece: Vec<u8>,
        gap: Duration,
    },
}

impl Reply {
    /// An SSE body sent in one piece.
    pub fn sse(body: impl Into<Vec<u8>>) -> Self {
        Self::Sse {
            pieces: vec![body.into()],
            gap: Duration::ZERO,
            abort: false,
        }
    }

    /// An SSE body sent as these pieces with a pause between.
    pub fn sse_pieces(pieces: Vec<Vec<u8>>, gap: Duration) -> Self {
        Self::Sse {
            pieces,
            gap,
            abort: false,
        }
    }

    /// A redirect to `location`.
    pub fn redirect(status: u16, location: &str) -> Self {
        Self::Raw {
            status,
            headers: vec![("Location".into(), location.into())],
            body: Vec::new(),
        }
    }

    /// A body with a status and a Content-Type.
    pub fn typed(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self::Raw {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    /// A JSON body with a status.
    pub fn json(status: u16, body: &str) -> Self {
        Self::Raw {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }
}

type Script = dyn Fn(usize, &Recorded) -> Reply + Send + Sync;

/// The server. Dropping it stops accepting.
pub struct MockServer {
    pub base_url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    /// Set when a client closed its connection while an SSE reply was still being written.
    client_hung_up: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    count: Arc<AtomicUsize>,
}

impl MockServer {
    /// Answers request number `n` (0-based) with `script(n, request)`.
    pub fn start(script: impl Fn(usize, &Recorded) -> Reply + Send + Sync + 'static) -> Self {
        Self::start_on(0, script)
    }

    /// Like [`MockServer::start`], on a given port of 127.0.0.1 (0: any free port).
    pub fn start_on(
        port: u16,
        script: impl Fn(usize, &Recorded) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let client_hung_up = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let count = Arc::new(AtomicUsize::new(0));
        let script: Arc<Script> = Arc::new(script);
        {
            let (requests, hung_up, stop, count) = (
                requests.clone(),
                client_hung_up.clone(),
                stop.clone(),
                count.clone(),
            );
            std::thread::Builder::new()
                .name("mock-server".into())
                .spawn(move || {
                    for stream in listener.incoming() {
                        if stop.load(Ordering::SeqCst) {
                            break;
                        }
                        let Ok(stream) = stream else { continue };
                        let n = count.fetch_add(1, Ordering::SeqCst);
                        let (requests, hung_up, script) =
                            (requests.clone(), hung_up.clone(), script.clone());
                        std::thread::Builder::new()
                            .name(format!("mock-conn-{n}"))
                            .spawn(move || serve(stream, n, &script, &requests, &hung_up))
                            .unwrap();
                    }
                })
                .unwrap();
        }
        Self {
            base_url: format!("http://{addr}/v1"),
            requests,
            client_hung_up,
            stop,
            count,
        }
    }

    /// A server that answers every request the same way.
    pub fn always(reply: Reply) -> Self {
        Self::start(move |_, _| reply.clone())
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    pub fn client_hung_up(&self) -> bool {
        self.client_hung_up.load(Ordering::SeqCst)
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees `stop`.
        if let Some(addr) = self
            .base_url
            .strip_prefix("http://")
            .and_then(|s| s.strip_suffix("/v1"))
        {
            let _ = TcpStream::connect(addr);
        }
    }
}

fn serve(
    stream: TcpStream,
    n: usize,
    script: &Arc<Script>,
    requests: &Mutex<Vec<Recorded>>,
    hung_up: &AtomicBool,
) {
    let _ = stream.set_nodelay(true);
    let Some(request) = read_request(&stream) else {
        return;
    };
    requests.lock().unwrap().push(request.clone());
    let reply = script(n, &request);
    let mut out = stream;
    match reply {
        Reply::Raw {
            status,
            headers,
            body,
        } => {
            let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
            for (name, value) in &headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str(&format!(
                "Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            ));
            let _ = out.write_all(head.as_bytes());
            let _ = out.write_all(&body);
            let _ = out.flush();
        }
        Reply::SlowHead { gap } => {
            let mut line: &[u8] = b"HTTP/1.1 200 OK\r\n";
            while out.write_all(line).and_then(|()| out.flush()).is_ok() {
                std::thread::sleep(gap);
                line = b"X-Slow: a\r\n";
            }
            return;
        }
        Reply::Close => {
            let _ = out.shutdown(std::net::Shutdown::Both);
            return;
        }
        Reply::Silent => {
            // Read until the client closes; never write a byte.
            let mut sink = [0u8; 1024];
            while matches!(out.read(&mut sink), Ok(n) if n > 0) {}
            return;
        }
        Reply::Endless { first, piece, gap } => {
            write_endless(&mut out, SSE_HEAD, &first, &piece, gap);
            hung_up.store(true, Ordering::SeqCst);
            return;
        }
        Reply::EndlessTyped {
            status,
            content_type,
            piece,
            gap,
        } => {
            let head = format!(
                "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
                reason(status)
            );
            write_endless(&mut out, &head, &[], &piece, gap);
            return;
        }
        Reply::Chunked {
            content_type,
            pieces,
            gap,
            abort,
        } => {
            let head = SSE_HEAD.replace("text/event-stream", &content_type);
            if !write_chunked(&mut out, &head, pieces, gap, abort, hung_up) {
                return;
            }
        }
        Reply::Sse { pieces, gap, abort } => {
            if !write_chunked(&mut out, SSE_HEAD, pieces, gap, abort, hung_up) {
                return;
            }
        }
    }
    // Let the client read everything before the socket closes.
    let _ = out.shutdown(std::net::Shutdown::Write);
    let mut sink = [0u8; 64];
    let _ = out.set_read_timeout(Some(Duration::from_millis(200)));
    let _ = out.read(&mut sink);
}

/// Writes `head` and each piece as one HTTP chunk, `gap` apart; then the last chunk, or
/// (`abort`) a dropped connection. Returns whether the body ended normally.
fn write_chunked(
    out: &mut TcpStream,
    head: &str,
    pieces: Vec<Vec<u8>>,
    gap: Duration,
    abort: bool,
    hung_up: &AtomicBool,
) -> bool {
    {
        {
            if out.write_all(head.as_bytes()).is_err() {
                return false;
            }
            for piece in pieces {
                if piece.is_empty() {
                    continue;
                }
                let chunk = [format!("{:x}\r\n", piece.len()).as_bytes(), &piece, b"\r\n"].concat();
                if out.write_all(&chunk).and_then(|()| out.flush()).is_err() {
                    hung_up.store(true, Ordering::SeqCst);
                    return false;
                }
                if !gap.is_zero() {
                    std::thread::sleep(gap);
                }
            }
            if abort {
                let _ = out.shutdown(std::net::Shutdown::Both);
                return false;
            }
            let _ = out.write_all(b"0\r\n\r\n");
            let _ = out.flush();
        }
    }
    true
}

/// Writes `head`, then `first` and `piece` after piece as HTTP chunks until the client
/// hangs up.
fn write_endless(out: &mut TcpStream, head: &str, first: &[u8], piece: &[u8], gap: Duration) {
    let chunk =
        |bytes: &[u8]| [format!("{:x}\r\n", bytes.len()).as_bytes(), bytes, b"\r\n"].concat();
    if out.write_all(head.as_bytes()).is_err()
        || (!first.is_empty() && out.write_all(&chunk(first)).is_err())
    {
        return;
    }
    let piece = chunk(piece);
    while out.write_all(&piece).and_then(|()| out.flush()).is_ok() {
        if !gap.is_zero() {
            std::thread::sleep(gap);
        }
    }
}

/// The head of every SSE reply.
const SSE_HEAD: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";

fn read_request(stream: &TcpStream) -> Option<Recorded> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Recorded {
        method,
        path,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        307 => "Temporary Redirect",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

/// What a WebSocket test server does after reading the request message.
#[derive(Debug, Clone)]
pub enum WsStep {
    /// Send a text frame.
    Text(String),
    /// Close with this code and reason.
    Close(u16, String),
    /// Drop the TCP connection without a close frame.
    Drop,
}

/// A WebSocket server on 127.0.0.1:0 for the plain protocol's `/v1/stream`: records each
/// handshake (path, headers) and first message, then plays its script.
pub struct WsServer {
    /// `http://127.0.0.1:PORT/v1/chat`: the endpoint a provider is configured with.
    pub endpoint: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl WsServer {
    pub fn start(script: impl Fn(usize) -> Vec<WsStep> + Send + Sync + 'static) -> Self {
        use ocrchat_ws::tungstenite;
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let recorded = requests.clone();
        std::thread::Builder::new()
            .name("mock-ws-server".into())
            .spawn(move || {
                for (n, stream) in listener.incoming().enumerate() {
                    let Ok(stream) = stream else { continue };
                    let mut seen = Recorded {
                        method: "GET".into(),
                        path: String::new(),
                        headers: Vec::new(),
                        body: String::new(),
                    };
                    #[expect(
                        clippy::result_large_err,
                        reason = "the signature tungstenite's handshake callback requires"
                    )]
                    let callback = |request: &tungstenite::handshake::server::Request, response| {
                        seen.path = request.uri().to_string();
                        seen.headers = request
                            .headers()
                            .iter()
                            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
                            .collect();
                        Ok(response)
                    };
                    let Ok(mut socket) = tungstenite::accept_hdr(stream, callback) else {
                        continue;
                    };
                    if let Ok(tungstenite::Message::Text(text)) = socket.read() {
                        text.as_str().clone_into(&mut seen.body);
                    }
                    recorded.lock().unwrap().push(seen);
                    for step in script(n) {
                        match step {
                            WsStep::Text(text) => {
                                let _ = socket.send(tungstenite::Message::text(text));
                            }
                            WsStep::Close(code, reason) => {
                                let frame = tungstenite::protocol::CloseFrame {
                                    code: code.into(),
                                    reason: reason.into(),
                                };
                                let _ = socket.close(Some(frame));
                                // Finish the closing handshake.
                                while socket.read().is_ok() {}
                            }
                            WsStep::Drop => {
                                let _ = socket.get_mut().shutdown(std::net::Shutdown::Both);
                            }
                        }
                    }
                }
            })
            .unwrap();
        Self {
            endpoint: format!("http://{addr}/v1/chat"),
            requests,
        }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

/// One OpenAI streaming chunk with this content (role repeated in every chunk, as GLM does).
pub fn sse_chunk(content: &str) -> String {
    let json = serde_json::json!({
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "test-model",
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": content}, "finish_reason": null}],
    });
    format!("data: {json}\n\n")
}

/// A whole OpenAI stream: one chunk per token, a finish chunk, a usage chunk, `[DONE]`.
pub fn sse_body(tokens: &[&str]) -> String {
    let mut body: String = tokens.iter().map(|t| sse_chunk(t)).collect();
    body.push_str("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
    body.push_str("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3,\"total_tokens\":12}}\n\n");
    body.push_str("data: [DONE]\n\n");
    body
}

/// The reply text of a stream's events (content only, no reasoning).
pub fn reply_text(events: &[ocrchat::llm::StreamEvent]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            ocrchat::llm::StreamEvent::Content(t) => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

/// Reads a stream to its end: every event, and the error it ended with, if any. Fails the
/// test instead of hanging when no event comes for `stall`.
pub async fn collect(
    mut stream: ocrchat::llm::ChatStream,
    stall: Duration,
) -> (
    Vec<ocrchat::llm::StreamEvent>,
    Option<ocrchat::llm::LlmError>,
) {
    let mut events = Vec::new();
    loop {
        match tokio::time::timeout(stall, stream.next_event()).await {
            Err(_) => panic!("the stream stalled; events so far: {events:?}"),
            Ok(Ok(Some(event))) => events.push(event),
            Ok(Ok(None)) => return (events, None),
            Ok(Err(err)) => return (events, Some(err)),
        }
    }
}

/// One question, "hi", to `test-model`: the request most client tests send.
pub fn hi_request() -> ocrchat::llm::ChatRequest {
    ocrchat::llm::ChatRequest {
        model: "test-model".into(),
        messages: vec![ocrchat::llm::ChatMessage::text(
            ocrchat::llm::Role::User,
            "hi",
        )],
        max_tokens: None,
        temperature: None,
        stream_usage: false,
        session_id: None,
    }
}
