//! A long conversation in the core (issue #9 §5): opening it, the time from a question to the
//! first byte of its request at the server, and the memory left after many replies, each
//! against a 20-message conversation measured in the same run.
//!
//! Run with `cargo bench --no-default-features --bench history` (the window is not needed).
//! Method:
//!
//! - Conversations of 20 and 20,000 messages of ~1.9 KB are written to a fresh SQLite history
//!   (the real store) and driven through the real core (`CoreHandle`), as the CLI does.
//! - **open**: `OpenConversation` until `ConversationOpened` arrives (SQLite read, request
//!   history kept in the engine, the event with every message), [`ROUNDS`] alternating rounds.
//! - **first request byte**: after opening, `Send` until a server on 127.0.0.1 (a raw
//!   `TcpListener` in this file, one connection per request) reads the first byte of the
//!   request; [`QUESTIONS`] questions per conversation, alternating. The default 32k window
//!   bounds what is sent from the long conversation.
//! - **memory**: a child process (this binary, `OCRCHAT_BENCH_RSS=1`) asks [`REPLIES`]
//!   questions in one conversation, each answered with a ~2 KB reply in 20 chunks, then opens
//!   a new chat and waits 1 s; `VmRSS` after 10 warm-up replies and at the end are printed.
//!   It runs once with glibc's defaults and once with `MALLOC_ARENA_MAX=2`; build with
//!   `--features mimalloc` to run the same with mimalloc as the global allocator.
//!
//! Figures are printed, never asserted.

#![expect(
    clippy::expect_used,
    clippy::format_push_string,
    clippy::let_underscore_must_use,
    clippy::match_wild_err_arm,
    clippy::missing_assert_message,
    clippy::print_stderr,
    clippy::print_stdout,
    clippy::unwrap_used,
    reason = "tests, benchmarks and examples fail loudly on a broken fixture and print their figures"
)]
#[path = "../tests/support/mod.rs"]
mod support;

#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ocrchat::config::Settings;
use ocrchat::core::{Command, Event};
use ocrchat::llm::{ProviderConfig, Role};
use ocrchat::store::{ConversationId, MessageStatus, NewMessage, Store};
use support::{Driver, TestEnv, sse_chunk};

const ROUNDS: usize = 7;
const QUESTIONS: usize = 15;
const REPLIES: usize = 1_000;

/// ~1.9 KB of text, as the frames bench's messages.
fn message_text(i: usize) -> String {
    let mut text = format!("Part {i}: the invoice summary. ");
    while text.len() < 1_900 {
        text.push_str("The total on this page is 1,280.00, due within 30 days; see the table. ");
    }
    text
}

/// A server that answers every request with a ~2 KB reply in 20 chunks and reports when the
/// first byte of each request arrived.
fn start_server() -> (String, mpsc::Receiver<Instant>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::sync_channel(4096);
    let mut body = String::new();
    for i in 0..20 {
        body.push_str(&sse_chunk(&format!("chunk {i} {} ", "z".repeat(90))));
    }
    body.push_str("data: [DONE]\n\n");
    std::thread::Builder::new()
        .name("bench-server".into())
        .spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let (tx, body) = (tx.clone(), body.clone());
                std::thread::Builder::new()
                    .name("bench-conn".into())
                    .spawn(move || serve(stream, &tx, &body))
                    .unwrap();
            }
        })
        .unwrap();
    (url, rx)
}

fn serve(mut stream: TcpStream, first_byte: &mpsc::SyncSender<Instant>, body: &str) {
    stream.set_nodelay(true).ok();
    let mut buf = vec![0u8; 64 * 1024];
    let mut head = Vec::new();
    let mut reported = false;
    // Read the head, then the body by its Content-Length.
    let (header_end, length) = loop {
        let Ok(n) = stream.read(&mut buf) else { return };
        if n == 0 {
            return;
        }
        if !reported {
            first_byte.try_send(Instant::now()).ok();
            reported = true;
        }
        head.extend_from_slice(&buf[..n]);
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            let text = String::from_utf8_lossy(&head[..end]).to_ascii_lowercase();
            let length = text
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            break (end + 4, length);
        }
    };
    let mut have = head.len() - header_end;
    while have < length {
        let Ok(n) = stream.read(&mut buf) else { return };
        if n == 0 {
            return;
        }
        have += n;
    }
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n{body}"
    );
    stream.write_all(response.as_bytes()).ok();
}

fn seed_provider(env: &TestEnv, url: &str) {
    let mut settings = Settings::default();
    settings.upsert(ProviderConfig::new("Local", url, "bench-model"));
    settings.save(&env.paths.config_file()).unwrap();
}

fn seed_conversation(env: &TestEnv, count: usize) -> ConversationId {
    let store = Store::open(&env.database()).unwrap();
    store
        .atomic(|s| {
            let id = s.create_conversation(&format!("{count} messages"))?;
            for i in 0..count {
                let content = message_text(i);
                let role = if i % 2 == 0 {
                    Role::User
                } else {
                    Role::Assistant
                };
                let new = NewMessage {
                    role,
                    content: &content,
                    status: MessageStatus::Complete,
                    provider: None,
                    model: None,
                };
                s.add_message(id, &new)?;
            }
            Ok(id)
        })
        .unwrap()
}

fn open(driver: &mut Driver, id: ConversationId) -> Duration {
    let start = Instant::now();
    driver
        .core()
        .send(Command::OpenConversation { id })
        .unwrap();
    driver.until(|e| matches!(e, Event::ConversationOpened { .. }));
    start.elapsed()
}

fn first_byte(
    driver: &mut Driver,
    id: ConversationId,
    arrivals: &mpsc::Receiver<Instant>,
) -> Duration {
    while arrivals.try_recv().is_ok() {}
    let start = Instant::now();
    driver.send_question(Some(id), "What is the total?");
    let arrived = arrivals
        .recv_timeout(Duration::from_mins(1))
        .expect("the request reached the server");
    driver.until(|e| matches!(e, Event::MessageFinished { .. }));
    arrived - start
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The child: many replies, a new chat, RSS before and after.
fn rss_child() {
    let (url, arrivals) = start_server();
    let env = TestEnv::new("bench-rss");
    seed_provider(&env, &url);
    let mut driver = Driver::start(&env);
    let events = driver.ask(None, "warm-up 0");
    let id = events
        .iter()
        .find_map(|e| match e {
            Event::ConversationOpened { id: Some(id), .. } => Some(*id),
            _ => None,
        })
        .expect("a conversation");
    for i in 1..10 {
        driver.ask(Some(id), &format!("warm-up {i}"));
    }
    while arrivals.try_recv().is_ok() {}
    let before = rss_kib();
    for i in 0..REPLIES {
        driver.ask(Some(id), &format!("question {i}: what is the total?"));
        while arrivals.try_recv().is_ok() {}
    }
    let after_replies = rss_kib();
    driver.core().send(Command::NewConversation).unwrap();
    driver.until(|e| matches!(e, Event::ConversationOpened { id: None, .. }));
    std::thread::sleep(Duration::from_secs(1));
    let after_new_chat = rss_kib();
    println!("rss_kib {before} {after_replies} {after_new_chat}");
    driver.shutdown();
}

fn rss_run(label: &str, env: &[(&str, &str)]) {
    let mut command = std::process::Command::new(std::env::current_exe().unwrap());
    command.env("OCRCHAT_BENCH_RSS", "1");
    for (k, v) in env {
        command.env(k, v);
    }
    let output = command.output().expect("the memory run started");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let Some(line) = stdout.lines().find_map(|l| l.strip_prefix("rss_kib ")) else {
        eprintln!(
            "{label}: the memory run failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        return;
    };
    let kib: Vec<f64> = line.split(' ').filter_map(|v| v.parse().ok()).collect();
    let mib = |k: f64| k / 1024.0;
    println!(
        "| {label} | {:.1} | {:.1} | {:.1} | {:+.1} |",
        mib(kib[0]),
        mib(kib[1]),
        mib(kib[2]),
        mib(kib[2] - kib[0])
    );
}

fn main() {
    if std::env::var_os("OCRCHAT_BENCH_RSS").is_some() {
        rss_child();
        return;
    }
    let (url, arrivals) = start_server();
    let env = TestEnv::new("bench-history");
    seed_provider(&env, &url);
    let seeding = Instant::now();
    let short = seed_conversation(&env, 20);
    let long = seed_conversation(&env, 20_000);
    println!(
        "seeded 20 + 20,000 messages in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    let mut driver = Driver::start(&env);
    driver.until(|e| matches!(e, Event::Conversations(list) if list.len() == 2));
    let (mut open_short, mut open_long) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        open_short.push(open(&mut driver, short));
        open_long.push(open(&mut driver, long));
    }
    let (mut byte_short, mut byte_long) = (Vec::new(), Vec::new());
    for _ in 0..QUESTIONS {
        open(&mut driver, short);
        byte_short.push(first_byte(&mut driver, short, &arrivals));
        open(&mut driver, long);
        byte_long.push(first_byte(&mut driver, long, &arrivals));
    }
    driver.shutdown();

    let rows = [
        (
            "open (OpenConversation → ConversationOpened)",
            open_short,
            open_long,
        ),
        (
            "question → first request byte (after open)",
            byte_short,
            byte_long,
        ),
    ];
    println!("\n| what | 20 messages, ms | 20,000 messages, ms | ratio |");
    println!("| --- | ---: | ---: | ---: |");
    for (what, short, long) in rows {
        let (s, l) = (median(short), median(long));
        println!(
            "| {what} | {:.2} | {:.2} | {:.1}× |",
            ms(s),
            ms(l),
            ms(l) / ms(s)
        );
    }

    println!(
        "\n| memory, {REPLIES} replies then a new chat | before MiB | after replies MiB | after new chat MiB | growth MiB |"
    );
    println!("| --- | ---: | ---: | ---: | ---: |");
    let allocator = if cfg!(feature = "mimalloc") {
        "mimalloc"
    } else {
        "glibc malloc"
    };
    rss_run(allocator, &[]);
    if !cfg!(feature = "mimalloc") {
        rss_run("glibc, MALLOC_ARENA_MAX=2", &[("MALLOC_ARENA_MAX", "2")]);
    }
}
