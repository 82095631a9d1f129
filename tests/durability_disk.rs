//! Issue #8 §1: a reply that could not be written is an error, never a claimed save. A full
//! disk is a small tmpfs mounted as the data directory (CI runs as root; the tests say so and
//! skip only where mounting is not permitted); a held write lock is another connection in
//! `BEGIN IMMEDIATE` for longer than the app's busy timeout (5 s).

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

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::Duration;

use ocrchat::config::Settings;
use ocrchat::core::Event;
use ocrchat::llm::ProviderConfig;
use paced_server::{PacedServer, Piece, pieces};
use support::{Driver, TestEnv};

/// A tmpfs of `size` mounted on `dir` until dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// `None` (with a message) where mounting is not permitted.
    fn mount(dir: &Path, size: &str) -> Option<Self> {
        std::fs::create_dir_all(dir).unwrap();
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .output()
            .unwrap();
        if out.status.success() {
            return Some(Self(dir.to_path_buf()));
        }
        eprintln!(
            "SKIPPED: this full-disk test mounts a tmpfs, which is not permitted here ({}). Run it as root (CI does).",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        None
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status()
            .ok();
    }
}

/// Fills the file system holding `dir` with one file, until it has no room left.
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).unwrap();
    let block = vec![0u8; 4096];
    while file.write_all(&block).is_ok() {}
    file.sync_all().ok();
    path
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_full_disk_makes_ask_exit_non_zero_saying_the_reply_is_not_saved() {
    let root = tempfile::tempdir().unwrap();
    let Some(_tmpfs) = Tmpfs::mount(&root.path().join("data"), "256k") else {
        return;
    };
    // About 1 MB of reply: far more than the disk holds once the history is created.
    let script: Vec<Piece> = (0..40)
        .map(|i| Piece {
            delay: Duration::from_millis(20),
            text: format!("{i:03}{}", "x".repeat(25_000)),
        })
        .collect();
    let full: String = script.iter().map(|p| p.text.as_str()).collect();
    let server = PacedServer::start(script);
    let out = app_process::ask(root.path(), &server.base_url, "a long answer")
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(
        stderr.contains("The reply could not be saved in the history")
            && stderr.contains("Free some disk space"),
        "{stderr}"
    );
    assert!(!stderr.contains("is saved"), "{stderr}");
    assert_eq!(
        text(&out.stdout),
        format!("{full}\n"),
        "the reply was shown in full"
    );
    assert_eq!(
        app_process::integrity(&app_process::history(root.path())),
        "ok"
    );
}

#[test]
fn the_core_keeps_the_text_and_retries_until_the_disk_has_room() {
    let env = TestEnv::new("fulldisk");
    let Some(_tmpfs) = Tmpfs::mount(&env.paths.data_dir, "512k") else {
        return;
    };
    // One piece, a pause (the disk fills), more text, a pause (the disk is freed), the end.
    let mut script = pieces("a", 1, Duration::from_millis(50));
    let mut during = pieces("b", 10, Duration::from_millis(50));
    during[0].delay = Duration::from_millis(500);
    let mut after = pieces("c", 5, Duration::from_millis(50));
    after[0].delay = Duration::from_secs(3);
    script.append(&mut during);
    script.append(&mut after);
    let full: String = script.iter().map(|p| p.text.as_str()).collect();
    let server = PacedServer::start(script);
    let mut settings = Settings::default();
    settings.upsert(ProviderConfig::new("Local", &server.base_url, "m"));
    settings.save(&env.paths.config_file()).unwrap();

    let mut driver = Driver::start(&env);
    driver.send_question(None, "q");
    driver.until(|e| matches!(e, Event::Delta { .. }));
    let filler = fill(&env.paths.data_dir);
    let events = driver.until(|e| matches!(e, Event::SaveState { error: Some(_), .. }));
    let Some(Event::SaveState {
        error: Some(error),
        message,
        ..
    }) = events.last().cloned()
    else {
        unreachable!()
    };
    assert!(error.contains("Free some disk space"), "{error}");
    std::fs::remove_file(filler).unwrap();
    // Saved again while it still streams, then the end and its final write.
    driver
        .until(|e| matches!(e, Event::SaveState { error: None, message: m, .. } if *m == message));
    driver.until(|e| matches!(e, Event::MessageFinished { .. }));
    driver
        .until(|e| matches!(e, Event::SaveState { error: None, message: m, .. } if *m == message));
    driver.shutdown();
    let replies = app_process::stored_replies(&env.database());
    assert_eq!(replies[0].content, full);
    assert_eq!(replies[0].status, ocrchat::store::MessageStatus::Complete);
}

/// Starts `ask` against a stream with a pause, takes the history's write lock once the reply
/// has started, and holds it until the process ends (at least the 5 s busy timeout, since a
/// write waits that long before it fails). `interrupt` presses Ctrl+C once the lock is held.
fn ask_under_a_held_lock(interrupt: bool) -> (Output, String) {
    let mut script = pieces("a", 5, Duration::from_millis(50));
    let mut after = pieces("b", 10, Duration::from_millis(50));
    after[0].delay = Duration::from_secs(1);
    script.append(&mut after);
    let full: String = script.iter().map(|p| p.text.as_str()).collect();
    let server = PacedServer::start(script);
    let root = tempfile::tempdir().unwrap();
    let mut child: Child = app_process::ask(root.path(), &server.base_url, "q")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reply's row is written before the request is sent.
    support::wait_until("the stream to start", Duration::from_secs(30), || {
        !server.sent().is_empty()
    });
    let lock = rusqlite::Connection::open(app_process::history(root.path())).unwrap();
    lock.busy_timeout(Duration::from_secs(10)).unwrap();
    lock.execute_batch("BEGIN IMMEDIATE").unwrap();
    if interrupt {
        std::thread::sleep(Duration::from_millis(300));
        support::send_signal(&child, "INT");
    }
    support::wait_until("ask to end", Duration::from_mins(1), || {
        child.try_wait().unwrap().is_some()
    });
    lock.execute_batch("ROLLBACK").unwrap();
    drop(lock);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        app_process::integrity(&app_process::history(root.path())),
        "ok",
        "the history survived the lock"
    );
    (out, full)
}

#[test]
fn a_held_write_lock_makes_ask_exit_non_zero_saying_the_reply_is_not_saved() {
    let (out, full) = ask_under_a_held_lock(false);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(
        stderr.contains("The reply could not be saved in the history") && stderr.contains("locked"),
        "{stderr}"
    );
    assert_eq!(text(&out.stdout), format!("{full}\n"));
}

#[test]
fn ctrl_c_under_a_held_write_lock_never_claims_the_reply_is_saved() {
    let (out, _) = ask_under_a_held_lock(true);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "stderr: {stderr}");
    assert!(
        stderr.starts_with("ocrchat: Interrupted. The reply could not be saved in the history"),
        "{stderr}"
    );
    assert!(!stderr.contains("so far is saved"), "{stderr}");
}
