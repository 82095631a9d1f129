//! The search index after `kill -9` of the real binary mid-stream: the half-streamed reply
//! was never indexed chunk by chunk, FTS5's own check passes, and when the history is next
//! opened the folded reply is indexed and found, with the index in step with every message.

#![expect(
    clippy::expect_used,
    clippy::format_push_string,
    clippy::let_underscore_must_use,
    clippy::match_wild_err_arm,
    clippy::missing_assert_message,
    clippy::print_stderr,
    clippy::unwrap_used,
    reason = "tests and benchmarks fail loudly on a broken fixture"
)]

#[path = "support/app_process.rs"]
mod app_process;
#[path = "support/paced_server.rs"]
mod paced_server;
mod support;

use std::process::Stdio;
use std::time::Duration;

use ocrchat::search::parse;
use ocrchat::store::{MessageStatus, Store};
use paced_server::{PacedServer, pieces};

fn raw_count(path: &std::path::Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row(sql, [], |row| row.get(0)).unwrap()
}

#[test]
fn kill_9_mid_stream_leaves_the_index_in_step_and_the_reply_found_after_reopening() {
    let server = PacedServer::start(pieces("kq", 200, Duration::from_millis(20)));
    let dir = tempfile::tempdir().unwrap();
    let path = app_process::history(dir.path());
    let mut child = app_process::ask(dir.path(), &server.base_url, "stream the 发票 please")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill once part of the reply is on disk (as chunks), while the stream still runs.
    support::wait_until(
        "chunks of the reply on disk",
        Duration::from_mins(1),
        || {
            path.exists()
                && rusqlite::Connection::open(&path)
                    .and_then(|c| {
                        c.query_row("SELECT count(*) FROM message_chunks", [], |r| r.get(0))
                    })
                    .is_ok_and(|n: i64| n >= 2)
        },
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        server.sent().len() < 200,
        "the stream had ended before the kill"
    );

    // As the kill left it: the question is indexed, the streaming reply not (its text is in
    // chunks), and FTS5's check of the index against its documents passes.
    assert_eq!(app_process::integrity(&path), "ok");
    assert_eq!(
        raw_count(
            &path,
            "SELECT count(*) FROM messages WHERE status = 'streaming'"
        ),
        1
    );
    assert_eq!(
        raw_count(
            &path,
            "SELECT count(*) FROM search_docs d JOIN messages m ON m.id = d.message_id WHERE m.status = 'streaming'"
        ),
        0,
        "a streaming reply is not indexed chunk by chunk"
    );
    assert_eq!(
        raw_count(
            &path,
            "SELECT count(*) FROM search_docs WHERE text LIKE '%发票%'"
        ),
        2,
        "the question and the title are indexed"
    );
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "INSERT INTO search_fts (search_fts, rank) VALUES ('integrity-check', 1)",
        [],
    )
    .unwrap();
    drop(conn);

    // Opening folds the reply in and indexes it in the same transaction.
    let store = Store::open(&path).unwrap();
    assert_eq!(store.search_index_problems().unwrap(), Vec::<String>::new());
    let hits = store.search(&parse("kq001").unwrap(), 10).unwrap();
    assert_eq!(hits.len(), 1, "{hits:?}");
    let conversation = store.list_conversations().unwrap()[0].id;
    let reply = store.messages(conversation).unwrap().pop().unwrap();
    assert_eq!(reply.status, MessageStatus::Interrupted);
    assert_eq!(hits[0].message, Some(reply.id));
    // Every piece stored in the folded reply is found; none past it is.
    let stored_pieces = reply.content.split_whitespace().count();
    assert!(stored_pieces >= 2, "{}", reply.content);
    let last = format!("kq{:03}", stored_pieces - 1);
    assert_eq!(store.search(&parse(&last).unwrap(), 10).unwrap().len(), 1);
    let missing = format!("kq{stored_pieces:03}");
    assert!(
        store
            .search(&parse(&missing).unwrap(), 10)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_reply_streamed_to_its_end_by_the_binary_is_found() {
    let server = PacedServer::start(pieces("zw", 5, Duration::from_millis(1)));
    let dir = tempfile::tempdir().unwrap();
    let status = app_process::ask(dir.path(), &server.base_url, "合同编号 question")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let store = Store::open(&app_process::history(dir.path())).unwrap();
    assert_eq!(store.search_index_problems().unwrap(), Vec::<String>::new());
    assert_eq!(store.search(&parse("zw004").unwrap(), 10).unwrap().len(), 1);
    assert_eq!(
        store.search(&parse("合同编号").unwrap(), 10).unwrap().len(),
        2
    );
}
