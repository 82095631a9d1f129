//! Memory of the window while screenshots are attached (issue 10: "RSS of the window after OCR
//! of 100 screenshots stays within 60 MiB of its idle RSS").
//!
//! Run with `cargo bench --bench attach_memory` (or `--profile dev` for a quick figure).
//! Method: the real `App` on the real core and real libtesseract, driven headless by
//! `egui_kittest` (no GPU: textures are held by egui, not uploaded), with a fresh history and
//! a local server on 127.0.0.1 answering every question with "ok".
//!
//! - **idle**: the process's `VmRSS` after the window has drawn 60 frames with nothing to do.
//! - Then 10 rounds: 10 screenshots (the chat, dark-mode and column fixtures, cycled) are
//!   dropped on the window, read by OCR, and sent with a question, so each is copied into the
//!   data folder, written to the history and shown as a thumbnail under its message.
//! - **after**: `VmRSS` after those 100 screenshots, 60 more frames later.
//!
//! The figure printed is after − idle (target ≤ 60 MiB), with both values, and the growth
//! after the first round (the OCR workers' tesseract engines, loaded once and kept warm, are
//! in the first round's figure); never asserted.

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

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use ocrchat::store::MessageStatus;
use ocrchat::ui::App;
use ocrchat::ui::attachments::OcrState;
use support::gui::{app_with_provider, drop_file, type_question};
use support::{MockServer, Reply, sse_body};

/// Screenshots per round, and rounds.
const PER_ROUND: usize = 10;
const ROUNDS: usize = 10;
/// The fixtures cycled through (screenshots of a chat, a dark window, a two-column page).
const SCREENSHOTS: &[&str] = &[
    "chat_en.png",
    "chat_zh.png",
    "dark_en.png",
    "dark_zh.png",
    "columns_en.png",
    "columns_zh.png",
];
/// How long one round may take (OCR in a debug build on a loaded machine is slow).
const ROUND_LIMIT: Duration = Duration::from_mins(5);

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ocr")
        .join(name)
}

/// This process's resident set in KiB, from `/proc/self/status`.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .unwrap()
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn frames(harness: &mut Harness<'_, App>, count: usize) {
    for _ in 0..count {
        harness.step();
    }
}

fn main() -> ExitCode {
    if let Some(err) = ocrchat::ocr::thread_limit::reexec_if_missing() {
        eprintln!("could not re-run with OMP_THREAD_LIMIT=1: {err}");
        return ExitCode::FAILURE;
    }
    let runtime = support::runtime();
    let server = MockServer::always(Reply::sse(sse_body(&["ok"])));
    let (_env, mut harness) = app_with_provider("bench-attach-memory", &server, &runtime);
    frames(&mut harness, 60);
    let idle = rss_kib();
    println!("idle window: {:.1} MiB", mib(idle));

    let mut warm = idle;
    for round in 0..ROUNDS {
        for i in 0..PER_ROUND {
            let name = SCREENSHOTS[(round * PER_ROUND + i) % SCREENSHOTS.len()];
            drop_file(&mut harness, fixture(name));
            harness.step();
        }
        support::wait_until("the screenshots are read", ROUND_LIMIT, || {
            harness.step();
            let items = &harness.state().state().attachments.items;
            items.len() == PER_ROUND
                && items
                    .iter()
                    .all(|item| matches!(item.ocr, OcrState::Read { .. }))
        });
        type_question(&mut harness, &format!("Round {round}: what do they say?"));
        harness.key_press(egui::Key::Enter);
        support::wait_until("the reply", ROUND_LIMIT, || {
            harness.step();
            let messages = &harness.state().state().messages;
            messages.len() == (round + 1) * 2
                && messages
                    .last()
                    .is_some_and(|m| m.status == MessageStatus::Complete)
        });
        let now = rss_kib();
        println!("round {}: {:.1} MiB", round + 1, mib(now));
        if round == 0 {
            warm = now;
        }
    }
    frames(&mut harness, 60);
    // Every sent message shows its thumbnails.
    assert!(harness.query_all_by_label_contains("OCR text (").count() > 0);
    let after = rss_kib();
    println!(
        "after OCR of {} screenshots: {:.1} MiB, {:+.1} MiB over idle (target <= 60 MiB)",
        PER_ROUND * ROUNDS,
        mib(after),
        mib(after.saturating_sub(idle))
    );
    println!(
        "growth after the first round (engines warm): {:+.1} MiB for {} screenshots",
        mib(after.saturating_sub(warm)),
        PER_ROUND * (ROUNDS - 1)
    );
    ExitCode::SUCCESS
}
