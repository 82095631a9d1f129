//! Continue, through the core as the window drives it: a reply whose connection broke after
//! the first token keeps its text; Continue sends it back as the last assistant turn and
//! appends the new text to the same reply, in the window's events and in the store.

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

use ocrchat::config::Settings;
use ocrchat::core::{Command, Event};
use ocrchat::llm::{ProviderConfig, Role};
use ocrchat::store::MessageStatus;
use support::{Driver, MockServer, Reply, TestEnv, sse_body, sse_chunk};

#[test]
fn continue_appends_to_the_cut_off_reply() {
    let server = MockServer::start(|n, _| match n {
        0 => Reply::Sse {
            pieces: vec![sse_chunk("Hello, ").into_bytes()],
            gap: Duration::ZERO,
            abort: true,
        },
        _ => Reply::sse(sse_body(&["world", "!"])),
    });
    let env = TestEnv::new("continue");
    let mut settings = Settings::default();
    settings.upsert(ProviderConfig::new("Local", &server.base_url, "m"));
    settings.save(&env.paths.config_file()).unwrap();
    let mut driver = Driver::start(&env);

    let events = driver.ask(None, "Say hello");
    let (conversation, reply, status) = events
        .iter()
        .find_map(|e| match e {
            Event::MessageFinished {
                conversation,
                message,
                status,
                ..
            } => Some((*conversation, *message, *status)),
            _ => None,
        })
        .unwrap();
    assert_eq!(status, MessageStatus::Failed, "the broken stream failed");

    driver
        .core()
        .send(Command::Continue { conversation })
        .unwrap();
    let events = driver.until(|e| matches!(e, Event::MessageFinished { .. }));
    // The same reply streams again, and only the new text arrives as deltas.
    assert!(events.iter().any(|e| matches!(e,
        Event::MessageAdded(m) if m.id == reply && m.status == MessageStatus::Streaming && m.content == "Hello, ")));
    let deltas: String = events
        .iter()
        .filter_map(|e| match e {
            Event::Delta { message, text, .. } if *message == reply => Some(text.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(deltas, "world!");
    assert!(events.iter().any(|e| matches!(e,
        Event::MessageFinished { message, status: MessageStatus::Complete, .. } if *message == reply)));

    // The request carried the partial reply as the last assistant turn.
    let sent = server.requests()[1].json();
    assert_eq!(
        sent["messages"],
        serde_json::json!([
            {"role": "user", "content": "Say hello"},
            {"role": "assistant", "content": "Hello, "},
        ])
    );

    // The store holds one reply with the whole text.
    driver
        .core()
        .send(Command::OpenConversation { id: conversation })
        .unwrap();
    let events = driver.until(|e| matches!(e, Event::ConversationOpened { .. }));
    let Some(Event::ConversationOpened { messages, .. }) = events.last() else {
        unreachable!()
    };
    let shown: Vec<_> = messages
        .iter()
        .map(|m| (m.role, m.content.as_str(), m.status))
        .collect();
    assert_eq!(
        shown,
        [
            (Role::User, "Say hello", MessageStatus::Complete),
            (Role::Assistant, "Hello, world!", MessageStatus::Complete),
        ]
    );

    // A complete reply has nothing to continue.
    driver
        .core()
        .send(Command::Continue { conversation })
        .unwrap();
    assert!(driver.next_error().contains("no cut-off reply to continue"));
    assert_eq!(server.requests().len(), 2);
    driver.shutdown();
}
