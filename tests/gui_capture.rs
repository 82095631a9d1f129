//! Issue 11, the window side of capture, driven through the real `App` with `egui_kittest`:
//! the composer has a Capture button, and Settings edits the two hotkeys and the "capture and
//! ask" questions, saved in `config.toml` and kept after a restart.

#![expect(
    clippy::expect_used,
    clippy::format_push_string,
    clippy::let_underscore_must_use,
    clippy::match_wild_err_arm,
    clippy::missing_assert_message,
    clippy::unwrap_used,
    reason = "tests fail loudly on a broken fixture"
)]
mod support;

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable as _;
use ocrchat::config::Settings;
use support::gui::{app_harness, app_with_provider, fill, step_until};
use support::{MockServer, Reply, sse_body};

#[test]
fn settings_save_the_capture_hotkeys_and_questions() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = MockServer::always(Reply::sse(sse_body(&["ok"])));
    let (env, mut harness) = app_with_provider("gui-capture-settings", &server, &runtime);
    harness.get_by_label("Capture");
    harness.get_by_label("Settings…").click();
    harness.step();
    harness.step();
    assert!(
        harness.query_by_label("Save capture settings").is_some(),
        "Settings has a capture section"
    );

    // Something that is not a hotkey says so, and names what would work.
    fill(
        &mut harness,
        Role::TextInput,
        "Capture hotkey",
        "Ctrl+Enter",
    );
    harness.step();
    assert!(
        harness
            .query_by_label_contains("not understood: \"Enter\" is not a key ocrchat can bind")
            .is_some(),
        "the invalid hotkey is explained"
    );
    fill(
        &mut harness,
        Role::TextInput,
        "Capture hotkey",
        "Ctrl+Alt+X",
    );
    fill(
        &mut harness,
        Role::TextInput,
        "Question 2",
        "Summarise this",
    );
    let radios: Vec<_> = harness.get_all_by_label("The hotkey asks").collect();
    assert_eq!(radios.len(), 3, "one choice per question");
    radios[1].click();
    harness.step();
    harness.get_by_label("Save capture settings").click();
    step_until(&mut harness, "the saved capture settings", |app| {
        app.state().capture.hotkey == "Ctrl+Alt+X"
    });

    let saved = Settings::load(&env.paths.config_file()).unwrap();
    assert_eq!(saved.capture.hotkey, "Ctrl+Alt+X");
    assert_eq!(saved.capture.ask_hotkey, "Ctrl+Alt+Q", "untouched");
    assert_eq!(saved.capture.questions[1], "Summarise this");
    assert_eq!(saved.capture.ask_question, 1);
    drop(harness);

    // A restart reads them back.
    let mut harness = app_harness(&env, &runtime);
    step_until(&mut harness, "the remembered capture settings", |app| {
        app.state().capture.questions.get(1).map(String::as_str) == Some("Summarise this")
    });
}
