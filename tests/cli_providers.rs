//! `ocrchat ask --api-style …` as a user runs it: the built binary against a local server
//! speaking each style's wire format, the request landing on each style's documented path.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use support::server::{WsServer, WsStep};
use support::{MockServer, Reply};

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
