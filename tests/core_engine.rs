//! The core driven through `CoreHandle`, as the window and the CLI drive it: history across
//! restarts, follow-up questions, opening a conversation mid-reply, closing mid-reply.

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
use ocrchat::store::{ConversationId, MessageStatus, NewMessage, Store};
use support::{Driver, MockServer, Reply, TestEnv, sse_body, sse_chunk};

fn seed(env: &TestEnv, server: &MockServer) {
    let mut settings = Settings::default();
    settings.upsert(ProviderConfig::new("Local", &server.base_url, "m"));
    settings.save(&env.paths.config_file()).unwrap();
}

fn conversation_of(events: &[Event]) -> ConversationId {
    events
        .iter()
        .find_map(|e| match e {
            Event::ConversationOpened { id: Some(id), .. } => Some(*id),
            _ => None,
        })
        .expect("a conversation was opened")
}

#[test]
fn conversations_persist_across_restarts_and_follow_ups_send_history() {
    let server = MockServer::start(|n, _| Reply::sse(sse_body(&[&format!("回答{n}")])));
    let env = TestEnv::new("restart");
    seed(&env, &server);

    let mut driver = Driver::start(&env);
    let events = driver.ask(None, "第一个问题");
    let id = conversation_of(&events);
    driver.ask(Some(id), "follow-up");
    // The follow-up carried the whole conversation.
    let second = server.requests()[1].json();
    let roles: Vec<_> = second["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(roles, ["user", "assistant", "user"]);
    assert_eq!(second["messages"][1]["content"], "回答0");
    driver.shutdown();

    // A new core on the same files lists the conversation and opens it.
    let mut driver = Driver::start(&env);
    let events = driver.until(|e| matches!(e, Event::Conversations(list) if !list.is_empty()));
    let Some(Event::Conversations(list)) = events.last() else {
        unreachable!()
    };
    assert_eq!(list[0].title, "第一个问题");
    driver
        .core()
        .send(Command::OpenConversation { id })
        .unwrap();
    let events = driver.until(|e| matches!(e, Event::ConversationOpened { .. }));
    let Some(Event::ConversationOpened { messages, .. }) = events.last() else {
        unreachable!()
    };
    let shown: Vec<(Role, &str, MessageStatus)> = messages
        .iter()
        .map(|m| (m.role, m.content.as_str(), m.status))
        .collect();
    assert_eq!(
        shown,
        [
            (Role::User, "第一个问题", MessageStatus::Complete),
            (Role::Assistant, "回答0", MessageStatus::Complete),
            (Role::User, "follow-up", MessageStatus::Complete),
            (Role::Assistant, "回答1", MessageStatus::Complete),
        ]
    );
    driver.shutdown();
}

#[test]
fn opening_a_conversation_mid_reply_shows_each_token_once() {
    let tokens: Vec<String> = (0..60).map(|i| format!("t{i} ")).collect();
    let pieces = tokens
        .iter()
        .map(|t| sse_chunk(t).into_bytes())
        .chain([b"data: [DONE]\n\n".to_vec()])
        .collect();
    let server = MockServer::always(Reply::sse_pieces(pieces, Duration::from_millis(5)));
    let env = TestEnv::new("midopen");
    seed(&env, &server);
    let mut driver = Driver::start(&env);
    driver.send_question(None, "go");
    let events = driver.until(|e| matches!(e, Event::Delta { text, .. } if text == "t10 "));
    let id = conversation_of(&events);
    driver
        .core()
        .send(Command::OpenConversation { id })
        .unwrap();
    // Rebuild the reply as the window does: the snapshot, then every later delta.
    let mut reply = None::<String>;
    let events = driver.until(|e| matches!(e, Event::MessageFinished { .. }));
    for event in events {
        match event {
            Event::ConversationOpened { messages, .. } => reply = Some(messages[1].content.clone()),
            Event::Delta { text, .. } => {
                if let Some(reply) = reply.as_mut() {
                    reply.push_str(&text);
                }
            }
            _ => {}
        }
    }
    assert_eq!(reply.unwrap(), tokens.concat());
    driver.shutdown();
}

#[test]
fn closing_mid_reply_keeps_the_text_so_far() {
    let pieces = (0..500)
        .map(|i| sse_chunk(&format!("w{i} ")).into_bytes())
        .collect();
    let server = MockServer::always(Reply::sse_pieces(pieces, Duration::from_millis(10)));
    let env = TestEnv::new("close");
    seed(&env, &server);
    let mut driver = Driver::start(&env);
    driver.send_question(None, "long");
    let events = driver.until(|e| matches!(e, Event::Delta { text, .. } if text == "w5 "));
    let id = conversation_of(&events);
    driver.shutdown();
    let store = Store::open(&env.database()).unwrap();
    let messages = store.messages(id).unwrap();
    assert_eq!(messages[1].status, MessageStatus::Stopped);
    assert!(
        messages[1].content.starts_with("w0 w1 w2 w3 w4 w5 "),
        "{}",
        messages[1].content
    );
}

#[test]
fn a_reply_left_streaming_by_a_crash_reads_as_interrupted_but_a_live_one_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite3");
    let (crashed, live) = {
        let store = Store::open(&path).unwrap();
        let id = store.create_conversation("crash").unwrap();
        let crashed = store.add_message(id, &NewMessage::reply("p", "m")).unwrap();
        let live = store.add_message(id, &NewMessage::reply("p", "m")).unwrap();
        store.append_reply(crashed.id, "half", "").unwrap();
        (crashed.id, live.id)
    };
    // The first reply's process has ended (no such pid); the second is this test process,
    // as when the window is streaming while `ocrchat ask` opens the same file.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "UPDATE messages SET stream_owner = '4294967295:1' WHERE id = ?1",
        [crashed.0],
    )
    .unwrap();
    drop(conn);
    let store = Store::open(&path).unwrap();
    let messages = store.messages(ConversationId(1)).unwrap();
    let status = |id| messages.iter().find(|m| m.id == id).unwrap().status;
    assert_eq!(status(crashed), MessageStatus::Interrupted);
    assert_eq!(messages[0].content, "half");
    if cfg!(target_os = "linux") {
        assert_eq!(status(live), MessageStatus::Streaming);
    }
    assert_eq!(ocrchat::store::latest_version(), 6);
}

#[test]
fn sending_with_no_provider_and_a_broken_config_are_explained() {
    let env = TestEnv::new("noprov");
    let mut driver = Driver::start(&env);
    driver.send_question(None, "hi");
    let message = driver.next_error();
    assert!(
        message.starts_with("No provider is set up yet. Add one in Settings → Providers"),
        "{message}"
    );
    driver.shutdown();

    std::fs::create_dir_all(&env.paths.config_dir).unwrap();
    std::fs::write(env.paths.config_file(), "[[provider]]\nname = 3\n").unwrap();
    let mut driver = Driver::start(&env);
    let message = driver.next_error();
    assert!(
        message.contains("config.toml") && message.contains("is not valid"),
        "{message}"
    );
    driver.shutdown();
}
