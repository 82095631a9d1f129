//! An OpenAI-compatible streaming server on 127.0.0.1:0 that sends each piece of a reply
//! after its own delay (so a stream can pause mid-reply) and records when each piece was
//! written, so a test knows exactly which text had been sent before a given moment.
#![allow(dead_code)] // Each test binary uses part of this.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One piece of the reply and the pause before it.
#[derive(Debug, Clone)]
pub struct Piece {
    pub delay: Duration,
    pub text: String,
}

/// `count` pieces named `prefix000 `, `prefix001 `, … each `gap` after the one before.
pub fn pieces(prefix: &str, count: usize, gap: Duration) -> Vec<Piece> {
    (0..count)
        .map(|i| Piece {
            delay: gap,
            text: format!("{prefix}{i:03} "),
        })
        .collect()
}

/// The server; it stops accepting when dropped.
pub struct PacedServer {
    pub base_url: String,
    /// When each piece was written and flushed, in order, over every connection.
    sent: Arc<Mutex<Vec<(Instant, String)>>>,
    /// Bytes written to sockets, head and framing included.
    bytes: Arc<std::sync::atomic::AtomicU64>,
    addr: std::net::SocketAddr,
    stop: Arc<std::sync::atomic::AtomicBool>,
}

impl PacedServer {
    /// Answers every chat request with `script`, then `finish_reason: stop` and `[DONE]`.
    pub fn start(script: Vec<Piece>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let sent = Arc::new(Mutex::new(Vec::new()));
        let bytes = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (sent_for_thread, stop_for_thread, bytes_for_thread) =
            (sent.clone(), stop.clone(), bytes.clone());
        std::thread::Builder::new()
            .name("paced-server".into())
            .spawn(move || {
                for (n, stream) in listener.incoming().enumerate() {
                    if stop_for_thread.load(std::sync::atomic::Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let (script, sent, bytes) = (
                        script.clone(),
                        sent_for_thread.clone(),
                        bytes_for_thread.clone(),
                    );
                    std::thread::Builder::new()
                        .name(format!("paced-conn-{n}"))
                        .spawn(move || serve(stream, &script, &sent, &bytes))
                        .unwrap();
                }
            })
            .unwrap();
        Self {
            base_url: format!("http://{addr}/v1"),
            sent,
            bytes,
            addr,
            stop,
        }
    }

    /// Bytes written to clients so far.
    pub fn bytes_written(&self) -> u64 {
        self.bytes.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The pieces written so far, with when.
    pub fn sent(&self) -> Vec<(Instant, String)> {
        self.sent.lock().unwrap().clone()
    }
}

impl Drop for PacedServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        TcpStream::connect(self.addr).ok();
    }
}

fn serve(
    stream: TcpStream,
    script: &[Piece],
    sent: &Mutex<Vec<(Instant, String)>>,
    bytes: &std::sync::atomic::AtomicU64,
) {
    let count = |n: usize| bytes.fetch_add(n as u64, std::sync::atomic::Ordering::SeqCst);
    stream.set_nodelay(true).ok();
    if !read_request(&stream) {
        return;
    }
    let mut out = stream;
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    if out.write_all(head.as_bytes()).is_err() {
        return;
    }
    count(head.len());
    let mut write_chunk = |data: &str| {
        let chunk = format!("{:x}\r\n{data}\r\n", data.len());
        count(chunk.len());
        out.write_all(chunk.as_bytes()).and_then(|()| out.flush())
    };
    for piece in script {
        std::thread::sleep(piece.delay);
        let event = crate::support::sse_chunk(&piece.text);
        if write_chunk(&event).is_err() {
            return; // The client is gone (killed).
        }
        sent.lock()
            .unwrap()
            .push((Instant::now(), piece.text.clone()));
    }
    let end = "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
    if write_chunk(end).is_ok() {
        count(5);
        out.write_all(b"0\r\n\r\n").ok();
        out.flush().ok();
    }
    out.shutdown(std::net::Shutdown::Write).ok();
    let mut sink = [0u8; 64];
    out.set_read_timeout(Some(Duration::from_millis(200))).ok();
    let _client_closed = out.read(&mut sink);
}

/// Reads the request head and its body; `false` if the connection closed first.
fn read_request(stream: &TcpStream) -> bool {
    let Ok(clone) = stream.try_clone() else {
        return false;
    };
    let mut reader = BufReader::new(clone);
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return false,
            Ok(_) => {}
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).is_ok()
}
