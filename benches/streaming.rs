//! Streaming overhead: how much latency ocrchat adds between a chunk leaving the server and
//! its text being in the conversation state the window draws from.
//!
//! Run with `cargo bench --bench streaming` (about 30 s on 2 cores). Method:
//!
//! - A server in this file (std `TcpListener` on 127.0.0.1, one thread, `TCP_NODELAY`) answers
//!   each request with a chunked `text/event-stream` of [`CHUNKS`] OpenAI `data:` chunks. Each
//!   chunk's content is the time it is being written, in nanoseconds since an [`Instant`] the
//!   measuring side shares: stamp, format, write as one HTTP chunk, flush. Then the server
//!   sleeps [`GAP`] (150 µs; with timer slack and the write, one chunk every ~250–300 µs on a
//!   2-core VM), so the client is idle when the next chunk arrives and the figures are latency,
//!   not queueing behind a backlog. The measured pace is printed. The stream ends with a finish chunk and `data: [DONE]`.
//! - Path A, the baseline: a bare reqwest loop on the same tokio runtime. `response.chunk()`
//!   until the body ends, scanning each line for `"content":"<nanos> "` (a carry buffer joins
//!   lines split across reads) and recording `now - sent` per chunk.
//! - Path B, ocrchat: the real core (`CoreHandle`: engine task, HTTP client, SSE decoder, JSON
//!   parsing, SQLite history in a temporary directory) and a thread standing in for the window:
//!   the core's waker signals it, it drains `try_recv` and applies each event to a `UiState`
//!   exactly as the window's `logic` does, recording `now - sent` right after applying each
//!   `Delta`. The question goes with an ad-hoc provider, so no keyring is involved.
//! - Rounds alternate A, B, A, B… in one process after a short warm-up of each, so both see the
//!   same machine state. "Added latency" is percentile(B) − percentile(A) over the pooled
//!   samples; per-chunk differences cannot be taken because the two paths read different runs.
//!
//! `OCRCHAT_BENCH_HISTORY=memory` keeps path B's history in memory instead of SQLite, to see
//! what the database writes cost (the real app writes to disk; the default measures that).
//!
//! Not included: the window's deliberate repaint coalescing. Its waker calls
//! `request_repaint_after(10 ms)` so a burst of tokens becomes one repaint; that is a rendering
//! policy that adds up to 10 ms (plus drawing) before the text is *painted*. This measures the
//! pipeline up to the state the next frame reads.
//!
//! Figures are printed, never asserted (timing on a shared 2-core machine is noisy); the exit
//! code is non-zero only when a run loses, reorders or cannot parse a chunk, or fails.

#![expect(
    clippy::disallowed_methods,
    clippy::expect_used,
    clippy::format_push_string,
    clippy::let_underscore_must_use,
    clippy::map_err_ignore,
    clippy::match_wild_err_arm,
    clippy::missing_assert_message,
    clippy::print_stderr,
    clippy::print_stdout,
    clippy::unwrap_used,
    reason = "tests, benchmarks and examples fail loudly on a broken fixture and print their figures"
)]
#[path = "../tests/support/mod.rs"]
mod support;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ocrchat::core::{Command, CoreHandle, Event, HistoryLocation, SendOptions};
use ocrchat::llm::ProviderConfig;
use ocrchat::store::MessageStatus;
use ocrchat::ui::state::UiState;

/// Chunks per measured run.
const CHUNKS: usize = 10_000;
/// Chunks per warm-up run (connection set-up, SQLite file creation, lazy statics).
const WARMUP_CHUNKS: usize = 300;
/// Measured runs of each path.
const ROUNDS: usize = 5;
/// The server's pause after each chunk.
const GAP: Duration = Duration::from_micros(150);
/// A run that takes longer than this has stalled.
const RUN_TIMEOUT: Duration = Duration::from_mins(1);
/// The target for the added p99 latency.
const TARGET_ADDED_P99: Duration = Duration::from_millis(1);
/// The end of every stream: a finish chunk, then `[DONE]`.
const STREAM_END: &str = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";

type BenchResult<T> = Result<T, String>;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("streaming bench FAILED: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> BenchResult<()> {
    let epoch = Instant::now();
    let server = StampServer::start(epoch);
    let runtime = support::runtime();
    let env = support::TestEnv::new("bench");
    let mut ui = UiThread::start(&runtime, &env, &server.base_url)?;
    let http = reqwest::Client::builder()
        .no_proxy()
        .build()
        .map_err(|e| format!("building the reqwest client: {e}"))?;

    println!(
        "streaming overhead: {CHUNKS} chunks per run, {ROUNDS} rounds per path, server gap {} µs, {} CPUs",
        GAP.as_micros(),
        std::thread::available_parallelism().map_or(0, std::num::NonZero::get),
    );
    if memory_history() {
        println!("OCRCHAT_BENCH_HISTORY=memory: path B keeps history in memory, not SQLite");
    }
    println!("latency = chunk written by the server -> A: bytes back from response.chunk()");
    println!(
        "                                       -> B: Delta applied to UiState (window excluded)"
    );

    // Warm-up: the first connection, the SQLite file, lazily built statics.
    server.set_chunks(WARMUP_CHUNKS);
    run_baseline(&runtime, &http, &server, epoch)?;
    ui.run_once(&server, epoch)?;

    server.set_chunks(CHUNKS);
    let (mut all_a, mut all_b) = (Vec::new(), Vec::new());
    let mut rows = Vec::new();
    let mut paces = Vec::new();
    for round in 1..=ROUNDS {
        let (a, pace_a) = run_baseline(&runtime, &http, &server, epoch)?;
        let (b, pace_b) = ui.run_once(&server, epoch)?;
        paces.extend([pace_a, pace_b]);
        rows.push((round.to_string(), Stats::of(&a), Stats::of(&b)));
        all_a.extend(a);
        all_b.extend(b);
    }
    let (pooled_a, pooled_b) = (Stats::of(&all_a), Stats::of(&all_b));
    let mean_pace = paces.iter().sum::<f64>() / paces.len() as f64;

    println!("measured server pace: {mean_pace:.0} µs per chunk (write + gap)\n");
    println!(
        "{:<6} {:<22} {:>7} {:>8} {:>8} {:>8} {:>9}",
        "round", "path", "count", "p50 µs", "p90 µs", "p99 µs", "max µs"
    );
    for (round, a, b) in &rows {
        println!("{}", a.row(round, "A bare reqwest"));
        println!("{}", b.row(round, "B ocrchat core+state"));
    }
    println!("{}", pooled_a.row("all", "A bare reqwest"));
    println!("{}", pooled_b.row("all", "B ocrchat core+state"));
    println!();
    for (round, a, b) in &rows {
        println!(
            "round {round}: added p50 {:+.1} µs, p99 {:+.1} µs",
            b.p50 - a.p50,
            b.p99 - a.p99
        );
    }
    let spread = |f: fn(&Stats) -> f64| {
        rows.iter()
            .map(|(_, a, b)| f(b) - f(a))
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), d| {
                (lo.min(d), hi.max(d))
            })
    };
    let ((p50_lo, p50_hi), (p99_lo, p99_hi)) = (spread(|s| s.p50), spread(|s| s.p99));
    println!(
        "spread over rounds: added p50 {p50_lo:+.1} .. {p50_hi:+.1} µs, added p99 {p99_lo:+.1} .. {p99_hi:+.1} µs"
    );
    let added_p50 = pooled_b.p50 - pooled_a.p50;
    let added_p99 = pooled_b.p99 - pooled_a.p99;
    println!(
        "added latency (B - A), all rounds: p50 {added_p50:+.1} µs, p99 {added_p99:+.1} µs; ratio B/A: p50 {:.2}x, p99 {:.2}x",
        pooled_b.p50 / pooled_a.p50,
        pooled_b.p99 / pooled_a.p99,
    );
    let target = TARGET_ADDED_P99.as_secs_f64() * 1e6;
    let verdict = if added_p99 < target { "PASS" } else { "CHECK" };
    println!(
        "target p99 added < {target:.0} µs: {verdict} (informational; timings are not asserted)"
    );
    println!(
        "not included: the window's 10 ms request_repaint_after coalescing (a rendering policy, not pipeline latency)"
    );

    ui.stop();
    Ok(())
}

// ----- the server ---------------------------------------------------------------------------

/// What one served stream reports back.
struct Served {
    written: usize,
    elapsed: Duration,
}

/// The time-stamping SSE server.
struct StampServer {
    base_url: String,
    chunks: Arc<AtomicUsize>,
    served: Mutex<mpsc::Receiver<Result<Served, String>>>,
}

impl StampServer {
    fn start(epoch: Instant) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let chunks = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = mpsc::channel();
        let count = chunks.clone();
        std::thread::Builder::new()
            .name("bench-sse-server".into())
            .spawn(move || {
                // One connection at a time: the runs are sequential.
                for stream in listener.incoming() {
                    let Ok(stream) = stream else { continue };
                    let result = serve(stream, count.load(Ordering::SeqCst), epoch)
                        .map_err(|e| format!("server: {e}"));
                    if tx.send(result).is_err() {
                        break;
                    }
                }
            })
            .expect("spawning the server thread");
        Self {
            base_url: format!("http://{addr}/v1"),
            chunks,
            served: Mutex::new(rx),
        }
    }

    fn set_chunks(&self, n: usize) {
        self.chunks.store(n, Ordering::SeqCst);
    }

    fn chunks(&self) -> usize {
        self.chunks.load(Ordering::SeqCst)
    }

    /// Waits for the report of the stream just read; returns the pace in µs per chunk.
    fn finished(&self) -> BenchResult<f64> {
        let served = self
            .served
            .lock()
            .map_err(|_| "server report lock poisoned".to_owned())?
            .recv_timeout(Duration::from_secs(5))
            .map_err(|_| "the server did not report the end of its stream".to_owned())??;
        if served.written != self.chunks() {
            return Err(format!(
                "the server wrote {} of {} chunks",
                served.written,
                self.chunks()
            ));
        }
        Ok(served.elapsed.as_secs_f64() * 1e6 / served.written.max(1) as f64)
    }
}

fn serve(stream: TcpStream, chunks: usize, epoch: Instant) -> std::io::Result<Served> {
    stream.set_nodelay(true)?;
    read_request(&stream)?;
    let mut out = stream;
    out.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")?;
    let start = Instant::now();
    let mut frame = Vec::with_capacity(512);
    for _ in 0..chunks {
        // Stamped as late as the content allows: format, then one write() per chunk.
        let sent = epoch.elapsed().as_nanos();
        let piece = support::sse_chunk(&format!("{sent} "));
        http_chunk(&mut frame, piece.as_bytes());
        out.write_all(&frame)?;
        out.flush()?;
        std::thread::sleep(GAP);
    }
    let elapsed = start.elapsed();
    http_chunk(&mut frame, STREAM_END.as_bytes());
    frame.extend_from_slice(b"0\r\n\r\n");
    out.write_all(&frame)?;
    out.flush()?;
    // Let the client read everything before the socket closes.
    out.shutdown(Shutdown::Write)?;
    out.set_read_timeout(Some(Duration::from_secs(2)))?;
    let mut sink = [0u8; 256];
    while matches!(out.read(&mut sink), Ok(n) if n > 0) {}
    Ok(Served {
        written: chunks,
        elapsed,
    })
}

/// `frame` = one HTTP/1.1 chunk holding `payload`.
fn http_chunk(frame: &mut Vec<u8>, payload: &[u8]) {
    frame.clear();
    frame.extend_from_slice(format!("{:x}\r\n", payload.len()).as_bytes());
    frame.extend_from_slice(payload);
    frame.extend_from_slice(b"\r\n");
}

/// Reads the request head and body (the body is not needed, only consumed).
fn read_request(stream: &TcpStream) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)
}

// ----- path A: a bare reqwest loop ------------------------------------------------------------

/// One baseline run: latencies in ns, and the server's pace.
fn run_baseline(
    runtime: &tokio::runtime::Runtime,
    http: &reqwest::Client,
    server: &StampServer,
    epoch: Instant,
) -> BenchResult<(Vec<u64>, f64)> {
    let expected = server.chunks();
    let url = format!("{}/chat/completions", server.base_url);
    let http = http.clone();
    let task = runtime.spawn(async move {
        let read = async {
            let mut response = http
                .post(&url)
                .header("Accept", "text/event-stream")
                .json(&serde_json::json!({
                    "model": "m",
                    "stream": true,
                    "messages": [{"role": "user", "content": "go"}],
                }))
                .send()
                .await
                .map_err(|e| format!("baseline request: {e}"))?;
            if !response.status().is_success() {
                return Err(format!("baseline status {}", response.status()));
            }
            let mut scanner = StampScanner::default();
            let mut latencies = Vec::with_capacity(expected);
            while let Some(bytes) = response
                .chunk()
                .await
                .map_err(|e| format!("baseline read: {e}"))?
            {
                scanner.feed(&bytes, |sent| {
                    latencies.push(ns_since(epoch, sent));
                })?;
            }
            Ok(latencies)
        };
        tokio::time::timeout(RUN_TIMEOUT, read)
            .await
            .map_err(|_| "baseline run timed out".to_owned())?
    });
    let latencies = runtime
        .block_on(task)
        .map_err(|e| format!("baseline task: {e}"))??;
    check_count("A (bare reqwest)", latencies.len(), expected)?;
    Ok((latencies, server.finished()?))
}

/// Finds `"content":"<nanos> "` in each complete line of the body.
#[derive(Default)]
struct StampScanner {
    carry: Vec<u8>,
    last: u64,
}

impl StampScanner {
    const KEY: &'static [u8] = b"\"content\":\"";

    fn feed(&mut self, bytes: &[u8], mut found: impl FnMut(u64)) -> BenchResult<()> {
        self.carry.extend_from_slice(bytes);
        let mut consumed = 0;
        while let Some(end) = self.carry[consumed..].iter().position(|&b| b == b'\n') {
            let line = &self.carry[consumed..consumed + end];
            consumed += end + 1;
            let Some(at) = line.windows(Self::KEY.len()).position(|w| w == Self::KEY) else {
                continue;
            };
            let digits = &line[at + Self::KEY.len()..];
            let len = digits.iter().take_while(|b| b.is_ascii_digit()).count();
            let sent = std::str::from_utf8(&digits[..len])
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
                .ok_or_else(|| {
                    format!(
                        "baseline: no timestamp in {:?}",
                        String::from_utf8_lossy(line)
                    )
                })?;
            if sent <= self.last {
                return Err("baseline: chunks arrived out of order".into());
            }
            self.last = sent;
            found(sent);
        }
        self.carry.drain(..consumed);
        Ok(())
    }
}

// ----- path B: the core and a stand-in for the window's thread -------------------------------

/// The core plus what the window's thread keeps: its view state and its wake-up signal.
struct UiThread {
    core: CoreHandle,
    state: UiState,
    woken: mpsc::Receiver<()>,
    provider: ProviderConfig,
}

impl UiThread {
    fn start(
        runtime: &tokio::runtime::Runtime,
        env: &support::TestEnv,
        base_url: &str,
    ) -> BenchResult<Self> {
        let mut options = env.options();
        if memory_history() {
            // Diagnosis only: takes SQLite out of the path to see what it costs.
            options.history = HistoryLocation::Memory;
        }
        let core = CoreHandle::start(runtime.handle(), options)
            .map_err(|e| format!("starting the core: {e}"))?;
        // The window's waker requests a repaint; this one wakes the loop below at once (the
        // window adds a deliberate 10 ms coalescing delay, excluded here).
        let (wake, woken) = mpsc::sync_channel(1);
        core.set_waker(Arc::new(move || {
            let _ = wake.try_send(());
        }));
        Ok(Self {
            core,
            state: UiState::default(),
            woken,
            provider: ProviderConfig::new("Local", base_url, "m"),
        })
    }

    /// Asks one question in a new conversation and applies events until its reply finishes.
    fn run_once(&mut self, server: &StampServer, epoch: Instant) -> BenchResult<(Vec<u64>, f64)> {
        let expected = server.chunks();
        self.core
            .send(Command::Send {
                conversation: None,
                text: "go".into(),
                options: SendOptions {
                    adhoc_provider: Some(self.provider.clone()),
                    ..SendOptions::default()
                },
            })
            .map_err(|e| e.to_string())?;
        let deadline = Instant::now() + RUN_TIMEOUT;
        let mut latencies = Vec::with_capacity(expected);
        let mut last = 0u64;
        loop {
            match self.woken.recv_timeout(Duration::from_millis(50)) {
                Ok(()) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Err("the core stopped".into()),
            }
            // The window's per-frame drain: take every waiting event, apply it.
            while let Some(event) = self.core.try_recv() {
                let sent = match &event {
                    Event::Delta {
                        text,
                        reasoning: false,
                        ..
                    } => Some(parse_stamp(text)?),
                    Event::Error(message) => return Err(format!("core error: {message}")),
                    _ => None,
                };
                let finished = match &event {
                    Event::MessageFinished { status, error, .. } => Some((*status, error.clone())),
                    _ => None,
                };
                self.state.apply(event);
                if let Some(sent) = sent {
                    latencies.push(ns_since(epoch, sent));
                    if sent <= last {
                        return Err("ocrchat: deltas arrived out of order".into());
                    }
                    last = sent;
                }
                if let Some((status, error)) = finished {
                    if status != MessageStatus::Complete {
                        return Err(format!("the reply ended {status:?}: {error:?}"));
                    }
                    check_count("B (ocrchat)", latencies.len(), expected)?;
                    return Ok((latencies, server.finished()?));
                }
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "ocrchat run timed out after {} of {expected} deltas",
                    latencies.len()
                ));
            }
        }
    }

    fn stop(self) {
        self.core.shutdown(Duration::from_secs(3));
    }
}

/// `OCRCHAT_BENCH_HISTORY=memory`: path B without SQLite (diagnosis only).
fn memory_history() -> bool {
    std::env::var("OCRCHAT_BENCH_HISTORY").as_deref() == Ok("memory")
}

fn parse_stamp(text: &str) -> BenchResult<u64> {
    text.trim_end()
        .parse()
        .map_err(|_| format!("ocrchat: no timestamp in delta {text:?}"))
}

// ----- figures -------------------------------------------------------------------------------

fn ns_since(epoch: Instant, sent: u64) -> u64 {
    u64::try_from(epoch.elapsed().as_nanos())
        .unwrap_or(u64::MAX)
        .saturating_sub(sent)
}

fn check_count(path: &str, got: usize, expected: usize) -> BenchResult<()> {
    if got == expected {
        Ok(())
    } else {
        Err(format!("{path} received {got} of {expected} chunks"))
    }
}

/// Percentiles in µs (nearest rank).
struct Stats {
    count: usize,
    p50: f64,
    p90: f64,
    p99: f64,
    max: f64,
}

impl Stats {
    fn of(latencies_ns: &[u64]) -> Self {
        let mut sorted = latencies_ns.to_vec();
        sorted.sort_unstable();
        let at = |q: f64| {
            if sorted.is_empty() {
                return 0.0;
            }
            let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
            sorted[rank - 1] as f64 / 1e3
        };
        Self {
            count: sorted.len(),
            p50: at(0.50),
            p90: at(0.90),
            p99: at(0.99),
            max: at(1.0),
        }
    }

    fn row(&self, round: &str, path: &str) -> String {
        format!(
            "{round:<6} {path:<22} {:>7} {:>8.1} {:>8.1} {:>8.1} {:>9.1}",
            self.count, self.p50, self.p90, self.p99, self.max
        )
    }
}
