//! `ocrchat ask --image FILE... QUESTION` as a user runs it: the built binary reads each image
//! (OCR), fills the prompt template with the question and the text, and asks the local server;
//! an image that cannot be read ends the command with one line naming it.

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

use std::path::Path;
use std::process::{Command, Output};

use ocr_support::fixture_path;
use support::{MockServer, Reply, sse_body};

fn ask(dir: &Path, server: &MockServer, extra: &[&str]) -> Output {
    ask_model(dir, server, "m", extra)
}

fn ask_model(dir: &Path, server: &MockServer, model: &str, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ocrchat"))
        .args(["ask", "--base-url", &server.base_url, "--model", model])
        .args(extra)
        .current_dir(dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env_remove("OCRCHAT_API_KEY")
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

#[test]
fn ask_with_images_sends_their_text_in_the_template() {
    let server = MockServer::always(Reply::sse(sse_body(&["It says hello."])));
    let dir = tempfile::tempdir().unwrap();
    let dark = fixture_path("dark_en.png");
    let chat = fixture_path("chat_en.png");
    let out = ask(
        dir.path(),
        &server,
        &[
            "--image",
            dark.to_str().unwrap(),
            "--image",
            chat.to_str().unwrap(),
            "What do these say?",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "It says hello.\n");
    let request = server.requests()[0].json();
    let content = request["messages"][0]["content"].as_str().unwrap();
    let line = |stem: &str| {
        let text = std::fs::read_to_string(fixture_path(&format!("{stem}.txt"))).unwrap();
        text.lines().next().unwrap().to_owned()
    };
    assert!(content.contains("[Image 1: dark_en.png"), "{content}");
    assert!(content.contains("[Image 2: chat_en.png"), "{content}");
    assert!(content.contains(&line("dark_en")), "{content}");
    assert!(content.ends_with("What do these say?"), "{content}");

    // Images alone, no question typed.
    let out = ask(dir.path(), &server, &["--image", dark.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let content = server.requests()[1].json()["messages"][0]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(content.contains(&line("dark_en")), "{content}");
}

#[test]
fn an_unreadable_image_fails_with_one_line_naming_it() {
    let server = MockServer::always(Reply::sse(sse_body(&["never"])));
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.png");
    std::fs::write(&notes, "meeting notes, not a picture\n").unwrap();
    let out = ask(
        dir.path(),
        &server,
        &["--image", notes.to_str().unwrap(), "What is it?"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("notes.png"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(server.requests().is_empty(), "nothing was asked");
}

/// `--image-mode` (issue 10 §6): image to a vision model sends an image content part and no
/// OCR text; image or both to a text-only model sends the text and says so in one line; a bad
/// mode is refused with one line and exit 1 before anything is read or asked.
#[test]
fn image_mode_picks_what_goes_and_says_when_the_model_cannot_see() {
    let server = MockServer::always(Reply::sse(sse_body(&["A dark page."])));
    let dir = tempfile::tempdir().unwrap();
    let dark = fixture_path("dark_en.png");
    let dark = dark.to_str().unwrap();

    let out = ask_model(
        dir.path(),
        &server,
        "gpt-4o",
        &["--image", dark, "--image-mode", "image", "What is it?"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    let request = server.requests()[0].json();
    let parts = request["messages"][0]["content"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(parts.len(), 2, "{parts:?}");
    assert_eq!(
        parts[0],
        serde_json::json!({"type": "text", "text": "What is it?"})
    );
    let url = parts[1]["image_url"]["url"].as_str().unwrap();
    assert!(url.starts_with("data:image/png;base64,"), "{url}");

    let out = ask(
        dir.path(),
        &server,
        &["--image", dark, "--image-mode", "both", "What is it?"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        "ocrchat: m cannot see images: they were sent as OCR text."
    );
    let request = server.requests()[1].json();
    let content = request["messages"][0]["content"].as_str().unwrap();
    assert!(content.contains("text extracted by OCR"), "{content}");

    let out = ask(
        dir.path(),
        &server,
        &["--image", dark, "--image-mode", "sideways", "What is it?"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("text, image or both"), "{stderr}");
    assert_eq!(server.requests().len(), 2, "nothing more was asked");
}
