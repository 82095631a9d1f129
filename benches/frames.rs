//! Frame cost of a long conversation: how long one frame of the real `App` takes (events
//! drained, panels laid out, the conversation planned and its visible messages drawn) with
//! 20,000 messages of ~1.9 KB Markdown, against a 20-message conversation measured in the
//! same run.
//!
//! Run with `cargo bench --bench frames`. Method:
//!
//! - Each conversation is written to a fresh SQLite history (the real store) and opened in
//!   the real `App` on the real core, driven headless by `egui_kittest` (no GPU: a frame here is
//!   `App::logic` + `App::ui` + egui's own bookkeeping and the AccessKit tree, not painting).
//! - **idle**: frames with no input. **scrolling**: a mouse-wheel step of 60 points up on
//!   every frame, from the newest message towards the oldest. **streaming**: a question is
//!   sent and a local server on 127.0.0.1 streams the reply (one token every 2 ms) while
//!   frames run every ~4 ms, each draining the new tokens.
//! - Each scenario runs [`FRAMES`] measured frames after [`WARMUP`] unmeasured ones; the time
//!   of `Harness::step` is recorded per frame. p50/p99 are printed, and the ratio of each to
//!   the 20-message figure of the same scenario (same process, same machine state).
//!
//! Figures are printed, never asserted; the exit code is non-zero only when a scenario could
//! not be set up (the conversation did not open, the reply did not stream).

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

use std::process::ExitCode;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use ocrchat::core::CoreHandle;
use ocrchat::store::MessageStatus;
use ocrchat::ui::App;
use ocrchat::ui::strings::Lang;
use support::gui::{seed_conversation, seed_provider, type_question};
use support::{MockServer, Reply, TestEnv, percentile, sse_chunk};

/// Measured frames per scenario.
const FRAMES: usize = 400;
/// Unmeasured frames before each scenario.
const WARMUP: usize = 40;
/// How long setting up a scenario may take before the bench gives up.
const SETUP_LIMIT: Duration = Duration::from_mins(1);

/// One message of ~1.9 KB Markdown: a heading, paragraphs with emphasis and code, a list, a
/// table, and a code block.
fn markdown(i: usize) -> String {
    let mut text = format!("## Part {i}: the invoice summary\n\n");
    text.push_str(
        "The total on this page is **¥1,280.00**, due within *30 days*; the reference \
         number is `INV-2026-0042`. 发票上的金额与合同一致，税率为 6%。\n\n",
    );
    for item in 0..6 {
        text.push_str(&format!(
            "- item {item}: widgets, 12 pieces at ¥{item}0.00, delivered on time\n"
        ));
    }
    text.push_str("\n| field | value | note |\n|---|---:|---|\n");
    for row in 0..5 {
        text.push_str(&format!("| line {row} | {row}00.00 | checked by OCR |\n"));
    }
    text.push_str(
        "\n```rust\nfn total(lines: &[f64]) -> f64 {\n    lines.iter().sum()\n}\n```\n\n",
    );
    while text.len() < 1900 {
        text.push_str("More context from the screenshot, read by OCR and kept verbatim. ");
    }
    text
}

/// A running app with one conversation of `count` messages open, at its newest message.
struct Scene<'a> {
    harness: Harness<'a, App>,
    server: MockServer,
    count: usize,
    _env: TestEnv,
    _runtime: tokio::runtime::Runtime,
}

fn open_scene<'a>(count: usize) -> Result<Scene<'a>, String> {
    let pieces = (0..4000)
        .map(|i| sse_chunk(&format!("token{i} ")).into_bytes())
        .collect();
    let server = MockServer::always(Reply::sse_pieces(pieces, Duration::from_millis(2)));
    let env = TestEnv::new(&format!("bench-frames-{count}"));
    seed_provider(&env, &server);
    let seeded = Instant::now();
    seed_conversation(&env, "long", count, markdown);
    eprintln!(
        "seeded {count} messages in {:.1} s",
        seeded.elapsed().as_secs_f64()
    );
    let runtime = support::runtime();
    let core = CoreHandle::start(runtime.handle(), env.options()).map_err(|e| e.to_string())?;
    let mut harness = Harness::builder()
        .with_size([1100.0, 760.0])
        .build_eframe(|cc| App::with_lang(cc, core, Lang::En));
    step_until(&mut harness, "the history", |app| {
        !app.state().conversations.is_empty()
    })?;
    harness.get_by_label("long").click();
    step_until(&mut harness, "the open conversation", |app| {
        app.state().messages.len() == count
    })?;
    Ok(Scene {
        harness,
        server,
        count,
        _env: env,
        _runtime: runtime,
    })
}

fn step_until(
    harness: &mut Harness<'_, App>,
    what: &str,
    done: impl Fn(&App) -> bool,
) -> Result<(), String> {
    let start = Instant::now();
    while !done(harness.state()) {
        if start.elapsed() > SETUP_LIMIT {
            return Err(format!("timed out waiting for {what}"));
        }
        harness.step();
        std::thread::sleep(Duration::from_millis(2));
    }
    Ok(())
}

/// Frame times in microseconds.
fn frames(scene: &mut Scene<'_>, mut before_frame: impl FnMut(&mut Harness<'_, App>)) -> Vec<f64> {
    for _ in 0..WARMUP {
        before_frame(&mut scene.harness);
        scene.harness.step();
    }
    (0..FRAMES)
        .map(|_| {
            before_frame(&mut scene.harness);
            let start = Instant::now();
            scene.harness.step();
            start.elapsed().as_secs_f64() * 1e6
        })
        .collect()
}

fn scroll_up(harness: &mut Harness<'_, App>) {
    harness.hover_at(egui::pos2(650.0, 350.0));
    harness.event(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: egui::vec2(0.0, 60.0),
        phase: egui::TouchPhase::Move,
        modifiers: egui::Modifiers::NONE,
        source: egui::MouseWheelSource::Wheel,
    });
}

/// The three scenarios' frame times: idle, scrolling, streaming.
fn measure(count: usize) -> Result<[Vec<f64>; 3], String> {
    let mut scene = open_scene(count)?;
    let idle = frames(&mut scene, |_| {});
    let scrolling = frames(&mut scene, scroll_up);
    // Send a question: the view jumps to the newest message and the reply streams.
    let harness = &mut scene.harness;
    type_question(harness, "stream please");
    harness.key_press(egui::Key::Enter);
    let total = scene.count + 2;
    step_until(harness, "the reply to start streaming", |app| {
        app.state().messages.len() == total && app.state().is_streaming()
    })?;
    let streaming = frames(&mut scene, |_| std::thread::sleep(Duration::from_millis(4)));
    let still_streaming = scene
        .harness
        .state()
        .state()
        .messages
        .last()
        .is_some_and(|m| m.status == MessageStatus::Streaming && !m.content.is_empty());
    if !still_streaming {
        return Err("the reply ended before the streaming frames were measured".into());
    }
    if scene.server.requests().is_empty() {
        return Err("the server saw no request".into());
    }
    Ok([idle, scrolling, streaming])
}

fn main() -> ExitCode {
    let small = 20;
    // `OCRCHAT_BENCH_MESSAGES` shortens the long conversation for a quick check.
    let large = std::env::var("OCRCHAT_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let (base, long) = match (measure(small), measure(large)) {
        (Ok(base), Ok(long)) => (base, long),
        (Err(err), _) | (_, Err(err)) => {
            eprintln!("frames: {err}");
            return ExitCode::FAILURE;
        }
    };
    println!("frame time of the real App (egui_kittest, headless), µs; {FRAMES} frames each");
    println!(
        "| scenario | {small} msgs p50 | {small} msgs p99 | {large} msgs p50 | {large} msgs p99 | ratio p50 | ratio p99 |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (name, (b, l)) in ["idle", "scrolling", "streaming"]
        .iter()
        .zip(base.iter().zip(long.iter()))
    {
        let (b50, b99, l50, l99) = (
            percentile(b, 0.5),
            percentile(b, 0.99),
            percentile(l, 0.5),
            percentile(l, 0.99),
        );
        println!(
            "| {name} | {b50:.0} | {b99:.0} | {l50:.0} | {l99:.0} | {:.2} | {:.2} |",
            l50 / b50,
            l99 / b99
        );
    }
    ExitCode::SUCCESS
}
