//! Issue 9 §5: where older messages were not sent because they do not fit the model's
//! context window, the real `App` shows a marker above the oldest message sent, in English
//! and, after a restart, in Chinese.

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

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use ocrchat::config::Settings;
use ocrchat::core::CoreHandle;
use ocrchat::llm::{ModelSettings, ProviderConfig};
use ocrchat::store::MessageStatus;
use ocrchat::ui::App;
use ocrchat::ui::strings::Lang;
use support::gui::{seed_conversation, step_until, type_question};
use support::{MockServer, Reply, TestEnv, sse_body};

/// A 1,024-token window with 724-token replies: 300 tokens of history, one seeded turn.
fn seed_tiny_window(env: &TestEnv, server: &MockServer) {
    let mut provider = ProviderConfig::new("Local", &server.base_url, "tiny");
    provider.models.push(ModelSettings {
        name: "tiny".into(),
        context_window: Some(1_024),
        max_tokens: Some(724),
        ..ModelSettings::default()
    });
    let mut settings = Settings::default();
    settings.upsert(provider);
    settings.active_provider = Some("Local".into());
    settings.save(&env.paths.config_file()).unwrap();
}

fn open_long<'a>(env: &TestEnv, runtime: &tokio::runtime::Runtime, lang: Lang) -> Harness<'a, App> {
    let core = CoreHandle::start(runtime.handle(), env.options()).unwrap();
    let mut harness = Harness::builder()
        .with_size([1100.0, 760.0])
        .build_eframe(|cc| App::with_lang(cc, core, lang));
    step_until(&mut harness, "the conversation list", |app| {
        !app.state().conversations.is_empty()
    });
    harness.get_by_label("long").click();
    step_until(&mut harness, "the conversation", |app| {
        app.state().messages.len() >= 40
    });
    harness
}

#[test]
fn a_marker_shows_where_older_messages_were_not_sent() {
    let server = MockServer::always(Reply::sse(sse_body(&["short reply"])));
    let env = TestEnv::new("gui-ctx");
    seed_tiny_window(&env, &server);
    // ~84 tokens a message: only the newest seeded turn fits beside the question.
    seed_conversation(&env, "long", 40, |i| {
        format!("m{i}: {}", "words ".repeat(52))
    });
    let runtime = support::runtime();
    let mut harness = open_long(&env, &runtime, Lang::En);
    let marker = "Earlier messages were not sent: they do not fit the model's 1k context window";
    assert!(
        harness.query_by_label(marker).is_none(),
        "a marker before any request"
    );

    type_question(&mut harness, "newest question");
    harness.key_press(egui::Key::Enter);
    step_until(&mut harness, "the reply", |app| {
        app.state().messages.len() == 42
    });
    wait_for_reply_last(&mut harness);
    harness.run_steps(3);
    // Right above the oldest message sent (m38), below the newest one left out (m37).
    let shown = harness.get_by_label(marker).rect();
    let left_out = harness.get_by_label_contains("m37: ").rect();
    let first_sent = harness.get_by_label_contains("m38: ").rect();
    assert!(
        left_out.max.y <= shown.min.y && shown.max.y <= first_sent.min.y,
        "marker at {shown:?}, m37 at {left_out:?}, m38 at {first_sent:?}"
    );
    drop(harness);

    // After a restart, in Chinese.
    let mut harness = open_long(&env, &runtime, Lang::Zh);
    step_until(&mut harness, "the marker after a restart", |app| {
        app.state().context_cut.is_some()
    });
    harness.run_steps(3);
    harness.get_by_label("更早的消息没有发送：它们超出了模型 1k 的上下文窗口");
}

/// Waits until the newest message, the reply, is complete.
fn wait_for_reply_last(harness: &mut Harness<'_, App>) {
    step_until(harness, "the reply to finish", |app| {
        app.state()
            .messages
            .last()
            .is_some_and(|m| m.status == MessageStatus::Complete && !m.content.is_empty())
    });
}
