//! Helpers for the kittest GUI tests: the real `App` on a real core, typing, waiting.

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

use super::{MockServer, TestEnv, wait_until};

pub const WAIT: Duration = Duration::from_secs(20);

pub fn app_harness<'a>(env: &TestEnv, runtime: &tokio::runtime::Runtime) -> Harness<'a, App> {
    let core = CoreHandle::start(runtime.handle(), env.options()).unwrap();
    Harness::builder()
        .with_size([1100.0, 760.0])
        .build_eframe(|cc| App::with_lang(cc, core, Lang::En))
}

pub fn step_until(harness: &mut Harness<'_, App>, what: &str, done: impl Fn(&App) -> bool) {
    wait_until(what, WAIT, || {
        harness.step();
        done(harness.state())
    });
    harness.step();
}

/// Replaces the text of the field labelled `label`.
pub fn fill(harness: &mut Harness<'_, App>, role: Role, label: &str, text: &str) {
    harness.get_by_role_and_label(role, label).focus();
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.step();
    harness.get_by_role_and_label(role, label).type_text(text);
    harness.step();
}

/// Focuses the composer and types `text` (without sending).
pub fn type_question(harness: &mut Harness<'_, App>, text: &str) {
    harness
        .get_by_role_and_label(Role::MultilineTextInput, "Message")
        .focus();
    harness.step();
    harness
        .get_by_role_and_label(Role::MultilineTextInput, "Message")
        .type_text(text);
    harness.step();
}

/// Waits until the reply (the second message) has this status.
pub fn wait_for_reply(harness: &mut Harness<'_, App>, status: MessageStatus) {
    step_until(harness, &format!("a reply with status {status:?}"), |app| {
        app.state()
            .messages
            .get(1)
            .is_some_and(|m| m.status == status)
    });
}

/// An app whose config already has a provider pointing at `server`.
pub fn app_with_provider<'a>(
    name: &str,
    server: &MockServer,
    runtime: &tokio::runtime::Runtime,
) -> (TestEnv, Harness<'a, App>) {
    let env = TestEnv::new(name);
    seed_provider(&env, server);
    let mut harness = app_harness(&env, runtime);
    step_until(&mut harness, "the provider list", |app| {
        app.state().active_provider.is_some()
    });
    (env, harness)
}

pub fn seed_provider(env: &TestEnv, server: &MockServer) {
    let mut settings = Settings::default();
    settings.upsert(ProviderConfig::new("Local", &server.base_url, "test-model"));
    settings.active_provider = Some("Local".into());
    settings.save(&env.paths.config_file()).unwrap();
}

/// Writes a conversation of `count` finished messages (user and assistant in turn) straight
/// into the history file.
pub fn seed_conversation(
    env: &TestEnv,
    title: &str,
    count: usize,
    content: impl Fn(usize) -> String,
) {
    let store = ocrchat::store::Store::open(&env.database()).unwrap();
    let id = store.create_conversation(title).unwrap();
    for i in 0..count {
        let role = [ocrchat::llm::Role::User, ocrchat::llm::Role::Assistant][i % 2];
        let content = content(i);
        let new = ocrchat::store::NewMessage {
            role,
            content: &content,
            status: MessageStatus::Complete,
            provider: None,
            model: None,
        };
        store.add_message(id, &new).unwrap();
    }
}

/// A file dropped from the desktop, as eframe hands it over (its path).
#[derive(Debug)]
pub struct DroppedPath(pub std::path::PathBuf);

impl egui::DroppedFile for DroppedPath {
    fn path(&self) -> &std::path::Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        Err("the window must not read dropped files itself".into())
    }
}
