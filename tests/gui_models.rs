//! Issue 12 in the real window (`egui_kittest`, a real core, a scripted server on 127.0.0.1):
//! the model picker (the provider's list, free entry, a change midway, each reply naming its
//! model), the retry note with its countdown and Cancel, and a queued reply's note.

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
use ocrchat::config::Settings;
use ocrchat::core::CoreHandle;
use ocrchat::llm::ProviderConfig;
use ocrchat::store::MessageStatus;
use ocrchat::ui::App;
use ocrchat::ui::strings::Lang;
use support::gui::{app_harness, fill, seed_provider, step_until, type_question};
use support::{MockServer, Reply, TestEnv, sse_body, sse_chunk};

/// Replies (in order) with their status, from the window's state.
fn replies(app: &App) -> Vec<(Option<String>, MessageStatus)> {
    app.state()
        .messages
        .iter()
        .filter(|m| m.role == ocrchat::llm::Role::Assistant)
        .map(|m| (m.model.clone(), m.status))
        .collect()
}

fn send(harness: &mut Harness<'_, App>, text: &str) {
    type_question(harness, text);
    harness.key_press(egui::Key::Enter);
    harness.step();
}

#[test]
fn the_picker_lists_models_takes_free_entry_and_each_reply_names_its_model() {
    let server = MockServer::start(|_, request| {
        if request.method == "GET" {
            Reply::json(200, r#"{"data":[{"id":"model-b"},{"id":"model-a"}]}"#)
        } else {
            Reply::sse(sse_body(&["好"]))
        }
    });
    let env = TestEnv::new("gui-picker");
    let mut settings = Settings::default();
    settings.upsert(ProviderConfig::new("Local", &server.base_url, "model-a"));
    settings.active_provider = Some("Local".into());
    settings.save(&env.paths.config_file()).unwrap();
    let runtime = support::runtime();
    let mut harness = app_harness(&env, &runtime);
    step_until(&mut harness, "the provider", |app| {
        app.state().active_provider.is_some()
    });
    // A new chat starts with the active provider's model.
    let field = harness.get_by_role_and_label(Role::TextInput, "Chat model");
    assert_eq!(field.value().as_deref(), Some("model-a"));

    // The list is fetched when opened; pick one, then ask.
    harness.get_by_label("Models").click();
    step_until(&mut harness, "the model list", |app| {
        app.state().model_lists.contains_key("Local")
    });
    harness.get_by_label("model-b").click();
    harness.run_steps(2);
    send(&mut harness, "first");
    step_until(&mut harness, "the first reply", |app| {
        replies(app) == [(Some("model-b".into()), MessageStatus::Complete)]
    });
    let chats: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(chats[0].json()["model"], "model-b");

    // Midway: a model typed by hand, remembered by the conversation at once.
    fill(&mut harness, Role::TextInput, "Chat model", "model-typed");
    harness.key_press(egui::Key::Enter);
    step_until(&mut harness, "the conversation's new model", |app| {
        let id = app.state().current.unwrap();
        app.state()
            .conversation_models
            .get(&id)
            .is_some_and(|c| c.model == "model-typed")
    });
    send(&mut harness, "second");
    step_until(&mut harness, "the second reply", |app| {
        replies(app).len() == 2 && replies(app)[1].1 == MessageStatus::Complete
    });
    assert_eq!(
        replies(harness.state())[1].0.as_deref(),
        Some("model-typed")
    );
    // Each reply shows which model wrote it.
    harness.get_by_label("model-b");
    harness.get_by_label("model-typed");

    // A new chat starts again from the active provider's model.
    harness.get_by_label("New chat").click();
    step_until(&mut harness, "the new chat", |app| {
        app.state().current.is_none()
    });
    harness.run_steps(2);
    let field = harness.get_by_role_and_label(Role::TextInput, "Chat model");
    assert_eq!(field.value().as_deref(), Some("model-a"));
}

#[test]
fn a_retry_counts_down_in_words_and_cancel_stops_it() {
    let server = MockServer::start(|n, _| match n {
        0 => Reply::json(503, ""),
        _ => Reply::sse(sse_body(&["ok"])),
    });
    let env = TestEnv::new("gui-retry-cancel");
    seed_provider(&env, &server);
    let mut options = env.options();
    options.retry.base_delay = Duration::from_secs(8);
    let runtime = support::runtime();
    let core = CoreHandle::start(runtime.handle(), options).unwrap();
    let mut harness = Harness::builder()
        .with_size([1100.0, 760.0])
        .build_eframe(|cc| App::with_lang(cc, core, Lang::En));
    step_until(&mut harness, "the provider", |app| {
        app.state().active_provider.is_some()
    });
    send(&mut harness, "hello");
    step_until(&mut harness, "the retry note", |app| {
        !app.state().retries.is_empty()
    });
    harness.run_steps(2);
    // "retrying in 8 s (attempt 2 of 3): …", the seconds counting down.
    harness.get_by_label_contains("retrying in ");
    harness.get_by_label_contains(" s (attempt 2 of 3): the server is overloaded (503)");
    harness.get_by_label("Cancel").click();
    step_until(&mut harness, "the stopped reply", |app| {
        replies(app).first().map(|r| r.1) == Some(MessageStatus::Stopped)
    });
    assert!(harness.query_by_label_contains("retrying in ").is_none());
    assert_eq!(server.requests().len(), 1, "nothing was sent again");
}

#[test]
fn a_reply_past_the_in_flight_limit_says_it_waits() {
    let pieces = (0..40)
        .map(|i| sse_chunk(&format!("t{i} ")).into_bytes())
        .chain([b"data: [DONE]\n\n".to_vec()])
        .collect();
    let server = MockServer::always(Reply::sse_pieces(pieces, Duration::from_millis(50)));
    let env = TestEnv::new("gui-queued");
    let mut settings = Settings::default();
    let mut provider = ProviderConfig::new("Local", &server.base_url, "m");
    provider.max_in_flight = Some(1);
    settings.upsert(provider);
    settings.active_provider = Some("Local".into());
    settings.save(&env.paths.config_file()).unwrap();
    let runtime = support::runtime();
    let mut harness = app_harness(&env, &runtime);
    step_until(&mut harness, "the provider", |app| {
        app.state().active_provider.is_some()
    });
    send(&mut harness, "one");
    step_until(&mut harness, "the first reply streaming", |app| {
        app.state()
            .messages
            .get(1)
            .is_some_and(|m| !m.content.is_empty())
    });
    harness.get_by_label("New chat").click();
    step_until(&mut harness, "the new chat", |app| {
        app.state().current.is_none()
    });
    send(&mut harness, "two");
    step_until(&mut harness, "the queued note", |app| {
        !app.state().queued.is_empty()
    });
    harness.run_steps(2);
    harness.get_by_label_contains("waiting: 1 requests to Local in flight");
    step_until(&mut harness, "the queued reply finished", |app| {
        replies(app).first().map(|r| r.1) == Some(MessageStatus::Complete)
    });
    assert!(harness.query_by_label_contains("waiting:").is_none());
}
