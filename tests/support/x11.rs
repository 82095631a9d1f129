//! A real X display for end-to-end tests: Xvfb on a free display, xdotool to type and click,
//! xclip to read and write the clipboard.

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Child, Command, Stdio};

/// Kills the child when dropped, so a failed assertion leaves no process behind.
pub struct Reaper(pub Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts Xvfb on a free display; returns it and the display name.
pub fn start_xvfb() -> (Reaper, String) {
    start_xvfb_sized("1280x800x24")
}

/// Starts Xvfb with one screen of `geometry` (`WIDTHxHEIGHTxDEPTH`).
pub fn start_xvfb_sized(geometry: &str) -> (Reaper, String) {
    let mut child = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            geometry,
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb is installed (run `make test`, which installs it)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (Reaper(child), format!(":{}", line.trim()))
}

pub fn xdotool(display: &str, args: &[&str]) -> String {
    let out = Command::new("xdotool")
        .args(args)
        .env("DISPLAY", display)
        .output()
        .expect("xdotool is installed (run `make test`, which installs it)");
    assert!(
        out.status.success(),
        "xdotool {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Puts `text` on the CLIPBOARD selection, as copying in another program would. xclip stays
/// in the background to serve it until another program takes the selection.
pub fn set_clipboard(display: &str, text: &str) {
    let mut child = Command::new("xclip")
        .args(["-selection", "clipboard", "-in"])
        .env("DISPLAY", display)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("xclip is installed (run scripts/setup.sh)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success(), "xclip -in");
}

/// What the CLIPBOARD selection holds now (`None` when nothing offers text).
pub fn clipboard(display: &str) -> Option<String> {
    let out = Command::new("xclip")
        .args(["-selection", "clipboard", "-out"])
        .env("DISPLAY", display)
        .output()
        .expect("xclip is installed (run scripts/setup.sh)");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The binary uses the platform dirs: `$XDG_CONFIG_HOME/ocrchat` …
pub fn xdg_config(env: &super::TestEnv) -> std::path::PathBuf {
    env.dir.path().join("xdg-config")
}

/// … and `$XDG_DATA_HOME/ocrchat`.
pub fn xdg_data(env: &super::TestEnv) -> std::path::PathBuf {
    env.dir.path().join("xdg-data")
}

/// Starts the real binary on `display` with the test's directories and English strings, plus
/// `extra` environment variables; returns once its first frame is drawn.
pub fn spawn_app(env: &super::TestEnv, display: &str, extra: &[(&str, &str)]) -> Reaper {
    let first_frame = env.dir.path().join("first-frame");
    let app = Command::new(env!("CARGO_BIN_EXE_ocrchat"))
        .current_dir(env.dir.path())
        .env("DISPLAY", display)
        .env_remove("WAYLAND_DISPLAY")
        .env("XDG_CONFIG_HOME", xdg_config(env))
        .env("XDG_DATA_HOME", xdg_data(env))
        .env("OCRCHAT_LANG", "en")
        .env("OCRCHAT_FIRST_FRAME_FILE", &first_frame)
        .envs(extra.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let app = Reaper(app);
    super::wait_until(
        "the first frame",
        std::time::Duration::from_secs(30),
        || first_frame.exists(),
    );
    app
}

/// Finds the ocrchat window, gives it the keyboard, and returns its (x, y, width, height).
pub fn focus_window(display: &str) -> (i32, i32, i32, i32) {
    let window = xdotool(
        display,
        &["search", "--sync", "--onlyvisible", "--name", "^ocrchat$"],
    );
    let window = window.lines().next().unwrap().trim().to_owned();
    xdotool(display, &["windowfocus", "--sync", &window]);
    let geometry = xdotool(display, &["getwindowgeometry", "--shell", &window]);
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
