//! The provider form's Test connection button, driven with `egui_kittest` on the real `App`:
//! the Anthropic preset against a local server speaking its wire format, then a refused key.

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
use ocrchat::ui::App;
use ocrchat::ui::strings::Lang;
use support::{MockServer, Reply, TestEnv, wait_until};

const ANTHROPIC_OK: &str = "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"OK\"}}\n\nevent: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";

fn fill(harness: &mut Harness<'_, App>, role: Role, label: &str, text: &str) {
    harness.get_by_role_and_label(role, label).focus();
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.step();
    harness.get_by_role_and_label(role, label).type_text(text);
    harness.step();
}

/// Steps until a label containing `text` is shown.
fn wait_for_label(harness: &mut Harness<'_, App>, text: &str) {
    wait_until(text, Duration::from_secs(20), || {
        harness.step();
        harness.query_by_label_contains(text).is_some()
    });
}

#[test]
fn test_connection_reports_success_and_the_exact_failure() {
    let server = MockServer::start(|_, request| {
        if request.header("x-api-key") == Some("sk-ant-form-0123456789") {
            Reply::sse(ANTHROPIC_OK)
        } else {
            Reply::json(
                401,
                r#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#,
            )
        }
    });
    let host = server.base_url.trim_end_matches("/v1").to_owned();
    let env = TestEnv::new("gui-test-connection");
    let runtime = support::runtime();
    let core = CoreHandle::start(runtime.handle(), env.options()).unwrap();
    let mut harness = Harness::builder()
        .with_size([1100.0, 760.0])
        .build_eframe(|cc| App::with_lang(cc, core, Lang::En));
    wait_until("the provider list", Duration::from_secs(20), || {
        harness.step();
        harness.state().state().providers_loaded
    });

    harness.get_by_label("Anthropic").click();
    harness.step();
    fill(&mut harness, Role::TextInput, "Base URL", &host);
    fill(&mut harness, Role::TextInput, "Model", "claude-test");
    fill(
        &mut harness,
        Role::PasswordInput,
        "API key",
        "sk-ant-form-0123456789",
    );
    harness.get_by_label("Test connection").click();
    wait_for_label(&mut harness, "Connection works — claude-test at ");
    let sent = &server.requests()[0];
    assert_eq!(sent.path, "/v1/messages");
    assert_eq!(sent.header("anthropic-version"), Some("2023-06-01"));

    fill(
        &mut harness,
        Role::PasswordInput,
        "API key",
        "sk-wrong-0123456789",
    );
    harness.get_by_label("Test connection").click();
    wait_for_label(
        &mut harness,
        "The server rejected the API key (401): invalid x-api-key",
    );
    assert_eq!(
        server.requests().len(),
        2,
        "nothing saved, nothing else sent"
    );
}
