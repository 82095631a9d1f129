//! Issue 9 §2: the window's state at the edges, driven through the real `App` with
//! `egui_kittest` on a real core, a real SQLite file and a scripted server on 127.0.0.1.
//! Deleting the open conversation (even mid-reply), a refused question keeping its text,
//! Enter while a reply streams, jumping to the latest message, a silent model, and a long
//! retry note.

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

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use ocrchat::core::CoreHandle;
use ocrchat::store::{MessageStatus, Store};
use ocrchat::ui::App;
use ocrchat::ui::strings::Lang;
use support::gui::{
    app_with_provider, seed_conversation, seed_provider, step_until, type_question, wait_for_reply,
};
use support::{MockServer, Reply, TestEnv, sse_body, sse_chunk, wait_until};

/// A server whose reply streams for ~10 s, one piece every 25 ms.
fn slow_server() -> MockServer {
    let pieces = (0..400)
        .map(|i| sse_chunk(&format!("片段{i} ")).into_bytes())
        .collect();
    MockServer::always(Reply::sse_pieces(pieces, Duration::from_millis(25)))
}

fn streamed_some(app: &App) -> bool {
    app.state()
        .messages
        .get(1)
        .is_some_and(|m| m.content.len() > 10)
}

#[test]
fn deleting_the_open_conversation_mid_reply_leaves_an_empty_chat_and_asks_first() {
    let server = slow_server();
    let runtime = support::runtime();
    let (env, mut harness) = app_with_provider("gui-delete-open", &server, &runtime);
    type_question(&mut harness, "要删除的对话");
    harness.key_press(egui::Key::Enter);
    step_until(&mut harness, "some streamed text", streamed_some);
    // The sidebar marks the conversation as streaming.
    harness.get_by_label("A reply is streaming in this conversation");

    harness
        .get_by_role_and_label(Role::Button, "要删除的对话")
        .click_secondary();
    harness.run_steps(2);
    harness.get_by_label("Delete conversation").click();
    harness.run_steps(2);
    // Asked first: nothing is deleted yet.
    harness.get_by_label_contains("Delete “要删除的对话” and all its messages?");
    assert_eq!(harness.state().state().conversations.len(), 1);
    harness.get_by_label("Delete").click();
    step_until(&mut harness, "the empty chat", |app| {
        app.state().conversations.is_empty() && app.state().messages.is_empty()
    });
    harness.run_steps(2);
    let state = harness.state().state();
    assert_eq!(state.current, None);
    assert!(state.streaming.is_empty(), "{:?}", state.streaming);
    harness.get_by_label("Ask a question to start");
    assert!(harness.query_by_label("Stop").is_none(), "no Stop is left");
    assert!(harness.query_by_label_contains("片段").is_none());

    // The next question starts a new conversation, shown with only its own messages.
    type_question(&mut harness, "新的问题");
    harness.key_press(egui::Key::Enter);
    step_until(&mut harness, "the new conversation", |app| {
        app.state().messages.len() == 2 && app.state().conversations.len() == 1
    });
    let state = harness.state().state();
    assert_eq!(state.current, Some(state.conversations[0].id));
    assert_eq!(state.messages[0].content, "新的问题");
    harness.key_press(egui::Key::Escape);
    wait_for_reply(&mut harness, MessageStatus::Stopped);
    drop(harness);
    let store = Store::open(&env.database()).unwrap();
    let list = store.list_conversations().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(store.messages(list[0].id).unwrap()[0].content, "新的问题");
}

#[test]
fn a_refused_question_keeps_its_text_with_the_reason() {
    let server = MockServer::always(Reply::sse(sse_body(&["好的"])));
    let runtime = support::runtime();
    let (env, mut harness) = app_with_provider("gui-refused", &server, &runtime);
    // The database refuses new messages (as a full disk would).
    let db = rusqlite::Connection::open(env.database()).unwrap();
    db.execute_batch(
        "CREATE TRIGGER refuse BEFORE INSERT ON messages
         BEGIN SELECT RAISE(FAIL, 'database or disk is full (test)'); END;",
    )
    .unwrap();
    type_question(&mut harness, "保留这段文字");
    harness.key_press(egui::Key::Enter);
    step_until(&mut harness, "the refusal", |app| {
        app.composer_notice().is_some()
    });
    assert_eq!(harness.state().draft(), "保留这段文字", "the text is kept");
    let notice = harness.state().composer_notice().unwrap().to_owned();
    assert!(notice.contains("disk is full (test)"), "{notice}");
    harness.get_by_label_contains("disk is full (test)");
    assert!(harness.state().state().messages.is_empty());

    // Once the cause is gone, Enter sends the same text, and only then is it cleared.
    db.execute_batch("DROP TRIGGER refuse;").unwrap();
    harness
        .get_by_role_and_label(Role::MultilineTextInput, "Message")
        .focus();
    harness.step();
    harness.key_press(egui::Key::Enter);
    wait_for_reply(&mut harness, MessageStatus::Complete);
    assert_eq!(harness.state().draft(), "");
    assert_eq!(harness.state().composer_notice(), None);
    assert_eq!(harness.state().state().messages[0].content, "保留这段文字");
}

#[test]
fn enter_while_a_reply_streams_refuses_with_a_hint_and_never_merges_questions() {
    let server = slow_server();
    let runtime = support::runtime();
    let (_env, mut harness) = app_with_provider("gui-enter-streaming", &server, &runtime);
    type_question(&mut harness, "first");
    harness.key_press(egui::Key::Enter);
    step_until(&mut harness, "some streamed text", streamed_some);
    type_question(&mut harness, "second");
    harness.key_press(egui::Key::Enter);
    harness.run_steps(2);
    assert_eq!(harness.state().draft(), "second", "kept, not sent");
    harness.get_by_label_contains("A reply is still streaming");
    harness
        .get_by_role_and_label(Role::MultilineTextInput, "Message")
        .type_text(" question");
    harness.key_press(egui::Key::Escape);
    wait_for_reply(&mut harness, MessageStatus::Stopped);
    // The hint's cause is gone; Enter now sends the draft as one question.
    assert!(
        harness
            .query_by_label_contains("A reply is still streaming")
            .is_none()
    );
    harness
        .get_by_role_and_label(Role::MultilineTextInput, "Message")
        .focus();
    harness.step();
    harness.key_press(egui::Key::Enter);
    step_until(&mut harness, "the second question", |app| {
        app.state().messages.len() >= 3
    });
    let messages = &harness.state().state().messages;
    assert_eq!(messages[0].content, "first");
    assert_eq!(messages[2].content, "second question");
    harness.key_press(egui::Key::Escape);
    harness.run_steps(2);
}

/// Scrolls the conversation up by `points` with the mouse wheel over it.
fn scroll_up(harness: &mut Harness<'_, App>, points: f32) {
    harness.hover_at(egui::pos2(600.0, 300.0));
    harness.event(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: egui::vec2(0.0, points),
        phase: egui::TouchPhase::Move,
        modifiers: egui::Modifiers::NONE,
        source: egui::MouseWheelSource::Wheel,
    });
    harness.run_steps(30);
}

#[test]
fn sending_while_scrolled_up_jumps_to_the_latest_and_a_button_offers_it() {
    let server = MockServer::always(Reply::sse(sse_body(&["最新的回答"])));
    let env = TestEnv::new("gui-jump");
    seed_provider(&env, &server);
    seed_conversation(&env, "长对话", 200, |i| {
        format!("message {i}\n\nline two of {i}")
    });
    let runtime = support::runtime();
    let mut harness = support::gui::app_harness(&env, &runtime);
    step_until(&mut harness, "the history", |app| {
        !app.state().conversations.is_empty() && app.state().active_provider.is_some()
    });
    harness.get_by_label("长对话").click();
    step_until(&mut harness, "200 messages", |app| {
        app.state().messages.len() == 200
    });
    harness.run_steps(3);
    assert!(harness.state().is_at_latest());
    assert!(harness.query_by_label("Jump to latest").is_none());

    scroll_up(&mut harness, 3000.0);
    assert!(!harness.state().is_at_latest(), "scrolled up");
    assert!(harness.query_by_label_contains("message 199").is_none());
    harness.get_by_label("Jump to latest").click();
    harness.run_steps(4);
    assert!(harness.state().is_at_latest());
    harness.get_by_label_contains("message 199");
    assert!(harness.query_by_label("Jump to latest").is_none());

    scroll_up(&mut harness, 3000.0);
    type_question(&mut harness, "刚发送的问题");
    harness.key_press(egui::Key::Enter);
    wait_until("the reply", Duration::from_secs(20), || {
        harness.step();
        harness
            .state()
            .state()
            .messages
            .get(201)
            .is_some_and(|m| m.status == MessageStatus::Complete)
    });
    harness.run_steps(4);
    assert!(harness.state().is_at_latest());
    harness.get_by_label("刚发送的问题");
    harness.get_by_label_contains("最新的回答");
}

#[test]
fn a_silent_model_is_named_beside_stop() {
    // One piece, then nothing for a long time.
    let pieces = vec![
        sse_chunk("开始").into_bytes(),
        sse_chunk("很久以后").into_bytes(),
    ];
    let server = MockServer::always(Reply::sse_pieces(pieces, Duration::from_secs(30)));
    let env = TestEnv::new("gui-silent");
    seed_provider(&env, &server);
    let runtime = support::runtime();
    let core = CoreHandle::start(runtime.handle(), env.options()).unwrap();
    let mut harness = Harness::builder()
        .with_size([1100.0, 760.0])
        .build_eframe(|cc| {
            App::with_lang(cc, core, Lang::En).with_silence_notice_after(Duration::from_millis(300))
        });
    step_until(&mut harness, "the provider", |app| {
        app.state().active_provider.is_some()
    });
    type_question(&mut harness, "慢慢来");
    harness.key_press(egui::Key::Enter);
    step_until(&mut harness, "the first piece", |app| {
        app.state()
            .messages
            .get(1)
            .is_some_and(|m| m.content == "开始")
    });
    wait_until("the silence notice", Duration::from_secs(10), || {
        harness.step();
        harness
            .query_by_label_contains("Waiting for the model — no data for")
            .is_some()
    });
    harness.get_by_label("Stop");
    harness.key_press(egui::Key::Escape);
    wait_for_reply(&mut harness, MessageStatus::Stopped);
    assert!(
        harness
            .query_by_label_contains("Waiting for the model")
            .is_none()
    );
}

#[test]
fn a_long_retry_note_wraps_inside_a_narrow_window() {
    let reason = "upstream overloaded ".repeat(20);
    let body = format!(r#"{{"error":{{"message":"{}"}}}}"#, reason.trim());
    let server = MockServer::start(move |n, _| match n {
        0 => Reply::json(503, &body),
        _ => Reply::sse(sse_body(&["ok"])),
    });
    let env = TestEnv::new("gui-retry-wrap");
    seed_provider(&env, &server);
    let mut options = env.options();
    options.retry.base_delay = Duration::from_secs(4);
    let runtime = support::runtime();
    let core = CoreHandle::start(runtime.handle(), options).unwrap();
    let width = 640.0;
    let mut harness = Harness::builder()
        .with_size([width, 600.0])
        .build_eframe(|cc| App::with_lang(cc, core, Lang::En));
    step_until(&mut harness, "the provider", |app| {
        app.state().active_provider.is_some()
    });
    type_question(&mut harness, "retry");
    harness.key_press(egui::Key::Enter);
    step_until(&mut harness, "the retry note", |app| {
        !app.state().retries.is_empty()
    });
    harness.run_steps(2);
    let note = harness.get_by_label_contains("upstream overloaded");
    let rect = note.rect();
    assert!(
        rect.right() <= width,
        "the note ends at {rect:?}, past {width}"
    );
    assert!(
        rect.height() > 30.0,
        "it wrapped onto several lines: {rect:?}"
    );
}

/// The composer's contract with the core: every `Send` is answered, accepted or refused, so
/// a question never waits in the composer forever.
#[test]
fn every_question_is_answered_with_accepted_or_refused() {
    let server = MockServer::always(Reply::sse(sse_body(&["好"])));
    let env = TestEnv::new("core-accept-refuse");
    seed_provider(&env, &server);
    let mut driver = support::Driver::start(&env);
    driver.send_question(None, "   ");
    let reason = driver.next_error();
    assert!(reason.contains("empty"), "{reason}");
    driver.send_question(None, "真正的问题");
    let events = driver.until(|e| matches!(e, ocrchat::core::Event::QuestionAccepted { .. }));
    let Some(ocrchat::core::Event::QuestionAccepted { conversation }) = events.last() else {
        unreachable!()
    };
    let conversation = *conversation;
    let opened = driver.until(|e| matches!(e, ocrchat::core::Event::ConversationOpened { .. }));
    assert!(matches!(
        opened.last(),
        Some(ocrchat::core::Event::ConversationOpened { id: Some(id), .. }) if *id == conversation
    ));
    driver.until(|e| matches!(e, ocrchat::core::Event::MessageFinished { .. }));
    driver.shutdown();
}
