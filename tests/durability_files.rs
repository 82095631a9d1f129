//! Issue #8 §2: the history and settings files under concurrency, from other versions, and
//! in odd shapes, with the real binary: 20 processes on a fresh data dir, a file from a newer
//! ocrchat or another program (refused and left byte for byte as it was), private
//! permissions, and a FIFO or `/dev/zero` where the settings belong.

#![expect(
    clippy::expect_used,
    clippy::format_push_string,
    clippy::let_underscore_must_use,
    clippy::match_wild_err_arm,
    clippy::missing_assert_message,
    clippy::print_stderr,
    clippy::unwrap_used,
    reason = "tests, benchmarks and examples fail loudly on a broken fixture and print their figures"
)]
#[path = "support/app_process.rs"]
mod app_process;
#[path = "support/paced_server.rs"]
mod paced_server;
mod support;

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::time::Duration;

use paced_server::{PacedServer, pieces};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Waits for `child` up to `limit`; kills it and fails if it is still running then (a hang).
fn output_within(mut child: Child, limit: Duration, what: &str) -> Output {
    let deadline = std::time::Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("{what}: still running after {limit:?} (a hang)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn twenty_concurrent_asks_on_a_fresh_data_dir_all_succeed() {
    let server = PacedServer::start(pieces("ok", 3, Duration::from_millis(10)));
    let root = tempfile::tempdir().unwrap();
    let children: Vec<Child> = (0..20)
        .map(|i| {
            app_process::ask(root.path(), &server.base_url, &format!("question {i}"))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (i, child) in children.into_iter().enumerate() {
        let out = output_within(child, Duration::from_mins(2), "ask");
        assert!(
            out.status.success(),
            "process {i} failed: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stdout), "ok000 ok001 ok002 \n");
    }
    let path = app_process::history(root.path());
    assert_eq!(app_process::integrity(&path), "ok");
    let replies = app_process::stored_replies(&path);
    assert_eq!(replies.len(), 20);
    assert!(replies.iter().all(|m| m.content == "ok000 ok001 ok002 "));
}

/// Runs `ask` on a history file prepared by `prepare`; returns its stderr after checking that
/// it failed and left the file byte for byte as it was.
fn ask_refuses_history(prepare: impl FnOnce(&rusqlite::Connection)) -> String {
    let server = PacedServer::start(pieces("x", 1, Duration::ZERO));
    let root = tempfile::tempdir().unwrap();
    let path = app_process::history(root.path());
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    prepare(&rusqlite::Connection::open(&path).unwrap());
    let before = std::fs::read(&path).unwrap();
    let out = app_process::ask(root.path(), &server.base_url, "q")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        std::fs::read(&path).unwrap() == before,
        "the file was changed"
    );
    let stderr = text(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr
}

#[test]
fn a_history_from_a_newer_version_is_refused_naming_both_versions_and_left_unchanged() {
    let newer = ocrchat::store::latest_version() + 5;
    let stderr = ask_refuses_history(|conn| {
        conn.execute_batch(&format!(
            "CREATE TABLE conversations (id INTEGER PRIMARY KEY, shiny TEXT);
             INSERT INTO conversations VALUES (1, 'from the future');
             PRAGMA user_version = {newer};"
        ))
        .unwrap();
    });
    assert!(
        stderr.contains("written by a newer version of ocrchat")
            && stderr.contains(&format!("schema version {newer}"))
            && stderr.contains(&format!("reads up to {}", ocrchat::store::latest_version()))
            && stderr.contains("left unchanged"),
        "{stderr}"
    );
}

#[test]
fn a_history_with_unexpected_tables_is_refused_clearly_and_left_unchanged() {
    // Version 2 says `messages` has `stream_owner`; this one does not.
    let stderr = ask_refuses_history(|conn| {
        conn.execute_batch(
            "CREATE TABLE conversations (id INTEGER PRIMARY KEY, title TEXT NOT NULL,
                 created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
             CREATE TABLE messages (id INTEGER PRIMARY KEY, conversation_id INTEGER NOT NULL,
                 role TEXT NOT NULL, content TEXT NOT NULL, reasoning TEXT NOT NULL DEFAULT '',
                 status TEXT NOT NULL, error TEXT, provider TEXT, model TEXT,
                 created_at INTEGER NOT NULL);
             INSERT INTO conversations VALUES (1, 'kept', 0, 0);
             PRAGMA user_version = 2;",
        )
        .unwrap();
    });
    assert!(
        stderr.contains("is not one ocrchat can use")
            && stderr.contains("stream_owner")
            && stderr.contains("left unchanged"),
        "{stderr}"
    );
    // Another program's database, with no version at all.
    let stderr = ask_refuses_history(|conn| {
        conn.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('mine');")
            .unwrap();
    });
    assert!(stderr.contains("another program made it"), "{stderr}");
}

#[test]
fn the_history_and_its_wal_are_private() {
    // A stream killed midway leaves the WAL and shared-memory files behind to inspect.
    let server = PacedServer::start(pieces("p", 100, Duration::from_millis(30)));
    let root = tempfile::tempdir().unwrap();
    let mut child = app_process::ask(root.path(), &server.base_url, "q")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let path = app_process::history(root.path());
    let wal = path.with_extension("sqlite3-wal");
    let shm = path.with_extension("sqlite3-shm");
    support::wait_until("a few pieces", Duration::from_secs(30), || {
        server.sent().len() >= 20
    });
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(wal.exists() && shm.exists());
    for file in [&path, &wal, &shm] {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }
    assert_eq!(mode(path.parent().unwrap()), 0o700);
}

#[test]
fn a_fifo_or_dev_zero_as_the_settings_file_does_not_hang_start_up() {
    let server = PacedServer::start(pieces("x", 1, Duration::ZERO));
    for kind in ["fifo", "/dev/zero"] {
        let root = tempfile::tempdir().unwrap();
        let config = root.path().join("config/ocrchat/config.toml");
        std::fs::create_dir_all(config.parent().unwrap()).unwrap();
        if kind == "fifo" {
            assert!(
                std::process::Command::new("mkfifo")
                    .arg(&config)
                    .status()
                    .unwrap()
                    .success()
            );
        } else {
            std::os::unix::fs::symlink(kind, &config).unwrap();
        }
        let child = app_process::ask(root.path(), &server.base_url, "q")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = output_within(child, Duration::from_mins(1), kind);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{kind}: {stderr}");
        assert!(
            stderr.contains("cannot be used") && stderr.contains("not a regular file"),
            "{kind}: {stderr}"
        );
    }
}

#[test]
fn a_world_readable_history_from_an_older_version_becomes_private() {
    let server = PacedServer::start(pieces("x", 1, Duration::ZERO));
    let root = tempfile::tempdir().unwrap();
    let path = app_process::history(root.path());
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, b"").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = app_process::ask(root.path(), &server.base_url, "q")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(mode(&path), 0o600);
}

#[test]
fn a_question_and_its_reply_are_stored_together_or_not_at_all() {
    let server = PacedServer::start(pieces("x", 1, Duration::ZERO));
    let root = tempfile::tempdir().unwrap();
    let out = app_process::ask(root.path(), &server.base_url, "first")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    // From now on the reply's row cannot be written (as on a disk that fills up between the
    // question and the reply).
    let path = app_process::history(root.path());
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch(
            "CREATE TRIGGER no_replies BEFORE INSERT ON messages WHEN NEW.role = 'assistant'
             BEGIN SELECT RAISE(ABORT, 'no room for the reply'); END;",
        )
        .unwrap();
    let out = app_process::ask(root.path(), &server.base_url, "second")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no room for the reply"));
    let conn = rusqlite::Connection::open(&path).unwrap();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        count("SELECT count(*) FROM conversations"),
        1,
        "no half-made conversation"
    );
    assert_eq!(
        count("SELECT count(*) FROM messages WHERE content = 'second'"),
        0
    );
}
