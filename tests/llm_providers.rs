//! Every API style against a local server speaking its exact wire format: sample streams
//! split at every byte offset, and each request checked field by field (path, headers, body)
//! against the provider's documented shape.

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
    ApiStyle, ChatClient, ChatMessage, ChatRequest, FinishReason, LlmError, ProviderConfig,
    RetryPolicy, Role, StreamEvent, StreamLimits, Temperature, Usage,
};
use ocrchat::secrets::ApiKey;
use support::server::{WsServer, WsStep, reply_text as content};
use support::{MockServer, Reply};

fn request() -> ChatRequest {
    let message = ChatMessage::text;
    ChatRequest {
        model: "test-model".into(),
        messages: vec![
            message(Role::System, "Be brief."),
            message(Role::User, "你好"),
        ],
        max_tokens: Some(256),
        temperature: Some(Temperature::try_from(0.7).unwrap()),
        stream_usage: true,
        session_id: Some("ocrchat-7".into()),
    }
}

/// The request's messages as every style but Anthropic sends them.
fn sent_messages() -> serde_json::Value {
    serde_json::json!([
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "你好"},
    ])
}

fn provider(style: ApiStyle, base_url: &str) -> ProviderConfig {
    let mut provider = ProviderConfig::new("Local", base_url, "test-model");
    provider.api = style;
    provider
}

/// The server's address without the `/v1` the mock adds (the documented base URLs of
/// Anthropic and Ollama have no path).
fn host_base(server: &MockServer) -> String {
    server.base_url.trim_end_matches("/v1").to_owned()
}

async fn run(
    client: &ChatClient,
    provider: &ProviderConfig,
    key: Option<&ApiKey>,
) -> (Vec<StreamEvent>, Option<LlmError>) {
    let stream = client.stream(provider, key, &request());
    support::server::collect(stream, Duration::from_secs(20)).await
}

fn client() -> ChatClient {
    ChatClient::new(RetryPolicy::none(), StreamLimits::default()).unwrap()
}

/// Serves `body` split in two at every byte offset (one request per offset) and checks each
/// run decodes to `text` with no error.
async fn every_split_decodes(style: ApiStyle, content_type: &str, body: &str, text: &str) {
    let body = body.as_bytes().to_vec();
    let content_type = content_type.to_owned();
    let len = body.len();
    let server = MockServer::start(move |n, _| {
        let at = (n % (len - 1)) + 1;
        Reply::Chunked {
            content_type: content_type.clone(),
            pieces: vec![body[..at].to_vec(), body[at..].to_vec()],
            gap: Duration::from_millis(1),
            abort: false,
        }
    });
    let (client, provider) = (client(), provider(style, &host_base(&server)));
    for at in 1..len {
        let (events, error) = run(&client, &provider, None).await;
        assert_eq!(error, None, "split at byte {at}");
        assert_eq!(content(&events), text, "split at byte {at}");
    }
}

#[tokio::test]
async fn openai_request_shape_field_by_field() {
    let server = MockServer::always(Reply::sse(
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"好\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n",
    ));
    let key = ApiKey::new("sk-test-0123456789").unwrap();
    let provider = provider(ApiStyle::OpenAiCompatible, &server.base_url);
    let (events, error) = run(&client(), &provider, Some(&key)).await;
    assert_eq!(error, None);
    assert_eq!(content(&events), "好");
    let sent = &server.requests()[0];
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", "/v1/chat/completions")
    );
    assert_eq!(
        sent.header("authorization"),
        Some("Bearer sk-test-0123456789")
    );
    assert_eq!(sent.header("accept"), Some("text/event-stream"));
    assert_eq!(
        sent.json(),
        serde_json::json!({
            "model": "test-model",
            "max_tokens": 256,
            "temperature": 0.7,
            "stream": true,
            "stream_options": {"include_usage": true},
            "messages": sent_messages(),
        })
    );
}

const ANTHROPIC_STREAM: &str = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"test-model\",\"stop_reason\":null,\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n\n\
event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}\n\n\
event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"想一想\"}}\n\n\
event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n\
event: ping\ndata: {\"type\": \"ping\"}\n\n\
event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n\
event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"你好，\"}}\n\n\
event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"世界 🌏\"}}\n\n\
event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n\
event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":15}}\n\n\
event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

#[tokio::test]
async fn anthropic_stream_decodes_at_every_split() {
    every_split_decodes(
        ApiStyle::Anthropic,
        "text/event-stream",
        ANTHROPIC_STREAM,
        "你好，世界 🌏",
    )
    .await;
}

#[tokio::test]
async fn anthropic_request_shape_and_events() {
    let server = MockServer::always(Reply::sse(ANTHROPIC_STREAM));
    let key = ApiKey::new("sk-ant-test-0123456789").unwrap();
    let provider = provider(ApiStyle::Anthropic, &host_base(&server));
    let (events, error) = run(&client(), &provider, Some(&key)).await;
    assert_eq!(error, None);
    assert!(events.contains(&StreamEvent::Reasoning("想一想".into())));
    assert!(events.contains(&StreamEvent::Finish(FinishReason::Stop)));
    assert!(events.contains(&StreamEvent::Usage(Usage {
        prompt_tokens: 25,
        completion_tokens: 15
    })));
    let sent = &server.requests()[0];
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", "/v1/messages")
    );
    assert_eq!(sent.header("x-api-key"), Some("sk-ant-test-0123456789"));
    assert_eq!(sent.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(sent.header("authorization"), None);
    assert_eq!(sent.header("accept"), Some("text/event-stream"));
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(
        sent.json(),
        serde_json::json!({
            "model": "test-model",
            "max_tokens": 256,
            "temperature": 0.7,
            "stream": true,
            "system": "Be brief.",
            "messages": [{"role": "user", "content": "你好"}],
        })
    );
}

#[tokio::test]
async fn anthropic_error_events_keep_the_partial_text() {
    let cut = ANTHROPIC_STREAM.find("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"世界").unwrap();
    for (kind, message) in [
        ("overloaded_error", "Overloaded"),
        ("api_error", "Internal server error"),
    ] {
        let body = format!(
            "{}event: error\ndata: {{\"type\":\"error\",\"error\":{{\"type\":\"{kind}\",\"message\":\"{message}\"}}}}\n\n",
            &ANTHROPIC_STREAM[..cut]
        );
        let server = MockServer::always(Reply::sse(body));
        let provider = provider(ApiStyle::Anthropic, &host_base(&server));
        let (events, error) = run(&client(), &provider, None).await;
        assert_eq!(content(&events), "你好，");
        let error = error.unwrap().to_string();
        assert!(error.contains(message) && error.contains(kind), "{error}");
    }
}

const OLLAMA_STREAM: &str = "{\"model\":\"test-model\",\"created_at\":\"2026-12-02T10:00:00Z\",\"message\":{\"role\":\"assistant\",\"content\":\"\",\"thinking\":\"嗯\"},\"done\":false}\n\
{\"model\":\"test-model\",\"created_at\":\"2026-12-02T10:00:00Z\",\"message\":{\"role\":\"assistant\",\"content\":\"你好，\"},\"done\":false}\n\
{\"model\":\"test-model\",\"created_at\":\"2026-12-02T10:00:01Z\",\"message\":{\"role\":\"assistant\",\"content\":\"世界 🌏\"},\"done\":false}\n\
{\"model\":\"test-model\",\"created_at\":\"2026-12-02T10:00:01Z\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\",\"total_duration\":1,\"prompt_eval_count\":26,\"eval_count\":3}\n";

#[tokio::test]
async fn ollama_stream_decodes_at_every_split() {
    every_split_decodes(
        ApiStyle::Ollama,
        "application/x-ndjson",
        OLLAMA_STREAM,
        "你好，世界 🌏",
    )
    .await;
}

#[tokio::test]
async fn ollama_request_shape_thinking_and_usage() {
    let server = MockServer::always(Reply::typed(200, "application/x-ndjson", OLLAMA_STREAM));
    let provider = provider(ApiStyle::Ollama, &host_base(&server));
    let (events, error) = run(&client(), &provider, None).await;
    assert_eq!(error, None);
    assert_eq!(content(&events), "你好，世界 🌏");
    assert!(events.contains(&StreamEvent::Reasoning("嗯".into())));
    assert!(events.contains(&StreamEvent::Usage(Usage {
        prompt_tokens: 26,
        completion_tokens: 3
    })));
    let sent = &server.requests()[0];
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", "/api/chat")
    );
    assert_eq!(sent.header("authorization"), None);
    assert_eq!(sent.header("accept"), Some("application/x-ndjson"));
    assert_eq!(
        sent.json(),
        serde_json::json!({
            "model": "test-model",
            "stream": true,
            "options": {"num_predict": 256, "temperature": 0.7},
            "messages": sent_messages(),
        })
    );
}

#[tokio::test]
async fn ollama_done_with_no_text_is_an_empty_reply() {
    let body = "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\"}\n";
    let server = MockServer::always(Reply::typed(200, "application/x-ndjson", body));
    let provider = provider(ApiStyle::Ollama, &host_base(&server));
    let (_, error) = run(&client(), &provider, None).await;
    assert_eq!(
        error,
        Some(LlmError::EmptyReply {
            reasoning_only: false
        })
    );
}

#[tokio::test]
async fn ollama_model_not_found_line_is_shown() {
    let body = "{\"error\":\"model \\\"nope\\\" not found, try pulling it first\"}\n";
    let server = MockServer::always(Reply::typed(200, "application/x-ndjson", body));
    let provider = provider(ApiStyle::Ollama, &host_base(&server));
    let (_, error) = run(&client(), &provider, None).await;
    let error = error.unwrap().to_string();
    assert!(error.contains("try pulling it first"), "{error}");
}

const REST_ANSWER: &str = r#"{"id":"r1","session_id":"ocrchat-7","choices":[{"index":0,"message":{"role":"assistant","content":"你好，世界 🌏"},"finish_reason":"stop"}]}"#;

#[tokio::test]
async fn rest_answer_decodes_at_every_split() {
    every_split_decodes(
        ApiStyle::Rest,
        "application/json",
        REST_ANSWER,
        "你好，世界 🌏",
    )
    .await;
}

#[tokio::test]
async fn rest_request_shape_with_session_and_bearer() {
    let server = MockServer::always(Reply::json(200, REST_ANSWER));
    // The endpoint as the gateway documents it: …/v1/chat.
    let provider = provider(ApiStyle::Rest, &format!("{}/chat", server.base_url));
    let key = ApiKey::new("gw-key-0123456789").unwrap();
    let (events, error) = run(&client(), &provider, Some(&key)).await;
    assert_eq!(error, None);
    assert_eq!(content(&events), "你好，世界 🌏");
    let sent = &server.requests()[0];
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", "/v1/chat/completions")
    );
    assert_eq!(
        sent.header("authorization"),
        Some("Bearer gw-key-0123456789")
    );
    assert_eq!(sent.header("accept"), Some("application/json"));
    assert_eq!(
        sent.json(),
        serde_json::json!({
            "messages": sent_messages(),
            "session_id": "ocrchat-7",
        })
    );
}

fn ws_provider(server: &WsServer) -> ProviderConfig {
    provider(ApiStyle::WebSocket, &server.endpoint)
}

fn deltas(texts: &[&str]) -> Vec<WsStep> {
    texts
        .iter()
        .map(|t| WsStep::Text(serde_json::json!({ "delta": t }).to_string()))
        .collect()
}

#[tokio::test]
async fn websocket_stream_until_close_with_request_shape() {
    let server = WsServer::start(|_| {
        let mut steps = deltas(&["你好，", "世界", " 🌏"]);
        steps.push(WsStep::Close(1000, String::new()));
        steps
    });
    let key = ApiKey::new("gw-key-0123456789").unwrap();
    let (events, error) = run(&client(), &ws_provider(&server), Some(&key)).await;
    assert_eq!(error, None);
    assert_eq!(content(&events), "你好，世界 🌏");
    let sent = &server.requests()[0];
    assert_eq!(sent.path, "/v1/stream");
    assert_eq!(
        sent.header("authorization"),
        Some("Bearer gw-key-0123456789")
    );
    assert_eq!(
        sent.json(),
        serde_json::json!({
            "messages": sent_messages(),
            "stream": true,
        })
    );
}

#[tokio::test]
async fn websocket_error_close_and_a_drop_mid_reply_keep_the_partial_text() {
    let server = WsServer::start(|n| {
        let mut steps = deltas(&["部分"]);
        steps.push(match n {
            0 => WsStep::Close(1011, "upstream model failed".into()),
            1 => WsStep::Text(r#"{"error":{"message":"quota exceeded"}}"#.into()),
            _ => WsStep::Drop,
        });
        steps
    });
    let provider = ws_provider(&server);
    for needle in [
        "upstream model failed (close code 1011)",
        "quota exceeded",
        "broke mid-reply",
    ] {
        let (events, error) = run(&client(), &provider, None).await;
        assert_eq!(content(&events), "部分");
        let error = error.unwrap().to_string();
        assert!(error.contains(needle), "{needle}: {error}");
    }
}

#[tokio::test]
async fn model_lists_come_from_each_styles_documented_path() {
    let server = MockServer::start(|_, request| match request.path.as_str() {
        "/v1/models" if request.header("x-api-key").is_some() => Reply::json(
            200,
            r#"{"data":[{"type":"model","id":"claude-b"},{"type":"model","id":"claude-a"}],"has_more":false}"#,
        ),
        "/v1/models" => Reply::json(
            200,
            r#"{"object":"list","data":[{"id":"gpt-b","object":"model"},{"id":"gpt-a","object":"model"}]}"#,
        ),
        "/api/tags" => Reply::json(200, r#"{"models":[{"name":"llama3.2:latest","size":1}]}"#),
        _ => Reply::json(404, r#"{"error":"no"}"#),
    });
    let key = ApiKey::new("sk-list-0123456789").unwrap();
    let cases = [
        (
            ApiStyle::OpenAiCompatible,
            server.base_url.clone(),
            vec!["gpt-a", "gpt-b"],
        ),
        (
            ApiStyle::Anthropic,
            host_base(&server),
            vec!["claude-a", "claude-b"],
        ),
        (
            ApiStyle::Ollama,
            host_base(&server),
            vec!["llama3.2:latest"],
        ),
    ];
    for (style, base, expected) in cases {
        let models = client()
            .list_models(&provider(style, &base), Some(&key))
            .await
            .unwrap();
        assert_eq!(models, expected, "{style:?}");
    }
    let anthropic = &server.requests()[1];
    assert_eq!(anthropic.method, "GET");
    assert_eq!(anthropic.header("anthropic-version"), Some("2023-06-01"));

    let refused = MockServer::always(Reply::json(
        401,
        r#"{"error":{"message":"bad key sk-list-0123456789"}}"#,
    ));
    let err = client()
        .list_models(
            &provider(ApiStyle::OpenAiCompatible, &refused.base_url),
            Some(&key),
        )
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("(401): bad key ***"), "{err}");
    let rest = provider(ApiStyle::Rest, &format!("{}/chat", server.base_url));
    let err = client()
        .list_models(&rest, None)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("has no model list"), "{err}");
}

/// A question with an image, as each style puts it on the wire (issue 10 §6): `OpenAI`
/// content parts with a `data:` URL, Anthropic base64 image blocks before the text, Ollama's
/// `images` list of bare base64, and the plain REST protocol the text alone (it has no image
/// field).
#[tokio::test]
async fn images_reach_each_wire_in_its_documented_shape() {
    let image = ocrchat::llm::ImagePart {
        media_type: "image/png",
        base64: "iVBORw0KGgo=".into(),
        width: 4,
        height: 3,
    };
    let mut question = ChatMessage::text(Role::User, "What is in it?");
    question.images = vec![image];
    let request = ChatRequest {
        model: "test-model".into(),
        messages: vec![question],
        max_tokens: Some(256),
        temperature: None,
        stream_usage: false,
        session_id: None,
    };
    let sent = |style, body: &'static str, content_type: &'static str| {
        let request = request.clone();
        async move {
            let server = MockServer::always(Reply::typed(200, content_type, body));
            let base = if style == ApiStyle::OpenAiCompatible || style == ApiStyle::Rest {
                server.base_url.clone()
            } else {
                host_base(&server)
            };
            let stream = client().stream(&provider(style, &base), None, &request);
            let (_, error) = support::server::collect(stream, Duration::from_secs(20)).await;
            assert_eq!(error, None, "{style:?}");
            server.requests()[0].json()["messages"].clone()
        }
    };
    let openai = sent(
        ApiStyle::OpenAiCompatible,
        "data: {\"choices\":[{\"delta\":{\"content\":\"ok\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n",
        "text/event-stream",
    )
    .await;
    assert_eq!(
        openai,
        serde_json::json!([{"role": "user", "content": [
            {"type": "text", "text": "What is in it?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        ]}])
    );
    let anthropic = sent(ApiStyle::Anthropic, ANTHROPIC_STREAM, "text/event-stream").await;
    assert_eq!(anthropic[0]["role"], "user");
    let blocks = anthropic[0]["content"].as_array().unwrap();
    assert_eq!(blocks.len(), 2);
    assert_eq!(blocks[0]["type"], "image");
    assert_eq!(blocks[0]["source"]["type"], "base64");
    assert_eq!(blocks[0]["source"]["media_type"], "image/png");
    assert_eq!(blocks[0]["source"]["data"], "iVBORw0KGgo=");
    assert_eq!(
        blocks[1],
        serde_json::json!({"type": "text", "text": "What is in it?"})
    );
    let ollama = sent(ApiStyle::Ollama, OLLAMA_STREAM, "application/x-ndjson").await;
    assert_eq!(
        ollama,
        serde_json::json!([{"role": "user", "content": "What is in it?", "images": ["iVBORw0KGgo="]}])
    );
    let rest = sent(
        ApiStyle::Rest,
        "{\"choices\":[{\"message\":{\"content\":\"ok\"}}]}",
        "application/json",
    )
    .await;
    assert_eq!(
        rest,
        serde_json::json!([{"role": "user", "content": "What is in it?"}])
    );
}
