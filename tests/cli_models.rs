//! Issue 12 through the built binary: `ocrchat providers add|edit --model-setting` saves a
//! model's own settings and `ask` sends them; a retry is announced on stderr in the window's
//! words ("retrying in 1 s (attempt 2 of 3): the server is overloaded (503)").

#![expect(
    clippy::expect_used,
    clippy::format_push_string,
    clippy::let_underscore_must_use,
    clippy::match_wild_err_arm,
    clippy::missing_assert_message,
    clippy::unwrap_used,
    reason = "tests, benchmarks and examples fail loudly on a broken fixture and print their figures"
)]
mod support;

use std::path::Path;
use std::process::{Command, Output};

use support::{MockServer, Reply, sse_body};

/// The binary run in `dir` with XDG directories under it, no inherited key, and a keyring
/// service of its own.
fn ocrchat(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ocrchat"))
        .args(args)
        .current_dir(dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env_remove("OCRCHAT_API_KEY")
        .env_remove("RUST_LOG")
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn model_settings_from_the_command_line_are_saved_and_sent() {
    let server = MockServer::always(Reply::sse(sse_body(&["好"])));
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let add = [
        "providers",
        "add",
        "Local",
        "--base-url",
        &server.base_url,
        "--model",
        "qwen2.5:7b",
        "--model-setting",
        "qwen2.5:7b:max-tokens=77,temperature=0.3,vision=no",
        "--active",
    ];
    let out = ocrchat(dir, &add);
    assert!(out.status.success(), "{}", stderr(&out));
    let config = std::fs::read_to_string(dir.join("config/ocrchat/config.toml")).unwrap();
    assert!(config.contains("[[provider.models]]"), "{config}");

    let out = ocrchat(dir, &["ask", "--no-save", "hi"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let body = server.requests()[0].json();
    assert_eq!(body["model"], "qwen2.5:7b");
    assert_eq!(body["max_tokens"], 77);
    assert_eq!(body["temperature"], 0.3);

    // A bad value is refused, naming it, and nothing changes.
    let out = ocrchat(
        dir,
        &[
            "providers",
            "edit",
            "Local",
            "--model-setting",
            "qwen2.5:7b:temperature=3",
        ],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("outside 0 to 2"), "{}", stderr(&out));
    // `default` unsets a key; the others stay.
    let edit = [
        "providers",
        "edit",
        "Local",
        "--model-setting",
        "qwen2.5:7b:temperature=default",
    ];
    let out = ocrchat(dir, &edit);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = ocrchat(dir, &["ask", "--no-save", "hi"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let body = server.requests()[1].json();
    assert_eq!(body["max_tokens"], 77);
    assert_eq!(body.get("temperature"), None);
}

#[test]
fn a_retry_is_announced_on_stderr_in_words() {
    let server = MockServer::start(|n, _| match n {
        0 => Reply::Raw {
            status: 503,
            headers: vec![("Retry-After".into(), "1".into())],
            body: Vec::new(),
        },
        _ => Reply::sse(sse_body(&["ok"])),
    });
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "ask",
        "--base-url",
        &server.base_url,
        "--model",
        "m",
        "--no-save",
        "hi",
    ];
    let out = ocrchat(dir.path(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "ok\n");
    assert!(
        stderr(&out).contains("retrying in 1 s (attempt 2 of 3): the server is overloaded (503)"),
        "{}",
        stderr(&out)
    );
}
