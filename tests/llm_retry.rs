//! Resilience like openai-python's client, against a fault-injecting server on 127.0.0.1:
//! which statuses are retried and how often, the server's `retry-after-ms`, `Retry-After`
//! (seconds or an HTTP date) and `x-should-retry`, a wait over 60 s refused with its time,
//! nothing resent once text has streamed, and which timeout fired.

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

use std::time::{Duration, SystemTime};

use ocrchat::llm::{ChatClient, LlmError, ProviderConfig, RetryPolicy, StreamEvent, StreamLimits};
use support::server::reply_text as content;
use support::{MockServer, Reply, sse_body, sse_chunk};

/// Three attempts, short computed waits, no jitter (so waits can be compared exactly).
fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        base_delay: Duration::from_millis(10),
        jitter: false,
        ..RetryPolicy::default()
    }
}

async fn run_with(
    server: &MockServer,
    retry: RetryPolicy,
    limits: StreamLimits,
) -> (Vec<StreamEvent>, Option<LlmError>) {
    let client = ChatClient::new(retry, limits).unwrap();
    let provider = ProviderConfig::new("Local", &server.base_url, "test-model");
    let stream = client.stream(&provider, None, &support::server::hi_request());
    support::server::collect(stream, Duration::from_secs(30)).await
}

async fn run(server: &MockServer) -> (Vec<StreamEvent>, Option<LlmError>) {
    run_with(server, fast_retry(), StreamLimits::default()).await
}

fn waits(events: &[StreamEvent]) -> Vec<u64> {
    events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::Retrying { delay_millis, .. } => Some(*delay_millis),
            _ => None,
        })
        .collect()
}

fn status(code: u16, headers: &[(&str, &str)], body: &str) -> Reply {
    Reply::Raw {
        status: code,
        headers: headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .chain([("Content-Type".to_owned(), "application/json".to_owned())])
            .collect(),
        body: body.as_bytes().to_vec(),
    }
}

/// A server answering `first` to the first `times` requests, then a good stream.
fn failing(times: usize, first: Reply) -> MockServer {
    MockServer::start(move |n, _| {
        if n < times {
            first.clone()
        } else {
            Reply::sse(sse_body(&["ok"]))
        }
    })
}

#[tokio::test]
async fn a_429_with_retry_after_2_waits_2_s_then_succeeds() {
    let server = failing(
        1,
        status(429, &[("Retry-After", "2")], r#"{"error":"slow down"}"#),
    );
    let started = std::time::Instant::now();
    let (events, error) = run(&server).await;
    // A lower bound only: the wait was taken before the second attempt.
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert_eq!(error, None);
    assert_eq!(content(&events), "ok");
    assert_eq!(waits(&events), [2000]);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn retry_after_ms_comes_before_retry_after() {
    let headers = [("retry-after-ms", "300"), ("Retry-After", "9")];
    let server = failing(1, status(503, &headers, "{}"));
    let (events, error) = run(&server).await;
    assert_eq!(error, None);
    assert_eq!(waits(&events), [300]);
}

#[tokio::test]
async fn retry_after_as_an_http_date() {
    let when = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
    let server = failing(1, status(429, &[("Retry-After", &when)], "{}"));
    let (events, error) = run(&server).await;
    assert_eq!(error, None);
    let waited = waits(&events);
    assert!(
        waited.len() == 1 && waited[0] > 0 && waited[0] <= 2000,
        "{waited:?}"
    );
}

#[tokio::test]
async fn statuses_openai_python_retries_are_retried() {
    for code in [408, 409, 500, 502, 503, 504, 529] {
        let server = failing(2, status(code, &[], r#"{"error":{"message":"busy"}}"#));
        let (events, error) = run(&server).await;
        assert_eq!(error, None, "{code}");
        assert_eq!(content(&events), "ok", "{code}");
        assert_eq!(server.requests().len(), 3, "{code}: 503, 503, 200");
        assert_eq!(waits(&events), [10, 20], "{code}: backoff doubles");
    }
}

#[tokio::test]
async fn a_retry_says_which_attempt_of_how_many_and_why_in_a_few_words() {
    let server = failing(2, status(503, &[], ""));
    let (events, error) = run(&server).await;
    assert_eq!(error, None);
    let retries: Vec<(u32, u32, String)> = events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::Retrying {
                attempt,
                attempts,
                reason,
                ..
            } => Some((*attempt, *attempts, reason.clone())),
            _ => None,
        })
        .collect();
    let overloaded = "the server is overloaded (503)".to_owned();
    assert_eq!(retries, [(1, 3, overloaded.clone()), (2, 3, overloaded)]);
}

#[tokio::test]
async fn four_503s_give_up_after_3_attempts_with_the_servers_message() {
    let server = failing(
        4,
        status(503, &[], r#"{"error":{"message":"overloaded, sorry"}}"#),
    );
    let (_, error) = run(&server).await;
    let message = error.unwrap().to_string();
    assert!(message.contains("(503): overloaded, sorry"), "{message}");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn x_should_retry_overrides_the_status() {
    let server = failing(1, status(503, &[("x-should-retry", "false")], "{}"));
    let (_, error) = run(&server).await;
    assert!(matches!(error, Some(LlmError::Server { status: 503, .. })));
    assert_eq!(server.requests().len(), 1);

    let server = failing(1, status(400, &[("x-should-retry", "true")], "{}"));
    let (events, error) = run(&server).await;
    assert_eq!((error, content(&events).as_str()), (None, "ok"));
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn other_4xx_are_not_retried() {
    for code in [400, 401, 403, 404, 422] {
        let server = failing(1, status(code, &[], r#"{"error":"no"}"#));
        let (_, error) = run(&server).await;
        assert!(error.is_some(), "{code}");
        assert_eq!(server.requests().len(), 1, "{code}");
    }
}

#[tokio::test]
async fn a_wait_over_60_s_is_not_taken_and_the_message_says_when() {
    let server = failing(
        1,
        status(429, &[("Retry-After", "120")], r#"{"error":"quota"}"#),
    );
    let (_, error) = run(&server).await;
    let message = error.unwrap().to_string();
    assert!(
        message.contains("rate limiting requests (429): quota"),
        "{message}"
    );
    assert!(message.contains("asked to wait 120 s"), "{message}");
    assert!(
        message.contains("try again after") && message.contains("GMT"),
        "{message}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_reset_before_any_text_is_retried_but_never_after_text() {
    let server = failing(1, Reply::Close);
    let (events, error) = run(&server).await;
    assert_eq!((error, content(&events).as_str()), (None, "ok"));
    assert_eq!(server.requests().len(), 2);

    let server = MockServer::always(Reply::Sse {
        pieces: vec![sse_chunk("partial ").into_bytes()],
        gap: Duration::ZERO,
        abort: true,
    });
    let (events, error) = run(&server).await;
    assert_eq!(content(&events), "partial ");
    assert!(matches!(error, Some(LlmError::Interrupted(_))), "{error:?}");
    assert_eq!(
        server.requests().len(),
        1,
        "text streamed: never sent again"
    );
}

fn limits(first_token_secs: u64, idle_secs: u64) -> StreamLimits {
    StreamLimits {
        first_token: Duration::from_secs(first_token_secs),
        idle: Duration::from_secs(idle_secs),
        ..StreamLimits::default()
    }
}

/// A stream that says `first`, stays silent for 2.5 s, then finishes.
fn pausing(first: &str) -> MockServer {
    MockServer::always(Reply::sse_pieces(
        vec![first.as_bytes().to_vec(), sse_body(&["late"]).into_bytes()],
        Duration::from_millis(2500),
    ))
}

#[tokio::test]
async fn silence_before_the_first_token_waits_for_the_first_token_limit() {
    // A model thinking in silence longer than the idle limit is not cut off...
    let server = pausing(": thinking\n\n");
    let (events, error) = run_with(&server, RetryPolicy::none(), limits(10, 1)).await;
    assert_eq!((error, content(&events).as_str()), (None, "late"));
    // ...until the first-token limit, which the message names.
    let server = pausing(": thinking\n\n");
    let (_, error) = run_with(&server, RetryPolicy::none(), limits(1, 10)).await;
    let message = error.unwrap().to_string();
    assert!(
        message.contains("no complete line for 1 s before the first token"),
        "{message}"
    );
    assert!(message.contains("FIRST_TOKEN"), "{message}");
}

#[tokio::test]
async fn a_stall_mid_stream_fires_the_idle_limit_and_keeps_the_partial_text() {
    let server = pausing(&sse_chunk("partial"));
    let (events, error) = run_with(&server, RetryPolicy::none(), limits(10, 1)).await;
    assert_eq!(content(&events), "partial");
    let message = error.unwrap().to_string();
    assert!(message.contains("timed out: no data for 1 s"), "{message}");
    assert!(message.contains("partial reply is kept"), "{message}");
}

#[tokio::test]
async fn requests_past_the_in_flight_limit_wait_their_turn_and_say_so() {
    // Each reply: one token, then 500 ms until the rest.
    let server = MockServer::always(Reply::sse_pieces(
        vec![sse_chunk("a").into_bytes(), sse_body(&["b"]).into_bytes()],
        Duration::from_millis(500),
    ));
    let client = ChatClient::new(RetryPolicy::none(), StreamLimits::default()).unwrap();
    let mut provider = ProviderConfig::new("Local", &server.base_url, "test-model");
    provider.max_in_flight = Some(2);
    let request = support::server::hi_request();
    let mut streams: Vec<_> = (0..3)
        .map(|_| client.stream(&provider, None, &request))
        .collect();
    for stream in &mut streams[..2] {
        let first = stream.next_event().await.unwrap();
        assert_eq!(first, Some(StreamEvent::Content("a".into())));
    }
    // The third waits: it says so, and nothing was sent for it.
    let Ok(Some(StreamEvent::Queued {
        in_flight,
        provider,
    })) = streams[2].next_event().await
    else {
        panic!("the third request was not queued");
    };
    assert_eq!((in_flight, provider.as_str()), (2, "Local"));
    assert_eq!(server.requests().len(), 2);
    // Once one finishes (its stream dropped), the third goes ahead.
    let third = streams.pop().unwrap();
    let first = streams.remove(0);
    let (events, error) = support::server::collect(first, Duration::from_secs(20)).await;
    assert_eq!((error, content(&events).as_str()), (None, "b"));
    let (events, error) = support::server::collect(third, Duration::from_secs(20)).await;
    assert_eq!((error, content(&events).as_str()), (None, "ab"));
    assert_eq!(server.requests().len(), 3);
}

/// A server on this test's own runtime (so tokio's paused clock sees it work): the first
/// request gets `first` (a whole HTTP response), every later one a short good stream.
async fn paused_time_server(first: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut served = 0;
        loop {
            let (mut stream, _) = listener.accept().await.unwrap();
            let answer = if served == 0 {
                first.to_owned()
            } else {
                let body = sse_body(&["ok"]);
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
            };
            served += 1;
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
                let mut request = Vec::new();
                let mut buffer = [0u8; 4096];
                // The whole request: its head, then the JSON body it announces.
                while !request.ends_with(b"}") {
                    match stream.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                stream.write_all(answer.as_bytes()).await.ok();
                stream.shutdown().await.ok();
            });
        }
    });
    format!("http://127.0.0.1:{port}/v1")
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_of_30_s_is_waited_in_full_on_paused_time() {
    let base_url = paused_time_server(
        "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 30\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    )
    .await;
    let client = ChatClient::new(fast_retry(), StreamLimits::default()).unwrap();
    let provider = ProviderConfig::new("Local", &base_url, "test-model");
    let started = tokio::time::Instant::now();
    let stream = client.stream(&provider, None, &support::server::hi_request());
    let (events, error) = support::server::collect(stream, Duration::from_mins(5)).await;
    assert_eq!(error, None);
    assert_eq!(content(&events), "ok");
    assert_eq!(waits(&events), [30_000]);
    // The paused clock moved only through the waits: the retry came after the full 30 s.
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(30), "{waited:?}");
    assert!(waited < Duration::from_secs(40), "{waited:?}");
}
