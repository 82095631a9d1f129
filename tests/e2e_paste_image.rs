//! End to end under Xvfb: a screenshot put on the system clipboard as `image/png` by xclip (as
//! a screenshot tool would) is pasted into the real window with Ctrl+V, read by OCR, and sent
//! with a question: the local server's request carries its text inside the prompt template.

#![expect(
    clippy::expect_used,
    clippy::format_push_string,
    clippy::let_underscore_must_use,
    clippy::match_wild_err_arm,
    clippy::missing_assert_message,
    clippy::unwrap_used,
    reason = "tests fail loudly on a broken fixture"
)]
mod ocr_support;
mod support;

use std::process::{Command, Stdio};
use std::time::Duration;

use ocr_support::fixture_path;
use ocrchat::config::Settings;
use ocrchat::llm::ProviderConfig;
use support::x11::{focus_window, spawn_app, start_xvfb, xdg_config, xdotool};
use support::{MockServer, Reply, TestEnv, sse_body, wait_until};

const WAIT: Duration = Duration::from_secs(30);

/// Serves `file` on the CLIPBOARD selection as `image/png` only (xclip stays in the
/// background until another program takes the selection).
fn set_clipboard_png(display: &str, file: &std::path::Path) {
    let status = Command::new("xclip")
        .args(["-selection", "clipboard", "-t", "image/png", "-i"])
        .arg(file)
        .env("DISPLAY", display)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("xclip is installed (run scripts/setup.sh)");
    assert!(status.success(), "xclip -t image/png");
}

#[test]
fn a_png_on_the_clipboard_is_pasted_with_ctrl_v_and_read() {
    let server = MockServer::always(Reply::sse(sse_body(&["ok"])));
    let env = TestEnv::new("e2e-paste-image");
    let mut settings = Settings::default();
    settings.upsert(ProviderConfig::new("Local", &server.base_url, "m"));
    settings.active_provider = Some("Local".into());
    settings
        .save(&xdg_config(&env).join("ocrchat/config.toml"))
        .unwrap();
    let (_xvfb, display) = start_xvfb();
    let _app = spawn_app(&env, &display, &[]);
    let (x, y, width, height) = focus_window(&display);
    std::thread::sleep(Duration::from_millis(500));
    // Into the composer (bottom of the window), then paste the image.
    let (cx, cy) = (x + width / 2, y + height - 40);
    xdotool(
        &display,
        &["mousemove", &cx.to_string(), &cy.to_string(), "click", "1"],
    );
    set_clipboard_png(&display, &fixture_path("dark_en.png"));
    xdotool(&display, &["key", "--delay", "60", "ctrl+v"]);
    // The OCR runs while the question is typed; Enter sends once it is read (a send while it
    // is still being read is refused and the draft kept, so retry Enter until a request).
    std::thread::sleep(Duration::from_millis(300));
    xdotool(&display, &["type", "--delay", "20", "What does it say?"]);
    wait_until("the request", WAIT, || {
        xdotool(&display, &["key", "Return"]);
        std::thread::sleep(Duration::from_millis(300));
        !server.requests().is_empty()
    });
    let content = server.requests()[0].json()["messages"][0]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    let reference = std::fs::read_to_string(fixture_path("dark_en.txt")).unwrap();
    let first_line = reference.lines().next().unwrap();
    assert!(content.contains("[Image 1: pasted image"), "{content}");
    assert!(content.contains(first_line), "{content}");
    assert!(content.ends_with("What does it say?"), "{content}");
}
