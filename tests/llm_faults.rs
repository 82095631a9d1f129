//! The streaming client against servers that misbehave: bounded memory and bounded waits
//! whatever they send, redirects refused, keys kept out of messages, and answers that are
//! exactly what the server said. Each test names the bound or rule it checks.

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

use ocrchat::llm::{ChatClient, LlmError, ProviderConfig, RetryPolicy, StreamEvent, StreamLimits};
use ocrchat::secrets::ApiKey;
use support::server::reply_text as content;
use support::{MockServer, Reply, sse_body, sse_chunk};

/// Short waits and small buffers, so a test sees each bound run out quickly.
fn small_limits() -> StreamLimits {
    StreamLimits {
        response_head: Duration::from_secs(1),
        first_token: Duration::from_secs(1),
        idle: Duration::from_secs(1),
        reply: Duration::from_secs(30),
        max_line_bytes: 64 * 1024,
        max_event_bytes: 64 * 1024,
        ..StreamLimits::default()
    }
}

/// Runs one stream to its end (the test fails rather than hang).
async fn run_with(
    server_url: &str,
    limits: StreamLimits,
    retry: RetryPolicy,
    key: Option<&ApiKey>,
) -> (Vec<StreamEvent>, Option<LlmError>) {
    let client = ChatClient::new(retry, limits).unwrap();
    let provider = ProviderConfig::new("Local", server_url, "test-model");
    let stream = client.stream(&provider, key, &support::server::hi_request());
    support::server::collect(stream, Duration::from_mins(1)).await
}

async fn run(server: &MockServer) -> (Vec<StreamEvent>, Option<LlmError>) {
    run_with(&server.base_url, small_limits(), RetryPolicy::none(), None).await
}

#[tokio::test]
async fn an_endless_line_ends_the_reply_at_the_bound_keeping_the_text() {
    let server = MockServer::always(Reply::Endless {
        first: format!("{}data: ", sse_chunk("kept")).into_bytes(),
        piece: vec![b'x'; 8 * 1024],
        gap: Duration::ZERO,
    });
    let (events, error) = run(&server).await;
    assert_eq!(content(&events), "kept");
    let error = error.unwrap();
    assert!(matches!(error, LlmError::TooLarge(_)), "{error:?}");
    assert!(
        error.to_string().contains("longer than 65536 bytes"),
        "{error}"
    );
}

#[tokio::test]
async fn events_before_an_overflow_in_the_same_piece_are_kept() {
    let mut piece = sse_chunk("same piece").into_bytes();
    piece.extend(std::iter::repeat_n(b'z', 2048));
    let server = MockServer::always(Reply::sse(piece));
    let limits = StreamLimits {
        max_line_bytes: 1024,
        ..small_limits()
    };
    let (events, error) = run_with(&server.base_url, limits, RetryPolicy::none(), None).await;
    assert_eq!(content(&events), "same piece");
    assert!(matches!(error, Some(LlmError::TooLarge(_))), "{error:?}");
}

#[tokio::test]
async fn data_lines_without_a_blank_line_end_at_the_event_bound() {
    let server = MockServer::always(Reply::Endless {
        first: Vec::new(),
        piece: format!("data: {}\n", "y".repeat(1000)).into_bytes(),
        gap: Duration::ZERO,
    });
    let (_, error) = run(&server).await;
    let error = error.unwrap();
    assert!(
        error
            .to_string()
            .contains("an event larger than 65536 bytes"),
        "{error}"
    );
}

#[tokio::test]
async fn a_server_that_never_answers_is_cut_at_the_response_head_deadline() {
    let server = MockServer::always(Reply::Silent);
    let retry = RetryPolicy::default();
    let (_, error) = run_with(&server.base_url, small_limits(), retry, None).await;
    let message = error.unwrap().to_string();
    assert!(
        message.contains("accepted the request but sent no answer within 1 s"),
        "{message}"
    );
    assert!(!message.contains("Could not reach"), "{message}");
    assert_eq!(server.requests().len(), 1, "a silent server is asked once");
}

#[tokio::test]
async fn a_trickle_that_never_ends_a_line_hits_the_idle_limit() {
    let server = MockServer::always(Reply::Endless {
        first: sse_chunk("so far").into_bytes(),
        piece: b"x".to_vec(),
        gap: Duration::from_millis(50),
    });
    let (events, error) = run(&server).await;
    assert_eq!(content(&events), "so far");
    let message = error.unwrap().to_string();
    assert!(message.contains("no complete line for 1 s"), "{message}");
    assert!(message.contains("partial reply is kept"), "{message}");
}

#[tokio::test]
async fn a_steady_trickle_of_events_hits_the_reply_limit() {
    let server = MockServer::always(Reply::Endless {
        first: Vec::new(),
        piece: sse_chunk("t").into_bytes(),
        gap: Duration::from_millis(100),
    });
    let limits = StreamLimits {
        reply: Duration::from_secs(2),
        ..small_limits()
    };
    let (events, error) = run_with(&server.base_url, limits, RetryPolicy::none(), None).await;
    assert!(content(&events).starts_with('t'));
    let message = error.unwrap().to_string();
    assert!(message.contains("it streamed for 2 s"), "{message}");
}

#[tokio::test]
async fn redirects_are_refused_naming_the_target_and_sent_once() {
    let server = MockServer::always(Reply::redirect(302, "/v2/chat/completions"));
    let (_, error) = run(&server).await;
    let message = error.unwrap().to_string();
    let origin = server.base_url.trim_end_matches("/v1");
    assert!(
        message.contains(&format!(
            "redirected the request (302) to {origin}/v2/chat/completions"
        )),
        "{message}"
    );
    // A redirect loop: still one request, never a GET.
    let looping = MockServer::always(Reply::redirect(307, "/v1/chat/completions"));
    let (_, error) = run(&looping).await;
    assert!(matches!(
        error,
        Some(LlmError::Redirected { status: 307, .. })
    ));
    let requests = looping.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "POST");
}

#[tokio::test]
async fn a_key_echoed_by_the_server_is_redacted() {
    const KEY: &str = "sk-echo-5d41402abc4b2a76";
    let server = MockServer::always(Reply::json(
        401,
        &format!(
            r#"{{"error":{{"message":"Incorrect API key provided: {KEY}. Header: Bearer {KEY}"}}}}"#
        ),
    ));
    let key = ApiKey::new(KEY).unwrap();
    let (_, error) = run_with(
        &server.base_url,
        small_limits(),
        RetryPolicy::none(),
        Some(&key),
    )
    .await;
    let message = error.unwrap().to_string();
    assert!(!message.contains("5d41402abc"), "{message}");
    assert!(
        message.contains("Incorrect API key provided: ***. Header: Bearer ***"),
        "{message}"
    );
}

#[tokio::test]
async fn a_retry_reason_is_redacted_too() {
    const KEY: &str = "sk-retry-0123456789abcdef";
    let server = MockServer::start(|n, _| match n {
        0 => Reply::json(503, &format!(r#"{{"error":"busy for {KEY}"}}"#)),
        _ => Reply::sse(sse_body(&["ok"])),
    });
    let key = ApiKey::new(KEY).unwrap();
    let retry = RetryPolicy {
        base_delay: Duration::from_millis(10),
        ..RetryPolicy::default()
    };
    let (events, error) = run_with(&server.base_url, small_limits(), retry, Some(&key)).await;
    assert_eq!(error, None);
    let reason = events
        .iter()
        .find_map(|e| match e {
            StreamEvent::Retrying { reason, .. } => Some(reason.clone()),
            _ => None,
        })
        .unwrap();
    assert!(reason.contains("busy for ***"), "{reason}");
}

#[tokio::test]
async fn an_unasked_gzip_body_is_named() {
    let gzip_magic = vec![0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03, 0x4b, 0x4c];
    let with_header = MockServer::always(Reply::Raw {
        status: 200,
        headers: vec![
            ("Content-Type".into(), "text/event-stream".into()),
            ("Content-Encoding".into(), "gzip".into()),
        ],
        body: gzip_magic.clone(),
    });
    let (_, error) = run(&with_header).await;
    assert_eq!(
        error,
        Some(LlmError::Compressed {
            encoding: "gzip".into()
        })
    );
    let without_header =
        MockServer::always(Reply::typed(200, "application/octet-stream", gzip_magic));
    let (_, error) = run(&without_header).await;
    let message = error.unwrap().to_string();
    assert!(message.contains("gzip-compressed answer"), "{message}");
}

#[tokio::test]
async fn an_event_stream_served_as_text_plain_is_read_whole() {
    let tokens: Vec<String> = (0..3000).map(|i| format!("token {i} ")).collect();
    let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
    let body = sse_body(&refs);
    assert!(body.len() > 200 * 1024, "past the old 64 KB cut");
    let server = MockServer::always(Reply::typed(200, "text/plain; charset=utf-8", body));
    let (events, error) = run(&server).await;
    assert_eq!(error, None);
    assert_eq!(content(&events), tokens.concat());
}

#[tokio::test]
async fn an_error_event_frame_shows_its_message() {
    for frame in [
        "event: error\ndata: {\"message\":\"Overloaded, try later\"}\n\n",
        "event: error\ndata: Overloaded, try later\n\n",
    ] {
        let server = MockServer::always(Reply::sse(format!("{}{frame}", sse_chunk("before"))));
        let (events, error) = run(&server).await;
        assert_eq!(content(&events), "before");
        assert_eq!(
            error,
            Some(LlmError::InStream("Overloaded, try later".into()))
        );
    }
}

#[tokio::test]
async fn an_empty_reply_is_a_failure() {
    let finish =
        "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";
    let server = MockServer::always(Reply::sse(finish));
    let (_, error) = run(&server).await;
    let message = error.unwrap().to_string();
    assert!(
        message.starts_with("The model returned an empty reply. Retry"),
        "{message}"
    );
    let reasoning = format!(
        "data: {{\"choices\":[{{\"delta\":{{\"reasoning_content\":\"hmm\"}}}}]}}\n\n{finish}"
    );
    let server = MockServer::always(Reply::sse(reasoning));
    let (_, error) = run(&server).await;
    assert_eq!(
        error,
        Some(LlmError::EmptyReply {
            reasoning_only: true
        })
    );
}

#[tokio::test]
async fn bad_usage_fields_after_a_complete_reply_are_tolerated() {
    let mut body = sse_chunk("fine");
    body.push_str("data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
    body.push_str(
        "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":null,\"completion_tokens\":-1}}\n\n",
    );
    body.push_str("data: [DONE]\n\n");
    let server = MockServer::always(Reply::sse(body));
    let (events, error) = run(&server).await;
    assert_eq!(error, None);
    assert_eq!(content(&events), "fine");
}

#[tokio::test]
async fn only_choice_zero_is_the_answer() {
    let mut body = String::new();
    for (index, text) in [(0, "A1 "), (1, "B1 "), (0, "A2"), (1, "B2")] {
        body.push_str(&format!(
            "data: {{\"choices\":[{{\"index\":{index},\"delta\":{{\"content\":\"{text}\"}}}}]}}\n\n"
        ));
    }
    body.push_str("data: [DONE]\n\n");
    let server = MockServer::always(Reply::sse(body));
    let (events, error) = run(&server).await;
    assert_eq!(error, None);
    assert_eq!(content(&events), "A1 A2");
}

#[tokio::test]
async fn a_base_url_with_a_query_keeps_it_after_the_path() {
    let server = MockServer::always(Reply::sse(sse_body(&["azure"])));
    let base = format!("{}?api-version=2024-10-21", server.base_url);
    let (events, error) = run_with(&base, small_limits(), RetryPolicy::none(), None).await;
    assert_eq!(error, None);
    assert_eq!(content(&events), "azure");
    assert_eq!(
        server.requests()[0].path,
        "/v1/chat/completions?api-version=2024-10-21"
    );
}

#[tokio::test]
async fn html_error_pages_show_status_and_title_never_markup() {
    let page = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.25</center>\r\n</body>\r\n</html>\r\n";
    let server = MockServer::always(Reply::typed(502, "text/html", page));
    let (_, error) = run(&server).await;
    let message = error.unwrap().to_string();
    assert!(message.contains("(502)"), "{message}");
    assert!(message.contains("“502 Bad Gateway”"), "{message}");
    assert!(!message.contains('<'), "{message}");

    let login = "<!doctype html><html><head><title>Sign in · Corp SSO</title><script>x<y</script></head><body><form>…</form></body></html>";
    let server = MockServer::always(Reply::typed(200, "text/html", login));
    let (_, error) = run(&server).await;
    let message = error.unwrap().to_string();
    assert!(message.contains("“Sign in · Corp SSO”"), "{message}");
    assert!(!message.contains('<'), "{message}");
}

#[tokio::test]
async fn a_malformed_json_chunk_ends_the_reply_keeping_the_text_before_it() {
    let body = format!("{}data: {{\"choices\": [{{\"delta\"\n\n", sse_chunk("kept"));
    let server = MockServer::always(Reply::sse(body));
    let (events, error) = run(&server).await;
    assert_eq!(content(&events), "kept");
    let error = error.unwrap().to_string();
    assert!(error.contains("not JSON"), "{error}");
}
