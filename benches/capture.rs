//! Screen capture latency (issue 11) on a 1920×1080 Xvfb screen, against `ImageMagick`'s
//! `import -window root` (and, for the OCR part, the `tesseract` command line) in the same run.
//!
//! Run with `cargo bench --bench capture` (`OCRCHAT_BENCH_ROUNDS`, default 8). Method:
//!
//! - Xvfb at 1920×1080×24 with a page of text painted on its root window, the real binary
//!   (built by cargo for this bench) started on it with a local provider.
//! - **Freeze:** the time from `xdotool key ctrl+alt+q` (the capture-and-ask hotkey) until
//!   the frozen, dimmed screen is on the display: this bench reads one root pixel outside the
//!   window with `GetImage` every millisecond until it changes. It covers the key's delivery,
//!   the grab of 1920×1080 pixels, the texture upload and the overlay's first frame.
//!   Baseline: the wall time of `import -window root shot.png` (same screen, its process start
//!   included, as the `xdotool` start is in ours).
//! - **Region to text:** Enter with no region takes the whole monitor; the time from
//!   `xdotool key Return` until the local server receives the question, which the window sends
//!   only once the region's OCR text is read. Baseline: `tesseract shot.png -` on the PNG
//!   `import` wrote (the same 1920×1080 image).
//!
//! `OCRCHAT_BENCH_APP=path/to/ocrchat` measures that binary instead of the one cargo built
//! for this bench (e.g. a release build driven by a quickly built dev bench).
//!
//! Figures are printed (median and worst of the rounds, and the ratios), never asserted.

#![expect(
    clippy::expect_used,
    clippy::format_push_string,
    clippy::let_underscore_must_use,
    clippy::match_wild_err_arm,
    clippy::missing_assert_message,
    clippy::print_stdout,
    clippy::unwrap_used,
    reason = "benchmarks fail loudly on a broken fixture and print their figures"
)]
#[path = "../tests/support/mod.rs"]
mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ocrchat::config::Settings;
use ocrchat::llm::ProviderConfig;
use support::x11::{
    Reaper, focus_window, spawn_app, start_xvfb_sized, xdg_config, xdg_data, xdotool,
};
use support::{MockServer, Reply, TestEnv, sse_body, wait_until};
use x11rb::connection::Connection as _;
use x11rb::protocol::xproto::{ConnectionExt as _, ImageFormat};

const WAIT: Duration = Duration::from_mins(1);
/// A root pixel outside the window (1100×760 at the top left) that the overlay dims.
const PROBE: (i16, i16) = (1800, 1000);

fn main() {
    let rounds: usize = std::env::var("OCRCHAT_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let server = MockServer::always(Reply::sse(sse_body(&["ok"])));
    let env = TestEnv::new("bench-capture");
    let mut settings = Settings::default();
    settings.upsert(ProviderConfig::new("Local", &server.base_url, "m"));
    settings.active_provider = Some("Local".into());
    settings
        .save(&xdg_config(&env).join("ocrchat/config.toml"))
        .unwrap();
    let (_xvfb, display) = start_xvfb_sized("1920x1080x24");
    paint_root(&env, &display);
    let _app = match std::env::var_os("OCRCHAT_BENCH_APP") {
        Some(binary) => spawn_binary(&env, &display, &binary),
        None => spawn_app(&env, &display, &[]),
    };
    focus_window(&display);
    std::thread::sleep(Duration::from_secs(1));
    let (conn, screen) = x11rb::connect(Some(&display)).unwrap();
    let root = conn.setup().roots[screen].root;
    let probe = || {
        conn.get_image(ImageFormat::Z_PIXMAP, root, PROBE.0, PROBE.1, 1, 1, !0)
            .unwrap()
            .reply()
            .unwrap()
            .data
    };
    let shot = env.dir.path().join("import.png");
    let (mut import, mut freeze, mut tesseract, mut to_text) = (vec![], vec![], vec![], vec![]);
    for round in 0..rounds {
        let start = Instant::now();
        let status = Command::new("import")
            .args(["-window", "root"])
            .arg(&shot)
            .env("DISPLAY", &display)
            .status()
            .expect("ImageMagick's import is installed (run scripts/setup.sh)");
        assert!(status.success(), "import -window root");
        import.push(start.elapsed());

        let start = Instant::now();
        let status = Command::new("tesseract")
            .arg(&shot)
            .arg("-")
            .env("OMP_THREAD_LIMIT", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("tesseract is installed (run scripts/setup.sh)");
        assert!(status.success(), "tesseract");
        tesseract.push(start.elapsed());

        let before = probe();
        let start = Instant::now();
        xdotool(&display, &["key", "ctrl+alt+q"]);
        wait_until("the frozen screen", WAIT, || probe() != before);
        freeze.push(start.elapsed());
        // Let the overlay settle, then take the whole monitor.
        std::thread::sleep(Duration::from_millis(400));
        let start = Instant::now();
        xdotool(&display, &["key", "Return"]);
        wait_until("the question with the region's text", WAIT, || {
            server.requests().len() > round
        });
        to_text.push(start.elapsed());
        // The reply ("ok") ends and the overlay is gone before the next round.
        wait_until("the overlay to go", WAIT, || probe() == before);
        std::thread::sleep(Duration::from_millis(500));
    }
    let text = server.requests()[0].json()["messages"][0]["content"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        text.contains("QUARTERLY"),
        "the whole-screen capture was read: {text}"
    );
    println!("capture on a 1920×1080 screen, {rounds} rounds (median / worst):");
    row("import -window root", &import);
    row("hotkey → frozen screen shown", &freeze);
    println!(
        "  freeze / import: {:.2}× (target < 1.5×)",
        ratio(&freeze, &import)
    );
    row("tesseract CLI on that PNG", &tesseract);
    row("region confirmed → OCR text sent", &to_text);
    println!(
        "  region-to-text / tesseract CLI: {:.2}×",
        ratio(&to_text, &tesseract)
    );
}

/// A page of text over the whole root window (the part right of the window and below it
/// stays visible).
fn paint_root(env: &TestEnv, display: &str) {
    let picture = env.dir.path().join("root.png");
    let mut convert = Command::new("convert");
    convert.args(["-size", "1920x1080", "xc:white", "-font", "DejaVu-Sans"]);
    convert.args(["-pointsize", "28", "-fill", "black"]);
    for line in 0..24 {
        let y = 60 + line * 42;
        let text = format!("text 1140,{y} 'QUARTERLY REPORT line {line}: revenue rose'");
        convert.args(["-draw", &text]);
    }
    let status = convert.arg(&picture).status().expect("ImageMagick");
    assert!(status.success(), "convert");
    Command::new("display")
        .args(["-window", "root"])
        .arg(&picture)
        .env("DISPLAY", display)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("ImageMagick's display");
}

fn median(samples: &[Duration]) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

fn ratio(a: &[Duration], b: &[Duration]) -> f64 {
    median(a).as_secs_f64() / median(b).as_secs_f64()
}

fn row(what: &str, samples: &[Duration]) {
    let worst = samples.iter().max().copied().unwrap_or_default();
    println!(
        "  {what:<36} {:>7.1} ms / {:>7.1} ms",
        median(samples).as_secs_f64() * 1e3,
        worst.as_secs_f64() * 1e3
    );
}

/// Starts `binary` as `spawn_app` starts the one cargo built; returns after its first frame.
fn spawn_binary(env: &TestEnv, display: &str, binary: &std::ffi::OsStr) -> Reaper {
    let first_frame = env.dir.path().join("first-frame");
    let child = Command::new(binary)
        .current_dir(env.dir.path())
        .env("DISPLAY", display)
        .env_remove("WAYLAND_DISPLAY")
        .env("XDG_CONFIG_HOME", xdg_config(env))
        .env("XDG_DATA_HOME", xdg_data(env))
        .env("OCRCHAT_LANG", "en")
        .env("OCRCHAT_FIRST_FRAME_FILE", &first_frame)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("OCRCHAT_BENCH_APP names a runnable ocrchat binary");
    let child = Reaper(child);
    wait_until("the first frame", WAIT, || first_frame.exists());
    child
}
