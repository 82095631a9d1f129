//! The built `ocrchat` binary as a user runs it, in a directory of its own, and what it left
//! in its history file.
#![allow(dead_code)] // Each test binary uses part of this.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The binary under test: `OCRCHAT_BIN` when set (to measure another build, as
/// `scripts/bench-kill.sh` does), else the one Cargo built.
pub fn binary() -> PathBuf {
    std::env::var_os("OCRCHAT_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_ocrchat")),
        PathBuf::from,
    )
}

/// `ocrchat ask --base-url URL --model m QUESTION` with config and data under `root`, no
/// inherited key or log settings.
pub fn ask(root: &Path, base_url: &str, question: &str) -> Command {
    let mut command = Command::new(binary());
    command
        .args(["ask", "--base-url", base_url, "--model", "m", question])
        .current_dir(root)
        .env("XDG_CONFIG_HOME", root.join("config"))
        .env("XDG_DATA_HOME", root.join("data"))
        .env_remove("OCRCHAT_API_KEY")
        .env_remove("RUST_LOG");
    command
}

/// Where `ocrchat` under `root` keeps its history.
pub fn history(root: &Path) -> PathBuf {
    root.join("data/ocrchat/history.sqlite3")
}

/// `PRAGMA integrity_check` of a database file.
pub fn integrity(path: &Path) -> String {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap()
}

/// Every reply in the history, as the app shows them on its next start (oldest first).
pub fn stored_replies(path: &Path) -> Vec<ocrchat::store::Message> {
    let store = ocrchat::store::Store::open(path).unwrap();
    let mut replies = Vec::new();
    for conversation in store.list_conversations().unwrap() {
        replies.extend(
            store
                .messages(conversation.id)
                .unwrap()
                .into_iter()
                .filter(|m| m.role == ocrchat::llm::Role::Assistant),
        );
    }
    replies.sort_by_key(|m| m.id);
    replies
}

/// A small deterministic generator (xorshift), seeded per run and printed, so a failing
/// trial can be replayed with `OCRCHAT_TEST_SEED`.
pub struct Rng(u64);

impl Rng {
    pub fn from_env_or_clock() -> Self {
        let seed = std::env::var("OCRCHAT_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        eprintln!("random seed: OCRCHAT_TEST_SEED={seed}");
        Self(seed)
    }

    /// A number in `0..bound`.
    pub fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound.max(1)
    }
}
