//! `ocrchat ask` as a user runs it: the built binary, temporary config/data directories, a
//! scripted server on 127.0.0.1. stdout carries only the reply; failures exit non-zero with
//! one clear line on stderr.

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

use ocrchat::config::Settings;
use ocrchat::llm::ProviderConfig;
use support::{MockServer, Reply, sse_body};

/// Runs the binary in `dir` (its working directory, with `.env` if the test wrote one) with
/// XDG directories under it, and no inherited API key.
fn ocrchat(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ocrchat"));
    command
        .args(args)
        .current_dir(dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env_remove("OCRCHAT_API_KEY")
        .env_remove("RUST_LOG");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn streams_only_the_reply_to_stdout() {
    let server = MockServer::always(Reply::sse(sse_body(&["你好", "，", "world"])));
    let dir = tempfile::tempdir().unwrap();
    let out = ocrchat(
        dir.path(),
        &[
            "ask",
            "--base-url",
            &server.base_url,
            "--model",
            "m1",
            "--system",
            "Be brief",
            "--max-tokens",
            "50",
            "Say",
            "hi",
        ],
        &[("OCRCHAT_API_KEY", "sk-env")],
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "你好，world\n");
    assert_eq!(text(&out.stderr), "");
    let request = &server.requests()[0];
    assert_eq!(request.header("authorization"), Some("Bearer sk-env"));
    let body = request.json();
    assert_eq!(body["model"], "m1");
    assert_eq!(body["max_tokens"], 50);
    assert_eq!(body["messages"][0]["role"], "system");
    assert_eq!(body["messages"][0]["content"], "Be brief");
    assert_eq!(body["messages"][1]["content"], "Say hi");
    // The question and reply are in the history.
    assert!(dir.path().join("data/ocrchat/history.sqlite3").is_file());
}

#[test]
fn no_save_keeps_history_untouched_and_dotenv_key_is_used() {
    let server = MockServer::always(Reply::sse(sse_body(&["ok"])));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "API_KEY=sk-from-dotenv\n").unwrap();
    let out = ocrchat(
        dir.path(),
        &[
            "ask",
            "--no-save",
            "--base-url",
            &server.base_url,
            "--model",
            "m",
            "q",
        ],
        &[],
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "ok\n");
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Bearer sk-from-dotenv")
    );
    assert!(!dir.path().join("data/ocrchat/history.sqlite3").exists());
}

#[test]
fn named_provider_from_the_config_file() {
    let server = MockServer::always(Reply::sse(sse_body(&["from config"])));
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::default();
    settings.upsert(ProviderConfig::new("Other", "http://127.0.0.1:9/v1", "x"));
    settings.upsert(ProviderConfig::new(
        "Local",
        &server.base_url,
        "configured-model",
    ));
    settings
        .save(&dir.path().join("config/ocrchat/config.toml"))
        .unwrap();
    let out = ocrchat(
        dir.path(),
        &["ask", "--provider", "Local", "--model", "override", "q"],
        &[],
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "from config\n");
    assert_eq!(server.requests()[0].json()["model"], "override");

    let out = ocrchat(dir.path(), &["ask", "--provider", "Nope", "q"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        "ocrchat: There is no provider named “Nope”. Configured: Other, Local.\n"
    );
}

#[test]
fn failures_exit_non_zero_with_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    // No provider at all.
    let out = ocrchat(dir.path(), &["ask", "hello"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("ocrchat: No provider is set up yet."),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    // A rejected key.
    let server = MockServer::always(Reply::json(
        401,
        r#"{"error":{"message":"Invalid API key"}}"#,
    ));
    let out = ocrchat(
        dir.path(),
        &[
            "ask",
            "--base-url",
            &server.base_url,
            "--model",
            "m",
            "hello",
        ],
        &[("OCRCHAT_API_KEY", "sk-bad")],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with("ocrchat: The server rejected the API key (401): Invalid API key."),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert_eq!(text(&out.stdout), "");

    // Nothing listening.
    let (port, url) = support::closed_port_url();
    let out = ocrchat(
        dir.path(),
        &["ask", "--base-url", &url, "--model", "m", "hello"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("Could not reach 127.0.0.1:{port}")),
        "{stderr}"
    );

    // A bad base URL.
    let out = ocrchat(
        dir.path(),
        &["ask", "--base-url", "not a url", "--model", "m", "hello"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("is not a web address"),
        "{}",
        text(&out.stderr)
    );

    // --base-url without --model is a usage error.
    let out = ocrchat(dir.path(), &["ask", "--base-url", &url, "hello"], &[]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_reply_cut_by_the_token_limit_exits_zero_with_a_note() {
    let body = format!(
        "{}data: {{\"choices\":[{{\"delta\":{{}},\"finish_reason\":\"length\"}}]}}\n\ndata: [DONE]\n\n",
        support::sse_chunk("partial")
    );
    let server = MockServer::always(Reply::sse(body));
    let dir = tempfile::tempdir().unwrap();
    let out = ocrchat(
        dir.path(),
        &["ask", "--base-url", &server.base_url, "--model", "m", "q"],
        &[],
    );
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), "partial\n");
    assert!(text(&out.stderr).contains("cut off by the token limit"));
}

#[test]
fn the_window_without_a_display_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ocrchat"))
        .current_dir(dir.path())
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("WAYLAND_SOCKET")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "ocrchat: no display was found (DISPLAY and WAYLAND_DISPLAY are not set). Start ocrchat from a desktop session, or use the command line: `ocrchat ask --help`\n"
    );
}

#[test]
fn ctrl_c_stops_the_reply_and_keeps_what_arrived() {
    use std::io::Read as _;
    let pieces = (0..400)
        .map(|i| support::sse_chunk(&format!("w{i} ")).into_bytes())
        .collect();
    let server = MockServer::always(Reply::sse_pieces(
        pieces,
        std::time::Duration::from_millis(20),
    ));
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ocrchat"))
        .args([
            "ask",
            "--base-url",
            &server.base_url,
            "--model",
            "m",
            "count",
        ])
        .current_dir(dir.path())
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .env_remove("OCRCHAT_API_KEY")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read until some of the reply has been printed, then press Ctrl+C (SIGINT).
    let mut stdout = child.stdout.take().unwrap();
    let mut printed = Vec::new();
    let mut buf = [0u8; 256];
    while !String::from_utf8_lossy(&printed).contains("w5 ") {
        let n = stdout.read(&mut buf).unwrap();
        assert!(n > 0, "the reply ended before Ctrl+C");
        printed.extend_from_slice(&buf[..n]);
    }
    support::send_signal(&child, "INT");
    stdout.read_to_end(&mut printed).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    assert_eq!(
        text(&out.stderr),
        "ocrchat: Interrupted. The reply so far is saved in the history.\n"
    );
    let printed = String::from_utf8(printed).unwrap();
    assert!(printed.starts_with("w0 w1 w2 w3 w4 w5 "), "{printed}");
    let store =
        ocrchat::store::Store::open(&dir.path().join("data/ocrchat/history.sqlite3")).unwrap();
    let conversation = store.list_conversations().unwrap()[0].id;
    let reply = &store.messages(conversation).unwrap()[1];
    assert_eq!(reply.status, ocrchat::store::MessageStatus::Stopped);
    assert_eq!(format!("{}\n", reply.content), printed);
}
