//! The provider form in the real window (`egui_kittest`, a real core, a scripted server on
//! 127.0.0.1): per-model settings saved into the config and sent with requests, and (with a
//! real Secret Service, `scripts/with-keyring.sh`) the API secret of a key + secret provider
//! kept only in the keyring and exchanged for a token.

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

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use ocrchat::config::Settings;
use ocrchat::llm::secret_entry;
use ocrchat::store::MessageStatus;
use ocrchat::ui::App;
use support::gui::{app_with_provider, fill, step_until, type_question, wait_for_reply};
use support::server::Recorded;
use support::{KeyringCleanup, MockServer, Reply, sse_body};

fn open_edit_form(harness: &mut Harness<'_, App>) {
    harness.get_by_label("Settings…").click();
    harness.run_steps(2);
    harness.get_by_label("Edit").click();
    harness.run_steps(2);
}

#[test]
fn per_model_settings_are_saved_and_sent_with_each_request() {
    let server = MockServer::always(Reply::sse(sse_body(&["好"])));
    let runtime = support::runtime();
    let (env, mut harness) = app_with_provider("gui-model-settings", &server, &runtime);
    open_edit_form(&mut harness);
    harness.get_by_label("Per-model settings").click();
    harness.run_steps(2);
    harness.get_by_label("Add model").click();
    harness.run_steps(2);
    // The new row is for the provider's model.
    let name = harness.get_by_role_and_label(Role::TextInput, "Model name");
    assert_eq!(name.value().as_deref(), Some("test-model"));
    fill(&mut harness, Role::TextInput, "Max tokens", "77");
    fill(&mut harness, Role::TextInput, "Context window", "8000");
    harness
        .get_by_role_and_label(Role::ComboBox, "Sees images")
        .click();
    harness.run_steps(2);
    harness.get_by_label("Yes").click();
    harness.run_steps(2);

    // A temperature out of range is refused, naming the model.
    fill(&mut harness, Role::TextInput, "Temperature", "3");
    harness.get_by_label("Save provider").click();
    harness.run_steps(2);
    harness.get_by_label_contains("Temperature of test-model must be between 0 and 2");
    fill(&mut harness, Role::TextInput, "Temperature", "0.3");
    harness.get_by_label("Save provider").click();
    step_until(&mut harness, "the saved model settings", |app| {
        app.state()
            .providers
            .first()
            .is_some_and(|p| !p.config.models.is_empty())
    });
    let saved = Settings::load(&env.paths.config_file()).unwrap();
    let profile = saved.provider("Local").unwrap().model_profile("test-model");
    assert!(profile.vision);
    assert_eq!(profile.context_window, 8000);
    assert_eq!(profile.max_tokens, Some(77));
    assert_eq!(
        profile.temperature.map(ocrchat::llm::Temperature::get),
        Some(0.3)
    );
    // Editing kept what the form does not show (the base URL's provider is the same one).
    assert_eq!(saved.providers.len(), 1);

    type_question(&mut harness, "hello");
    harness.key_press(egui::Key::Enter);
    wait_for_reply(&mut harness, MessageStatus::Complete);
    let body = server.requests()[0].json();
    assert_eq!(body["max_tokens"], 77);
    assert_eq!(body["temperature"], 0.3);
}

#[test]
fn the_api_secret_goes_only_to_the_keyring_and_is_exchanged_for_a_token() {
    support::require_secret_service();
    let server = MockServer::start(|_, request: &Recorded| {
        if request.path == "/oauth/token" {
            Reply::json(200, r#"{"access_token":"tok-0","expires_in":3600}"#)
        } else if request.header("authorization") == Some("Bearer tok-0") {
            Reply::sse(sse_body(&["ok"]))
        } else {
            Reply::json(401, r#"{"error":{"message":"no token"}}"#)
        }
    });
    let runtime = support::runtime();
    let (env, mut harness) = app_with_provider("gui-api-secret", &server, &runtime);
    let _cleanup = KeyringCleanup {
        service: env.keyring_service.clone(),
        names: vec!["Local".into(), secret_entry("Local")],
    };
    open_edit_form(&mut harness);
    let token_url = server.base_url.replace("/v1", "/oauth/token");
    fill(&mut harness, Role::TextInput, "Token URL", &token_url);
    fill(
        &mut harness,
        Role::PasswordInput,
        "API key",
        "client-key-123",
    );
    fill(
        &mut harness,
        Role::PasswordInput,
        "API secret",
        "client-secret-456",
    );
    harness.get_by_label("Save provider").click();
    step_until(&mut harness, "the saved token URL", |app| {
        app.state()
            .providers
            .first()
            .is_some_and(|p| p.config.token_url.is_some())
    });
    let keyring = ocrchat::secrets::KeyringStore::new(env.keyring_service.clone());
    let stored = keyring.get(&secret_entry("Local")).unwrap().unwrap();
    assert_eq!(stored.expose(), "client-secret-456");
    let config = std::fs::read_to_string(env.paths.config_file()).unwrap();
    assert!(!config.contains("client-secret-456") && config.contains("oauth/token"));

    type_question(&mut harness, "hello");
    harness.key_press(egui::Key::Enter);
    wait_for_reply(&mut harness, MessageStatus::Complete);
    let token = server
        .requests()
        .into_iter()
        .find(|r| r.path == "/oauth/token")
        .unwrap();
    assert!(
        token.body.contains("client_id=client-key-123")
            && token.body.contains("client_secret=client-secret-456"),
        "{}",
        token.body
    );
}
