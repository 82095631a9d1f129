//! `ocrchat ask --api-style …` as a user runs it: the built binary against a local server
//! speaking each style's wire format, the request landing on each style's documented path.

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

use support::server::{WsServer, WsStep};
use support::{MockServer, Reply};

/// The binary run in `dir` with XDG directories under it and no inherited key.
fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ocrchat"));
    command
        .args(args)
        .current_dir(dir)
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env_remove("OCRCHAT_API_KEY")
        .env_remove("RUST_LOG");
    command
}

fn ocrchat(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().unwrap()
}

fn ask(style: &str, base_url: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "ask",
        "--api-style",
        style,
        "--base-url",
        base_url,
        "--model",
        "m",
        "--no-save",
        "hi",
    ];
    ocrchat(dir.path(), &args)
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn each_api_style_answers_through_the_binary() {
    let ollama = "{\"message\":{\"role\":\"assistant\",\"content\":\"本地\"},\"done\":false}\n{\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\"}\n";
    let anthropic = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Claude\"}}\n\nevent: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":1}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
    let rest = r#"{"choices":[{"message":{"role":"assistant","content":"gateway"}}]}"#;
    let cases = [
        (
            "ollama",
            Reply::typed(200, "application/x-ndjson", ollama),
            "",
            "/api/chat",
            "本地",
        ),
        (
            "anthropic",
            Reply::sse(anthropic),
            "",
            "/v1/messages",
            "Claude",
        ),
        (
            "rest",
            Reply::json(200, rest),
            "/v1/chat",
            "/v1/chat/completions",
            "gateway",
        ),
    ];
    for (style, reply, base_path, path, text) in cases {
        let server = MockServer::always(reply);
        let host = server.base_url.trim_end_matches("/v1");
        let out = ask(style, &format!("{host}{base_path}"));
        assert_eq!(stdout(&out), format!("{text}\n"), "{style}");
        assert_eq!(server.requests()[0].path, path, "{style}");
    }
}

#[test]
fn the_websocket_style_streams_from_the_same_hosts_v1_stream() {
    let server = WsServer::start(|_| {
        vec![
            WsStep::Text(r#"{"delta":"流"}"#.into()),
            WsStep::Text(r#"{"delta":"式"}"#.into()),
            WsStep::Close(1000, String::new()),
        ]
    });
    let out = ask("websocket", &server.endpoint);
    assert_eq!(stdout(&out), "流式\n");
    assert_eq!(server.requests()[0].path, "/v1/stream");
}

#[test]
fn an_unknown_style_is_refused_with_the_choices() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "ask",
        "--api-style",
        "grpc",
        "--base-url",
        "http://127.0.0.1:9",
        "--model",
        "m",
        "hi",
    ];
    let out = ocrchat(dir.path(), &args);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("openai, anthropic, ollama, rest, websocket"),
        "{stderr}"
    );
}

/// `ocrchat providers ARGS` with `stdin` piped in. These save to the keyring, so they run in
/// the private one of scripts/with-keyring.sh.
fn providers_with_stdin(dir: &Path, args: &[&str], stdin: &str) -> Output {
    use std::io::Write as _;
    support::require_secret_service();
    let mut all = vec!["providers"];
    all.extend_from_slice(args);
    let mut child = command(dir, &all)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn providers(dir: &Path, args: &[&str]) -> Output {
    providers_with_stdin(dir, args, "")
}

#[test]
fn providers_add_list_edit_test_and_remove_from_the_shell() {
    let server = MockServer::start(|_, request| match request.path.as_str() {
        "/api/tags" => Reply::json(
            200,
            r#"{"models":[{"name":"qwen3:8b"},{"name":"llama3.2"}]}"#,
        ),
        _ => Reply::typed(
            200,
            "application/x-ndjson",
            "{\"message\":{\"content\":\"OK\"},\"done\":true}\n",
        ),
    });
    let host = server.base_url.trim_end_matches("/v1").to_owned();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let add = [
        "add",
        "Local",
        "--api-style",
        "ollama",
        "--base-url",
        &host,
        "--model",
        "llama3.2",
        "--active",
    ];
    stdout(&providers(dir, &add));
    let listed = stdout(&providers(dir, &["list"]));
    assert!(
        listed.starts_with(&format!("* Local\tollama\t{host}\tllama3.2\t")),
        "{listed}"
    );

    let edit = ["edit", "Local", "--rename", "Box", "--model", "qwen3"];
    stdout(&providers(dir, &edit));
    let listed = stdout(&providers(dir, &["list"]));
    assert!(
        listed.starts_with(&format!("* Box\tollama\t{host}\tqwen3\t")),
        "{listed}"
    );

    let models = stdout(&providers(dir, &["models"]));
    assert_eq!(models, "llama3.2\nqwen3:8b\n");

    let tested = stdout(&providers(dir, &["test"]));
    assert!(tested.contains("“Box” answered: qwen3"), "{tested}");
    assert_eq!(server.requests()[0].path, "/api/tags");
    assert_eq!(server.requests()[1].path, "/api/chat");
    assert_eq!(server.requests()[1].json()["model"], "qwen3");

    stdout(&providers(dir, &["remove", "Box"]));
    assert_eq!(stdout(&providers(dir, &["list"])), "");
}

#[test]
fn providers_test_reports_the_exact_failure_and_bad_input_is_refused() {
    let server = MockServer::always(Reply::json(
        401,
        r#"{"error":{"message":"invalid x-api-key"}}"#,
    ));
    let host = server.base_url.trim_end_matches("/v1").to_owned();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let add = [
        "add",
        "Claude",
        "--api-style",
        "anthropic",
        "--base-url",
        &host,
        "--model",
        "c",
        "--key-stdin",
    ];
    stdout(&providers_with_stdin(dir, &add, "sk-ant-cli-0123456789\n"));
    let listed = stdout(&providers(dir, &["list"]));
    assert!(listed.ends_with("\tkey stored\n"), "{listed}");
    let out = providers(dir, &["test", "Claude"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .contains("“Claude” failed: The server rejected the API key (401): invalid x-api-key"),
        "{stderr}"
    );
    assert_eq!(server.requests()[0].path, "/v1/messages");
    let sent = &server.requests()[0];
    assert_eq!(
        sent.header("x-api-key"),
        Some("sk-ant-cli-0123456789"),
        "{stderr}"
    );
    assert!(!stderr.contains("sk-ant-cli"), "{stderr}");
    stdout(&providers(dir, &["remove", "Claude"]));

    let out = providers(
        dir,
        &["add", "Bad", "--base-url", "not a url", "--model", "m"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a web address"));
    let out = providers(dir, &["remove", "Nope"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no provider named “Nope”"), "{stderr}");
}

#[test]
fn a_key_and_secret_from_stdin_buy_a_token_for_ask() {
    let server = MockServer::start(|_, request| match request.path.as_str() {
        "/oauth/token" => Reply::json(200, r#"{"access_token":"tok-cli","expires_in":3600}"#),
        _ if request.header("authorization") == Some("Bearer tok-cli") => {
            Reply::sse(support::sse_body(&["令牌"]))
        }
        _ => Reply::json(401, r#"{"error":"no token"}"#),
    });
    let token_url = server.base_url.replace("/v1", "/oauth/token");
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let add = [
        "add",
        "Gw",
        "--base-url",
        &server.base_url,
        "--model",
        "m",
        "--token-url",
        &token_url,
        "--key-stdin",
        "--secret-stdin",
    ];
    stdout(&providers_with_stdin(
        dir,
        &add,
        "cli-key-1\ncli-secret-2\n",
    ));
    let keyring = ocrchat::secrets::KeyringStore::new("ocrchat");
    let entry = ocrchat::llm::secret_entry("Gw");
    assert!(keyring.get(&entry).unwrap().is_some());

    let out = ocrchat(dir, &["ask", "--provider", "Gw", "--no-save", "hi"]);
    assert_eq!(stdout(&out), "令牌\n");
    let requests = server.requests();
    assert_eq!(
        requests[0].body,
        "grant_type=client_credentials&client_id=cli-key-1&client_secret=cli-secret-2"
    );
    assert_eq!(requests[1].header("authorization"), Some("Bearer tok-cli"));

    stdout(&providers(dir, &["remove", "Gw"]));
    assert!(
        keyring.get(&entry).unwrap().is_none(),
        "the secret went too"
    );
}
