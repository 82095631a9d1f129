//! The real `App` driven with `egui_kittest`: add a provider on the welcome screen, type a
//! question, press Enter, watch the reply stream in as Markdown; Stop mid-stream; restart
//! and find the conversation again. The core talks to a scripted server on 127.0.0.1.

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
use egui_kittest::kittest::{By, Queryable as _};
use ocrchat::config::Settings;
use ocrchat::core::CoreHandle;
use ocrchat::llm::ProviderConfig;
use ocrchat::store::{MessageStatus, Store};
use ocrchat::ui::App;
use ocrchat::ui::strings::Lang;
use support::gui::{
    WAIT, app_harness, app_with_provider, fill, seed_conversation, seed_provider, step_until,
    type_question, wait_for_reply,
};
use support::{KeyringCleanup, MockServer, Reply, TestEnv, sse_body, sse_chunk, wait_until};

const MARKDOWN_REPLY: &[&str] = &[
    "## 结果\n\n",
    "这是**加粗**的中文。\n\n",
    "- first item\n- second item\n\n",
    "| col | 值 |\n|---|---|\n| a | 一 |\n\n",
    "```rust\nfn main() {}\n```\n",
];

#[test]
fn add_provider_then_ask_and_see_the_streamed_markdown_reply() {
    support::require_secret_service();
    let server = MockServer::always(Reply::sse_pieces(
        sse_body(MARKDOWN_REPLY)
            .into_bytes()
            .chunks(23)
            .map(<[u8]>::to_vec)
            .collect(),
        Duration::from_millis(2),
    ));
    let env = TestEnv::new("gui-add");
    let _cleanup = KeyringCleanup {
        service: env.keyring_service.clone(),
        names: vec!["My server".into()],
    };
    let runtime = support::runtime();
    let mut harness = app_harness(&env, &runtime);
    step_until(&mut harness, "the provider list", |app| {
        app.state().providers_loaded
    });

    // Welcome screen: pick the custom preset and fill the form.
    harness.get_by_label("Welcome to ocrchat");
    harness.get_by_label("Custom OpenAI-compatible").click();
    harness.step();
    fill(&mut harness, Role::TextInput, "Name", "My server");
    fill(&mut harness, Role::TextInput, "Base URL", &server.base_url);
    fill(&mut harness, Role::TextInput, "Model", "test-model");
    fill(
        &mut harness,
        Role::PasswordInput,
        "API key",
        "sk-gui-secret",
    );
    harness.get_by_label("Save provider").click();
    step_until(&mut harness, "the saved provider", |app| {
        app.state()
            .providers
            .iter()
            .any(|p| p.config.name == "My server")
    });
    assert!(harness.query_by_label("Welcome to ocrchat").is_none());
    let stored = ocrchat::secrets::KeyringStore::new(env.keyring_service.clone())
        .get("My server")
        .unwrap()
        .expect("the key is in the keyring");
    assert_eq!(stored.expose(), "sk-gui-secret");
    let config = std::fs::read_to_string(env.paths.config_file()).unwrap();
    assert!(config.contains("My server") && !config.contains("sk-gui-secret"));

    // Ask: type, press Enter.
    type_question(&mut harness, "用 Markdown 回答");
    harness.key_press(egui::Key::Enter);
    step_until(&mut harness, "the reply to finish", |app| {
        app.state().messages.len() == 2 && app.state().messages[1].status == MessageStatus::Complete
    });
    assert_eq!(harness.state().draft(), "", "Enter sent the draft");
    assert_eq!(
        harness.state().state().messages[0].content,
        "用 Markdown 回答"
    );
    assert_eq!(
        harness.state().state().messages[1].content,
        MARKDOWN_REPLY.concat()
    );

    // What the person sees: the heading, bold text, list items, the table and the code.
    harness.get_by_label("结果");
    harness.get_by_label_contains("加粗");
    harness.get_by_label_contains("second item");
    harness.get_by_label_contains("一");
    // Code blocks show in a read-only text area (selectable, with a copy button).
    harness.get(
        By::new()
            .role(Role::MultilineTextInput)
            .value("fn main() {}"),
    );
    // Copy puts the reply's Markdown on the clipboard.
    harness.get_by_label("Copy").click();
    harness.step();
    let copied = harness.output().platform_output.commands.iter().any(
        |c| matches!(c, egui::OutputCommand::CopyText(text) if *text == MARKDOWN_REPLY.concat()),
    );
    assert!(copied, "{:?}", harness.output().platform_output.commands);
    // The request carried the key from the keyring.
    let requests = server.requests();
    assert_eq!(
        requests[0].header("authorization"),
        Some("Bearer sk-gui-secret")
    );
    assert_eq!(
        requests[0].json()["messages"][0]["content"],
        "用 Markdown 回答"
    );
}

#[test]
fn stop_mid_stream_keeps_the_partial_reply() {
    let tokens: Vec<String> = (0..400).map(|i| format!("词{i} ")).collect();
    let pieces = tokens.iter().map(|t| sse_chunk(t).into_bytes()).collect();
    let server = MockServer::always(Reply::sse_pieces(pieces, Duration::from_millis(20)));
    let runtime = support::runtime();
    let (env, mut harness) = app_with_provider("gui-stop", &server, &runtime);

    type_question(&mut harness, "count");
    harness.get_by_label("Send").click();
    step_until(&mut harness, "some streamed text", |app| {
        app.state()
            .messages
            .get(1)
            .is_some_and(|m| m.content.len() > 20)
    });
    harness.get_by_label("Stop").click();
    step_until(&mut harness, "the stopped reply", |app| {
        app.state().messages[1].status == MessageStatus::Stopped
    });
    let shown = harness.state().state().messages[1].content.clone();
    assert!(shown.starts_with("词0 词1 "), "{shown}");
    assert!(
        shown.len() < tokens.concat().len(),
        "the reply was cut short"
    );
    harness.get_by_label("Stopped. The partial reply is kept");
    harness.get_by_label("Send");
    // The HTTP request was dropped: the server's next write fails.
    wait_until("the server to see the client hang up", WAIT, || {
        server.client_hung_up()
    });

    // The partial reply is in the database, marked stopped.
    drop(harness);
    let store = Store::open(&env.database()).unwrap();
    let conversation = store.list_conversations().unwrap()[0].id;
    let saved = store.messages(conversation).unwrap();
    wait_until("the stopped reply to be saved", WAIT, || {
        let saved = store.messages(conversation).unwrap();
        saved[1].status == MessageStatus::Stopped
    });
    let saved_reply = &store.messages(conversation).unwrap()[1];
    assert_eq!(saved.len(), 2);
    assert_eq!(saved_reply.content, shown);
}

#[test]
fn conversations_survive_a_restart_and_chinese_renders() {
    let server = MockServer::always(Reply::sse(sse_body(&["你好！", "我是助手。"])));
    let env = TestEnv::new("gui-restart");
    seed_provider(&env, &server);
    let runtime = support::runtime();
    {
        let mut harness = app_harness(&env, &runtime);
        step_until(&mut harness, "the provider list", |app| {
            app.state().active_provider.is_some()
        });
        type_question(&mut harness, "第一个问题");
        harness.key_press(egui::Key::Enter);
        wait_for_reply(&mut harness, MessageStatus::Complete);
    }
    // A new app on the same files: the sidebar lists the conversation; opening it shows both
    // messages, in Chinese (the harness fails on glyphs no loaded font covers).
    let mut harness = app_harness(&env, &runtime);
    step_until(&mut harness, "the conversation list", |app| {
        !app.state().conversations.is_empty()
    });
    harness.get_by_label("第一个问题").click();
    step_until(&mut harness, "the opened conversation", |app| {
        app.state().messages.len() == 2
    });
    harness.get_by_label_contains("你好！我是助手。");
    harness.get_by_label("New chat").click();
    step_until(&mut harness, "an empty chat", |app| {
        app.state().messages.is_empty()
    });
    harness.get_by_label("Ask a question to start");
}

#[test]
fn shift_enter_adds_a_line_and_a_failed_reply_says_why() {
    let server = MockServer::always(Reply::json(401, r#"{"error":{"message":"Invalid token"}}"#));
    let runtime = support::runtime();
    let (_env, mut harness) = app_with_provider("gui-401", &server, &runtime);
    type_question(&mut harness, "line one");
    harness.key_press_modifiers(egui::Modifiers::SHIFT, egui::Key::Enter);
    harness.step();
    harness
        .get_by_role_and_label(Role::MultilineTextInput, "Message")
        .type_text("line two");
    harness.step();
    assert_eq!(harness.state().draft(), "line one\nline two");
    assert!(
        harness.state().state().messages.is_empty(),
        "Shift+Enter does not send"
    );
    harness.key_press(egui::Key::Enter);
    wait_for_reply(&mut harness, MessageStatus::Failed);
    harness.get_by_label_contains("The server rejected the API key (401): Invalid token");
    harness.get_by_label_contains("Open Settings → Providers");
}

#[test]
fn reasoning_folds_away_and_a_cut_off_reply_says_so() {
    let body = concat!(
        "data: {\"choices\":[{\"delta\":{\"reasoning_content\":\"先想一想\"}}]}\n\n",
        "data: {\"choices\":[{\"delta\":{\"content\":\"答案是\"}}]}\n\n",
        "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"length\"}]}\n\n",
        "data: [DONE]\n\n",
    );
    let server = MockServer::always(Reply::sse(body));
    let runtime = support::runtime();
    let (_env, mut harness) = app_with_provider("gui-think", &server, &runtime);
    type_question(&mut harness, "想");
    harness.key_press(egui::Key::Enter);
    wait_for_reply(&mut harness, MessageStatus::Truncated);
    harness.get_by_label_contains("答案是");
    harness.get_by_label_contains("cut off by the token limit");
    // The reasoning is folded away until the person opens it.
    assert!(harness.query_by_label_contains("先想一想").is_none());
    harness.get_by_label("Thinking").click();
    harness.run_steps(4);
    harness.get_by_label_contains("先想一想");
}

#[test]
fn settings_edit_rename_switch_and_remove_providers() {
    let server = MockServer::always(Reply::sse(sse_body(&["ok"])));
    let env = TestEnv::new("gui-settings");
    let mut settings = Settings::default();
    settings.upsert(ProviderConfig::new("First", &server.base_url, "model-a"));
    settings.upsert(ProviderConfig::new("Second", &server.base_url, "model-b"));
    settings.active_provider = Some("First".into());
    settings.save(&env.paths.config_file()).unwrap();
    let runtime = support::runtime();
    let mut harness = app_harness(&env, &runtime);
    step_until(&mut harness, "the provider list", |app| {
        app.state().providers.len() == 2
    });

    harness.get_by_label("Settings…").click();
    harness.run_steps(2);
    // Edit "Second": change its model and name.
    harness.get_all_by_label("Edit").nth(1).unwrap().click();
    harness.run_steps(2);
    fill(&mut harness, Role::TextInput, "Model", "model-c");
    fill(&mut harness, Role::TextInput, "Name", "Renamed");
    harness.get_by_label("Save provider").click();
    step_until(&mut harness, "the renamed provider", |app| {
        app.state()
            .providers
            .iter()
            .any(|p| p.config.name == "Renamed" && p.config.model == "model-c")
    });
    assert!(
        !harness
            .state()
            .state()
            .providers
            .iter()
            .any(|p| p.config.name == "Second")
    );
    let saved = Settings::load(&env.paths.config_file()).unwrap();
    assert_eq!(saved.provider("Renamed").unwrap().model, "model-c");

    // Switch the active provider, then remove the other one.
    harness.get_by_label("Use").click();
    step_until(&mut harness, "the new active provider", |app| {
        app.state().active_provider.as_deref() == Some("Renamed")
    });
    harness.get_all_by_label("Remove").next().unwrap().click();
    harness.run_steps(2);
    // Asked first; the dialog's own Remove confirms.
    harness.get_by_label_contains("Remove the provider “First”");
    assert_eq!(harness.state().state().providers.len(), 2);
    harness.get_all_by_label("Remove").last().unwrap().click();
    step_until(&mut harness, "one provider left", |app| {
        app.state().providers.len() == 1
    });
    let saved = Settings::load(&env.paths.config_file()).unwrap();
    assert_eq!(saved.providers.len(), 1);
    assert_eq!(saved.active_provider.as_deref(), Some("Renamed"));

    // A bad base URL is refused in the form, with the field named.
    harness.get_by_label("Add provider").click();
    harness.run_steps(2);
    harness.get_by_label("Custom OpenAI-compatible").click();
    harness.run_steps(2);
    fill(&mut harness, Role::TextInput, "Base URL", "localhost:1234");
    harness.get_by_label("Save provider").click();
    harness.run_steps(2);
    harness.get_by_label_contains("The base URL “localhost:1234” is not a web address");

    // A name already taken is refused by the core; the form shows why, once.
    fill(&mut harness, Role::TextInput, "Base URL", &server.base_url);
    fill(&mut harness, Role::TextInput, "Model", "m");
    fill(&mut harness, Role::TextInput, "Name", "Renamed");
    harness.get_by_label("Save provider").click();
    let taken = "A provider named “Renamed” already exists. Choose another name.";
    wait_until("the refusal in the form", WAIT, || {
        harness.step();
        harness.query_by_label(taken).is_some()
    });
    assert_eq!(harness.query_all_by_label(taken).count(), 1);
}

#[test]
fn about_shows_version_and_commit_and_chinese_interface() {
    let env = TestEnv::new("gui-about");
    let runtime = support::runtime();
    let core = CoreHandle::start(runtime.handle(), env.options()).unwrap();
    let mut harness = Harness::builder()
        .with_size([1100.0, 760.0])
        .build_eframe(|cc| App::with_lang(cc, core, Lang::Zh));
    step_until(&mut harness, "the provider list", |app| {
        app.state().providers_loaded
    });
    harness.get_by_label("欢迎使用 ocrchat");
    harness.get_by_label("保存服务商");
    harness.get_by_label("关于…").click();
    harness.run_steps(2);
    harness.get_by_label(&format!("版本 {}", ocrchat::VERSION));
    harness.get_by_label("就截图和文档向 AI 聊天模型提问");
    assert!(ocrchat::VERSION.starts_with(env!("CARGO_PKG_VERSION")));
}

#[test]
fn a_long_conversation_lays_out_only_the_visible_messages() {
    let env = TestEnv::new("gui-long");
    seed_conversation(&env, "长对话", 3000, |i| format!("message {i} 第{i}条"));
    let runtime = support::runtime();
    let mut harness = app_harness(&env, &runtime);
    step_until(&mut harness, "the conversation list", |app| {
        !app.state().conversations.is_empty()
    });
    harness.get_by_label("长对话").click();
    step_until(&mut harness, "3000 messages", |app| {
        app.state().messages.len() == 3000
    });
    harness.run_steps(3);
    // The newest message is on screen; the oldest ones were never laid out.
    harness.get_by_label("message 2999 第2999条");
    assert!(harness.query_by_label("message 5 第5条").is_none());
    let drawn = harness.query_all_by_label_contains("message ").count();
    assert!(
        drawn < 40,
        "only the visible messages are drawn, not {drawn}"
    );
}

#[test]
fn a_dotenv_provider_is_offered_on_the_welcome_screen_and_imported() {
    support::require_secret_service();
    let server = MockServer::always(Reply::sse(sse_body(&["来自 .env"])));
    let env = TestEnv::new("gui-dotenv");
    let dotenv = env.dir.path().join(".env");
    let body = format!(
        "API_KEY=sk-gui-dotenv\nENDPOINT={}\nMODEL=qwen-plus\n",
        server.base_url
    );
    std::fs::write(&dotenv, body).unwrap();
    let _cleanup = KeyringCleanup {
        service: env.keyring_service.clone(),
        names: vec![".env".into()],
    };
    let mut options = env.options();
    options.dotenv_path = Some(dotenv);
    let runtime = support::runtime();
    let core = CoreHandle::start(runtime.handle(), options).unwrap();
    let mut harness = Harness::builder()
        .with_size([1100.0, 760.0])
        .build_eframe(|cc| App::with_lang(cc, core, Lang::En));
    step_until(&mut harness, "the .env offer", |app| {
        app.state().dotenv_offer.is_some()
    });
    harness.get_by_label("A .env file offers a provider");
    harness.get_by_label("Import").click();
    step_until(&mut harness, "the imported provider", |app| {
        app.state().active_provider.as_deref() == Some(".env")
    });
    assert!(
        harness
            .query_by_label("A .env file offers a provider")
            .is_none()
    );
    type_question(&mut harness, "hi");
    harness.key_press(egui::Key::Enter);
    wait_for_reply(&mut harness, MessageStatus::Complete);
    harness.get_by_label_contains("来自 .env");
    let request = &server.requests()[0];
    assert_eq!(
        request.header("authorization"),
        Some("Bearer sk-gui-dotenv")
    );
    assert_eq!(request.json()["model"], "qwen-plus");
}

#[test]
fn retry_asks_again_and_keeps_the_failed_reply() {
    let server = MockServer::start(|n, _| match n {
        0 => Reply::json(401, r#"{"error":{"message":"Invalid token"}}"#),
        _ => Reply::sse(sse_body(&["第二次成功"])),
    });
    let runtime = support::runtime();
    let (_env, mut harness) = app_with_provider("gui-retry", &server, &runtime);
    type_question(&mut harness, "请回答");
    harness.key_press(egui::Key::Enter);
    wait_for_reply(&mut harness, MessageStatus::Failed);
    harness.get_by_label("Retry").click();
    step_until(&mut harness, "the second reply", |app| {
        app.state()
            .messages
            .get(2)
            .is_some_and(|m| m.status == MessageStatus::Complete)
    });
    let messages = &harness.state().state().messages;
    assert_eq!(
        messages[1].status,
        MessageStatus::Failed,
        "the failed reply is kept"
    );
    assert_eq!(messages[2].content, "第二次成功");
    harness.get_by_label_contains("第二次成功");
    // The second request asked the same question, without the failed reply.
    let second = server.requests()[1].json();
    assert_eq!(second["messages"].as_array().unwrap().len(), 1);
    assert_eq!(second["messages"][0]["content"], "请回答");
}

#[test]
fn esc_stops_and_a_conversation_can_be_deleted_from_the_sidebar() {
    let pieces = (0..300)
        .map(|i| sse_chunk(&format!("片段{i} ")).into_bytes())
        .collect();
    let server = MockServer::always(Reply::sse_pieces(pieces, Duration::from_millis(20)));
    let runtime = support::runtime();
    let (env, mut harness) = app_with_provider("gui-esc", &server, &runtime);
    type_question(&mut harness, "要删除的对话");
    harness.key_press(egui::Key::Enter);
    step_until(&mut harness, "some streamed text", |app| {
        app.state()
            .messages
            .get(1)
            .is_some_and(|m| m.content.len() > 10)
    });
    harness.key_press(egui::Key::Escape);
    wait_for_reply(&mut harness, MessageStatus::Stopped);

    harness
        .get_by_role_and_label(Role::Button, "要删除的对话")
        .click_secondary();
    harness.run_steps(2);
    harness.get_by_label("Delete conversation").click();
    harness.run_steps(2);
    harness.get_by_label("Delete").click();
    step_until(&mut harness, "the empty history", |app| {
        app.state().conversations.is_empty()
    });
    harness.get_by_label("No conversations yet");
    let store = Store::open(&env.database()).unwrap();
    assert!(store.list_conversations().unwrap().is_empty());
}
