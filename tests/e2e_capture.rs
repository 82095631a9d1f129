//! End to end under Xvfb (issue 11): known words are painted on the root window with
//! `ImageMagick`'s `display -window root`, the real binary captures the screen (its Capture
//! button, the capture hotkey and the capture-and-ask hotkey, pressed with `xdotool key`), a
//! region is dragged with xdotool, and the local server's request must carry the words inside
//! the region and none from outside. Esc cancels; a second capture while one is open is
//! refused; no overlay window or key grab is left behind.

#![expect(
    clippy::expect_used,
    clippy::format_push_string,
    clippy::let_underscore_must_use,
    clippy::match_wild_err_arm,
    clippy::missing_assert_message,
    clippy::unwrap_used,
    reason = "tests fail loudly on a broken fixture"
)]
mod support;

use std::process::{Command, Stdio};
use std::time::Duration;

use ocrchat::config::Settings;
use ocrchat::llm::ProviderConfig;
use support::x11::{Reaper, focus_window, spawn_app, start_xvfb_sized, xdg_config};
use support::{MockServer, Reply, TestEnv, sse_body, wait_until};

const WAIT: Duration = Duration::from_secs(30);
const OVERLAY: &str = "^ocrchat capture$";
/// Words painted at the top right of a 1920×1080 screen, beside the 1100×760 window …
const TOP_WORDS: [&str; 2] = ["ALPHA", "BRAVO"];
/// … and below them.
const BOTTOM_WORDS: [&str; 2] = ["ZULU", "YANKEE"];
/// Regions (x0, y0, x1, y1) around each line, with a margin.
const TOP_REGION: (i32, i32, i32, i32) = (1270, 130, 1800, 230);
const BOTTOM_REGION: (i32, i32, i32, i32) = (1270, 430, 1800, 530);

struct Desktop {
    env: TestEnv,
    server: MockServer,
    display: String,
    _xvfb: Reaper,
    _app: Reaper,
}

/// Xvfb at 1920×1080 with the words on its root window, and the app with a local provider.
fn desktop(name: &str) -> Desktop {
    let server = MockServer::always(Reply::sse(sse_body(&["ok"])));
    let env = TestEnv::new(name);
    let mut settings = Settings::default();
    settings.upsert(ProviderConfig::new("Local", &server.base_url, "m"));
    settings.active_provider = Some("Local".into());
    settings
        .save(&xdg_config(&env).join("ocrchat/config.toml"))
        .unwrap();
    let (xvfb, display) = start_xvfb_sized("1920x1080x24");
    let picture = env.dir.path().join("root.png");
    let status = Command::new("convert")
        .args(["-size", "1920x1080", "xc:white", "-font", "DejaVu-Sans"])
        .args(["-pointsize", "48", "-fill", "black"])
        .args(["-draw", "text 1300,200 'ALPHA BRAVO'"])
        .args(["-draw", "text 1300,500 'ZULU YANKEE'"])
        .arg(&picture)
        .status()
        .expect("ImageMagick is installed (run scripts/setup.sh)");
    assert!(status.success(), "convert");
    // `display -window root` sets the root's background and exits (with status 1 here).
    Command::new("display")
        .args(["-window", "root"])
        .arg(&picture)
        .env("DISPLAY", &display)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("ImageMagick's display is installed (run scripts/setup.sh)");
    let app = spawn_app(&env, &display, &[]);
    focus_window(&display);
    Desktop {
        env,
        server,
        display,
        _xvfb: xvfb,
        _app: app,
    }
}

impl Desktop {
    fn xdotool(&self, args: &[&str]) -> String {
        support::x11::xdotool(&self.display, args)
    }

    /// The overlay windows that exist (mapped or not).
    fn overlays(&self) -> usize {
        let out = Command::new("xdotool")
            .args(["search", "--name", OVERLAY])
            .env("DISPLAY", &self.display)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).lines().count()
    }

    fn wait_for_overlay(&self) {
        wait_until("the freeze overlay", WAIT, || {
            std::thread::sleep(Duration::from_millis(50));
            self.overlays() == 1
        });
        // Its first frames: the frozen screen is drawn and takes the pointer.
        std::thread::sleep(Duration::from_millis(500));
    }

    fn wait_until_closed(&self) {
        wait_until("the overlay to close", WAIT, || {
            std::thread::sleep(Duration::from_millis(50));
            self.overlays() == 0
        });
    }

    /// Drags from one corner to the other in steps, as a hand would (egui sees a drag only
    /// across frames), starting from the bottom right to cover "any direction".
    fn drag(&self, (x0, y0, x1, y1): (i32, i32, i32, i32)) {
        let step = |x: i32, y: i32| {
            self.xdotool(&["mousemove", &x.to_string(), &y.to_string()]);
            std::thread::sleep(Duration::from_millis(120));
        };
        step(x1, y1);
        self.xdotool(&["mousedown", "1"]);
        std::thread::sleep(Duration::from_millis(120));
        for i in 1..=4 {
            step(x1 - (x1 - x0) * i / 4, y1 - (y1 - y0) * i / 4);
        }
        self.xdotool(&["mouseup", "1"]);
        std::thread::sleep(Duration::from_millis(300));
    }

    /// The text of the first request's question.
    fn first_request_text(&self) -> String {
        self.server.requests()[0].json()["messages"][0]["content"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Types a question into the composer (which has the cursor after a capture) and presses
    /// Enter until it is sent (Send waits while the region is being read).
    fn ask(&self, question: &str) {
        self.xdotool(&["type", "--delay", "20", question]);
        wait_until("the request", WAIT, || {
            self.xdotool(&["key", "Return"]);
            std::thread::sleep(Duration::from_millis(300));
            !self.server.requests().is_empty()
        });
    }
}

fn assert_words(content: &str, inside: &[&str], outside: &[&str]) {
    for word in inside {
        assert!(
            content.contains(word),
            "{word} is inside the region: {content}"
        );
    }
    for word in outside {
        assert!(
            !content.contains(word),
            "{word} is outside the region: {content}"
        );
    }
}

#[test]
fn the_capture_button_attaches_the_dragged_region_read_by_ocr() {
    let desktop = desktop("e2e-capture-button");
    let (x, y, _width, height) = focus_window(&desktop.display);
    // The Capture button sits above the composer, right of the 230-point sidebar.
    let (bx, by) = (x + 268, y + height - 86);
    desktop.xdotool(&["mousemove", &bx.to_string(), &by.to_string(), "click", "1"]);
    desktop.wait_for_overlay();
    desktop.drag(TOP_REGION);
    desktop.xdotool(&["key", "Return"]);
    desktop.wait_until_closed();
    desktop.ask("What does it say?");
    let content = desktop.first_request_text();
    assert!(content.contains("[Image 1: pasted image"), "{content}");
    assert!(content.ends_with("What does it say?"), "{content}");
    assert_words(&content, &TOP_WORDS, &BOTTOM_WORDS);
    drop(desktop.env);
}

/// The capture-and-ask hotkey sends the region at once with the first preset question.
#[test]
fn the_ask_hotkey_sends_the_region_with_the_preset_question() {
    let desktop = desktop("e2e-capture-ask");
    desktop.xdotool(&["key", "ctrl+alt+q"]);
    desktop.wait_for_overlay();
    desktop.drag(BOTTOM_REGION);
    desktop.xdotool(&["key", "Return"]);
    desktop.wait_until_closed();
    wait_until("the request", WAIT, || {
        std::thread::sleep(Duration::from_millis(50));
        !desktop.server.requests().is_empty()
    });
    let content = desktop.first_request_text();
    assert!(
        content.ends_with("Translate this into Chinese"),
        "{content}"
    );
    assert_words(&content, &BOTTOM_WORDS, &TOP_WORDS);
}

/// Esc closes the overlay with nothing attached and no grab left; a second hotkey press while
/// the overlay is open opens nothing; afterwards the hotkey captures as before.
#[test]
fn escape_cancels_and_a_second_capture_is_refused_without_leaks() {
    let desktop = desktop("e2e-capture-cancel");
    desktop.xdotool(&["key", "ctrl+alt+a"]);
    desktop.wait_for_overlay();
    desktop.xdotool(&["key", "ctrl+alt+a"]);
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(desktop.overlays(), 1, "the second capture is refused");
    desktop.xdotool(&["key", "Escape"]);
    desktop.wait_until_closed();
    // No key grab is left: another client can take Esc and Enter on the root window.
    assert!(
        grab_is_free(&desktop.display, 0xff1b),
        "Esc is still grabbed"
    );
    assert!(
        grab_is_free(&desktop.display, 0xff0d),
        "Enter is still grabbed"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        desktop.server.requests().is_empty(),
        "a cancelled capture sends nothing"
    );

    // The hotkey works again, and the region it takes is the one dragged.
    desktop.xdotool(&["key", "ctrl+alt+a"]);
    desktop.wait_for_overlay();
    desktop.drag(TOP_REGION);
    desktop.xdotool(&["key", "Return"]);
    desktop.wait_until_closed();
    desktop.ask("Read it");
    let content = desktop.first_request_text();
    assert_eq!(
        content.matches("[Image ").count(),
        1,
        "one image: {content}"
    );
    assert_words(&content, &TOP_WORDS, &BOTTOM_WORDS);
}

/// Whether a new client can grab `keysym` (any modifiers) on the root window: an X server
/// refuses a grab another client holds.
fn grab_is_free(display: &str, keysym: u32) -> bool {
    use x11rb::connection::Connection as _;
    use x11rb::protocol::xproto::{ConnectionExt as _, GrabMode, ModMask};

    let (conn, screen) = x11rb::connect(Some(display)).unwrap();
    let root = conn.setup().roots[screen].root;
    let (min, max) = (conn.setup().min_keycode, conn.setup().max_keycode);
    let mapping = conn
        .get_keyboard_mapping(min, max - min + 1)
        .unwrap()
        .reply()
        .unwrap();
    let per = usize::from(mapping.keysyms_per_keycode);
    let index = mapping
        .keysyms
        .chunks(per)
        .position(|row| row.contains(&keysym))
        .unwrap();
    let keycode = min + u8::try_from(index).unwrap();
    conn.grab_key(
        false,
        root,
        ModMask::ANY,
        keycode,
        GrabMode::ASYNC,
        GrabMode::ASYNC,
    )
    .unwrap()
    .check()
    .is_ok()
}
