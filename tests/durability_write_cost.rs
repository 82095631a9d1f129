//! Issue #8 §1: the cost of writing a streaming reply follows the new text, not the reply's
//! length (rewriting the whole reply on every flush wrote 340 MB for a 5.1 MB reply).
//!
//! Bytes written are the process's `wchar` from `/proc/self/io` (every `write`/`pwrite`,
//! SQLite's included), so each measurement is the only test of its binary and the local
//! server's own socket writes are subtracted.
//! `write_cost_bench` (ignored) compares both ways of writing a 5 MB reply in one run.

#![expect(
    clippy::expect_used,
    clippy::format_push_string,
    clippy::let_underscore_must_use,
    clippy::match_wild_err_arm,
    clippy::missing_assert_message,
    clippy::unwrap_used,
    reason = "tests, benchmarks and examples fail loudly on a broken fixture and print their figures"
)]
#[path = "support/paced_server.rs"]
mod paced_server;
mod support;

use std::time::Duration;

use ocrchat::config::Settings;
use ocrchat::core::Event;
use ocrchat::llm::ProviderConfig;
use ocrchat::store::{MessageStatus, NewMessage, Store};
use paced_server::{PacedServer, Piece};
use support::{Driver, TestEnv};

/// Bytes this process has passed to `write` and friends.
fn bytes_written_by_process() -> u64 {
    let io = std::fs::read_to_string("/proc/self/io").unwrap();
    io.lines()
        .find_map(|line| line.strip_prefix("wchar: "))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn writing_a_streaming_reply_costs_about_its_length() {
    // 2 MB over about 4 s: some 20 timed writes while it streams.
    let script: Vec<Piece> = (0..200)
        .map(|i| Piece {
            delay: Duration::from_millis(20),
            text: format!("{i:04}{}", "y".repeat(10_000)),
        })
        .collect();
    let reply_bytes: usize = script.iter().map(|p| p.text.len()).sum();
    let server = PacedServer::start(script);
    let env = TestEnv::new("writecost");
    let mut settings = Settings::default();
    settings.upsert(ProviderConfig::new("Local", &server.base_url, "m"));
    settings.save(&env.paths.config_file()).unwrap();

    let mut driver = Driver::start(&env);
    driver.until(|e| matches!(e, Event::Conversations(_)));
    let before = bytes_written_by_process();
    driver.ask(None, "a long one");
    driver.shutdown();
    let written = bytes_written_by_process() - before - server.bytes_written();
    let ratio = written as f64 / reply_bytes as f64;
    eprintln!("{written} bytes written for a {reply_bytes}-byte reply: {ratio:.1}x");
    // Each byte lands in the WAL and the database (twice), once appended and once in the final
    // row: about 4x. Rewriting the whole reply every 200 ms is about 40x here.
    assert!(
        ratio < 8.0,
        "{written} bytes written for a {reply_bytes}-byte reply ({ratio:.1}x)"
    );
    let replies = Store::open(&env.database()).unwrap();
    let id = replies.list_conversations().unwrap()[0].id;
    assert_eq!(replies.messages(id).unwrap()[1].content.len(), reply_bytes);
}

/// A 5 MB reply written in 25 flushes of 200 KB: rewriting the whole text each time (the old
/// way) against appending the new part, then the final row.
#[test]
#[ignore = "a benchmark: cargo test --test durability_write_cost -- --ignored --nocapture"]
fn write_cost_bench() {
    let flushes = 25;
    let part = "z".repeat(200 * 1024);
    let total = flushes * part.len();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("h.sqlite3")).unwrap();
    let conversation = store.create_conversation("bench").unwrap();
    let measure = |append: bool| {
        let reply = store
            .add_message(conversation, &NewMessage::reply("p", "m"))
            .unwrap();
        let before = bytes_written_by_process();
        let mut text = String::new();
        for _ in 0..flushes {
            text.push_str(&part);
            if append {
                store.append_reply(reply.id, &part, "").unwrap();
            } else {
                store
                    .finish_reply(reply.id, &text, "", MessageStatus::Streaming, None)
                    .unwrap();
            }
        }
        store
            .finish_reply(reply.id, &text, "", MessageStatus::Complete, None)
            .unwrap();
        bytes_written_by_process() - before
    };
    let rewrite = measure(false);
    let append = measure(true);
    let mb = |b: u64| b as f64 / 1e6;
    println!(
        "{} MB reply in {flushes} flushes: rewrite each time {:.1} MB written, append {:.1} MB ({:.1}x less)",
        total / 1_000_000,
        mb(rewrite),
        mb(append),
        rewrite as f64 / append as f64
    );
}
