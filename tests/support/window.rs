//! The real binary in a real X window: Xvfb on a free display, xdotool, screenshots.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

// The display itself (Xvfb, xdotool) comes from `x11.rs`; this file adds the app and screenshots.
pub use super::x11::{Reaper, start_xvfb, xdotool};

/// `$CARGO_TARGET_DIR/e2e/<file>` (the directory is created).
pub fn e2e_output(file: &str) -> PathBuf {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(
            || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"),
            PathBuf::from,
        )
        .join("e2e");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(file)
}

/// Saves a screenshot of the whole display.
pub fn screenshot(display: &str, path: &std::path::Path) {
    let status = Command::new("import")
        .args(["-window", "root"])
        .arg(path)
        .env("DISPLAY", display)
        .status()
        .unwrap();
    assert!(status.success(), "screenshot {}", path.display());
}

/// Where the binary keeps its files when started by [`launch_app`] with `root`: the
/// `$XDG_CONFIG_HOME` and `$XDG_DATA_HOME` it gets (it adds `ocrchat/` to each).
pub fn app_dirs(root: &Path) -> (PathBuf, PathBuf) {
    (root.join("xdg-config"), root.join("xdg-data"))
}

/// Starts the built binary on `display` (English, files under [`app_dirs`]), waits for its
/// first frame and focuses its window; returns the process and the window id.
pub fn launch_app(display: &str, root: &Path) -> (Reaper, String) {
    let (xdg_config, xdg_data) = app_dirs(root);
    let first_frame = root.join("first-frame");
    let app = Reaper(
        Command::new(env!("CARGO_BIN_EXE_ocrchat"))
            .current_dir(root)
            .env("DISPLAY", display)
            .env_remove("WAYLAND_DISPLAY")
            .env("XDG_CONFIG_HOME", &xdg_config)
            .env("XDG_DATA_HOME", &xdg_data)
            .env("OCRCHAT_LANG", "en")
            .env("OCRCHAT_FIRST_FRAME_FILE", &first_frame)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    super::wait_until("the first frame", Duration::from_secs(30), || {
        first_frame.exists()
    });
    let window = xdotool(
        display,
        &["search", "--sync", "--onlyvisible", "--name", "^ocrchat$"],
    );
    let window = window.lines().next().unwrap().trim().to_owned();
    xdotool(display, &["windowfocus", "--sync", &window]);
    (app, window)
}

/// The window's position and size on screen: (x, y, width, height).
pub fn window_geometry(display: &str, window: &str) -> (i32, i32, i32, i32) {
    let geometry = xdotool(display, &["getwindowgeometry", "--shell", window]);
    let field = |name: &str| -> i32 {
        geometry
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .unwrap()
            .parse()
            .unwrap()
    };
    (field("X"), field("Y"), field("WIDTH"), field("HEIGHT"))
}

/// Clicks into the composer, which spans the bottom of the window right of the sidebar.
pub fn click_composer(display: &str, window: &str) {
    let (x, y, w, h) = window_geometry(display, window);
    let (cx, cy) = (x + w / 2 + 100, y + h - 40);
    xdotool(
        display,
        &["mousemove", &cx.to_string(), &cy.to_string(), "click", "1"],
    );
    // egui moves the focus at the end of the frame that handled the click: keys typed in that
    // same frame would reach no field (a lost first letter was seen under load).
    std::thread::sleep(Duration::from_millis(300));
}
