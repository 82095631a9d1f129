//! The streaming client against a real HTTP server on 127.0.0.1 that writes OpenAI's exact
//! wire format: every byte split, CRLF variants, keep-alives, mid-stream errors, Chinese, and
//! each failure the user must get a clear message for.

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

use std::time::Duration;

use ocrchat::llm::{
    ChatClient, ChatMessage, ChatRequest, FinishReason, LlmError, ProviderConfig, RetryPolicy,
    Role, StreamEvent, StreamLimits,
};
use ocrchat::secrets::ApiKey;
use support::server::reply_text as content;
use support::{MockServer, Reply, sse_body, sse_chunk};

fn request() -> ChatRequest {
    ChatRequest {
        model: "test-model".into(),
        messages: vec![ChatMessage::text(Role::User, "你好")],
        max_tokens: None,
        temperature: None,
        stream_usage: true,
        session_id: None,
    }
}

fn provider(server: &MockServer) -> ProviderConfig {
    ProviderConfig::new("Local", &server.base_url, "test-model")
}

/// Runs one stream to its end: the events, and the error it ended with, if any.
async fn run(
    client: &ChatClient,
    provider: &ProviderConfig,
    key: Option<&ApiKey>,
) -> (Vec<StreamEvent>, Option<LlmError>) {
    let stream = client.stream(provider, key, &request());
    support::server::collect(stream, Duration::from_secs(20)).await
}

/// A sample stream with everything a real one has: keep-alive comments, role in every
/// chunk, Chinese split across chunks, reasoning, usage on its own chunk, [DONE].
fn sample_stream() -> String {
    let mut body = String::from(": keep-alive\n\n");
    body.push_str("data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,\"reasoning_content\":\"想一想\"}}]}\n\n");
    body.push_str(&sse_chunk("# 标题\n\n"));
    body.push_str(": OPENROUTER PROCESSING\n\n");
    body.push_str(&sse_chunk("你好，"));
    body.push_str(
        "data:{\"choices\":[{\"delta\":{\"content\":\"世界 🌏\"}}],\"obfuscation\":\"x1\"}\n\n",
    );
    body.push_str(&sse_body(&["!"]));
    body
}

const SAMPLE_TEXT: &str = "# 标题\n\n你好，世界 🌏!";

#[tokio::test]
async fn sample_stream_decodes_with_reasoning_finish_and_usage() {
    let server = MockServer::always(Reply::sse(sample_stream()));
    let client = ChatClient::new(RetryPolicy::none(), StreamLimits::default()).unwrap();
    let (events, error) = run(&client, &provider(&server), None).await;
    assert_eq!(error, None);
    assert_eq!(content(&events), SAMPLE_TEXT);
    assert!(events.contains(&StreamEvent::Reasoning("想一想".into())));
    assert!(events.contains(&StreamEvent::Finish(FinishReason::Stop)));
    assert!(
        events
            .iter()
            .any(|e| matches!(e, StreamEvent::Usage(u) if u.completion_tokens == 3))
    );
}

#[tokio::test]
async fn every_byte_offset_split_decodes_the_same() {
    let body = sample_stream().into_bytes();
    let splits: Vec<usize> = (1..body.len()).collect();
    let server = {
        let body = body.clone();
        let splits = splits.clone();
        MockServer::start(move |n, _| {
            let at = splits[n];
            Reply::sse_pieces(
                vec![body[..at].to_vec(), body[at..].to_vec()],
                Duration::from_millis(2),
            )
        })
    };
    let client = ChatClient::new(RetryPolicy::none(), StreamLimits::default()).unwrap();
    let provider = provider(&server);
    for at in splits {
        let (events, error) = run(&client, &provider, None).await;
        assert_eq!(error, None, "split at byte {at}");
        assert_eq!(content(&events), SAMPLE_TEXT, "split at byte {at}");
    }
}

#[tokio::test]
async fn crlf_and_lone_cr_line_endings() {
    for ending in ["\r\n", "\r"] {
        let body = sample_stream().replace('\n', ending);
        // JSON strings escape their newlines, so only the framing changed.
        let server = MockServer::always(Reply::sse(body));
        let client = ChatClient::new(RetryPolicy::none(), StreamLimits::default()).unwrap();
        let (events, error) = run(&client, &provider(&server), None).await;
        assert_eq!(error, None, "ending {ending:?}");
        assert_eq!(content(&events), SAMPLE_TEXT, "ending {ending:?}");
    }
}

#[tokio::test]
async fn one_byte_per_chunk() {
    let body = sse_body(&["逐", "字", " ok"]).into_bytes();
    let pieces = body.iter().map(|b| vec![*b]).collect();
    let server = MockServer::always(Reply::sse_pieces(pieces, Duration::ZERO));
    let client = ChatClient::new(RetryPolicy::none(), StreamLimits::default()).unwrap();
    let (events, error) = run(&client, &provider(&server), None).await;
    assert_eq!(error, None);
    assert_eq!(content(&events), "逐字 ok");
}

#[tokio::test]
async fn request_has_the_openai_shape_and_the_key_header() {
    let server = MockServer::always(Reply::sse(sse_body(&["ok"])));
    let client = ChatClient::new(RetryPolicy::none(), StreamLimits::default()).unwrap();
    let key = ApiKey::new("sk-test-123").unwrap();
    let (_, error) = run(&client, &provider(&server), Some(&key)).await;
    assert_eq!(error, None);
    let requests = server.requests();
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/v1/chat/completions");
    assert_eq!(request.header("authorization"), Some("Bearer sk-test-123"));
    let body = request.json();
    assert_eq!(body["stream"], true);
    assert_eq!(body["model"], "test-model");
    assert_eq!(body["messages"][0]["content"], "你好");
    assert_eq!(body["stream_options"]["include_usage"], true);
}

#[tokio::test]
async fn mid_stream_error_objects_keep_the_text_before_them() {
    for error_line in [
        "data: {\"error\":{\"message\":\"The server is overloaded\",\"type\":\"server_error\"}}\n\n",
        "data: {\"object\":\"error\",\"message\":\"The server is overloaded\",\"type\":\"InternalServerError\",\"code\":500}\n\n",
    ] {
        let body = format!("{}{error_line}", sse_chunk("部分"));
        let server = MockServer::always(Reply::sse(body));
        let client = ChatClient::new(RetryPolicy::none(), StreamLimits::default()).unwrap();
        let (events, error) = run(&client, &provider(&server), None).await;
        assert_eq!(content(&events), "部分");
        let error = error.expect("an error");
        assert_eq!(error, LlmError::InStream("The server is overloaded".into()));
        assert!(error.to_string().contains("mid-reply"));
    }
}

#[tokio::test]
async fn connection_dropped_mid_reply_is_interrupted() {
    let server = MockServer::always(Reply::Sse {
        pieces: vec![sse_chunk("half").into_bytes()],
        gap: Duration::ZERO,
        abort: true,
    });
    let client = ChatClient::new(RetryPolicy::none(), StreamLimits::default()).unwrap();
    let (events, error) = run(&client, &provider(&server), None).await;
    assert_eq!(content(&events), "half");
    assert!(matches!(error, Some(LlmError::Interrupted(_))), "{error:?}");
}

#[tokio::test]
async fn empty_stream_is_reported() {
    let server = MockServer::always(Reply::sse(": only a comment\n\n"));
    let client = ChatClient::new(RetryPolicy::none(), StreamLimits::default()).unwrap();
    let (_, error) = run(&client, &provider(&server), None).await;
    assert_eq!(
        error,
        Some(LlmError::EmptyReply {
            reasoning_only: false
        })
    );
    assert!(
        error
            .unwrap()
            .to_string()
            .starts_with("The model returned an empty reply.")
    );
}

#[tokio::test]
async fn unauthorized_names_the_key_and_settings() {
    let server = MockServer::always(Reply::json(
        401,
        r#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}"#,
    ));
    let client = ChatClient::new(RetryPolicy::default(), StreamLimits::default()).unwrap();
    let key = ApiKey::new("sk-wrong").unwrap();
    let (_, error) = run(&client, &provider(&server), Some(&key)).await;
    let message = error.unwrap().to_string();
    assert_eq!(
        message,
        "The server rejected the API key (401): Incorrect API key provided. Open Settings → Providers and check the key for “Local”."
    );
    assert_eq!(server.requests().len(), 1, "a 401 is not retried");
}

#[tokio::test]
async fn not_found_names_base_url_and_model() {
    let server = MockServer::always(Reply::json(
        404,
        r#"{"error":{"message":"The model `nope` does not exist"}}"#,
    ));
    let client = ChatClient::new(RetryPolicy::none(), StreamLimits::default()).unwrap();
    let (_, error) = run(&client, &provider(&server), None).await;
    let message = error.unwrap().to_string();
    assert!(message.contains("404"), "{message}");
    assert!(message.contains("base URL"), "{message}");
    assert!(message.contains("test-model"), "{message}");
}

#[tokio::test]
async fn html_page_is_not_a_stream() {
    let server = MockServer::always(Reply::Raw {
        status: 200,
        headers: vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
        body: b"<!DOCTYPE html><html><body><h1>Welcome to nginx!</h1></body></html>".to_vec(),
    });
    let client = ChatClient::new(RetryPolicy::none(), StreamLimits::default()).unwrap();
    let (_, error) = run(&client, &provider(&server), None).await;
    let message = error.unwrap().to_string();
    assert!(message.contains("text/html"), "{message}");
    assert!(message.contains("Welcome to nginx!"), "{message}");
    assert!(message.contains("/v1"), "{message}");
}

#[tokio::test]
async fn whole_json_completion_is_accepted() {
    let server = MockServer::always(Reply::json(
        200,
        r#"{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"不流式"},"finish_reason":"stop"}]}"#,
    ));
    let client = ChatClient::new(RetryPolicy::none(), StreamLimits::default()).unwrap();
    let (events, error) = run(&client, &provider(&server), None).await;
    assert_eq!(error, None);
    assert_eq!(content(&events), "不流式");
}

#[tokio::test]
async fn event_stream_with_wrong_content_type_is_accepted() {
    let server = MockServer::always(Reply::Raw {
        status: 200,
        headers: vec![("Content-Type".into(), "text/plain".into())],
        body: sse_body(&["plain"]).into_bytes(),
    });
    let client = ChatClient::new(RetryPolicy::none(), StreamLimits::default()).unwrap();
    let (events, error) = run(&client, &provider(&server), None).await;
    assert_eq!(error, None);
    assert_eq!(content(&events), "plain");
}

#[tokio::test]
async fn unreachable_host_says_so() {
    let (port, url) = support::closed_port_url();
    let provider = ProviderConfig::new("Local", url, "m");
    let client = ChatClient::new(RetryPolicy::none(), StreamLimits::default()).unwrap();
    let (_, error) = run(&client, &provider, None).await;
    let message = error.unwrap().to_string();
    assert!(
        message.starts_with(&format!("Could not reach 127.0.0.1:{port}")),
        "{message}"
    );
    assert!(message.contains("connection refused"), "{message}");
}

#[tokio::test]
async fn server_errors_are_retried_with_retry_after_before_streaming() {
    let server = MockServer::start(|n, _| match n {
        0 => Reply::Raw {
            status: 503,
            headers: vec![("Retry-After".into(), "0".into())],
            body: b"busy".to_vec(),
        },
        _ => Reply::sse(sse_body(&["second try"])),
    });
    let client = ChatClient::new(RetryPolicy::default(), StreamLimits::default()).unwrap();
    let (events, error) = run(&client, &provider(&server), None).await;
    assert_eq!(error, None);
    assert_eq!(content(&events), "second try");
    assert!(
        matches!(&events[0], StreamEvent::Retrying { attempt: 1, attempts: 3, delay_millis: 0, reason } if reason.contains("503"))
    );
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_long_retry_after_fails_at_once() {
    let server = MockServer::always(Reply::Raw {
        status: 429,
        headers: vec![("Retry-After".into(), "3600".into())],
        body: br#"{"error":{"message":"Rate limit reached"}}"#.to_vec(),
    });
    let client = ChatClient::new(RetryPolicy::default(), StreamLimits::default()).unwrap();
    let (_, error) = run(&client, &provider(&server), None).await;
    let Some(LlmError::WaitTooLong {
        cause, wait_secs, ..
    }) = error
    else {
        panic!("not a refused wait: {error:?}");
    };
    assert_eq!(
        *cause,
        LlmError::RateLimited {
            detail: "Rate limit reached".into()
        }
    );
    assert_eq!(wait_secs, 3600);
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn no_retry_once_text_has_streamed() {
    let server = MockServer::always(Reply::Sse {
        pieces: vec![sse_chunk("some").into_bytes()],
        gap: Duration::ZERO,
        abort: true,
    });
    let client = ChatClient::new(RetryPolicy::default(), StreamLimits::default()).unwrap();
    let (_, error) = run(&client, &provider(&server), None).await;
    assert!(matches!(error, Some(LlmError::Interrupted(_))));
    assert_eq!(
        server.requests().len(),
        1,
        "a second request would bill a second generation"
    );
}

#[tokio::test]
async fn tls_failure_says_the_secure_connection_failed() {
    // https to a server that speaks plain HTTP: the TLS handshake fails.
    let server = MockServer::always(Reply::sse(sse_body(&["never"])));
    let url = server.base_url.replace("http://", "https://");
    let provider = ProviderConfig::new("Local", url, "m");
    let client = ChatClient::new(RetryPolicy::none(), StreamLimits::default()).unwrap();
    let (_, error) = run(&client, &provider, None).await;
    let message = error.unwrap().to_string();
    assert!(
        message.starts_with("Could not reach 127.0.0.1:"),
        "{message}"
    );
    assert!(message.contains("secure connection failed"), "{message}");
}
