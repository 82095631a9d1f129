//! Throughput through the core (issue #12): completed requests per second from one process
//! with 64 conversations asking at once, client CPU time per request, and the p99 latency
//! the core adds over a bare reqwest loop doing the same requests in the same run.
//!
//! Run with `cargo bench --bench throughput` (about a minute). Method:
//!
//! - A server in a child process (this binary re-run with `OCRCHAT_BENCH_SERVER=1`, so its
//!   CPU time is not the client's): HTTP/1.1 with keep-alive on 127.0.0.1, answering each
//!   POST with a chunked OpenAI `text/event-stream` of [`TOKENS`] tokens [`TOKEN_GAP`] apart
//!   (a 50 ms streamed reply), then a finish chunk and `data: [DONE]`.
//! - A, the baseline: [`CONVERSATIONS`] tokio tasks, each sending a `POST` of the same kind of request
//!   with a bare `reqwest::Client` and reading the body to its end, again and again.
//! - B, ocrchat: the real core (`CoreHandle`: engine task, `ChatClient`, SSE decoder, JSON,
//!   SQLite history in a temporary directory), driven like the window: [`CONVERSATIONS`]
//!   conversations, each sending its next question as soon as its reply finishes. An ad-hoc
//!   provider allows [`CONVERSATIONS`] requests in flight (the default is 4).
//! - Each path runs [`WARM_UP`], then is measured for [`MEASURE`]; A, B, A, B in one process.
//!   Latency is from sending the request (A) or the `Send` command (B) to the end of the
//!   reply (A: the body's end; B: `MessageFinished`). CPU time is this process's user +
//!   system time (`/proc/self/stat`) over the measured window, divided by completed requests.
//!
//! Figures are printed, never asserted; the exit code is non-zero only when a request fails.

#![expect(
    clippy::cast_precision_loss,
    clippy::expect_used,
    clippy::print_stderr,
    clippy::print_stdout,
    clippy::unwrap_used,
    reason = "a benchmark fails loudly on a broken fixture and prints its figures"
)]

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead as _, Write as _};
use std::process::{ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use ocrchat::core::{Command, CoreHandle, CoreOptions, Event, HistoryLocation, SendOptions};
use ocrchat::llm::{ProviderConfig, RetryPolicy};
use ocrchat::store::{ConversationId, MessageStatus};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const CONVERSATIONS: usize = 64;
const TOKENS: usize = 5;
const TOKEN_GAP: Duration = Duration::from_millis(10);
const WARM_UP: Duration = Duration::from_secs(2);
const MEASURE: Duration = Duration::from_secs(10);
const ROUNDS: usize = 2;
const SERVER_ENV: &str = "OCRCHAT_BENCH_SERVER";

fn main() -> ExitCode {
    if std::env::var_os(SERVER_ENV).is_some() {
        serve();
        return ExitCode::SUCCESS;
    }
    let exe = std::env::current_exe().expect("the bench's own path");
    let mut server = std::process::Command::new(exe)
        .env(SERVER_ENV, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the server process");
    let mut line = String::new();
    std::io::BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line.trim().parse().expect("the server's port");
    let base_url = format!("http://127.0.0.1:{port}/v1");
    println!(
        "throughput: {CONVERSATIONS} conversations, each reply {TOKENS} tokens {} ms apart; {} s measured per run after {} s warm-up",
        TOKEN_GAP.as_millis(),
        MEASURE.as_secs(),
        WARM_UP.as_secs()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("ocrchat-core")
        .enable_all()
        .build()
        .unwrap();
    let mut bare = Vec::new();
    let mut core = Vec::new();
    for round in 1..=ROUNDS {
        let a = runtime.block_on(bare_loop(&base_url));
        a.print(&format!("A bare reqwest, round {round}"));
        bare.push(a);
        let b = match core_loop(&runtime, &base_url) {
            Ok(b) => b,
            Err(why) => {
                eprintln!("throughput: {why}");
                server.kill().ok();
                server.wait().ok();
                return ExitCode::FAILURE;
            }
        };
        b.print(&format!("B ocrchat core, round {round}"));
        core.push(b);
    }
    drop(server.stdin.take());
    server.kill().ok();
    server.wait().ok();
    let (a, b) = (Run::pooled(&bare), Run::pooled(&core));
    println!("--- pooled over {ROUNDS} rounds");
    a.print("A bare reqwest");
    b.print("B ocrchat core");
    println!(
        "added latency (B − A): p50 {:+.1} ms, p99 {:+.1} ms; CPU per request B/A {:.2}×; throughput B/A {:.2}",
        b.percentile(0.50) - a.percentile(0.50),
        b.percentile(0.99) - a.percentile(0.99),
        b.cpu_ms_per_request() / a.cpu_ms_per_request(),
        b.per_sec() / a.per_sec()
    );
    ExitCode::SUCCESS
}

/// One measured window: reply latencies (ms), its length and this process's CPU time.
#[derive(Debug, Default)]
struct Run {
    latencies_ms: Vec<f64>,
    seconds: f64,
    cpu_seconds: f64,
}

impl Run {
    fn pooled(runs: &[Self]) -> Self {
        Self {
            latencies_ms: runs.iter().flat_map(|r| r.latencies_ms.clone()).collect(),
            seconds: runs.iter().map(|r| r.seconds).sum(),
            cpu_seconds: runs.iter().map(|r| r.cpu_seconds).sum(),
        }
    }

    fn per_sec(&self) -> f64 {
        self.latencies_ms.len() as f64 / self.seconds
    }

    fn cpu_ms_per_request(&self) -> f64 {
        self.cpu_seconds * 1000.0 / self.latencies_ms.len().max(1) as f64
    }

    fn percentile(&self, p: f64) -> f64 {
        let mut sorted = self.latencies_ms.clone();
        sorted.sort_by(f64::total_cmp);
        let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted.get(at).copied().unwrap_or(f64::NAN)
    }

    fn print(&self, name: &str) {
        println!(
            "{name}: {} requests, {:.1}/s; latency p50 {:.1} ms, p99 {:.1} ms; client CPU {:.3} ms per request",
            self.latencies_ms.len(),
            self.per_sec(),
            self.percentile(0.50),
            self.percentile(0.99),
            self.cpu_ms_per_request()
        );
    }
}

/// This process's user + system CPU time so far.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces): state is the first; utime and
    // stime are the 12th and 13th.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse().ok())
        .collect();
    fields.iter().sum::<u64>() as f64 / clock_ticks()
}

fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

// ----- A: a bare reqwest loop ------------------------------------------------------------

async fn bare_loop(base_url: &str) -> Run {
    let client = reqwest::Client::new();
    let url = format!("{base_url}/chat/completions");
    let started = Instant::now();
    let (measure_from, measure_to) = (started + WARM_UP, started + WARM_UP + MEASURE);
    let cpu_at_start = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..CONVERSATIONS {
        let (client, url) = (client.clone(), url.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let body = serde_json::json!({
                "model": "m",
                "messages": [{"role": "user", "content": "go"}],
                "stream": true,
            });
            loop {
                let sent = Instant::now();
                if sent >= measure_to {
                    return latencies;
                }
                let mut response = client.post(&url).json(&body).send().await.unwrap();
                while response.chunk().await.unwrap().is_some() {}
                if sent >= measure_from {
                    latencies.push(sent.elapsed().as_secs_f64() * 1000.0);
                }
            }
        }));
    }
    tokio::time::sleep_until((measure_from).into()).await;
    let cpu_from = cpu_seconds();
    cpu_at_start.store(cpu_from.to_bits(), Ordering::SeqCst);
    tokio::time::sleep_until(measure_to.into()).await;
    let cpu_to = cpu_seconds();
    let mut latencies_ms = Vec::new();
    for task in tasks {
        latencies_ms.extend(task.await.unwrap());
    }
    Run {
        latencies_ms,
        seconds: MEASURE.as_secs_f64(),
        cpu_seconds: cpu_to - cpu_from,
    }
}

// ----- B: the core, driven like the window ------------------------------------------------

fn core_loop(runtime: &tokio::runtime::Runtime, base_url: &str) -> Result<Run, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let options = CoreOptions {
        paths: ocrchat::config::Paths::under(dir.path()),
        history: HistoryLocation::DataDir,
        keyring_service: format!("ocrchat-bench-{}", std::process::id()),
        dotenv_path: None,
        retry: RetryPolicy::none(),
    };
    let mut core = CoreHandle::start(runtime.handle(), options).map_err(|e| e.to_string())?;
    let mut provider = ProviderConfig::new("Bench", base_url, "m");
    provider.max_in_flight = u32::try_from(CONVERSATIONS).ok();
    let send = |core: &CoreHandle, conversation: Option<ConversationId>| {
        core.send(Command::Send {
            conversation,
            text: "go".into(),
            options: SendOptions {
                adhoc_provider: Some(provider.clone()),
                ..SendOptions::default()
            },
        })
        .map_err(|_busy| "the core refused a command".to_owned())
    };
    // Sends are accepted in the order they were sent: their times wait here until then.
    let mut sent_at: VecDeque<Instant> = VecDeque::new();
    let mut started: HashMap<ConversationId, Instant> = HashMap::new();
    for _ in 0..CONVERSATIONS {
        send(&core, None)?;
        sent_at.push_back(Instant::now());
    }
    let begun = Instant::now();
    let (measure_from, measure_to) = (begun + WARM_UP, begun + WARM_UP + MEASURE);
    let mut cpu_from = None;
    let mut latencies_ms = Vec::new();
    loop {
        let now = Instant::now();
        if cpu_from.is_none() && now >= measure_from {
            cpu_from = Some(cpu_seconds());
        }
        if now >= measure_to {
            break;
        }
        let event = runtime
            .block_on(async { tokio::time::timeout(Duration::from_secs(10), core.recv()).await })
            .map_err(|_elapsed| "no event for 10 s".to_owned())?
            .ok_or("the core stopped")?;
        match event {
            Event::QuestionAccepted { conversation } => {
                let at = sent_at.pop_front().ok_or("an answer to no question")?;
                started.insert(conversation, at);
            }
            Event::MessageFinished {
                conversation,
                status,
                error,
                ..
            } => {
                if status != MessageStatus::Complete {
                    return Err(format!("a reply ended {status:?}: {error:?}"));
                }
                let at = started.remove(&conversation).ok_or("an unknown reply")?;
                if at >= measure_from && at < measure_to {
                    latencies_ms.push(at.elapsed().as_secs_f64() * 1000.0);
                }
                send(&core, Some(conversation))?;
                sent_at.push_back(Instant::now());
            }
            Event::Error(why) | Event::QuestionRefused { reason: why } => return Err(why),
            _ => {}
        }
    }
    let cpu_seconds = cpu_seconds() - cpu_from.unwrap_or_default();
    runtime.block_on(async {
        let shutdown = tokio::task::spawn_blocking(move || core.shutdown(Duration::from_secs(5)));
        shutdown.await.ok();
    });
    Ok(Run {
        latencies_ms,
        seconds: MEASURE.as_secs_f64(),
        cpu_seconds,
    })
}

// ----- the server (child process) ---------------------------------------------------------

fn serve() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        println!("{port}");
        std::io::stdout().flush().ok();
        // The parent closing stdin ends the server.
        std::thread::Builder::new()
            .name("bench-server-stdin".into())
            .spawn(|| {
                let mut sink = String::new();
                while std::io::stdin().read_line(&mut sink).is_ok_and(|n| n > 0) {}
                // The bench is over: so is this process.
                #[expect(clippy::exit, reason = "the server process ends with its parent")]
                std::process::exit(0);
            })
            .unwrap();
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            stream.set_nodelay(true).ok();
            tokio::spawn(connection(stream));
        }
    });
}

/// Answers requests on one keep-alive connection until the client closes it.
async fn connection(mut stream: tokio::net::TcpStream) {
    let mut buffer = Vec::new();
    let mut read = [0u8; 16 * 1024];
    loop {
        // The head, then as many body bytes as Content-Length says.
        let head_end = loop {
            if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            match stream.read(&mut read).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&read[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        while buffer.len() < head_end + length {
            match stream.read(&mut read).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&read[..n]),
            }
        }
        buffer.drain(..head_end + length);
        if reply(&mut stream).await.is_err() {
            return;
        }
    }
}

async fn reply(stream: &mut tokio::net::TcpStream) -> std::io::Result<()> {
    stream
        .write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n",
        )
        .await?;
    let chunk = |data: &str| format!("{:x}\r\n{data}\r\n", data.len());
    for _ in 0..TOKENS {
        tokio::time::sleep(TOKEN_GAP).await;
        let data = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tok \"}}]}\n\n";
        stream.write_all(chunk(data).as_bytes()).await?;
    }
    let end = "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
    stream.write_all(chunk(end).as_bytes()).await?;
    stream.write_all(b"0\r\n\r\n").await?;
    stream.flush().await
}
