//! The request history the engine keeps and its cut to the model's context window (issue #9
//! §5), through `CoreHandle` against a local server: a long conversation and a small window
//! send only the newest whole turns and say where they start; follow-ups, Retry and a delete
//! keep the kept history current; a question does not read the history again. What a reply
//! leaves besides its text survives a restart: the cut and the token counts (§4).

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

use ocrchat::config::Settings;
use ocrchat::core::{Command, Event};
use ocrchat::llm::{ModelSettings, ProviderConfig};
use ocrchat::store::{ConversationId, MessageId, MessageStatus, NewMessage, Store};
use support::{Driver, MockServer, Reply, TestEnv, sse_body};

/// A provider whose model has a 2,000-token window and 200-token replies: 1,800 tokens of
/// history, about 7,000 Latin characters.
fn seed_small_window(env: &TestEnv, server: &MockServer) {
    let mut provider = ProviderConfig::new("Local", &server.base_url, "small");
    provider.models.push(ModelSettings {
        name: "small".into(),
        context_window: Some(2_000),
        max_tokens: Some(200),
        ..ModelSettings::default()
    });
    let mut settings = Settings::default();
    settings.upsert(provider);
    settings.save(&env.paths.config_file()).unwrap();
}

/// 100 turns of ~400 characters (~100 tokens) per message, straight into the history file.
fn seed_long_conversation(env: &TestEnv) -> (ConversationId, Vec<MessageId>) {
    let store = Store::open(&env.database()).unwrap();
    let id = store.create_conversation("long").unwrap();
    let mut ids = Vec::new();
    for turn in 0..100 {
        for (question, role) in [
            (true, ocrchat::llm::Role::User),
            (false, ocrchat::llm::Role::Assistant),
        ] {
            let tag = if question { "q" } else { "a" };
            let content = format!("{tag}{turn}: {}", "lorem ipsum ".repeat(33));
            let new = NewMessage {
                role,
                content: &content,
                status: MessageStatus::Complete,
                provider: None,
                model: None,
            };
            ids.push(store.add_message(id, &new).unwrap().id);
        }
    }
    (id, ids)
}

/// The contents a request sent, in order.
fn sent(server: &MockServer, index: usize) -> Vec<String> {
    server.requests()[index].json()["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap().to_owned())
        .collect()
}

fn open(driver: &mut Driver, id: ConversationId) {
    driver
        .core()
        .send(Command::OpenConversation { id })
        .unwrap();
    driver.until(|e| matches!(e, Event::ConversationOpened { .. }));
}

fn cut_of(events: &[Event]) -> (Option<MessageId>, u32) {
    events
        .iter()
        .find_map(|e| match e {
            Event::ContextCut {
                first_sent,
                context_window,
                ..
            } => Some((*first_sent, *context_window)),
            _ => None,
        })
        .expect("the request said where its history starts")
}

#[test]
fn a_long_conversation_sends_only_the_newest_whole_turns_that_fit() {
    let server = MockServer::start(|n, _| Reply::sse(sse_body(&[&format!("reply {n}")])));
    let env = TestEnv::new("ctxcut");
    seed_small_window(&env, &server);
    let (id, ids) = seed_long_conversation(&env);
    let mut driver = Driver::start(&env);
    open(&mut driver, id);

    let events = driver.ask(Some(id), "the newest question");
    let contents = sent(&server, 0);
    // Whole turns only: an odd count of history messages, question last, a question first.
    assert_eq!(contents.last().unwrap(), "the newest question");
    assert!(
        contents.len() > 3 && contents.len() % 2 == 1,
        "{}",
        contents.len()
    );
    assert!(contents[0].starts_with('q'), "{}", &contents[0][..10]);
    let turns = (contents.len() - 1) / 2;
    assert!(turns < 100, "nothing was cut");
    // The newest turns, in order: q99/a99 right before the question.
    assert!(contents[contents.len() - 2].starts_with("a99:"));
    assert!(contents[0].starts_with(&format!("q{}:", 100 - turns)));
    let chars: usize = contents.iter().map(String::len).sum();
    assert!(chars <= 1_800 * 4, "{chars} characters exceed the window");
    // The event names the first message sent and the window.
    let (first_sent, window) = cut_of(&events);
    assert_eq!(first_sent, Some(ids[2 * (100 - turns)]));
    assert_eq!(window, 2_000);

    // A follow-up sends the previous reply as the engine kept it, not re-read.
    let events = driver.ask(Some(id), "and then?");
    let contents = sent(&server, 1);
    assert_eq!(
        &contents[contents.len() - 3..],
        ["the newest question", "reply 0", "and then?"]
    );
    let (first_after_follow_up, _) = cut_of(&events);
    assert!(first_after_follow_up.is_some());
    driver.shutdown();

    // After a restart, opening the conversation says where the last request started.
    let mut driver = Driver::start(&env);
    driver
        .core()
        .send(Command::OpenConversation { id })
        .unwrap();
    let events = driver.until(|e| matches!(e, Event::ContextCut { .. }));
    assert_eq!(cut_of(&events), (first_after_follow_up, 2_000));
    driver.shutdown();
}

#[test]
fn the_kept_history_follows_retry_and_delete_and_is_not_read_per_question() {
    let server = MockServer::start(|n, _| Reply::sse(sse_body(&[&format!("reply {n}")])));
    let env = TestEnv::new("ctxkeep");
    seed_small_window(&env, &server);
    let mut driver = Driver::start(&env);
    let events = driver.ask(None, "first");
    let id = events
        .iter()
        .find_map(|e| match e {
            Event::ConversationOpened { id: Some(id), .. } => Some(*id),
            _ => None,
        })
        .unwrap();
    // Everything fits: the event says so.
    assert_eq!(cut_of(&events).0, None);

    // Retry: the retried reply is left out; the next question sends only the newer reply.
    driver
        .core()
        .send(Command::Retry { conversation: id })
        .unwrap();
    driver.until(|e| matches!(e, Event::MessageFinished { .. }));
    assert_eq!(sent(&server, 1), ["first"]);
    driver.ask(Some(id), "second");
    assert_eq!(sent(&server, 2), ["first", "reply 1", "second"]);

    // The engine keeps the history: a change behind its back in the file is not re-read.
    let other = rusqlite::Connection::open(env.database()).unwrap();
    let changed = other
        .execute(
            "UPDATE messages SET content = 'changed on disk' WHERE content = 'first'",
            [],
        )
        .unwrap();
    assert_eq!(changed, 1);
    driver.ask(Some(id), "third");
    assert_eq!(sent(&server, 3)[0], "first");

    // Deleted: a question naming it starts a new conversation with no history.
    driver
        .core()
        .send(Command::DeleteConversation { id })
        .unwrap();
    driver.until(|e| matches!(e, Event::ConversationDeleted { .. }));
    driver.ask(Some(id), "after the delete");
    assert_eq!(sent(&server, 4), ["after the delete"]);
    driver.shutdown();
}

#[test]
fn token_counts_are_kept_after_a_restart() {
    // `sse_body` ends with a usage chunk: 9 prompt tokens, 3 completion tokens.
    let server = MockServer::always(Reply::sse(sse_body(&["counted"])));
    let env = TestEnv::new("ctxusage");
    seed_small_window(&env, &server);
    let mut driver = Driver::start(&env);
    let events = driver.ask(None, "count me");
    let (id, reply) = events
        .iter()
        .find_map(|e| match e {
            Event::MessageFinished {
                conversation,
                message,
                usage: Some(_),
                ..
            } => Some((*conversation, *message)),
            _ => None,
        })
        .expect("the reply had usage");
    driver.until(|e| matches!(e, Event::SaveState { .. }));
    driver.shutdown();

    let mut driver = Driver::start(&env);
    driver
        .core()
        .send(Command::OpenConversation { id })
        .unwrap();
    let events = driver.until(|e| matches!(e, Event::UsageLoaded { .. }));
    let Some(Event::UsageLoaded { usage, .. }) = events.last() else {
        unreachable!()
    };
    assert_eq!(usage.len(), 1);
    assert_eq!(usage[0].0, reply);
    assert_eq!(
        (usage[0].1.prompt_tokens, usage[0].1.completion_tokens),
        (9, 3)
    );
    driver.shutdown();
}

#[test]
fn a_window_larger_than_what_the_engine_keeps_still_gets_the_whole_history() {
    let server = MockServer::always(Reply::sse(sse_body(&["ok"])));
    let env = TestEnv::new("ctxhuge");
    let mut provider = ProviderConfig::new("Local", &server.base_url, "huge");
    provider.models.push(ModelSettings {
        name: "huge".into(),
        context_window: Some(1_000_000),
        ..ModelSettings::default()
    });
    let mut settings = Settings::default();
    settings.upsert(provider);
    settings.save(&env.paths.config_file()).unwrap();
    // 300 messages of ~1,000 tokens: more than the engine keeps (256k), less than the window.
    let store = Store::open(&env.database()).unwrap();
    let id = store.create_conversation("huge").unwrap();
    for i in 0..300 {
        let role = [ocrchat::llm::Role::User, ocrchat::llm::Role::Assistant][i % 2];
        let content = format!("m{i} {}", "y".repeat(4_000));
        let new = NewMessage {
            role,
            content: &content,
            status: MessageStatus::Complete,
            provider: None,
            model: None,
        };
        store.add_message(id, &new).unwrap();
    }
    drop(store);
    let mut driver = Driver::start(&env);
    open(&mut driver, id);
    let events = driver.ask(Some(id), "all of it?");
    assert_eq!(sent(&server, 0).len(), 301);
    assert_eq!(cut_of(&events).0, None);
    driver.shutdown();
}
