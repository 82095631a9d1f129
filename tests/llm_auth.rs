//! API key + API secret exchanged for an access token: the token request's exact form, the
//! token cached until shortly before it expires, and a 401 refreshing it once.

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

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use ocrchat::llm::{ChatClient, LlmError, ProviderConfig, RetryPolicy, StreamEvent, StreamLimits};
use ocrchat::secrets::ApiKey;
use support::server::{Recorded, hi_request, reply_text as content};
use support::{MockServer, Reply, sse_body};

/// A server with a token endpoint at `/oauth/token` (token number n is `tok-n`, living
/// `lifetimes[n]` seconds) and a chat endpoint accepting the tokens `accepted` allows.
fn server(
    lifetimes: &'static [u64],
    accepted: impl Fn(&str) -> bool + Send + Sync + 'static,
) -> MockServer {
    let issued = Arc::new(AtomicUsize::new(0));
    MockServer::start(move |_, request: &Recorded| {
        if request.path == "/oauth/token" {
            let n = issued.fetch_add(1, Ordering::SeqCst);
            let lifetime = lifetimes.get(n).copied().unwrap_or(3600);
            return Reply::json(
                200,
                &format!(
                    r#"{{"access_token":"tok-{n}","token_type":"Bearer","expires_in":{lifetime}}}"#
                ),
            );
        }
        let token = request
            .header("authorization")
            .unwrap_or_default()
            .trim_start_matches("Bearer ");
        if accepted(token) {
            Reply::sse(sse_body(&["ok"]))
        } else {
            Reply::json(401, r#"{"error":{"message":"token expired"}}"#)
        }
    })
}

async fn ask(client: &ChatClient, server: &MockServer) -> (Vec<StreamEvent>, Option<LlmError>) {
    let mut provider = ProviderConfig::new("Gateway", &server.base_url, "m");
    provider.token_url = Some(server.base_url.replace("/v1", "/oauth/token"));
    let key = ApiKey::new("client-key-123").unwrap();
    let secret = ApiKey::new("client-secret-456").unwrap();
    let stream = client.stream_with_secret(&provider, Some(&key), Some(&secret), &hi_request());
    support::server::collect(stream, Duration::from_secs(20)).await
}

fn paths(server: &MockServer) -> Vec<String> {
    server.requests().into_iter().map(|r| r.path).collect()
}

fn client() -> ChatClient {
    ChatClient::new(RetryPolicy::none(), StreamLimits::default()).unwrap()
}

#[tokio::test]
async fn the_token_is_fetched_once_and_sent_as_bearer() {
    let server = server(&[], |token| token == "tok-0");
    let client = client();
    for _ in 0..2 {
        let (events, error) = ask(&client, &server).await;
        assert_eq!((error, content(&events).as_str()), (None, "ok"));
    }
    assert_eq!(
        paths(&server),
        [
            "/oauth/token",
            "/v1/chat/completions",
            "/v1/chat/completions"
        ]
    );
    let token_request = &server.requests()[0];
    assert_eq!(token_request.method, "POST");
    assert_eq!(
        token_request.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        token_request.body,
        "grant_type=client_credentials&client_id=client-key-123&client_secret=client-secret-456"
    );
    assert_eq!(
        server.requests()[1].header("authorization"),
        Some("Bearer tok-0")
    );
}

#[tokio::test]
async fn a_token_about_to_expire_is_refreshed_before_use() {
    // tok-0 lives 5 s, inside the refresh margin; tok-1 an hour.
    let server = server(&[5, 3600], |token| token.starts_with("tok-"));
    let client = client();
    for _ in 0..3 {
        let (_, error) = ask(&client, &server).await;
        assert_eq!(error, None);
    }
    let tokens: Vec<_> = server
        .requests()
        .iter()
        .filter(|r| r.path == "/v1/chat/completions")
        .map(|r| r.header("authorization").unwrap().to_owned())
        .collect();
    assert_eq!(tokens, ["Bearer tok-0", "Bearer tok-1", "Bearer tok-1"]);
}

#[tokio::test]
async fn a_401_refreshes_the_token_once() {
    // The server revoked tok-0 early: one refresh, then success.
    let revoked = server(&[], |token| token == "tok-1");
    let (events, error) = ask(&client(), &revoked).await;
    assert_eq!((error, content(&events).as_str()), (None, "ok"));
    assert_eq!(
        paths(&revoked),
        [
            "/oauth/token",
            "/v1/chat/completions",
            "/oauth/token",
            "/v1/chat/completions"
        ]
    );

    // Refused whatever the token: one refresh only, then the 401.
    let refusing = server(&[], |_| false);
    let (_, error) = ask(&client(), &refusing).await;
    let message = error.unwrap().to_string();
    assert!(message.contains("(401): token expired"), "{message}");
    assert_eq!(refusing.requests().len(), 4);
}

#[tokio::test]
async fn a_refused_secret_names_the_token_endpoint() {
    let server = MockServer::always(Reply::json(401, r#"{"error":"invalid_client"}"#));
    let (_, error) = ask(&client(), &server).await;
    let message = error.unwrap().to_string();
    assert!(
        message.contains("/oauth/token refused the key and secret: invalid_client"),
        "{message}"
    );
    assert!(!message.contains("client-secret-456"), "{message}");
}
