//! Issue 9 §4: an error notice the window shows goes away by itself when its cause is gone:
//! a Retry refused because a reply still streams is taken away when that reply ends.

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
use ocrchat::core::{Command, Event, NoticeCause};
use ocrchat::llm::ProviderConfig;
use ocrchat::ui::state::UiState;
use support::{Driver, MockServer, Reply, TestEnv, sse_chunk};

#[test]
fn a_retry_refused_while_a_reply_streams_is_taken_away_when_it_ends() {
    let pieces = (0..40)
        .map(|i| sse_chunk(&format!("t{i} ")).into_bytes())
        .chain([b"data: [DONE]\n\n".to_vec()])
        .collect();
    let server = MockServer::always(Reply::sse_pieces(pieces, Duration::from_millis(10)));
    let env = TestEnv::new("notices");
    let mut settings = Settings::default();
    settings.upsert(ProviderConfig::new("Local", &server.base_url, "m"));
    settings.save(&env.paths.config_file()).unwrap();
    let mut driver = Driver::start(&env);
    let mut state = UiState::default();

    driver.send_question(None, "go");
    let events = driver.until(|e| matches!(e, Event::Delta { .. }));
    let id = events
        .iter()
        .find_map(|e| match e {
            Event::ConversationOpened { id: Some(id), .. } => Some(*id),
            _ => None,
        })
        .unwrap();
    for event in events {
        state.apply(event);
    }
    driver
        .core()
        .send(Command::Retry { conversation: id })
        .unwrap();
    let events = driver.until(|e| matches!(e, Event::Notice { .. }));
    assert!(matches!(
        events.last(),
        Some(Event::Notice { cause: NoticeCause::Streaming(c), message })
            if *c == id && message.contains("still streaming")
    ));
    for event in events {
        state.apply(event);
    }
    assert_eq!(state.errors.len(), 1, "{:?}", state.errors);

    // The reply ends: the notice goes by itself.
    let events = driver.until(|e| matches!(e, Event::NoticeGone { .. }));
    for event in events {
        state.apply(event);
    }
    assert!(state.errors.is_empty(), "{:?}", state.errors);
    driver.shutdown();
}

#[test]
fn a_history_notice_goes_when_the_history_answers_and_other_errors_stay() {
    let mut state = UiState::default();
    state.apply(Event::Error("The key was not saved.".into()));
    state.apply(Event::Notice {
        cause: NoticeCause::History,
        message: "The history database failed: disk I/O error.".into(),
    });
    assert_eq!(state.errors.len(), 2);
    state.apply(Event::NoticeGone {
        cause: NoticeCause::History,
    });
    assert_eq!(state.errors, ["The key was not saved."]);
    assert!(state.notice_causes.is_empty());
}
